import StarkCrypto
import StarkMath

/// One batch's multi-update, as its proof needs it: the operations in proof order, the
/// touched leaves before the batch, and the untouched siblings of every touched node.
///
/// With these, the prover reconstructs exactly the part of the tree the batch touches,
/// without the rest of the tree and without replaying earlier batches; the reconstruction
/// is checked against ``oldRoot``. The node stores it (encrypted, like every record) with
/// the batch record when the batch is sealed.
public struct TreeUpdate: Sendable, Hashable {
    /// A touched slot's leaf before the batch.
    public struct Leaf: Sendable, Hashable {
        public var slot: Int
        public var leaf: AccountLeaf

        public init(slot: Int, leaf: AccountLeaf) {
            self.slot = slot
            self.leaf = leaf
        }
    }

    public var oldRoot: RPODigest
    public var newRoot: RPODigest
    /// Slots assigned before the batch (new keys get slots from here on, in operation order).
    public var oldCount: Int
    /// The batch's operations in proof order (deposits, the rest, withdrawals), no padding.
    public var operations: [LeafOperation]
    /// Touched slots below ``oldCount`` with their leaves before the batch, by slot.
    public var oldLeaves: [Leaf]
    /// Untouched, non-empty siblings of touched nodes (an absent node is an empty subtree).
    public var siblings: [TreeNode]

    public init(
        oldRoot: RPODigest, newRoot: RPODigest, oldCount: Int, operations: [LeafOperation], oldLeaves: [Leaf],
        siblings: [TreeNode]
    ) {
        self.oldRoot = oldRoot
        self.newRoot = newRoot
        self.oldCount = oldCount
        self.operations = operations
        self.oldLeaves = oldLeaves
        self.siblings = siblings
    }

    public var depositCount: Int { operations.prefix { $0.kind == .deposit }.count }
    public var withdrawalCount: Int { operations.reversed().prefix { $0.kind == .withdrawal }.count }

    /// Every key the batch touches with its slot: old keys from ``oldLeaves``, new keys
    /// assigned from ``oldCount`` in operation order.
    public func slotAssignment() throws(AccountTreeError) -> [Goldilocks: Int] {
        var slots = [Goldilocks: Int](minimumCapacity: oldLeaves.count)
        for old in oldLeaves { slots[old.leaf.key] = old.slot }
        var next = oldCount
        for operation in operations {
            for key in operation.touchedKeys where slots[key] == nil {
                guard next < AccountTree.paddingSlot else { throw .full }
                slots[key] = next
                next += 1
            }
        }
        return slots
    }

    /// The tree's nodes before the batch that the batch reads: every touched node and its
    /// siblings, by level (level 0: leaf digests; an absent entry is an empty subtree).
    /// - Throws: ``AccountTreeError/corrupt(_:)`` unless they hash to ``oldRoot``.
    public func oldNodes() throws(AccountTreeError) -> [[Int: RPODigest]] {
        let slots = try slotAssignment()
        var known = [[Int: RPODigest]](repeating: [:], count: AccountTree.depth)
        var dirty = Set(slots.values).sorted()
        let oldBySlot = Dictionary(oldLeaves.map { ($0.slot, $0.leaf) }, uniquingKeysWith: { a, _ in a })
        for slot in dirty {
            guard slot < oldCount || oldBySlot[slot] == nil else { throw .corrupt("slot \(slot) is both old and new") }
            if let leaf = oldBySlot[slot] { known[0][slot] = leaf.digest }
        }
        for node in siblings {
            guard node.level >= 0, node.level < AccountTree.depth, node.index >= 0, node.index < 1 << (AccountTree.depth - node.level)
            else { throw .corrupt("a sibling lies outside the tree (level \(node.level), index \(node.index))") }
            known[node.level][node.index] = node.digest
        }
        var root = AccountTree.emptySubtreeRoots[AccountTree.depth]
        for level in 0..<AccountTree.depth {
            let empty = AccountTree.emptySubtreeRoots[level]
            var parents = [Int]()
            for index in dirty where parents.last != index >> 1 { parents.append(index >> 1) }
            for parent in parents {
                let digest = RPO256.merge(known[level][2 * parent] ?? empty, known[level][2 * parent + 1] ?? empty)
                if level + 1 < AccountTree.depth { known[level + 1][parent] = digest } else { root = digest }
            }
            dirty = parents
        }
        guard root == oldRoot else { throw .corrupt("the batch's old leaves and siblings do not hash to its old root") }
        return known
    }
}
