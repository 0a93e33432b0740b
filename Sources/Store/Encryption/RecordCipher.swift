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
    static let dataKeyLabel = Array("cloister/data-key/v1".utf8)

    public init(dataKey: [UInt8]) {
        encryptionKey = try! HKDF.deriveKey(secret: dataKey, info: Array("cloister/record-encryption/v1".utf8), length: 32)
        lookupKey = try! HKDF.deriveKey(secret: dataKey, info: Array("cloister/record-lookup/v1".utf8), length: 32)
        secretRoot = try! HKDF.deriveKey(secret: dataKey, info: Array("cloister/node-secrets/v1".utf8), length: 32)
    }

    /// A 32-byte secret for one purpose (session tokens, block views), derived from the data
    /// key: stable for the life of the chain (a restart or a new master key keeps it) and
    /// independent of every other purpose's secret and of the record keys.
    public func secret(purpose: String) -> [UInt8] {
        try! HKDF.deriveKey(secret: secretRoot, info: Array("cloister/node-secret/v1/\(purpose)".utf8), length: 32)
    }

    /// The keyed lookup id of `key` in `table`.
    public func lookupID(table: String, key: some Sequence<UInt8>) -> [UInt8] {
        var message = Array(table.utf8)
        message.append(0)
        message.append(contentsOf: key)
        return HMACSHA256.authenticationCode(key: lookupKey, message: message).bytes
    }

    /// Seals `plaintext` for row `rowID` of `table`; returns nonce ‖ ciphertext ‖ tag.
    public func seal(_ plaintext: [UInt8], table: String, rowID: [UInt8]) -> [UInt8] {
        try! AES256GCM.sealCombined(plaintext, key: encryptionKey, associatedData: associatedData(table: table, rowID: rowID))
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
    static func wrap(dataKey: [UInt8], with master: MasterKey) -> [UInt8] {
        try! AES256GCM.seal(dataKey, key: master.bytes, associatedData: dataKeyLabel).combined
    }

    /// Unwraps the data key; fails for a wrong master key.
    static func unwrap(_ wrapped: [UInt8], with master: MasterKey) -> [UInt8]? {
        guard let box = try? AES256GCM.SealedBox(combined: wrapped) else { return nil }
        return try? AES256GCM.open(box, key: master.bytes, associatedData: dataKeyLabel)
    }
}
