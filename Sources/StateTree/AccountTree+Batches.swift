import StarkCrypto
import StarkMath

extension AccountTree {
    // MARK: - Genesis

    /// The state before the first batch: asset supplies, then holder balances, each in list
    /// order, written directly (no proof), nonces zero, blindings from `randomness` (in
    /// that order). Accounts and assets are 20-byte addresses (the native currency is the
    /// zero address).
    /// - Throws: ``AccountTreeError`` for a malformed address, a balance of 2¹²⁴ or more, a
    ///   holder or asset listed twice, or a key collision.
    public static func genesis(
        holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)],
        supplies: [(asset: [UInt8], supply: UInt128)],
        randomness: WitnessRandomness = .system, parallelism: Parallelism = .automatic
    ) throws(AccountTreeError) -> AccountTree {
        var randomness = randomness
        var leaves = [AccountLeaf]()
        leaves.reserveCapacity(supplies.count + holdings.count)
        var keys = Set<Goldilocks>()
        for supply in supplies {
            try checkAddress(supply.asset, "asset")
            try checkAmount(supply.supply)
            let id = AccountLeaf.assetID(of: supply.asset)
            guard keys.insert(id).inserted else { throw .duplicateGenesisEntry(LeafOwner.supply(supply.asset).description) }
            leaves.append(AccountLeaf(balance: supply.supply, nonce: 0, key: id, asset: id, blinding: randomness.nextElement()))
        }
        // Keys are hashes (two permutations each): derived on every core, asset ids once per asset.
        var holderKeys = [Goldilocks](repeating: .zero, count: holdings.count)
        holderKeys.withUnsafeMutableBufferPointer { out in
            parallelism.forEachChunk(count: holdings.count, minimumChunk: 256) { range in
                for i in range { out[i] = AccountLeaf.key(account: holdings[i].account, asset: holdings[i].asset) }
            }
        }
        var assetIDs = [[UInt8]: Goldilocks]()
        for (holding, key) in zip(holdings, holderKeys) {
            try checkAddress(holding.account, "account")
            try checkAddress(holding.asset, "asset")
            try checkAmount(holding.balance)
            let owner = LeafOwner.account(holding.account, asset: holding.asset)
            let id = assetIDs[holding.asset] ?? AccountLeaf.assetID(of: holding.asset)
            assetIDs[holding.asset] = id
            guard key != id else { throw .keyCollision(owner.description) }
            guard keys.insert(key).inserted else { throw .duplicateGenesisEntry(owner.description) }
            leaves.append(AccountLeaf(balance: holding.balance, nonce: 0, key: key, asset: id, blinding: randomness.nextElement()))
        }
        return try AccountTree(leaves: leaves, parallelism: parallelism)
    }

    public static func checkAddress(_ bytes: [UInt8], _ what: String) throws(AccountTreeError) {
        guard bytes.count == 20 else { throw .invalidAddress(what: what, byteCount: bytes.count) }
    }

    public static func checkAmount(_ amount: UInt128) throws(AccountTreeError) {
        guard amount < AccountLeaf.balanceBound else { throw .amountOutOfRange(amount) }
    }

    // MARK: - A batch

    /// Applies a batch's operations (in the order the proof lays them out: deposits, the
    /// rest, withdrawals; padding is skipped) as one multi-update: leaves are worked out in
    /// operation order, then each touched node is hashed once.
    ///
    /// Slots for new keys are assigned in operation order (`from` before `to`); each changing
    /// update draws the leaf's blinding from `randomness`, exactly as the batch witness does,
    /// so the proof of these operations reaches the same root.
    /// - Returns: what a proof of the batch needs (the old leaves, untouched siblings and the
    ///   operations) and the leaves written, by slot.
    /// - Throws: ``AccountTreeError`` for a debit beyond a balance, a debit of a leaf that does
    ///   not exist, a credit past 2¹²⁴, an asset mismatch or a full tree; the tree is then
    ///   unchanged.
    public mutating func apply(
        _ operations: [LeafOperation], randomness: inout WitnessRandomness, parallelism: Parallelism = .automatic
    ) throws(AccountTreeError) -> (update: TreeUpdate, written: [(slot: Int, leaf: AccountLeaf)]) {
        let oldRoot = root
        let oldCount = count
        var assigned = [Goldilocks: Int]()
        var current = [Int: AccountLeaf]()
        func slot(for key: Goldilocks) throws(AccountTreeError) -> Int {
            if let slot = slots[key] ?? assigned[key] { return slot }
            let slot = oldCount + assigned.count
            guard slot < Self.paddingSlot else { throw .full }
            assigned[key] = slot
            return slot
        }
        for operation in operations where operation.kind != .padding {
            let from: Int
            let to: Int
            switch operation.kind {
            case .deposit:
                to = try slot(for: operation.toKey)
                from = to
            case .withdrawal:
                from = try slot(for: operation.fromKey)
                to = from
            default:
                from = try slot(for: operation.fromKey)
                to = try slot(for: operation.toKey)
            }
            let (roleA, roleB) = operation.kind.roles
            for (slot, role, key) in [(from, roleA, operation.fromKey), (to, roleB, operation.toKey)] where role.changes {
                let leaf = current[slot] ?? self.leaf(at: slot)
                try Self.check(leaf, role: role, key: key, operation: operation)
                current[slot] = leaf.applying(
                    role, amountLow: operation.amountLow, amountHigh: operation.amountHigh, key: key,
                    asset: operation.asset, randomness: &randomness
                ).leaf
            }
        }
        let written = current.keys.sorted().map { (slot: $0, leaf: current[$0]!) }
        let oldLeaves = written.filter { $0.slot < oldCount }.map { TreeUpdate.Leaf(slot: $0.slot, leaf: leaves[$0.slot]) }
        let siblings = write(written, parallelism: parallelism)
        let update = TreeUpdate(
            oldRoot: oldRoot, newRoot: root, oldCount: oldCount, operations: operations.filter { $0.kind != .padding },
            oldLeaves: oldLeaves, siblings: siblings)
        return (update, written)
    }

    /// The checks the batch proof's range checks and key rules would refuse, made before
    /// anything is written.
    static func check(
        _ leaf: AccountLeaf, role: LeafRole, key: Goldilocks, operation: LeafOperation
    ) throws(AccountTreeError) {
        let owner = "the leaf with key \(key.value)"
        guard operation.amountLow.value < 1 << 62, operation.amountHigh.value < 1 << 62 else {
            throw .amountOutOfRange(operation.amount)
        }
        if role.isHolder, key == operation.asset { throw .keyCollision(owner) }
        if !role.isHolder, key != operation.asset { throw .keyCollision(owner) }
        if !leaf.isEmpty, leaf.asset != operation.asset { throw .keyCollision(owner) }
        switch role {
        case .debit:
            guard !leaf.isEmpty else { throw .unknownHolder(owner) }
            guard leaf.balance >= operation.amount else {
                throw .insufficientBalance(holder: owner, balance: leaf.balance, amount: operation.amount)
            }
        case .credit:
            guard leaf.balance + operation.amount < AccountLeaf.balanceBound else {
                throw .balanceOverflow(holder: owner, balance: leaf.balance, amount: operation.amount)
            }
        case .noop:
            break
        }
    }
}

/// Who a leaf belongs to, for messages.
public enum LeafOwner: CustomStringConvertible, Sendable {
    case account([UInt8], asset: [UInt8])
    case supply([UInt8])

    public var description: String {
        switch self {
        case .account(let account, let asset): "account 0x\(Self.hex(account)) (asset 0x\(Self.hex(asset)))"
        case .supply(let asset): "the supply of asset 0x\(Self.hex(asset))"
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}
