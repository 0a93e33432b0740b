import StarkCrypto
import StarkMath

/// The account tree as the witness generator needs it: leaves, sibling paths, updates.
///
/// Conventions are the node's `StateTree.AccountTree`: depth 32, a node is
/// `RPO256.merge(left, right)`, the leaf word is the leaf digest, empty slots hold the zero
/// word. The node can adapt its `AccountTree` to this protocol (its `proof(for:)` gives
/// the siblings); ``SparseAccountTree`` is a self-contained implementation for tests and
/// tools.
public protocol BatchStateTree: Sendable {
    /// The commitment to all leaves.
    var root: RPODigest { get }
    /// The leaf in `slot` (the zero word for an empty slot).
    func leaf(at slot: Int) -> RPODigest
    /// The 32 siblings on `slot`'s path, from the leaf level up.
    func siblings(of slot: Int) -> [RPODigest]
    /// Replaces the leaf in `slot` and updates the root.
    mutating func setLeaf(_ leaf: RPODigest, at slot: Int)
}

/// The tree depth and slot count the batch AIR proves paths for.
public enum AccountTreeShape {
    public static let depth = 32
    public static let capacity = 1 << depth
    /// Entry k: the root of an empty subtree of height k.
    public static let emptySubtreeRoots: [RPODigest] = RPOMerkle.emptySubtreeRoots(depth: depth)
}

/// A depth-32 RPO account tree that stores only non-empty nodes (a dictionary per
/// level): any slot may be set, in any order. Same roots as `StateTree.AccountTree`
/// for the same leaves.
public struct SparseAccountTree: BatchStateTree {
    /// `levels[k][i]`: the node of height k with index i, when it differs from the empty
    /// subtree root.
    private var levels: [[Int: RPODigest]]
    public private(set) var root: RPODigest

    public init() {
        levels = Array(repeating: [:], count: AccountTreeShape.depth)
        root = AccountTreeShape.emptySubtreeRoots[AccountTreeShape.depth]
    }

    /// A tree with `leaves[slot]` set (32 merges per leaf).
    public init(leaves: [Int: RPODigest]) {
        self.init()
        for (slot, leaf) in leaves.sorted(by: { $0.key < $1.key }) { setLeaf(leaf, at: slot) }
    }

    func node(level: Int, index: Int) -> RPODigest {
        levels[level][index] ?? AccountTreeShape.emptySubtreeRoots[level]
    }

    public func leaf(at slot: Int) -> RPODigest {
        precondition(slot >= 0 && slot < AccountTreeShape.capacity, "slot \(slot) is outside the tree")
        return node(level: 0, index: slot)
    }

    public func siblings(of slot: Int) -> [RPODigest] {
        precondition(slot >= 0 && slot < AccountTreeShape.capacity, "slot \(slot) is outside the tree")
        return (0..<AccountTreeShape.depth).map { node(level: $0, index: (slot >> $0) ^ 1) }
    }

    public mutating func setLeaf(_ leaf: RPODigest, at slot: Int) {
        precondition(slot >= 0 && slot < AccountTreeShape.capacity, "slot \(slot) is outside the tree")
        var index = slot
        var digest = leaf
        for level in 0..<AccountTreeShape.depth {
            levels[level][index] = digest == AccountTreeShape.emptySubtreeRoots[level] ? nil : digest
            let sibling = node(level: level, index: index ^ 1)
            digest = index & 1 == 0 ? RPO256.merge(digest, sibling) : RPO256.merge(sibling, digest)
            index >>= 1
        }
        root = digest
    }
}
