import Foundation

/// A secp256k1 key file: the private key as `0x` + 64 hex digits on one line, mode 0600.
///
/// Writing refuses to replace an existing file, so a typo cannot destroy a funded key.
public enum KeyFile {
    /// Creates `path` with a new key; fails if the file exists.
    public static func create(at path: String) throws(KeyFileError) -> PrivateKey {
        let key = PrivateKey.generate()
        try write(Array((key.hex + "\n").utf8), to: path)
        return key
    }

    /// Writes bytes to a new file created with mode 0600 (never world- or group-readable, even briefly).
    public static func write(_ contents: [UInt8], to path: String) throws(KeyFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .alreadyExists(path) }
            throw .cannotWrite(path, String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let result = contents[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else { throw .cannotWrite(path, String(cString: strerror(errno))) }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw .cannotWrite(path, String(cString: strerror(errno))) }
    }

    /// Reads a private key file.
    public static func read(at path: String) throws(KeyFileError) -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw .notFound(path) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try PrivateKey(hex: text)
        } catch {
            throw .malformed(path)
        }
    }
}

/// Why a key file could not be used.
public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyExists(String)
    case notFound(String)
    case malformed(String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .alreadyExists(let path): return "\(path) already exists; choose another path (existing keys are never overwritten)"
        case .notFound(let path): return "key file \(path) does not exist or cannot be read"
        case .malformed(let path):
            return "key file \(path) must hold one line: 0x followed by 64 hex digits of a valid secp256k1 private key"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
