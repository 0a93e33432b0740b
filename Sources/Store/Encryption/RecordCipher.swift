import Primitives

/// Encrypts records and derives their lookup ids, from the database's data key.
///
/// - Each record is AES-256-GCM sealed with associated data naming its table and lookup
///   id, so a ciphertext copied to another row or table fails to open.
/// - Lookup ids are HMAC-SHA256 under a separate derived key: equal keys find each other,
///   but the file reveals neither addresses nor hashes.
public struct RecordCipher: Sendable {
    let encryptionKey: [UInt8]
    let lookupKey: [UInt8]
    /// The root of the node's other secrets (`secret(purpose:)`), never used as a key itself.
    let secretRoot: [UInt8]

    /// Domain label of the wrapped data key in the metadata table.
    package static let dataKeyLabel = Array("cloister/data-key/v1".utf8)

    /// Derives the record, lookup and secret-root keys from the data key (HKDF-SHA256).
    /// Throws `StoreError.encryptionFailed` if the cryptographic library refuses.
    public init(dataKey: [UInt8]) throws(StoreError) {
        encryptionKey = try Self.derive(from: dataKey, info: "cloister/record-encryption/v1")
        lookupKey = try Self.derive(from: dataKey, info: "cloister/record-lookup/v1")
        secretRoot = try Self.derive(from: dataKey, info: "cloister/node-secrets/v1")
    }

    private static func derive(from dataKey: [UInt8], info: String) throws(StoreError) -> [UInt8] {
        do {
            return try HKDF.deriveKey(secret: dataKey, info: Array(info.utf8), length: 32)
        } catch {
            throw .encryptionFailed("cannot derive the key \(info): \(error)")
        }
    }

    /// A 32-byte secret for one purpose (session tokens, block views), derived from the data
    /// key: stable for the life of the chain (a restart or a new master key keeps it) and
    /// independent of every other purpose's secret and of the record keys.
    ///
    /// Not throwing, on purpose: it is HKDF-SHA256 of a fixed 32 bytes from the 32-byte secret
    /// root, so HKDF's own argument checks always pass, and the only failure left is OpenSSL
    /// failing internally (no memory for a context), as for `HMACSHA256`, which traps on that too.
    /// Callers (session keys, member views, at start) have nothing to fall back to either.
    public func secret(purpose: String) -> [UInt8] {
        do {
            return try HKDF.deriveKey(
                secret: secretRoot, info: Array("cloister/node-secret/v1/\(purpose)".utf8), length: 32)
        } catch {
            preconditionFailure("HKDF-SHA256 of 32 bytes from a 32-byte key failed inside OpenSSL: \(error)")
        }
    }

    /// The keyed lookup id of `key` in `table`.
    public func lookupID(table: String, key: some Sequence<UInt8>) -> [UInt8] {
        lookupHash(table: table, key: key).bytes
    }

    /// `lookupID` as the 32-byte value it is (no array to allocate, nothing to convert back).
    public func lookupHash(table: String, key: some Sequence<UInt8>) -> Hash32 {
        var message = Array(table.utf8)
        message.append(0)
        message.append(contentsOf: key)
        return HMACSHA256.authenticationCode(key: lookupKey, message: message)
    }

    /// Seals `plaintext` for row `rowID` of `table`; returns nonce ‖ ciphertext ‖ tag.
    /// Throws `StoreError.encryptionFailed` if the cryptographic library refuses.
    public func seal(_ plaintext: [UInt8], table: String, rowID: [UInt8]) throws(StoreError) -> [UInt8] {
        do {
            return try AES256GCM.sealCombined(
                plaintext, key: encryptionKey, associatedData: associatedData(table: table, rowID: rowID))
        } catch {
            throw .encryptionFailed("cannot seal a record for \(table): \(error)")
        }
    }

    /// Opens a record sealed for exactly this table and row.
    public func open(_ sealed: [UInt8], table: String, rowID: [UInt8]) throws(StoreError) -> [UInt8] {
        do {
            let box = try AES256GCM.SealedBox(combined: sealed)
            return try AES256GCM.open(box, key: encryptionKey, associatedData: associatedData(table: table, rowID: rowID))
        } catch {
            throw .corruptRecord(table: table, detail: error.description)
        }
    }

    private func associatedData(table: String, rowID: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.associatedDataPrefix.count + table.utf8.count + 1 + rowID.count)
        bytes += Self.associatedDataPrefix
        bytes += table.utf8
        bytes.append(UInt8(ascii: "/"))
        bytes += rowID
        return bytes
    }

    private static let associatedDataPrefix = Array("cloister/record/v1/".utf8)

    /// Wraps a data key under the master key.
    package static func wrap(dataKey: [UInt8], with master: MasterKey) throws(StoreError) -> [UInt8] {
        do {
            return try AES256GCM.seal(dataKey, key: master.bytes, associatedData: dataKeyLabel).combined
        } catch {
            throw .encryptionFailed("cannot wrap the data key under the master key: \(error)")
        }
    }

    /// Unwraps the data key; fails for a wrong master key.
    package static func unwrap(_ wrapped: [UInt8], with master: MasterKey) -> [UInt8]? {
        guard let box = try? AES256GCM.SealedBox(combined: wrapped) else { return nil }
        return try? AES256GCM.open(box, key: master.bytes, associatedData: dataKeyLabel)
    }
}
