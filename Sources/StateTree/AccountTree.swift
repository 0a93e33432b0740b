import StarkCrypto
import StarkMath

/// The one state tree: the root in every block header, the root the L1 holds for each
/// batch, and the tree the batch proof proves updates of.
///
/// * Depth 31 (2³¹ slots); a leaf is an ``AccountLeaf`` (a holder's balance of one asset,
///   or an asset's supply) hashed by ``AccountLeaf/digest``; a node is
///   `RPO256.merge(left, right)`; an unused slot holds the empty leaf's digest.
/// * Slots are assigned in order, one per leaf key, the first time a batch touches the key;
///   slot 2³¹ − 1 is never assigned (the proof's padding operations touch it).
/// * Because the assigned slots form a prefix, each level is a dense array of its
///   non-empty nodes (level k holds ⌈count / 2ᵏ⌉ digests): about 2 × count × 32 bytes,
///   plus the leaves themselves (48 bytes each).
///
/// A value type: copying it copies the state (cheaply, until one side changes).
public struct AccountTree: Sendable {
    /// Levels below the root.
    public static let depth = 31
    /// 2³¹ slots.
    public static let capacity = 1 << depth
    /// The slot padding operations touch (never assigned, so always empty).
    public static let paddingSlot = capacity - 1
    /// Entry k: the root of an empty subtree of height k (entry 0: the empty leaf's digest,
    /// entry 31: the root of the empty tree).
    public static let emptySubtreeRoots: [RPODigest] = RPOMerkle.emptySubtreeRoots(
        depth: depth, emptyLeaf: AccountLeaf.emptyDigest)

    /// The leaves of the assigned slots, in slot order.
    public private(set) var leaves: [AccountLeaf]
    /// `levels[k]`: the nodes of height k (k = 0: leaf digests) with index below ⌈count / 2ᵏ⌉.
    var levels: [[RPODigest]]
    /// The commitment to all leaves.
    public private(set) var root: RPODigest
    /// Leaf key → slot.
    var slots: [Goldilocks: Int]

    /// The empty tree.
    public init() {
        leaves = []
        levels = Array(repeating: [], count: Self.depth)
        root = Self.emptySubtreeRoots[Self.depth]
        slots = [:]
    }

    /// The tree whose slots `0 ..< leaves.count` hold `leaves`, hashed level by level (every
    /// core for large levels): how a node restores its tree from stored leaves.
    /// - Throws: ``AccountTreeError/corrupt(_:)`` if a leaf is empty or two share a key.
    public init(leaves: [AccountLeaf], parallelism: Parallelism = .automatic) throws(AccountTreeError) {
        guard leaves.count < Self.paddingSlot else { throw .full }
        var slots = [Goldilocks: Int](minimumCapacity: leaves.count)
        for (slot, leaf) in leaves.enumerated() {
            guard !leaf.key.isZero else { throw .corrupt("slot \(slot) is assigned but holds no key") }
            guard slots.updateValue(slot, forKey: leaf.key) == nil else {
                throw .corrupt("two slots hold key \(leaf.key.value)")
            }
        }
        self.init()
        self.leaves = leaves
        self.slots = slots
        levels[0] = Self.digests(of: leaves, parallelism: parallelism)
        for level in 1..<Self.depth {
            levels[level] = RPOMerkle.mergePairs(
                levels[level - 1], padding: Self.emptySubtreeRoots[level - 1], parallelism: parallelism)
        }
        root = RPO256.merge(node(level: Self.depth - 1, index: 0), node(level: Self.depth - 1, index: 1))
    }

    static func digests(of leaves: [AccountLeaf], parallelism: Parallelism) -> [RPODigest] {
        [RPODigest](unsafeUninitializedCapacity: leaves.count) { output, initialized in
            parallelism.forEachChunk(count: leaves.count, minimumChunk: 256) { range in
                AccountLeaf.digests(of: leaves[range], into: output.baseAddress! + range.lowerBound)
            }
            initialized = leaves.count
        }
    }

    // MARK: - Reading

    /// The number of assigned slots (the next new key gets this slot).
    public var count: Int { leaves.count }

    /// Bytes held by the leaves and node arrays (reserved capacity included).
    public var memoryFootprint: Int {
        leaves.capacity * MemoryLayout<AccountLeaf>.stride
            + levels.reduce(0) { $0 + $1.capacity * MemoryLayout<RPODigest>.stride }
    }

    /// The slot assigned to a leaf key, if any.
    public func slot(ofKey key: Goldilocks) -> Int? { slots[key] }

    /// The leaf in `slot` (``AccountLeaf/empty`` for an unassigned slot).
    public func leaf(at slot: Int) -> AccountLeaf { slot >= 0 && slot < leaves.count ? leaves[slot] : .empty }

    /// The leaf holding `key`, if the key has a slot.
    public func leaf(forKey key: Goldilocks) -> AccountLeaf? { slots[key].map { leaves[$0] } }

    /// The balance of an (account, asset) holder: 0 if it has no leaf.
    public func balance(account: some Collection<UInt8>, asset: some Collection<UInt8>) -> UInt128 {
        leaf(forKey: AccountLeaf.key(account: account, asset: asset))?.balance ?? 0
    }

    /// The outstanding supply of an asset as its supply leaf records it (0 if none).
    public func supply(asset: some Collection<UInt8>) -> UInt128 {
        leaf(forKey: AccountLeaf.assetID(of: asset))?.balance ?? 0
    }

    /// The node at height `level`, index `index`, empty-subtree roots included.
    @inline(__always)
    public func node(level: Int, index: Int) -> RPODigest {
        let nodes = levels[level]
        return index < nodes.count ? nodes[index] : Self.emptySubtreeRoots[level]
    }

    /// The 31 siblings on `slot`'s path, from the leaf level up.
    public func siblings(of slot: Int) -> [RPODigest] {
        precondition(slot >= 0 && slot < Self.capacity, "slot \(slot) is outside the tree")
        return (0..<Self.depth).map { node(level: $0, index: (slot >> $0) ^ 1) }
    }

    /// At most how many internal nodes (levels 1…31, the root included) a multi-update of
    /// `leaves` distinct leaves touches in a tree whose assigned slots are `0..<populated`:
    /// level h has at most one touched node per touched leaf and at most ⌈populated / 2ʰ⌉
    /// nodes over assigned slots. A batch proof spends a block of rows per touched node, so
    /// the sequencer sizes batches by this before the tree has applied them.
    public static func touchedNodeBound(leaves: Int, populated: Int) -> Int {
        guard leaves > 0 else { return 0 }
        let populated = Swift.max(populated, leaves)
        var total = 0
        for level in 1...depth {
            let nodesOverAssignedSlots = (populated + (1 << level) - 1) >> level
            total += Swift.min(leaves, nodesOverAssignedSlots)
        }
        return total
    }

    /// Whether `leaf` is in `slot` of the tree with `root`, given its 31 siblings.
    public static func verify(leaf: AccountLeaf, slot: Int, siblings: [RPODigest], root: RPODigest) -> Bool {
        guard siblings.count == depth, slot >= 0, slot < capacity else { return false }
        return RPOMerkle.root(fromLeaf: leaf.digest, index: UInt64(slot), siblings: siblings) == root
    }

    // MARK: - Writing

    /// Writes `changed` (slot → new leaf; new slots must extend the prefix exactly) and
    /// recomputes each ancestor once, level by level, on every core when large. Returns the
    /// untouched siblings read on the way (their digests are what a multi-update proof
    /// needs besides the touched leaves).
    mutating func write(_ changed: [(slot: Int, leaf: AccountLeaf)], parallelism: Parallelism) -> [TreeNode] {
        guard !changed.isEmpty else { return [] }
        var newLeaves = [AccountLeaf]()
        for (slot, leaf) in changed {
            if slot < leaves.count {
                leaves[slot] = leaf
            } else {
                precondition(slot == leaves.count + newLeaves.count, "account-tree slots are assigned in order")
                newLeaves.append(leaf)
            }
        }
        for (offset, leaf) in newLeaves.enumerated() { slots[leaf.key] = leaves.count + offset }
        leaves.append(contentsOf: newLeaves)
        var indices = changed.map(\.slot)
        var digests = Self.digests(of: changed.map(\.leaf), parallelism: parallelism)
        var siblings = [TreeNode]()
        for level in 0..<Self.depth {
            for (index, digest) in zip(indices, digests) {
                if index < levels[level].count { levels[level][index] = digest } else { levels[level].append(digest) }
            }
            var parents = [Int]()
            parents.reserveCapacity(indices.count / 2 + 1)
            for (position, index) in indices.enumerated() {
                let sibling = index ^ 1
                let siblingTouched =
                    index & 1 == 0
                    ? position + 1 < indices.count && indices[position + 1] == sibling
                    : position > 0 && indices[position - 1] == sibling
                if !siblingTouched, sibling < levels[level].count {
                    siblings.append(TreeNode(level: level, index: sibling, digest: levels[level][sibling]))
                }
                if parents.last != index >> 1 { parents.append(index >> 1) }
            }
            let nodes = levels[level]
            let empty = Self.emptySubtreeRoots[level]
            digests = [RPODigest](unsafeUninitializedCapacity: parents.count) { output, initialized in
                parallelism.forEachChunk(count: parents.count, minimumChunk: 128) { range in
                    RPO256.merge(count: range.count, into: output.baseAddress! + range.lowerBound) { offset in
                        let left = 2 * parents[range.lowerBound + offset]
                        return (left < nodes.count ? nodes[left] : empty, left + 1 < nodes.count ? nodes[left + 1] : empty)
                    }
                }
                initialized = parents.count
            }
            indices = parents
        }
        root = digests[0]
        return siblings
    }
}

/// One node of the tree: height (0 = leaf digests), index within the level, digest.
public struct TreeNode: Sendable, Hashable {
    public var level: Int
    public var index: Int
    public var digest: RPODigest

    public init(level: Int, index: Int, digest: RPODigest) {
        self.level = level
        self.index = index
        self.digest = digest
    }
}
