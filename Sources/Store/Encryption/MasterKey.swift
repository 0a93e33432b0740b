import Foundation
import Primitives

/// The operator's master key: 32 random bytes, hex on one line, in a file of mode 0600.
///
/// It never encrypts records itself; it only wraps the database's data key (envelope
/// encryption), so rotating it means re-wrapping one value, not re-encrypting the chain.
public struct MasterKey: Sendable {
    let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(StoreError) {
        guard bytes.count == 32 else { throw .masterKeyUnusable(path: "<memory>", reason: "a master key is 32 bytes") }
        self.bytes = bytes
    }

    /// Creates a new key file; never overwrites one.
    public static func create(at path: String) throws(StoreError) -> MasterKey {
        let bytes = SecureRandom.bytes(32)
        do {
            try KeyFile.write(Array((Hex.encode(bytes) + "\n").utf8), to: path)
        } catch {
            throw .masterKeyUnusable(path: path, reason: error.description)
        }
        return try MasterKey(bytes: bytes)
    }

    /// Reads a key file, refusing one that others can read.
    public static func load(from path: String) throws(StoreError) -> MasterKey {
        guard FileManager.default.fileExists(atPath: path) else { throw .masterKeyMissing(path: path) }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        {
            throw .masterKeyUnusable(
                path: path, reason: "its mode is \(String(mode, radix: 8)); run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .masterKeyUnusable(path: path, reason: "it cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = try? Hex.decodeData(text, count: 32) else {
            throw .masterKeyUnusable(path: path, reason: "it must hold 0x followed by 64 hex digits")
        }
        return try MasterKey(bytes: bytes)
    }
}
