import Primitives

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``WalletSignIn`` keeps its revocations, so that a restart does not undo a sign-out.
///
/// Session tokens are checked by their MAC under a key that outlives the process, so a token
/// issued before a restart is accepted after it. The one thing that must outlive the process
/// with it is which of those tokens were ended early. ``WalletSignIn`` reads the list once,
/// when it starts, and hands over the whole list (a few dozen bytes per revocation, expired
/// entries dropped) after every revocation.
///
/// Conformances store opaque bytes and must hand back exactly what was last saved.
public protocol SessionRevocationStore: Sendable {
    /// The bytes last saved, or nil when nothing was ever saved (a new chain).
    ///
    /// Throw when something was saved but cannot be read back: ``WalletSignIn`` then accepts
    /// no token issued before it started, since it cannot tell which of them were revoked.
    func load() throws -> [UInt8]?

    /// Replaces the saved bytes. On return they must survive a crash.
    func save(_ bytes: [UInt8]) throws
}

/// Revocations in one file, sealed with AES-256-GCM under a key of the node's, and replaced
/// atomically (written beside it, synced, renamed), so a crash leaves the old list or the new
/// one, and an altered or swapped file is refused rather than believed.
public struct SealedFileSessionRevocationStore: SessionRevocationStore {
    public let path: String
    private let key: [UInt8]
    private static let associatedData = Array("cloister/session-revocations-file/v1".utf8)

    /// - Parameters:
    ///   - path: the file; its directory must exist. Keep it with the chain's data, which the
    ///     key belongs to.
    ///   - key: 32 bytes that stay the same across restarts (the node derives it from the
    ///     chain's data key).
    public init(path: String, key: [UInt8]) {
        precondition(key.count == AES256GCM.keyByteCount, "the revocation file key must be 32 bytes")
        self.path = path
        self.key = key
    }

    public func load() throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthError.revocationsUnavailable.with("cannot read the session revocations file \(path)")
        }
        do {
            return try AES256GCM.open(
                AES256GCM.SealedBox(combined: Array(data)), key: key, associatedData: Self.associatedData)
        } catch {
            throw AuthError.revocationsUnavailable.with(
                "the session revocations file \(path) does not open with this chain's key "
                    + "(altered, or from another chain)")
        }
    }

    public func save(_ bytes: [UInt8]) throws {
        let sealed: [UInt8]
        do {
            sealed = try AES256GCM.seal(bytes, key: key, associatedData: Self.associatedData).combined
        } catch {
            throw AuthError.revocationsUnavailable.with("cannot seal the session revocations: \(error)")
        }
        let temporary = path + ".new"
        func failure(_ action: String) -> AuthError {
            AuthError.revocationsUnavailable.with(
                "cannot \(action) the session revocations file \(path): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("create") }
        var written = 0
        while written < sealed.count {
            let result = sealed[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                let error = failure("write")
                close(descriptor)
                throw error
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("sync")
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("replace") }
        // The rename itself is durable once the directory is synced.
        let directory = open(directoryPath, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    private var directoryPath: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
