import COpenSSL
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HKDF-SHA256 (RFC 5869): derives independent keys from one secret.
public enum HKDF {
    /// - Parameters:
    ///   - secret: input keying material.
    ///   - salt: optional salt (empty means a zero-filled salt, per RFC 5869).
    ///   - info: context that separates one derived key from another.
    ///   - length: output length in bytes, at most 255 × 32.
    public static func deriveKey(
        secret: some ContiguousBytes, salt: some ContiguousBytes = [UInt8](), info: some ContiguousBytes = [UInt8](),
        length: Int
    ) throws(CryptoError) -> [UInt8] {
        guard length > 0, length <= 255 * 32 else { throw .invalidLength("HKDF output length \(length) is outside 1...8160") }
        var output = [UInt8](repeating: 0, count: length)
        let ok = secret.withUnsafeBytes { s in
            salt.withUnsafeBytes { sa in
                info.withUnsafeBytes { i in
                    output.withUnsafeMutableBytes { out in
                        cloister_hkdf_sha256(
                            s.baseAddress?.assumingMemoryBound(to: UInt8.self), s.count,
                            sa.baseAddress?.assumingMemoryBound(to: UInt8.self), sa.count,
                            i.baseAddress?.assumingMemoryBound(to: UInt8.self), i.count,
                            out.baseAddress!.assumingMemoryBound(to: UInt8.self), length)
                    }
                }
            }
        }
        guard ok == 1 else { throw .backendFailure("HKDF-SHA256 derivation failed in OpenSSL") }
        return output
    }
}
