import StarkCrypto

/// A leaf with its Merkle path: what a member shows an outsider to prove one balance against
/// a root published on the L1.
public struct LeafPath: Sendable, Hashable {
    public var slot: Int
    public var leaf: AccountLeaf
    /// The 31 siblings from the leaf level up.
    public var siblings: [RPODigest]
    /// The root the path reaches.
    public var root: RPODigest

    public init(slot: Int, leaf: AccountLeaf, siblings: [RPODigest], root: RPODigest) {
        self.slot = slot
        self.leaf = leaf
        self.siblings = siblings
        self.root = root
    }

    /// Whether the leaf and siblings reach ``root``.
    public var isValid: Bool { AccountTree.verify(leaf: leaf, slot: slot, siblings: siblings, root: root) }
}

extension AccountTree {
    /// The path of `slot` as the tree was before `updates` were applied: `updates` are the
    /// tree's most recent batch updates, oldest first (none: the tree as it is).
    ///
    /// A slot changed by an update reads its leaf from before the oldest update that touched
    /// it, a slot assigned by one of them is empty, and only subtrees holding such slots are
    /// rehashed: the cost grows with the leaves the updates changed, not with the tree.
    public func path(of slot: Int, before updates: [TreeUpdate]) -> LeafPath {
        precondition(slot >= 0 && slot < Self.capacity, "slot \(slot) is outside the tree")
        guard let oldest = updates.first else {
            return LeafPath(slot: slot, leaf: leaf(at: slot), siblings: siblings(of: slot), root: root)
        }
        let count = oldest.oldCount
        var overlay = [Int: AccountLeaf]()
        for update in updates.reversed() {
            for old in update.oldLeaves { overlay[old.slot] = old.leaf }
        }
        let changedSlots = overlay.keys.sorted()
        /// Whether a changed slot lies in `lower ..< upper`.
        func changes(_ lower: Int, _ upper: Int) -> Bool {
            var low = 0
            var high = changedSlots.count
            while low < high {
                let middle = (low + high) / 2
                if changedSlots[middle] < lower { low = middle + 1 } else { high = middle }
            }
            return low < changedSlots.count && changedSlots[low] < upper
        }
        func oldNode(_ level: Int, _ index: Int) -> RPODigest {
            let lower = index << level
            let upper = (index + 1) << level
            if lower >= count { return Self.emptySubtreeRoots[level] }
            if upper <= count && !changes(lower, upper) { return node(level: level, index: index) }
            if level == 0 { return (overlay[index] ?? leaves[index]).digest }
            return RPO256.merge(oldNode(level - 1, 2 * index), oldNode(level - 1, 2 * index + 1))
        }
        let oldLeaf = slot < count ? overlay[slot] ?? leaves[slot] : .empty
        let siblings = (0..<Self.depth).map { oldNode($0, (slot >> $0) ^ 1) }
        let oldRoot = RPO256.merge(oldNode(Self.depth - 1, 0), oldNode(Self.depth - 1, 1))
        return LeafPath(slot: slot, leaf: oldLeaf, siblings: siblings, root: oldRoot)
    }
}
