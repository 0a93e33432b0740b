import StarkCrypto
import StarkMath

/// The state commitment: a depth-32 RPO Merkle tree whose leaves are accounts.
///
/// * A leaf is a four-element word (for example balance, nonce, owner/asset key,
///   blinding) and is used as is: no leaf hash, so the AIR re-hashes a path with exactly
///   32 RPO permutations.
/// * A node is `RPO256.merge(left, right)`; the empty leaf is the zero word, and empty
///   subtrees hash to the fixed ``emptySubtreeRoots``.
/// * Slots are assigned in order by ``append(_:)``, so two accounts never share a leaf
///   and the occupied leaves are always the prefix `0 ..< count`.
///
/// Because the occupied slots form a prefix, each level is stored as a dense array of
/// its non-empty nodes (level k holds ⌈count / 2ᵏ⌉ digests of 32 bytes): about
/// 2 × count × 32 bytes in all, 64 MiB for a million accounts, and every node outside
/// these arrays is an empty-subtree root. An update recomputes the 32 nodes on one path.
public struct AccountTree: Sendable {
    /// Levels below the root; the root is level 32.
    public static let depth = 32
    /// 2³² slots.
    public static let capacity = 1 << depth

    /// Entry k is the root of an all-empty subtree of height k (entry 0: the zero leaf,
    /// entry 32: the root of the empty tree).
    public static let emptySubtreeRoots: [RPODigest] = RPOMerkle.emptySubtreeRoots(depth: depth)

    /// `levels[k]` holds the nodes of height k (k = 0 are the leaves) whose index is below
    /// ⌈count / 2ᵏ⌉, for k = 0 … 31.
    var levels: [[RPODigest]]

    /// The commitment to all accounts.
    public private(set) var root: RPODigest

    /// An empty tree: every slot unassigned, root = ``emptySubtreeRoots``[32].
    public init() {
        levels = Array(repeating: [], count: Self.depth)
        root = Self.emptySubtreeRoots[Self.depth]
    }

    /// The number of assigned slots (the next `append` gets this slot).
    public var count: Int { levels[0].count }

    /// Bytes held by the node arrays (their reserved capacity included).
    public var memoryFootprint: Int {
        levels.reduce(0) { $0 + $1.capacity * MemoryLayout<RPODigest>.stride }
    }

    /// The leaf in `slot`.
    public func leaf(at slot: Int) throws(AccountTreeError) -> RPODigest {
        try checkAssigned(slot)
        return levels[0][slot]
    }

    /// The node at height `level`, index `index`, empty-subtree roots included.
    @inline(__always)
    func node(level: Int, index: Int) -> RPODigest {
        let nodes = levels[level]
        return index < nodes.count ? nodes[index] : Self.emptySubtreeRoots[level]
    }

    func checkAssigned(_ slot: Int) throws(AccountTreeError) {
        guard slot >= 0, slot < count else { throw .unknownSlot(slot, assigned: count) }
    }

    // MARK: - Updates

    /// Assigns the next slot to `leaf` and updates the root (32 merges).
    /// - Returns: the slot, which never changes for this account.
    /// - Throws: ``AccountTreeError/full`` once all 2³² slots are taken.
    @discardableResult
    public mutating func append(_ leaf: RPODigest) throws(AccountTreeError) -> Int {
        guard count < Self.capacity else { throw .full }
        let slot = count
        levels[0].append(leaf)
        recomputePath(from: slot)
        return slot
    }

    /// Replaces the leaf in an assigned slot and updates the root (32 merges).
    public mutating func update(slot: Int, to leaf: RPODigest) throws(AccountTreeError) {
        try checkAssigned(slot)
        levels[0][slot] = leaf
        recomputePath(from: slot)
    }

    /// Replaces many leaves, then recomputes each affected node once (paths that share
    /// ancestors share the work; large batches use every core). If a slot appears twice
    /// the later leaf wins. Nothing changes if any slot is unassigned.
    public mutating func update(
        _ changes: [(slot: Int, leaf: RPODigest)], parallelism: Parallelism = .automatic
    ) throws(AccountTreeError) {
        for change in changes { try checkAssigned(change.slot) }
        for change in changes { levels[0][change.slot] = change.leaf }
        recompute(dirtySlots: Array(Set(changes.map(\.slot))).sorted(), parallelism: parallelism)
    }

    /// Assigns consecutive slots to `leaves` and recomputes the affected nodes once.
    /// - Returns: the slots given to the leaves, in order.
    @discardableResult
    public mutating func append(
        contentsOf leaves: [RPODigest], parallelism: Parallelism = .automatic
    ) throws(AccountTreeError) -> Range<Int> {
        let first = count
        guard leaves.count <= Self.capacity - first else { throw .full }
        levels[0].append(contentsOf: leaves)
        recompute(dirtySlots: Array(first..<count), parallelism: parallelism)
        return first..<count
    }

    /// Walks from a leaf to the root, rewriting the 32 nodes on the way.
    mutating func recomputePath(from slot: Int) {
        var index = slot
        var digest = levels[0][slot]
        for level in 0..<Self.depth {
            let sibling = node(level: level, index: index ^ 1)
            digest = index & 1 == 0 ? RPO256.merge(digest, sibling) : RPO256.merge(sibling, digest)
            index >>= 1
            if level + 1 == Self.depth {
                root = digest
            } else if index == levels[level + 1].count {
                levels[level + 1].append(digest)
            } else {
                levels[level + 1][index] = digest
            }
        }
    }

    /// Recomputes the ancestors of `dirtySlots` (sorted, distinct) level by level.
    mutating func recompute(dirtySlots: [Int], parallelism: Parallelism) {
        var dirty = dirtySlots
        for level in 0..<Self.depth {
            guard !dirty.isEmpty else { return }
            var parents = [Int]()
            parents.reserveCapacity(dirty.count / 2 + 1)
            for index in dirty where parents.last != index >> 1 { parents.append(index >> 1) }
            let children = levels[level]
            let padding = Self.emptySubtreeRoots[level]
            let digests = [RPODigest](unsafeUninitializedCapacity: parents.count) { output, initialized in
                parallelism.forEachChunk(count: parents.count, minimumChunk: 128) { range in
                    for k in range {
                        let left = 2 * parents[k]
                        let leftDigest = left < children.count ? children[left] : padding
                        let rightDigest = left + 1 < children.count ? children[left + 1] : padding
                        (output.baseAddress! + k).initialize(to: RPO256.merge(leftDigest, rightDigest))
                    }
                }
                initialized = parents.count
            }
            if level + 1 == Self.depth {
                root = digests[0]
            } else {
                for (k, parent) in parents.enumerated() {
                    if parent == levels[level + 1].count {
                        levels[level + 1].append(digests[k])
                    } else {
                        levels[level + 1][parent] = digests[k]
                    }
                }
            }
            dirty = parents
        }
    }

    // MARK: - Rebuilding

    /// A tree whose slots `0 ..< leaves.count` hold `leaves`, hashed level by level from
    /// scratch (every core for large levels). The reference the incremental updates are
    /// tested against, and how a node restores the tree from stored accounts.
    public static func rebuilt(
        from leaves: [RPODigest], parallelism: Parallelism = .automatic
    ) throws(AccountTreeError) -> AccountTree {
        guard leaves.count <= capacity else { throw .full }
        var tree = AccountTree()
        tree.levels[0] = leaves
        for level in 1..<depth {
            tree.levels[level] = RPOMerkle.mergePairs(
                tree.levels[level - 1], padding: emptySubtreeRoots[level - 1], parallelism: parallelism)
        }
        tree.root = RPO256.merge(tree.node(level: depth - 1, index: 0), tree.node(level: depth - 1, index: 1))
        return tree
    }

    // MARK: - Proofs

    /// The membership proof of `slot`: its index and the 32 siblings on its path.
    public func proof(for slot: Int) throws(AccountTreeError) -> AccountTreeProof {
        try checkAssigned(slot)
        var siblings = [RPODigest]()
        siblings.reserveCapacity(Self.depth)
        for level in 0..<Self.depth {
            siblings.append(node(level: level, index: (slot >> level) ^ 1))
        }
        return AccountTreeProof(index: slot, siblings: siblings)
    }
}

/// A membership proof: the slot index and the 32 sibling digests from the leaf up.
///
/// The same path proves the leaf before and after an update (siblings do not change),
/// which is how the batch AIR proves each account update.
public struct AccountTreeProof: Sendable, Hashable {
    public let index: Int
    public let siblings: [RPODigest]

    public init(index: Int, siblings: [RPODigest]) {
        self.index = index
        self.siblings = siblings
    }

    /// The root this path leads to from `leaf`, or `nil` if the proof is malformed
    /// (not exactly 32 siblings, or an index outside `0 ..< 2³²`).
    public func root(forLeaf leaf: RPODigest) -> RPODigest? {
        guard siblings.count == AccountTree.depth, index >= 0, index < AccountTree.capacity else { return nil }
        return RPOMerkle.root(fromLeaf: leaf, index: UInt64(index), siblings: siblings)
    }

    /// Whether `leaf` is in slot ``index`` of the tree with `root`.
    public func verify(leaf: RPODigest, root: RPODigest) -> Bool {
        self.root(forLeaf: leaf) == root
    }
}
