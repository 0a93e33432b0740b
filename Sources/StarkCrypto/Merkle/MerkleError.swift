/// Why a Merkle tree could not be built or an opening was rejected.
///
/// A verifier treats every case as "reject the proof"; the case says which check failed
/// so that a log line points at the bad field of the proof.
public enum MerkleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Trees are complete binary trees: the leaf count must be a power of two (≥ 1).
    case leafCountNotPowerOfTwo(Int)
    /// A leaf index at or beyond the number of leaves.
    case indexOutOfRange(index: Int, leafCount: Int)
    /// A single-leaf path whose length is not the tree's depth.
    case wrongPathLength(expected: Int, actual: Int)
    /// A multi-opening ran out of siblings before reaching the root.
    case missingSiblings(supplied: Int)
    /// A multi-opening carried siblings the verifier never needed.
    case unusedSiblings(used: Int, supplied: Int)
    /// The same leaf index was opened twice with different digests.
    case conflictingLeaves(index: Int)
    /// An opening must name at least one leaf.
    case noLeavesOpened
    /// The number of leaf digests differs from the number of indices.
    case leafCountMismatch(indices: Int, leaves: Int)
    /// Rows are laid out with a fixed width; the buffer is not a whole number of rows.
    case ragged(elements: Int, rowWidth: Int)
    /// Salts must come one per row.
    case wrongSaltCount(expected: Int, actual: Int)
    /// The path or opening is well formed but leads to a different root.
    case rootMismatch

    public var description: String {
        switch self {
        case .leafCountNotPowerOfTwo(let count):
            return "a Merkle tree needs a power-of-two number of leaves, got \(count)"
        case .indexOutOfRange(let index, let leafCount):
            return "leaf index \(index) is outside a tree of \(leafCount) leaves"
        case .wrongPathLength(let expected, let actual):
            return "Merkle path has \(actual) siblings; a tree of this size needs exactly \(expected)"
        case .missingSiblings(let supplied):
            return "Merkle multi-opening ran out of siblings after \(supplied)"
        case .unusedSiblings(let used, let supplied):
            return "Merkle multi-opening carries \(supplied) siblings but only \(used) are needed"
        case .conflictingLeaves(let index):
            return "leaf \(index) is opened twice with different digests"
        case .noLeavesOpened:
            return "a Merkle opening must name at least one leaf"
        case .leafCountMismatch(let indices, let leaves):
            return "\(indices) leaf indices but \(leaves) leaf digests were given"
        case .ragged(let elements, let rowWidth):
            return "\(elements) field elements do not split into rows of \(rowWidth)"
        case .wrongSaltCount(let expected, let actual):
            return "expected one salt per row (\(expected)), got \(actual)"
        case .rootMismatch:
            return "the opening does not lead to the committed Merkle root"
        }
    }
}
