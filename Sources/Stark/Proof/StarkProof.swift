import Primitives
import StarkMath

/// A STARK proof: commitments, out-of-domain values, FRI layers, the proof-of-work nonce
/// and the openings at the query positions.
///
/// Extension elements are stored flat as their Goldilocks coordinates (lowest first).
/// The proof says nothing the verifier trusts: every count is checked against what the
/// verifier derives from its own AIR and the options (which it checks against its own
/// minimum). Encode with ``encoded()``, decode with ``init(decoding:)``.
public struct StarkProof: Sendable, Hashable {
    /// The encoding version this build writes and the only one it reads.
    public static let version: UInt16 = 1

    public let traceLength: Int
    public let traceWidth: Int
    public let options: ProofOptions
    /// Root of the salted Merkle tree over rows of the masked trace's low-degree extension.
    public let traceRoot: Hash32
    /// Root of the salted Merkle tree over rows of the composition segments and DEEP mask.
    public let compositionRoot: Hash32
    public let outOfDomain: OutOfDomainValues
    /// One root per FRI layer; each leaf is a coset of `folding` values.
    public let friLayerRoots: [Hash32]
    /// The last FRI layer's polynomial, as coefficients (lowest first).
    public let friRemainder: [Goldilocks]
    public let proofOfWorkNonce: UInt64
    /// Trace rows at the query positions (sorted, distinct), with salts and a batched path.
    public let traceOpening: MerkleOpening
    /// Composition rows at the query positions.
    public let compositionOpening: MerkleOpening
    /// For each FRI layer, the cosets holding the folded query positions.
    public let friLayerOpenings: [MerkleOpening]
    /// The auxiliary segment's commitment, values and openings; `nil` for an AIR without
    /// one (whose proofs are then exactly as before the auxiliary segment existed).
    public let auxiliary: AuxiliarySegmentProof?

    public init(
        traceLength: Int, traceWidth: Int, options: ProofOptions, traceRoot: Hash32, compositionRoot: Hash32,
        outOfDomain: OutOfDomainValues, friLayerRoots: [Hash32], friRemainder: [Goldilocks], proofOfWorkNonce: UInt64,
        traceOpening: MerkleOpening, compositionOpening: MerkleOpening, friLayerOpenings: [MerkleOpening],
        auxiliary: AuxiliarySegmentProof? = nil
    ) {
        self.traceLength = traceLength
        self.traceWidth = traceWidth
        self.options = options
        self.traceRoot = traceRoot
        self.compositionRoot = compositionRoot
        self.outOfDomain = outOfDomain
        self.friLayerRoots = friLayerRoots
        self.friRemainder = friRemainder
        self.proofOfWorkNonce = proofOfWorkNonce
        self.traceOpening = traceOpening
        self.compositionOpening = compositionOpening
        self.friLayerOpenings = friLayerOpenings
        self.auxiliary = auxiliary
    }
}

/// What a proof carries for the auxiliary segment: the root of the salted Merkle tree
/// over rows of its masked low-degree extension, its columns at z and g·z, and its rows
/// at the query positions (the same positions as the main trace's).
public struct AuxiliarySegmentProof: Sendable, Hashable {
    public let root: Hash32
    /// The auxiliary polynomials at z, as extension coordinates.
    public let valuesAtZ: [Goldilocks]
    /// The auxiliary polynomials at g·z.
    public let valuesAtNextZ: [Goldilocks]
    public let opening: MerkleOpening

    public init(root: Hash32, valuesAtZ: [Goldilocks], valuesAtNextZ: [Goldilocks], opening: MerkleOpening) {
        self.root = root
        self.valuesAtZ = valuesAtZ
        self.valuesAtNextZ = valuesAtNextZ
        self.opening = opening
    }
}

/// The trace polynomials at z and g·z, and the composition segments at z.
public struct OutOfDomainValues: Sendable, Hashable {
    public let traceAtZ: [Goldilocks]
    public let traceAtNextZ: [Goldilocks]
    public let compositionAtZ: [Goldilocks]

    public init(traceAtZ: [Goldilocks], traceAtNextZ: [Goldilocks], compositionAtZ: [Goldilocks]) {
        self.traceAtZ = traceAtZ
        self.traceAtNextZ = traceAtNextZ
        self.compositionAtZ = compositionAtZ
    }

    /// Everything, in the order the transcript absorbs it.
    var flattened: [Goldilocks] { traceAtZ + traceAtNextZ + compositionAtZ }
}

/// Opened leaves of one Merkle tree: their rows (flat, row after row, in increasing leaf
/// index), their salts (empty for unsalted trees) and the batched sibling list.
public struct MerkleOpening: Sendable, Hashable {
    public let values: [Goldilocks]
    public let salts: [Hash32]
    public let siblings: [Hash32]

    public init(values: [Goldilocks], salts: [Hash32], siblings: [Hash32]) {
        self.values = values
        self.salts = salts
        self.siblings = siblings
    }
}

/// Extension elements stored as their coordinates, as the proof holds them.
enum ExtensionCoordinates {
    /// Groups flat coordinates into elements (the caller checked the count is a multiple
    /// of the extension degree).
    static func elements<E: FieldElement>(_ coordinates: some Collection<Goldilocks>, as _: E.Type = E.self) -> [E] {
        let flat = Array(coordinates)
        let degree = E.extensionDegree
        return (0..<(flat.count / degree)).map { try! E(baseElements: Array(flat[($0 * degree)..<(($0 + 1) * degree)])) }
    }
}
