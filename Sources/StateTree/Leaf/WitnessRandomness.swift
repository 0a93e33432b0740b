import Primitives
import StarkMath

/// Where a witness's hiding randomness comes from: the leaf blindings and the operations
/// salt, which keep the state roots and the operations commitment from revealing balances.
///
/// A node must rebuild the same tree after a restart (the L1 already holds its roots), so it
/// derives them from a secret seed it keeps: ``seeded(_:label:)``, a SHA-256 counter-mode
/// PRF with a label per use. One-off proofs and tests use the CSPRNG (``system``). The
/// STARK's own masking randomness is always from the CSPRNG, whatever this says.
public struct WitnessRandomness: Sendable {
    private enum Source: Sendable {
        case system
        case seeded(key: [UInt8])
    }

    private let source: Source
    private var counter: UInt64 = 0
    /// Bytes of the current PRF block not yet used.
    private var pool: [UInt8] = []

    private init(_ source: Source) { self.source = source }

    /// Fresh values from the operating system's CSPRNG.
    public static var system: WitnessRandomness { WitnessRandomness(.system) }

    /// The smallest seed ``seeded(_:label:)`` accepts.
    public static let minimumSeedBytes = 16

    /// Values derived from `seed` (secret, at least 16 bytes) and `label` (public, one per
    /// use: the same seed and label always give the same sequence).
    public static func seeded(_ seed: [UInt8], label: String) throws(AccountTreeError) -> WitnessRandomness {
        try derived(fromKey: try derivedKey(seed, label: label))
    }

    /// The 32-byte key behind ``seeded(_:label:)`` for one label: what a prover outside the node
    /// needs for one batch. It is a one-way function of the seed, so holding it reveals neither
    /// the seed nor any other label's key.
    public static func derivedKey(_ seed: [UInt8], label: String) throws(AccountTreeError) -> [UInt8] {
        guard seed.count >= minimumSeedBytes else {
            throw .invalidSeed(byteCount: seed.count, minimum: minimumSeedBytes)
        }
        let tag = Array("cloister.batch-witness.v1".utf8)
        let labelBytes = Array(label.utf8)
        // Key = H(tag ‖ len(seed) ‖ seed ‖ label): lengths keep (seed, label) pairs apart.
        return SHA256.hash(
            tag + withUnsafeBytes(of: UInt64(seed.count).bigEndian) { Array($0) } + seed + labelBytes
        ).bytes
    }

    /// The same sequence as ``seeded(_:label:)`` from its ``derivedKey(_:label:)``.
    public static func derived(fromKey key: [UInt8]) throws(AccountTreeError) -> WitnessRandomness {
        guard key.count == derivedKeyBytes else { throw .invalidSeed(byteCount: key.count, minimum: derivedKeyBytes) }
        return WitnessRandomness(.seeded(key: key))
    }

    /// The length of ``derivedKey(_:label:)``.
    public static let derivedKeyBytes = 32

    /// A uniformly distributed field element (rejection sampling of 64-bit words).
    public mutating func nextElement() -> Goldilocks {
        while true {
            let word = nextWord()
            if word < Goldilocks.modulus { return Goldilocks(reducing: word) }
        }
    }

    private mutating func nextWord() -> UInt64 {
        switch source {
        case .system:
            return SecureRandom.uint64()
        case .seeded(let key):
            if pool.count < 8 {
                pool = SHA256.hash(key + withUnsafeBytes(of: counter.bigEndian) { Array($0) }).bytes
                counter += 1
            }
            let word = pool.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            pool.removeFirst(8)
            return word
        }
    }
}
