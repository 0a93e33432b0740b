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

/// HMAC-SHA256, the keyed hash behind lookup keys that must not reveal what they index.
public enum HMACSHA256 {
    public static func authenticationCode(key: some ContiguousBytes, message: some ContiguousBytes) -> Hash32 {
        var mac = Hash32.zero
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                mac.withUnsafeMutableBytes { out in
                    let ok = cloister_hmac_sha256(
                        k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count,
                        m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count,
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    precondition(ok == 1, "OpenSSL HMAC-SHA256 failed")
                }
            }
        }
        return mac
    }
}

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

/// Bytes from OpenSSL's CSPRNG. Keys, nonces, blinding values and STARK masks come from here, never from a seeded generator.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        fill(&output)
        return output
    }

    public static func fill(_ buffer: inout [UInt8]) {
        buffer.withUnsafeMutableBytes { fill($0) }
    }

    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count > 0 else { return }
        let ok = cloister_random_bytes(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count)
        // A CSPRNG that cannot produce bytes leaves nothing safe to do: keys would be predictable.
        precondition(ok == 1, "OpenSSL RAND_bytes failed: the system has no entropy source")
    }

    /// `count` uniformly random UInt64s, from one call to the generator.
    public static func uint64s(_ count: Int) -> [UInt64] {
        guard count > 0 else { return [] }
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// A uniformly random UInt64.
    public static func uint64() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }

    /// Fills a small buffer (a nonce) from bytes drawn from the generator 4 KiB at a time: the
    /// store seals thousands of records a block, and a generator call for each cost more than
    /// the encryption. Every byte is handed out once, then overwritten.
    public static func fillSmall(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count <= RandomPool.size else { return fill(buffer) }
        pool.withLock { pool in pool.take(into: buffer) }
    }

    private static let pool = Mutex(RandomPool())

    private struct RandomPool {
        static let size = 4_096
        var bytes = [UInt8](repeating: 0, count: size)
        var used = size

        mutating func take(into buffer: UnsafeMutableRawBufferPointer) {
            if used + buffer.count > Self.size {
                SecureRandom.fill(&bytes)
                used = 0
            }
            let start = used
            bytes.withUnsafeMutableBytes { pool in
                let slice = UnsafeMutableRawBufferPointer(rebasing: pool[start..<start + buffer.count])
                buffer.copyMemory(from: UnsafeRawBufferPointer(slice))
                slice.initializeMemory(as: UInt8.self, repeating: 0)
            }
            used += buffer.count
        }
    }
}
