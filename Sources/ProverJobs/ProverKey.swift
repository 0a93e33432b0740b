import Foundation
import Primitives

/// The key the node seals prover jobs with and `cloister prover` workers open them with:
/// 32 random bytes, hex on one line, in a file of mode 0600 (`cloister keys new-prover`).
///
/// It opens witnesses only: a worker holding it learns the batches it proves, never the
/// master key, the chain's records or its seed. A sealed job is bound to its batch number
/// (associated data), so a row copied to another batch does not open, and starts with the
/// key's public id, so a worker given the wrong key says so instead of "tampered".
public struct ProverKey: Sendable {
    let bytes: [UInt8]
    /// SHA-256("cloister/prover-key-id/v1" ‖ key), first 8 bytes in hex: names the key, reveals nothing of it.
    public let id: String
    let idBytes: [UInt8]

    static let sealVersion: UInt8 = 1
    static let idLength = 8

    public init(bytes: [UInt8]) throws(ProverJobError) {
        guard bytes.count == 32 else { throw .keyUnusable(path: "<memory>", reason: "a prover key is 32 bytes") }
        self.bytes = bytes
        idBytes = Array(SHA256.hash(Array("cloister/prover-key-id/v1".utf8) + bytes).bytes.prefix(Self.idLength))
        id = Hex.encode(idBytes, prefix: false)
    }

    /// Creates a new key file (mode 0600); never overwrites one.
    public static func create(at path: String) throws(ProverJobError) -> ProverKey {
        let bytes = SecureRandom.bytes(32)
        do { try KeyFile.write(Array((Hex.encode(bytes) + "\n").utf8), to: path) } catch {
            throw .keyUnusable(path: path, reason: error.description)
        }
        return try ProverKey(bytes: bytes)
    }

    /// Reads a key file, refusing one that others can read.
    public static func load(from path: String) throws(ProverJobError) -> ProverKey {
        guard FileManager.default.fileExists(atPath: path) else { throw .keyMissing(path: path) }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        {
            throw .keyUnusable(path: path, reason: "its mode is \(String(mode, radix: 8)); run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .keyUnusable(path: path, reason: "it cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = try? Hex.decodeData(text, count: 32) else {
            throw .keyUnusable(path: path, reason: "it must hold 0x followed by 64 hex digits")
        }
        var key = try ProverKey(bytes: bytes)
        key.path = path
        return key
    }

    /// The file the key was read from, for messages.
    public private(set) var path: String?

    static func associatedData(batch: UInt64) -> [UInt8] { Array("cloister/prover-job/v1/batch/\(batch)".utf8) }

    /// version ‖ key id (8 bytes) ‖ AES-256-GCM(nonce ‖ ciphertext ‖ tag) of the job's encoding,
    /// bound to its batch number.
    public func seal(_ job: ProvingJob) throws(ProverJobError) -> [UInt8] {
        let sealed: [UInt8]
        do {
            sealed = try AES256GCM.sealCombined(job.encoded, key: bytes, associatedData: Self.associatedData(batch: job.batch))
        } catch { throw .malformed("the job of batch \(job.batch) cannot be sealed: \(error)") }
        return [Self.sealVersion] + idBytes + sealed
    }

    /// Opens the sealed job of `batch`: refused when sealed with another key, altered, moved
    /// from another batch, or not a job.
    public func open(_ sealed: [UInt8], batch: UInt64) throws(ProverJobError) -> ProvingJob {
        let header = 1 + Self.idLength
        guard sealed.count > header + AES256GCM.nonceByteCount + AES256GCM.tagByteCount, sealed[0] == Self.sealVersion else {
            throw .malformed("the sealed witness of batch \(batch) is not a sealed job (version \(sealed.first ?? 0))")
        }
        let sealedWith = Hex.encode(Array(sealed[1..<header]), prefix: false)
        guard sealedWith == id else { throw .wrongKey(batch: batch, sealedWith: sealedWith, workerKey: id) }
        let plaintext: [UInt8]
        do {
            let box = try AES256GCM.SealedBox(combined: Array(sealed[header...]))
            plaintext = try AES256GCM.open(box, key: bytes, associatedData: Self.associatedData(batch: batch))
        } catch { throw .tampered(batch: batch) }
        let job = try ProvingJob(decoding: plaintext)
        guard job.batch == batch else { throw .malformed("the job sealed for batch \(batch) is batch \(job.batch)'s") }
        return job
    }
}
