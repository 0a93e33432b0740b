import StarkCrypto
import StarkMath

/// The account tree the batch AIR proves updates of, with its slot registry: a value type
/// (copying it copies the state; a copy is cheap until one side changes).
///
/// Depth 31 (2³¹ slots), a node is `RPO256.merge(left, right)`, a leaf is
/// ``AccountLeaf/digest`` of its six fields and an unused slot holds the all-zero leaf's
/// digest. Slots are assigned in order, one per leaf key (holder key or an asset's supply
/// key), the first time the key is credited; the last slot, 2³¹ − 1, is never assigned
/// (padding operations touch it). Only non-empty nodes are stored.
public struct BatchStateTree: Sendable {
    public static let depth = BatchTraceLayout.depth
    public static let capacity = 1 << depth
    /// The slot padding operations touch (never assigned, so always empty).
    public static let paddingSlot = capacity - 1
    /// Entry k: the root of an empty subtree of height k (entry 0: the empty leaf's digest).
    public static let emptySubtreeRoots: [RPODigest] = RPOMerkle.emptySubtreeRoots(
        depth: depth, emptyLeaf: AccountLeaf.emptyDigest)

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

    /// The state before the first batch: holder balances and asset supplies written
    /// directly (no proof), nonces zero, blindings from `randomness` (in list order: supplies,
    /// then holdings). Account and asset are 20-byte addresses (the native currency is the
    /// zero address).
    /// - Throws: ``BatchProofError`` for a malformed address, a balance of 2¹²⁴ or more,
    ///   or a holder or asset listed twice.
    public static func genesis(
        holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)],
        supplies: [(asset: [UInt8], supply: UInt128)],
        randomness: WitnessRandomness = .system
    ) throws(BatchProofError) -> BatchStateTree {
        var randomness = randomness
        var tree = BatchStateTree()
        for supply in supplies {
            try BatchBuilder.checkAddress(supply.asset, "asset")
            try BatchBuilder.checkAmount(supply.supply)
            let id = AccountLeaf.assetID(of: supply.asset)
            guard tree.slot(ofKey: id) == nil else { throw .duplicateGenesisEntry(Holder.supply(supply.asset).description) }
            let slot = try tree.assignSlot(key: id)
            tree.setLeaf(
                AccountLeaf(balance: supply.supply, nonce: 0, key: id, asset: id, blinding: randomness.nextElement()), at: slot)
        }
        for holding in holdings {
            try BatchBuilder.checkAddress(holding.account, "account")
            try BatchBuilder.checkAddress(holding.asset, "asset")
            try BatchBuilder.checkAmount(holding.balance)
            let holder = Holder.account(holding.account, asset: holding.asset)
            let key = AccountLeaf.key(account: holding.account, asset: holding.asset)
            let id = AccountLeaf.assetID(of: holding.asset)
            guard key != id else { throw .keyCollision(holder.description) }
            guard tree.slot(ofKey: key) == nil else { throw .duplicateGenesisEntry(holder.description) }
            let slot = try tree.assignSlot(key: key)
            tree.setLeaf(
                AccountLeaf(balance: holding.balance, nonce: 0, key: key, asset: id, blinding: randomness.nextElement()),
                at: slot)
        }
        return tree
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
