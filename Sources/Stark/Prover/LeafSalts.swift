import Primitives

/// The 32-byte salts of one salted commitment, derived from a secret seed instead of
/// held: salt j = SHA-256("cloister.salt" ‖ seed ‖ j as 8 little-endian bytes), one
/// compression each, computed when leaf j is hashed and again if it is opened.
///
/// The seed is 32 bytes from the CSPRNG (OpenSSL's `RAND_bytes`) and never leaves
/// the prover. With SHA-256 on a secret-keyed, fixed-length block as a PRF, the salts
/// of unopened leaves are as unpredictable from the opened ones as salts drawn one by
/// one (which the CSPRNG, a DRBG, also derives from a secret state); the verifier sees
/// 32-byte salts either way and checks them the same. Holding a seed instead of N
/// salts saves 32·N bytes per commitment: 256 MiB for each of the three at 2²⁰ rows.
struct LeafSalts: Sendable {
    static let tag = Array("cloister.salt".utf8)
    let seed: Hash32

    /// A fresh seed from the CSPRNG.
    static func random() -> LeafSalts {
        var bytes = [UInt8](repeating: 0, count: Hash32.byteCount)
        bytes.withUnsafeMutableBytes { SecureRandom.fill($0) }
        return LeafSalts(seed: Hash32(exactly: bytes))
    }

    /// Salt j.
    func salt(at index: Int) -> Hash32 {
        let tagCount = Self.tag.count
        return withUnsafeTemporaryAllocation(byteCount: tagCount + Hash32.byteCount + 8, alignment: 8) { buffer in
            Self.tag.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<tagCount]).copyMemory(from: $0)
            }
            seed.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: buffer[tagCount..<(tagCount + Hash32.byteCount)])
                    .copyMemory(from: $0)
            }
            buffer.storeBytes(
                of: UInt64(index).littleEndian, toByteOffset: tagCount + Hash32.byteCount, as: UInt64.self)
            return SHA256.hash(UnsafeRawBufferPointer(buffer))
        }
    }
}
