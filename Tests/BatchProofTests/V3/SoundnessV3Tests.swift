import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

/// Cheating v3 witnesses: each breaks one rule of the statement while the cheater keeps
/// everything else consistent (leaf finals, merges, operations tree and the claimed
/// roots are recomputed from the tampered plan). The constraint checker (main constraints
/// and the bus with random challenges) must refuse each, and a proof made without the
/// checks (`proveUnchecked`) must be refused by the verifier.
///
/// Every case runs in both layouts: narrow (one lane pair a block) and wide (merge slots in
/// every block, so merges also sit in op and leaf blocks); the wide layout adds the cases
/// only its merge slots open.
@Suite struct SoundnessV3Tests {
    typealias F = Fixtures
    typealias V = V3Fixtures
    typealias Plan = BatchWitnessV3.Plan

    struct Case: CustomStringConvertible {
        let description: String
        let witness: BatchWitnessV3
        let claimed: BatchPublicInputs
        var trace: ExecutionTrace
        var challengeOverride: [Goldilocks]? = nil
    }

    static let limbBase = Goldilocks(reducing: 1 << 62)

    enum Layout: String, CaseIterable, CustomStringConvertible, Sendable {
        case narrow, wide
        var description: String { rawValue }
        var mergeSlots: Int { self == .narrow ? 0 : BatchAIRv3.wideMergeSlots }
        var caseCount: Int { self == .narrow ? 22 : 25 }
    }

    /// The batch every case starts from: a deposit, a transfer, a mint, a burn, a withdrawal.
    static func base(_ layout: Layout) throws -> (BatchWitnessV3, TreeUpdate) {
        let all = V.mixedOperations()
        let (witness, _, update) = try V.witnessAndUpdate(
            [all[0], all[2], all[3], all[5], all[8]], layout: layout.mergeSlots)
        #expect(witness.air.mergeSlotsPerBlock == layout.mergeSlots)
        return (witness, update)
    }

    typealias MergeColumns = BatchLayoutV3.MergeSlot

    /// The columns and first row of merge `merge` (`plan.merges.count`: the next free place).
    static func place(merge: Int, in witness: BatchWitnessV3) -> (columns: MergeColumns, row: Int, pair: Int) {
        let (block, pair) = TraceWriterV3(air: witness.air).placement(
            merge: merge, operations: witness.plan.operations.count, leaves: witness.plan.leaves.count)
        return (witness.air.mergeColumns(pair: pair), 8 * block, pair)
    }

    /// Copies a merge's eight rows (lanes and descriptor) over another lane pair.
    static func copy(
        _ source: (columns: MergeColumns, row: Int), to target: (columns: MergeColumns, row: Int), in trace: inout ExecutionTrace
    ) {
        for step in 0..<8 {
            for k in 0..<12 {
                trace[target.columns.laneOld + k, target.row + step] = trace[source.columns.laneOld + k, source.row + step]
                trace[target.columns.laneNew + k, target.row + step] = trace[source.columns.laneNew + k, source.row + step]
            }
            for (from, to) in zip(source.columns.descriptor, target.columns.descriptor) {
                trace[to, target.row + step] = trace[from, source.row + step]
            }
        }
    }

    /// The cheater's consistent completion of a tampered plan: leaf finals follow the
    /// updates (when `syncLeaves`), merges, the operations tree and the claimed roots follow.
    static func complete(
        _ witness: BatchWitnessV3, update: TreeUpdate, plan input: Plan, syncLeaves: Bool = true,
        hiding: (Int, Int) -> Bool = { _, _ in false }
    ) throws -> (BatchWitnessV3, BatchPublicInputs) {
        var plan = input
        if syncLeaves {
            var finals = [Int: AccountLeaf]()
            for entry in plan.operations {
                if entry.a.role.changes { finals[entry.operation.from] = entry.a.after }
                if entry.b.role.changes { finals[entry.operation.to] = entry.b.after }
            }
            for index in plan.leaves.indices { plan.leaves[index].final = finals[plan.leaves[index].slot] ?? plan.leaves[index].final }
        }
        let (merges, oldRoot, newRoot) = BatchWitnessV3.merges(leaves: plan.leaves, known: try update.oldNodes(), hiding: hiding)
        plan.merges = merges
        let leaves = plan.operations.map {
            OperationsTree.leaf(batchNumber: plan.batchNumber, salt: $0.salt, operation: $0.operation)
        }
        let levels = OperationsTree.levels(leaves: leaves)
        for index in plan.operations.indices {
            if let merge = plan.operations[index].opsMerge {
                plan.operations[index].opsMerge?.left = levels[merge.level][2 * merge.index]
                plan.operations[index].opsMerge?.right = levels[merge.level][2 * merge.index + 1]
            }
        }
        let operations = plan.operations.map(\.operation)
        let inputs = witness.publicInputs
        let d = inputs.deposits.count
        let w = inputs.withdrawals.count
        let claimed = BatchPublicInputs(
            batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: oldRoot, newRoot: newRoot,
            operationsCommitment: levels.last![0],
            deposits: operations.prefix(d).map { DepositStatement(toKey: $0.toKey, asset: $0.asset, amount: $0.amount) },
            withdrawals: operations.suffix(w).map { WithdrawalStatement(asset: $0.asset, amount: $0.amount) })
        let cheat = BatchWitnessV3(
            air: witness.air, publicInputs: claimed, operations: operations, salts: witness.salts, plan: plan)
        return (cheat, claimed)
    }

    static func cases(_ layout: Layout) throws -> [Case] {
        let (honest, update) = try base(layout)
        var cases = [Case]()
        func add(_ name: String, _ plan: Plan, syncLeaves: Bool = true, hiding: @escaping (Int, Int) -> Bool = { _, _ in false },
                 claim: ((BatchPublicInputs) -> BatchPublicInputs)? = nil, trace: ((inout ExecutionTrace) -> Void)? = nil) throws {
            let (witness, claimed) = try complete(honest, update: update, plan: plan, syncLeaves: syncLeaves, hiding: hiding)
            var written = try witness.trace
            trace?(&written)
            cases.append(Case(description: name, witness: witness, claimed: claim?(claimed) ?? claimed, trace: written))
        }
        let plan = honest.plan
        // Operation 1 is the transfer alice → bob (native), 2 the mint, 3 the burn.
        func debit(_ amount: UInt128, _ change: (inout Plan.Operation) -> Void = { _ in }) -> Plan {
            var p = plan
            var entry = p.operations[1]
            let (low, high) = AccountLeaf.limbs(amount)
            entry.operation.amountLow = low
            entry.operation.amountHigh = high
            var randomness = V.randomness("cheat")
            entry.a.after = entry.a.before.applying(
                .debit(holder: true), amountLow: low, amountHigh: high, key: entry.operation.fromKey,
                asset: entry.operation.asset, randomness: &randomness).leaf
            entry.a.carry = entry.a.before.balanceLow.value < low.value ? .one : .zero
            entry.b.after = entry.b.before.applying(
                .credit(holder: true), amountLow: low, amountHigh: high, key: entry.operation.toKey,
                asset: entry.operation.asset, randomness: &randomness).leaf
            change(&entry)
            p.operations[1] = entry
            return p
        }
        try add("overdraft (more than the whole balance)", debit(F.aliceNative + 1))
        try add("negative amount (p − x): the sender gains", debit(0) { entry in
            let negative = Goldilocks(reducing: Goldilocks.modulus - 0x1_0000_0000)
            entry.operation.amountLow = negative
            entry.a.after.balanceLow = entry.a.before.balanceLow - negative
            entry.a.carry = .zero
            entry.b.after.balanceLow = entry.b.before.balanceLow + negative
            entry.b.carry = .zero
        })
        try add("wrapped limb: borrow recorded but the high limb keeps it", debit(F.amount1) { entry in
            entry.a.after.balanceHigh = entry.a.after.balanceHigh + .one
        })
        try add("debit with another key than the leaf's", debit(F.amount1) { entry in
            entry.operation.fromKey = F.key(F.dave, F.native)
            entry.a.after.key = entry.operation.fromKey
        })
        try add("credit writes another asset", debit(F.amount1) { entry in entry.b.after.asset = F.asset(F.tokenB) })
        try add("nonce not incremented", debit(F.amount1) { entry in entry.a.after.nonce = entry.a.before.nonce })
        try add("transfer creates value", debit(F.amount1) { entry in
            entry.b.after.balanceLow = entry.b.after.balanceLow + Goldilocks(reducing: 1_000)
        })
        var mintUnmoved = plan
        mintUnmoved.operations[2].a.after = mintUnmoved.operations[2].a.before
        mintUnmoved.operations[2].a.carry = .zero
        try add("mint that does not move the supply leaf", mintUnmoved)
        var burnUnmoved = plan
        burnUnmoved.operations[3].b.after = burnUnmoved.operations[3].b.before
        burnUnmoved.operations[3].b.carry = .zero
        try add("burn that does not move the supply leaf", burnUnmoved)
        // Lookups: the overdraft's wrapped limb recomposed from chunks outside the table.
        try add("range chunk outside the table (multiplicities unchanged)", debit(F.aliceNative + 1), trace: { trace in
            // Row 3 of op block 1 checks A's new high limb: put the whole value in chunk 0.
            let air = honest.air
            let row = 8 + 3
            let value = trace[BatchLayoutV3.updateA + BatchLayoutV3.afterOffset + 1, row]
            trace[BatchLayoutV3.chunks, row] = value
            for j in 1..<air.chunkCount { trace[BatchLayoutV3.chunks + j, row] = .zero }
        })
        try add("forged range multiplicity", plan, trace: { trace in
            let column = honest.air.multiplicity
            trace[column, 5] = trace[column, 5] + .one
        })
        // The tree bus.
        let transferTo = plan.operations[1].operation.to
        try add("a touched node passed off as an untouched sibling", plan, hiding: { level, parent in
            level == 0 && parent == transferTo >> 1 && transferTo & 1 == 1
                || level == 1 && parent == transferTo >> 2 && (transferTo >> 1) & 1 == 1
        })
        var twice = plan
        var second = twice.leaves[0]
        second.old.balanceLow = second.old.balanceLow + Goldilocks(reducing: 1 << 40)
        second.final.balanceLow = second.final.balanceLow + Goldilocks(reducing: 1 << 40)
        twice.leaves.append(second)
        try add("a leaf touched twice with two old values", twice, syncLeaves: false)
        try add("a duplicated subtree (merge twice)", plan, trace: { trace in
            // Copy the first merge over the next free place.
            let source = Self.place(merge: 0, in: honest)
            let target = Self.place(merge: plan.merges.count, in: honest)
            Self.copy((source.columns, source.row), to: (target.columns, target.row), in: &trace)
        })
        try add("a forged tree tuple (merge index + 1)", plan, trace: { trace in
            let (columns, start, _) = Self.place(merge: 3, in: honest)
            for step in 0..<8 { trace[columns.index, start + step] = trace[columns.index, start + step] + .one }
        })
        // Net change credited to another leaf: the committed operation names bob's slot,
        // the credit lands on dave's (new) leaf.
        var elsewhere = plan
        let daveLeaf = AccountLeaf(balance: 0, nonce: 0, key: .zero, asset: .zero, blinding: .zero)
        let daveSlot = update.oldCount + 7
        elsewhere.leaves.append(.init(slot: daveSlot, old: daveLeaf, final: elsewhere.operations[1].b.after, finalPosition: 4))
        if let bob = elsewhere.leaves.firstIndex(where: { $0.slot == transferTo }) {
            elsewhere.leaves[bob].final = elsewhere.leaves[bob].old
            elsewhere.leaves[bob].finalPosition = 0
        }
        try add("net change credited to another leaf", elsewhere, syncLeaves: false)
        // Public lists, roots, commitment, batch number.
        try add("deposit amount differs from the public list", plan, claim: { inputs in
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot, newRoot: inputs.newRoot,
                operationsCommitment: inputs.operationsCommitment,
                deposits: inputs.deposits.map { .init(toKey: $0.toKey, asset: $0.asset, amount: $0.amount + 1) },
                withdrawals: inputs.withdrawals)
        })
        try add("withdrawal asset differs from the public list", plan, claim: { inputs in
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot, newRoot: inputs.newRoot,
                operationsCommitment: inputs.operationsCommitment, deposits: inputs.deposits,
                withdrawals: inputs.withdrawals.map { .init(asset: F.asset(F.tokenA), amount: $0.amount) })
        })
        try add("wrong new root", plan, claim: { inputs in
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot, newRoot: inputs.oldRoot,
                operationsCommitment: inputs.operationsCommitment, deposits: inputs.deposits, withdrawals: inputs.withdrawals)
        })
        try add("wrong operations commitment", plan, claim: { inputs in
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot, newRoot: inputs.newRoot,
                operationsCommitment: inputs.oldRoot, deposits: inputs.deposits, withdrawals: inputs.withdrawals)
        })
        try add("another batch number", plan, claim: { inputs in
            BatchPublicInputs(
                batchNumber: inputs.batchNumber + 1, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot,
                newRoot: inputs.newRoot, operationsCommitment: inputs.operationsCommitment, deposits: inputs.deposits,
                withdrawals: inputs.withdrawals)
        })
        // Challenges chosen before the main commitment: the bus built for them balances a
        // forged trace, but the verifier draws its own.
        var chosen = cases.first { $0.description.hasPrefix("net change") }!
        chosen = Case(
            description: "challenges chosen before the main commitment (net change elsewhere)", witness: chosen.witness,
            claimed: chosen.claimed, trace: chosen.trace,
            challengeOverride: (0..<(BatchAIRv3.challengeCount * 2)).map { Goldilocks(reducing: UInt64(1_000 + 7 * $0)) })
        cases.append(chosen)
        guard layout == .wide else { return cases }
        // The merge slots (the first merges sit in the op blocks' merge slots).
        let inSlot = Self.place(merge: 0, in: honest)
        #expect(inSlot.pair == 1)
        try add("a merge in a merge slot dropped from the bus (its flag cleared)", plan, trace: { trace in
            for step in 0..<8 { trace[inSlot.columns.isMerge, inSlot.row + step] = .zero }
        })
        try add("a merge slot's node index changed within its block (produced elsewhere than consumed)", plan, trace: { trace in
            trace[inSlot.columns.index, inSlot.row + 7] = trace[inSlot.columns.index, inSlot.row + 7] + .one
        })
        try add("a merge in the last block's merge slot (its product outside the bus)", plan, trace: { trace in
            let last = (honest.air.mergeColumns(pair: 2), honest.air.traceLength - 8)
            Self.copy((inSlot.columns, inSlot.row), to: last, in: &trace)
        })
        return cases
    }

    @Test(arguments: Layout.allCases) func constraintCheckerRefusesEveryCase(layout: Layout) throws {
        let cases = try Self.cases(layout)
        #expect(cases.count == layout.caseCount)
        for entry in cases {
            #expect(throws: StarkError.self, "\(entry) passed the constraint checker") {
                try ConstraintChecker.check(air: entry.witness.air, trace: entry.trace, publicInputs: entry.claimed.elements)
            }
        }
    }

    static let proofCases = Layout.allCases.flatMap { layout in (0..<layout.caseCount).map { (layout, $0) } }

    @Test(arguments: proofCases) func cheatingProverProofIsRejected(layout: Layout, caseIndex: Int) throws {
        let entry = try Self.cases(layout)[caseIndex]
        let proof: StarkProof
        do {
            proof = try StarkProver.proveUnchecked(
                air: entry.witness.air, trace: entry.trace, publicInputs: entry.claimed.elements,
                options: Fixtures.lightOptions, auxiliaryChallengeOverride: entry.challengeOverride)
        } catch {
            return  // the prover itself could not even build the segment: nothing to verify
        }
        #expect(throws: BatchProofError.self, "\(entry) was accepted") {
            try BatchVerifierV3.verify(
                proof: proof, publicInputs: entry.claimed, traceLength: entry.witness.air.traceLength,
                minimum: Fixtures.testMinimum)
        }
    }
}
