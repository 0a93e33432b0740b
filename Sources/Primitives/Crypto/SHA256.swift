import COpenSSL
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SHA-256 through OpenSSL (hardware-accelerated where the CPU has SHA extensions).
public enum SHA256 {
    /// The digest of `bytes`.
    @inlinable
    public static func hash(_ bytes: some ContiguousBytes) -> Hash32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The digest of the bytes behind a raw buffer; no copy is made.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> Hash32 {
        var digest = Hash32.zero
        digest.withUnsafeMutableBytes { out in
            let ok = cloister_sha256(
                buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(ok == 1, "OpenSSL SHA-256 failed")
        }
        return digest
    }

    /// The digest of the concatenation of several buffers, without joining them first.
    /// Merkle nodes and Fiat–Shamir transcripts hash `tag || left || right` this way.
    public static func hash(parts: [UnsafeRawBufferPointer]) -> Hash32 {
        var digest = Hash32.zero
        withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: parts.count) { pointers in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: parts.count) { lengths in
                for (i, part) in parts.enumerated() {
                    pointers[i] = part.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    lengths[i] = part.count
                }
                digest.withUnsafeMutableBytes { out in
                    let ok = cloister_sha256_parts(
                        pointers.baseAddress!, lengths.baseAddress!, parts.count,
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    precondition(ok == 1, "OpenSSL SHA-256 failed")
                }
            }
        }
        return digest
    }
}
