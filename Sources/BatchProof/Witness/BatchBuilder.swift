import Primitives
import StarkMath
import StateTree

typealias Holder = LeafOwner

/// Collects one batch's operations in the node's order and builds the witness.
///
/// Each call checks the operation against the state so far (the tree plus the batch's
/// earlier operations) and either records it or throws a ``BatchProofError`` saying why,
/// leaving the builder unchanged. ``witness(minimumSlots:)`` lays the operations out as the
/// AIR requires: deposits first, then the other operations in the order they were added,
/// padding, withdrawals last. Moving credits earlier and debits later never overdraws an
/// account the node order did not, so the layout always applies.
///
/// Accounts and assets are 20-byte addresses; the native currency is the zero address.
public struct BatchBuilder: Sendable {
    public let number: UInt64
    /// The state before the batch.
    public let state: BatchStateTree
    private var deposits: [PlannedOperation] = []
    private var middle: [PlannedOperation] = []
    private var withdrawals: [PlannedOperation] = []
    /// Balances and assets of the leaves the batch touched so far, by key.
    private var touched: [Goldilocks: (balance: UInt128, asset: Goldilocks)] = [:]
    /// Blindings and salt: the CSPRNG, or a seed when the witness must be reproducible.
    private let randomness: WitnessRandomness

    public init(number: UInt64, state: BatchStateTree, randomness: WitnessRandomness = .system) {
        self.number = number
        self.state = state
        self.randomness = randomness
    }

    /// Operations recorded so far (deposits, withdrawals and the rest).
    public var operationCount: Int { deposits.count + middle.count + withdrawals.count }
    public var depositCount: Int { deposits.count }
    public var withdrawalCount: Int { withdrawals.count }

    // MARK: - Operations

    /// Credits an L1 deposit to `account` (deposits are laid out first in the batch).
    public mutating func deposit(account: [UInt8], asset: [UInt8], amount: UInt128) throws(BatchProofError) {
        let to = try holder(account, asset)
        var changes = touched
        try credit(to, amount, &changes)
        touched = changes
        deposits.append(
            PlannedOperation(kind: .deposit, fromKey: to.key, toKey: to.key, asset: to.assetID, amount: amount))
    }

    /// Moves `amount` of `asset` from one account to another (or to itself).
    public mutating func transfer(
        from: [UInt8], to: [UInt8], asset: [UInt8], amount: UInt128
    ) throws(BatchProofError) {
        let sender = try holder(from, asset)
        let receiver = try holder(to, asset)
        var changes = touched
        try debit(sender, amount, &changes)
        try credit(receiver, amount, &changes)
        touched = changes
        middle.append(
            PlannedOperation(
                kind: .transfer, fromKey: sender.key, toKey: receiver.key, asset: sender.assetID, amount: amount))
    }

    /// Debits `amount` for a withdrawal to the L1 (withdrawals are laid out last).
    public mutating func withdraw(from: [UInt8], asset: [UInt8], amount: UInt128) throws(BatchProofError) {
        let sender = try holder(from, asset)
        var changes = touched
        try debit(sender, amount, &changes)
        touched = changes
        withdrawals.append(
            PlannedOperation(
                kind: .withdrawal, fromKey: sender.key, toKey: sender.key, asset: sender.assetID, amount: amount))
    }

    /// Creates `amount` of `asset` for `to`: the asset's supply grows by the same amount.
    public mutating func mint(to: [UInt8], asset: [UInt8], amount: UInt128) throws(BatchProofError) {
        let receiver = try holder(to, asset)
        let supply = Party.supply(asset)
        var changes = touched
        try credit(supply, amount, &changes)
        try credit(receiver, amount, &changes)
        touched = changes
        middle.append(
            PlannedOperation(
                kind: .mint, fromKey: supply.key, toKey: receiver.key, asset: supply.assetID, amount: amount))
    }

    /// Destroys `amount` of `asset` held by `from`: the asset's supply shrinks by the same amount.
    public mutating func burn(from: [UInt8], asset: [UInt8], amount: UInt128) throws(BatchProofError) {
        let sender = try holder(from, asset)
        let supply = Party.supply(asset)
        var changes = touched
        try debit(sender, amount, &changes)
        try debit(supply, amount, &changes)
        touched = changes
        middle.append(
            PlannedOperation(
                kind: .burn, fromKey: sender.key, toKey: supply.key, asset: supply.assetID, amount: amount))
    }

    // MARK: - Witness

    /// Lays the operations out (deposits, the rest in order, padding, withdrawals), applies
    /// them to ``state`` with blindings and salt from the builder's randomness, and builds
    /// the trace. With a seeded randomness the same operations give the same witness.
    /// - Parameter minimumSlots: the smallest slot count; 4 gives ≥ 100 proven bits with
    ///   the default options. The slot count is the smallest power of two that holds all
    ///   operations and leaves at least one slot between deposits and withdrawals (D + W <
    ///   S), and at least this.
    /// - Returns: the witness and the state after the batch.
    public func witness(minimumSlots: Int = 4) throws(BatchProofError) -> (BatchWitness, newState: BatchStateTree) {
        let count = operationCount
        let slots = try Self.slotCount(
            operations: count, deposits: deposits.count, withdrawals: withdrawals.count, minimumSlots: minimumSlots)
        let padding = Array(
            repeating: PlannedOperation.padding, count: slots - count)
        let (witness, tree) = try BatchWitness.assemble(
            number: number, slotCount: slots, depositCount: deposits.count, withdrawalCount: withdrawals.count,
            state: state, operations: deposits + middle + padding + withdrawals, randomness: randomness)
        return (witness, tree)
    }

    /// The smallest power of two that holds `operations` and leaves a slot between deposits
    /// and withdrawals (D + W < S), and at least `minimumSlots`.
    static func slotCount(operations count: Int, deposits: Int, withdrawals: Int, minimumSlots: Int) throws(BatchProofError) -> Int {
        var slots = 1
        while slots < count || slots <= deposits + withdrawals || slots < minimumSlots { slots <<= 1 }
        guard slots <= BatchWitness.maximumSlotCount else { throw .invalidSlotCount(slots, operations: count) }
        guard BatchAIR.fitsAssertionLimit(depositCount: deposits, withdrawalCount: withdrawals) else {
            throw .invalidStatement(
                "\(deposits) deposits and \(withdrawals) withdrawals are too many for one proof "
                    + "(4 boundary assertions per deposit and 3 per withdrawal, 4096 in all): split the batch")
        }
        return slots
    }

    /// The witness of a batch a node applied to its state tree, from the batch's stored
    /// multi-update alone (its operations in proof order and the part of the tree they touch):
    /// no other state and no earlier batch is needed. `randomness` must be the one the node's
    /// tree used for the batch, so that the witness reaches the same root.
    /// - Throws: ``BatchProofError/invalidStatement(_:)`` if the update is inconsistent (does not
    ///   hash to its old root, deposits or withdrawals out of place) or the witness does not
    ///   reach the update's new root.
    public static func witness(
        number: UInt64, update: TreeUpdate, randomness: WitnessRandomness, minimumSlots: Int = 4
    ) throws(BatchProofError) -> BatchWitness {
        let state = try BatchStateTree(before: update)
        let operations = update.operations
        let deposits = update.depositCount
        let withdrawals = update.withdrawalCount
        let middle = operations[deposits..<(operations.count - withdrawals)]
        guard !middle.contains(where: { $0.kind == .deposit || $0.kind == .withdrawal || $0.kind == .padding }) else {
            throw .invalidStatement("batch \(number)'s deposits must come first and its withdrawals last")
        }
        let slots = try slotCount(
            operations: operations.count, deposits: deposits, withdrawals: withdrawals, minimumSlots: minimumSlots)
        let planned =
            Array(operations.prefix(deposits)) + middle
            + Array(repeating: PlannedOperation.padding, count: slots - operations.count) + operations.suffix(withdrawals)
        let (witness, _) = try BatchWitness.assemble(
            number: number, slotCount: slots, depositCount: deposits, withdrawalCount: withdrawals, state: state,
            operations: planned, randomness: randomness)
        guard witness.publicInputs.oldRoot == update.oldRoot, witness.publicInputs.newRoot == update.newRoot else {
            throw .invalidStatement("the witness of batch \(number) does not reach the state tree's root")
        }
        return witness
    }

    // MARK: - Checks

    /// A leaf owner: its key, its asset's identifier and a name for messages.
    struct Party {
        let key: Goldilocks
        let assetID: Goldilocks
        let name: String

        static func supply(_ asset: [UInt8]) -> Party {
            let id = AccountLeaf.assetID(of: asset)
            return Party(key: id, assetID: id, name: Holder.supply(asset).description)
        }
    }

    func holder(_ account: [UInt8], _ asset: [UInt8]) throws(BatchProofError) -> Party {
        try Self.checkAddress(account, "account")
        try Self.checkAddress(asset, "asset")
        let key = AccountLeaf.key(account: account, asset: asset)
        let id = AccountLeaf.assetID(of: asset)
        let name = Holder.account(account, asset: asset).description
        guard key != id else { throw .keyCollision(name) }
        return Party(key: key, assetID: id, name: name)
    }

    /// The party's balance so far, or nil if it has no leaf yet.
    func current(_ party: Party, _ changes: [Goldilocks: (balance: UInt128, asset: Goldilocks)])
        throws(BatchProofError) -> UInt128?
    {
        let balance: UInt128
        let asset: Goldilocks
        if let entry = changes[party.key] {
            (balance, asset) = (entry.balance, entry.asset)
        } else if let leaf = state.leaf(forKey: party.key) {
            (balance, asset) = (leaf.balance, leaf.asset)
        } else {
            return nil
        }
        guard asset == party.assetID else { throw .keyCollision(party.name) }
        return balance
    }

    func debit(
        _ party: Party, _ amount: UInt128, _ changes: inout [Goldilocks: (balance: UInt128, asset: Goldilocks)]
    ) throws(BatchProofError) {
        try Self.checkAmount(amount)
        guard let balance = try current(party, changes) else { throw .unknownAccount(holder: party.name) }
        guard balance >= amount else {
            throw .insufficientBalance(holder: party.name, balance: balance, amount: amount)
        }
        changes[party.key] = (balance - amount, party.assetID)
    }

    func credit(
        _ party: Party, _ amount: UInt128, _ changes: inout [Goldilocks: (balance: UInt128, asset: Goldilocks)]
    ) throws(BatchProofError) {
        try Self.checkAmount(amount)
        let balance = try current(party, changes) ?? 0
        guard balance + amount < AccountLeaf.balanceBound else {
            throw .balanceOverflow(holder: party.name, balance: balance, amount: amount)
        }
        changes[party.key] = (balance + amount, party.assetID)
    }

    static func checkAddress(_ bytes: [UInt8], _ what: String) throws(BatchProofError) {
        guard bytes.count == 20 else { throw .invalidAddress(what: what, byteCount: bytes.count) }
    }

    static func checkAmount(_ amount: UInt128) throws(BatchProofError) {
        guard amount < AccountLeaf.balanceBound else { throw .amountOutOfRange(amount) }
    }
}

extension BatchBuilder {
    /// A ledger amount (`UInt256`, wei) as the builder's `UInt128`; amounts of 2¹²⁴ or
    /// more are refused.
    public static func narrow(_ amount: UInt256) throws(BatchProofError) -> UInt128 {
        guard let value = AccountLeaf.balance(amount) else {
            let (w0, w1, w2, w3) = amount.words
            throw .amountOutOfRange(w2 == 0 && w3 == 0 ? UInt128(w0) | UInt128(w1) << 64 : .max)
        }
        return value
    }
}
