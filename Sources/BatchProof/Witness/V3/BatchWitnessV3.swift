import Stark
import StarkCrypto
import StarkMath
import StateTree

/// The witness of a v3 batch proof: the blocks of the trace, planned from one batch's
/// ``TreeUpdate`` (its multi-update), and the public inputs they prove.
///
/// ``operations`` and ``salts`` open the operations commitment (``OperationsTree``): they
/// are secret, like the leaves.
public struct BatchWitnessV3: Sendable {
    public let air: BatchAIRv3
    public let publicInputs: BatchPublicInputs
    /// Secret: the S operations in order, padding included.
    public let operations: [BatchOperation]
    /// Secret: three salt elements per operation leaf.
    public let salts: [[Goldilocks]]
    /// What the trace is written from; tests alter it to build cheating traces.
    var plan: Plan

    /// The blocks of a v3 trace.
    struct Plan: Sendable {
        struct Update: Sendable {
            var before: AccountLeaf
            var after: AccountLeaf
            var carry: Goldilocks
            /// The position of the leaf's previous update (0: the leaf block's old leaf).
            var previous: Goldilocks
            var role: LeafRole
        }
        struct OperationsMerge: Sendable {
            var level: Int
            var index: Int
            var left: RPODigest
            var right: RPODigest
        }
        struct Operation: Sendable {
            var operation: BatchOperation
            var a: Update
            var b: Update
            var salt: [Goldilocks]
            var opsMerge: OperationsMerge?
        }
        struct Leaf: Sendable {
            var slot: Int
            var old: AccountLeaf
            var final: AccountLeaf
            var finalPosition: Int
        }
        struct Merge: Sendable {
            /// The level of the node produced (1…31) and its index.
            var level: Int
            var index: Int
            var leftOld: RPODigest
            var leftNew: RPODigest
            var rightOld: RPODigest
            var rightNew: RPODigest
            var leftTouched: Bool
            var rightTouched: Bool
        }
        var batchNumber: UInt64
        var operations: [Operation]
        var leaves: [Leaf]
        var merges: [Merge]
    }

    /// The execution trace (written anew on each read).
    public var trace: ExecutionTrace {
        get throws(BatchProofError) {
            do { return try ExecutionTrace(columns: TraceWriterV3(air: air).write(plan)) } catch {
                throw .proofSystem(error)
            }
        }
    }

    /// What the trace holds: operations, touched leaves, merges (padding excluded).
    public var blockCounts: (operations: Int, leaves: Int, merges: Int) {
        (plan.operations.count, plan.leaves.count, plan.merges.count)
    }

    // MARK: - Building

    /// The witness of batch `number` from its multi-update.
    ///
    /// `randomness` must be the one `AccountTree.apply` drew from for this batch (same seed
    /// and label): the leaves' blindings are drawn again in the same order (one per
    /// changing update, in operation order), then the operation salts. The tree this
    /// reaches must be the update's new root, or the witness is refused.
    /// - Parameters:
    ///   - minimumOperations: S is the smallest power of two ≥ this, the operation count
    ///     and D + W.
    ///   - minimumTraceLength: at least 2¹¹ (≥ 100 proven bits with the default options).
    ///   - layout: merge slots a block (0 narrow, ``BatchAIRv3/wideMergeSlots`` wide); nil
    ///     (the node's choice): wide only where its trace is at most a quarter as long.
    public static func make(
        number: UInt64, update: TreeUpdate, randomness: WitnessRandomness, minimumOperations: Int = 1,
        minimumTraceLength: Int = BatchAIRv3.minimumTraceLength, layout: Int? = nil
    ) throws(BatchProofError) -> BatchWitnessV3 {
        guard number < 1 << 63 else { throw .invalidBatchNumber(number) }
        var randomness = randomness
        let known: [[Int: RPODigest]]
        let slots: [Goldilocks: Int]
        do {
            // A batch that changes no leaf records no path: its old nodes are not needed.
            let changes = update.operations.contains { $0.kind.roles.0.changes || $0.kind.roles.1.changes }
            known = changes ? try update.oldNodes() : []
            slots = try update.slotAssignment()
        } catch { throw BatchProofError(error) }
        let deposits = update.depositCount
        let withdrawals = update.withdrawalCount
        var list = update.operations
        var slotCount = 1
        while slotCount < max(list.count, minimumOperations, deposits + withdrawals) { slotCount *= 2 }
        guard slotCount <= BatchAIRv3.maximumSlotCount else { throw .invalidSlotCount(slotCount, operations: list.count) }
        list.insert(contentsOf: repeatElement(LeafOperation.padding, count: slotCount - list.count), at: list.count - withdrawals)

        let (operations0, current, lastPosition, oldLeaves) = Self.apply(list, update: update, slots: slots, randomness: &randomness)
        var operations = operations0
        for index in operations.indices {
            operations[index].salt = (0..<OperationsTree.saltCount).map { _ in randomness.nextElement() }
        }
        let opsLeaves = operations.map {
            OperationsTree.leaf(batchNumber: number, salt: $0.salt, operation: $0.operation)
        }
        let opsLevels = OperationsTree.levels(leaves: opsLeaves)
        var host = 0
        for level in 0..<(opsLevels.count - 1) {
            for j in 0..<opsLevels[level + 1].count {
                operations[host].opsMerge = .init(
                    level: level, index: j, left: opsLevels[level][2 * j], right: opsLevels[level][2 * j + 1])
                host += 1
            }
        }

        let leaves = lastPosition.keys.sorted().map { slot in
            Plan.Leaf(slot: slot, old: oldLeaves[slot] ?? .empty, final: current[slot]!, finalPosition: lastPosition[slot]!)
        }
        // A batch that changes no leaf (padding only) has no leaf or merge block: the bus
        // then carries no root tuple (the public side consumes none when old = new root).
        let (merges, oldRoot, newRoot) =
            leaves.isEmpty ? ([], update.oldRoot, update.oldRoot) : Self.merges(leaves: leaves, known: known)
        guard oldRoot == update.oldRoot, newRoot == update.newRoot else {
            throw .invalidStatement(
                "batch \(number): the multi-update does not reach the tree's roots (was the randomness the one the tree "
                    + "applied the batch with?)")
        }
        // The shortest trace of each layout; the wide one only when it is at most a quarter as
        // long (a wide row has about 2.3 times the columns, so at half the length it costs more).
        func length(mergeSlots: Int) -> Int? {
            let blocks = BatchAIRv3.blockCount(
                operations: slotCount, leaves: leaves.count, merges: merges.count, mergeSlots: mergeSlots)
            var length = max(BatchAIRv3.minimumTraceLength, minimumTraceLength)
            while length < 8 * blocks && length <= BatchAIRv3.maximumTraceLength { length *= 2 }
            return length <= BatchAIRv3.maximumTraceLength ? length : nil
        }
        let chosen: Int
        if let layout {
            guard BatchAIRv3.layouts.contains(layout) else {
                throw .invalidStatement("a v3 batch has 0 or \(BatchAIRv3.wideMergeSlots) merge slots a block, not \(layout)")
            }
            chosen = layout
        } else if let wide = length(mergeSlots: BatchAIRv3.wideMergeSlots),
            length(mergeSlots: 0).map({ 4 * wide <= $0 }) ?? true
        {
            chosen = BatchAIRv3.wideMergeSlots
        } else {
            chosen = 0
        }
        guard let length = length(mergeSlots: chosen) else {
            throw .invalidStatement(
                "batch \(number) needs \(BatchAIRv3.blockCount(operations: slotCount, leaves: leaves.count, merges: merges.count, mergeSlots: chosen)) "
                    + "blocks, more than a 2^24-row trace holds")
        }
        let air = BatchAIRv3(
            traceLength: length, slotCount: slotCount, depositCount: deposits, withdrawalCount: withdrawals,
            mergeSlots: chosen)
        let batch = operations.map(\.operation)
        let publicInputs = BatchPublicInputs(
            batchNumber: number, slotCount: slotCount, oldRoot: oldRoot, newRoot: newRoot,
            operationsCommitment: opsLevels.last![0],
            deposits: batch.prefix(deposits).map { DepositStatement(toKey: $0.toKey, asset: $0.asset, amount: $0.amount) },
            withdrawals: batch.suffix(withdrawals).map { WithdrawalStatement(asset: $0.asset, amount: $0.amount) })
        return BatchWitnessV3(
            air: air, publicInputs: publicInputs, operations: batch, salts: operations.map(\.salt),
            plan: Plan(batchNumber: number, operations: operations, leaves: leaves, merges: merges))
    }

    /// The operations' updates in order (blindings drawn as `AccountTree.apply` draws them),
    /// the final leaves, each touched slot's last update position, and the old leaves.
    static func apply(
        _ list: [LeafOperation], update: TreeUpdate, slots: [Goldilocks: Int], randomness: inout WitnessRandomness
    ) -> ([Plan.Operation], [Int: AccountLeaf], [Int: Int], [Int: AccountLeaf]) {
        var current = [Int: AccountLeaf]()
        for old in update.oldLeaves { current[old.slot] = old.leaf }
        let oldLeaves = current
        var lastPosition = [Int: Int]()
        var operations = [Plan.Operation]()
        operations.reserveCapacity(list.count)
        for (index, op) in list.enumerated() {
            var from = AccountTree.paddingSlot
            var to = AccountTree.paddingSlot
            switch op.kind {
            case .padding: break
            case .deposit: from = slots[op.toKey]!; to = from
            case .withdrawal: from = slots[op.fromKey]!; to = from
            case .transfer, .mint, .burn: from = slots[op.fromKey]!; to = slots[op.toKey]!
            }
            let padding = op.kind == .padding
            let operation = BatchOperation(
                kind: op.kind, from: from, to: to, amountLow: op.amountLow, amountHigh: op.amountHigh,
                fromKey: padding ? .zero : op.fromKey, toKey: padding ? .zero : op.toKey, asset: op.asset)
            var updates = [Plan.Update]()
            for (offset, slot, role, key) in [(1, from, op.kind.roles.0, op.fromKey), (2, to, op.kind.roles.1, op.toKey)] {
                let position = 2 * index + offset
                guard role.changes else {
                    updates.append(.init(before: .empty, after: .empty, carry: .zero, previous: Goldilocks(reducing: UInt64(position - 1)), role: role))
                    continue
                }
                let before = current[slot] ?? .empty
                let (after, carry) = before.applying(
                    role, amountLow: op.amountLow, amountHigh: op.amountHigh, key: key, asset: op.asset,
                    randomness: &randomness)
                updates.append(.init(
                    before: before, after: after, carry: carry,
                    previous: Goldilocks(reducing: UInt64(lastPosition[slot] ?? 0)), role: role))
                current[slot] = after
                lastPosition[slot] = position
            }
            operations.append(.init(operation: operation, a: updates[0], b: updates[1], salt: [], opsMerge: nil))
        }
        return (operations, current, lastPosition, oldLeaves)
    }

    /// One merge per touched internal node, level by level, with the old and new digests
    /// of both children (an untouched child: its old digest on both sides).
    /// - Parameter hiding: soundness tests only: treat the right child of (child level,
    ///   parent index) as an untouched sibling (its old digest on both sides).
    static func merges(
        leaves: [Plan.Leaf], known: [[Int: RPODigest]], hiding: (Int, Int) -> Bool = { _, _ in false }
    ) -> (merges: [Plan.Merge], oldRoot: RPODigest, newRoot: RPODigest) {
        var touched = [Int: (old: RPODigest, new: RPODigest)]()
        for leaf in leaves { touched[leaf.slot] = (leaf.old.digest, leaf.final.digest) }
        var merges = [Plan.Merge]()
        for level in 0..<AccountTree.depth {
            let empty = AccountTree.emptySubtreeRoots[level]
            var parents = [Int: (old: RPODigest, new: RPODigest)]()
            for parent in Set(touched.keys.map { $0 >> 1 }).sorted() {
                let left = touched[2 * parent]
                let right = hiding(level, parent) ? nil : touched[2 * parent + 1]
                let leftOld = left?.old ?? known[level][2 * parent] ?? empty
                let rightOld = right?.old ?? known[level][2 * parent + 1] ?? empty
                let leftNew = left?.new ?? leftOld
                let rightNew = right?.new ?? rightOld
                merges.append(
                    .init(
                        level: level + 1, index: parent, leftOld: leftOld, leftNew: leftNew, rightOld: rightOld,
                        rightNew: rightNew, leftTouched: left != nil, rightTouched: right != nil))
                parents[parent] = (RPO256.merge(leftOld, rightOld), RPO256.merge(leftNew, rightNew))
            }
            touched = parents
        }
        let root = touched[0] ?? (AccountTree.emptySubtreeRoots[AccountTree.depth], AccountTree.emptySubtreeRoots[AccountTree.depth])
        return (merges, root.old, root.new)
    }
}
