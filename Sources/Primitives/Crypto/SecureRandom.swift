import COpenSSL
import Locking
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    private static let pool = Locked(RandomPool())

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
