import StarkCrypto
import StarkMath
import StateTree

/// The account tree the batch AIR proves updates of, with its slot registry: a value type
/// (copying it copies the state; a copy is cheap until one side changes).
///
/// Depth 31 (2³¹ slots), a node is `RPO256.merge(left, right)`, a leaf is
/// ``AccountLeaf/digest`` of its six fields and an unused slot holds the all-zero leaf's
/// digest. Slots are assigned in order, one per leaf key (holder key or an asset's supply
/// key), the first time the key is credited; the last slot, 2³¹ − 1, is never assigned
/// (padding operations touch it). Only non-empty nodes are stored.
public struct BatchStateTree: Sendable {
    public static let depth = AccountTree.depth
    public static let capacity = 1 << depth
    /// The slot padding operations touch (never assigned, so always empty).
    public static let paddingSlot = capacity - 1
    /// Entry k: the root of an empty subtree of height k (entry 0: the empty leaf's digest).
    public static let emptySubtreeRoots: [RPODigest] = AccountTree.emptySubtreeRoots

    /// `levels[k][i]`: the node of height k with index i, when it differs from the empty
    /// subtree root.
    private var levels: [[Int: RPODigest]]
    private var leaves: [Int: AccountLeaf]
    private var slots: [Goldilocks: Int]
    /// The next slot the registry assigns.
    public private(set) var nextSlot: Int
    /// The commitment to all leaves.
    public private(set) var root: RPODigest

    /// The empty tree.
    public init() {
        levels = Array(repeating: [:], count: Self.depth)
        leaves = [:]
        slots = [:]
        nextSlot = 0
        root = Self.emptySubtreeRoots[Self.depth]
    }

    /// The state before the first batch (``AccountTree/genesis(holdings:supplies:randomness:parallelism:)``),
    /// as the witness builder reads it.
    /// - Throws: ``BatchProofError`` for a malformed address, a balance of 2¹²⁴ or more,
    ///   or a holder or asset listed twice.
    public static func genesis(
        holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)],
        supplies: [(asset: [UInt8], supply: UInt128)],
        randomness: WitnessRandomness = .system
    ) throws(BatchProofError) -> BatchStateTree {
        do {
            return BatchStateTree(try AccountTree.genesis(holdings: holdings, supplies: supplies, randomness: randomness))
        } catch {
            throw BatchProofError(error)
        }
    }

    /// A copy of the whole `tree` (its non-empty nodes, leaves and slots).
    public init(_ tree: AccountTree) {
        self.init()
        for level in 0..<Self.depth {
            let count = (tree.count + (1 << level) - 1) >> level
            var nodes = [Int: RPODigest](minimumCapacity: count)
            for index in 0..<count {
                let digest = tree.node(level: level, index: index)
                if digest != Self.emptySubtreeRoots[level] { nodes[index] = digest }
            }
            levels[level] = nodes
        }
        for slot in 0..<tree.count {
            let leaf = tree.leaf(at: slot)
            leaves[slot] = leaf
            slots[leaf.key] = slot
        }
        nextSlot = tree.count
        root = tree.root
    }

    /// The part of the tree a batch touches, before the batch, from its stored update: the
    /// touched leaves, their paths and the untouched siblings. Enough to apply the batch's
    /// operations one by one (nothing outside those paths is read).
    /// - Throws: ``BatchProofError/invalidStatement(_:)`` if the update does not hash to its old root.
    public init(before update: TreeUpdate) throws(BatchProofError) {
        self.init()
        do { levels = try update.oldNodes() } catch { throw BatchProofError(error) }
        for old in update.oldLeaves {
            leaves[old.slot] = old.leaf
            slots[old.leaf.key] = old.slot
        }
        nextSlot = update.oldCount
        root = update.oldRoot
    }

    // MARK: - Reading

    /// The slot assigned to a leaf key, if any.
    public func slot(ofKey key: Goldilocks) -> Int? { slots[key] }

    /// The leaf in `slot` (``AccountLeaf/empty`` for an unused slot).
    public func leaf(at slot: Int) -> AccountLeaf {
        precondition(slot >= 0 && slot < Self.capacity, "slot \(slot) is outside the tree")
        return leaves[slot] ?? .empty
    }

    /// The leaf holding `key`, if the key has a slot.
    public func leaf(forKey key: Goldilocks) -> AccountLeaf? { slots[key].map { leaf(at: $0) } }

    /// The balance of an (account, asset) holder: 0 if it has no leaf.
    public func balance(account: some Collection<UInt8>, asset: some Collection<UInt8>) -> UInt128 {
        leaf(forKey: AccountLeaf.key(account: account, asset: asset))?.balance ?? 0
    }

    /// The outstanding supply of an asset as its supply leaf records it (0 if none).
    public func supply(asset: some Collection<UInt8>) -> UInt128 {
        leaf(forKey: AccountLeaf.assetID(of: asset))?.balance ?? 0
    }

    /// The 31 siblings on `slot`'s path, from the leaf level up.
    public func siblings(of slot: Int) -> [RPODigest] {
        precondition(slot >= 0 && slot < Self.capacity, "slot \(slot) is outside the tree")
        return (0..<Self.depth).map { node(level: $0, index: (slot >> $0) ^ 1) }
    }

    func node(level: Int, index: Int) -> RPODigest {
        levels[level][index] ?? Self.emptySubtreeRoots[level]
    }

    // MARK: - Writing

    /// Assigns the next slot to `key` (or returns its slot).
    mutating func assignSlot(key: Goldilocks) throws(BatchProofError) -> Int {
        if let slot = slots[key] { return slot }
        guard nextSlot < Self.paddingSlot else { throw .treeFull }
        let slot = nextSlot
        slots[key] = slot
        nextSlot += 1
        return slot
    }

    /// Replaces the leaf in `slot` and updates the root (31 merges).
    mutating func setLeaf(_ leaf: AccountLeaf, at slot: Int) {
        precondition(slot >= 0 && slot < Self.capacity, "slot \(slot) is outside the tree")
        leaves[slot] = leaf.key.isZero && leaf == .empty ? nil : leaf
        var index = slot
        var digest = leaf.digest
        for level in 0..<Self.depth {
            levels[level][index] = digest == Self.emptySubtreeRoots[level] ? nil : digest
            let sibling = node(level: level, index: index ^ 1)
            digest = index & 1 == 0 ? RPO256.merge(digest, sibling) : RPO256.merge(sibling, digest)
            index >>= 1
        }
        root = digest
    }
}
