import Primitives
import Stark
import StarkCrypto
import StarkMath
import StateTree

/// The trace and public inputs of a batch: what the prover proves.
///
/// Built by ``BatchBuilder/witness(minimumSlots:)``. The ``operations`` and ``salt`` open
/// the operations commitment: they are secret (an auditor may receive them), never public.
public struct BatchWitness: Sendable {
    public let air: BatchAIR
    public let publicInputs: BatchPublicInputs
    /// Secret: the operations in slot order, padding included.
    public let operations: [BatchOperation]
    /// Secret: the commitment's salt.
    public let salt: [Goldilocks]
    /// What the trace is written from: about 2 KB per operation, where the trace itself
    /// takes 512 rows × 80 columns (330 KB). A node keeps witnesses of every batch waiting
    /// for the prover, so only this is kept and the trace is written when it is proven.
    let layout: TraceLayoutPlan

    init(
        air: BatchAIR, publicInputs: BatchPublicInputs, operations: [BatchOperation], salt: [Goldilocks],
        layout: TraceLayoutPlan
    ) {
        self.air = air
        self.publicInputs = publicInputs
        self.operations = operations
        self.salt = salt
        self.layout = layout
    }

    /// The execution trace, written from the kept plans (each read writes it anew).
    public var trace: ExecutionTrace {
        get throws(BatchProofError) { try makeTrace() }
    }

    // MARK: - Assembly

    /// Everything the trace needs beyond the operations and the salt.
    struct TraceLayoutPlan: Sendable {
        var updates: [UpdatePlan]
        /// What the commitment sponge absorbs (the operations, unless a test tampers).
        var committed: [BatchOperation]
        var zones: [Int]
    }

    typealias Role = LeafRole

    /// One update as the trace records it; tests may alter any part before it is written.
    struct UpdatePlan: Sendable {
        var slot: Int
        var old: AccountLeaf
        var new: AccountLeaf
        var carry: Goldilocks
        var siblings: [RPODigest]
        var role: Role
        /// The new path hashes a different sibling at this level than the old path.
        var newPathSiblingMismatch: Int?
    }

    /// Deliberate departures from the honest witness, for the soundness tests: each
    /// builds a trace that breaks one rule while staying consistent elsewhere.
    struct Tampering {
        /// Called for every update after the honest plan is computed (operation index,
        /// true for update A).
        var update: ((Int, Bool, inout UpdatePlan) -> Void)?
        /// Called for every operation after slot resolution: changes what the trace's
        /// operation columns and the commitment hold.
        var operation: ((Int, inout BatchOperation) -> Void)?
        /// Changes only what the commitment sponge absorbs.
        var committed: ((inout [BatchOperation]) -> Void)?
        /// The zone column per slot, instead of the honest layout.
        var zones: [Int]?

        init(
            update: ((Int, Bool, inout UpdatePlan) -> Void)? = nil,
            operation: ((Int, inout BatchOperation) -> Void)? = nil,
            committed: ((inout [BatchOperation]) -> Void)? = nil, zones: [Int]? = nil
        ) {
            self.update = update
            self.operation = operation
            self.committed = committed
            self.zones = zones
        }
    }

    /// The largest slot count: traces up to 2²⁶ rows.
    public static let maximumSlotCount = (1 << 26) / BatchTraceLayout.rowsPerOperation

    /// Applies `operations` (exactly `slotCount`, in slot order) to `state` and builds the
    /// witness. No balance checks: ``BatchBuilder`` checks before calling this, and the
    /// soundness tests call it directly with operations the builder refuses.
    static func assemble(
        number: UInt64, slotCount: Int, depositCount: Int, withdrawalCount: Int, state: BatchStateTree,
        operations planned: [PlannedOperation], randomness: WitnessRandomness = .system, tampering: Tampering = Tampering()
    ) throws(BatchProofError) -> (BatchWitness, BatchStateTree) {
        var randomness = randomness
        guard slotCount >= 1, slotCount & (slotCount - 1) == 0, slotCount <= maximumSlotCount,
            planned.count == slotCount, depositCount >= 0, withdrawalCount >= 0,
            depositCount + withdrawalCount < slotCount
        else { throw .invalidSlotCount(slotCount, operations: planned.count) }
        guard number < 1 << 63 else { throw .invalidBatchNumber(number) }
        var tree = state
        let oldRoot = tree.root
        var operations = [BatchOperation]()
        var plans = [UpdatePlan]()
        operations.reserveCapacity(slotCount)
        plans.reserveCapacity(2 * slotCount)
        for (index, op) in planned.enumerated() {
            var fromSlot = BatchStateTree.paddingSlot
            var toSlot = BatchStateTree.paddingSlot
            let roles = op.kind.roles
            switch op.kind {
            case .padding:
                break
            case .deposit:
                toSlot = try tree.assignSlot(key: op.toKey)
                fromSlot = toSlot
            case .withdrawal:
                fromSlot = try tree.assignSlot(key: op.fromKey)
                toSlot = fromSlot
            case .transfer, .mint, .burn:
                fromSlot = try tree.assignSlot(key: op.fromKey)
                toSlot = try tree.assignSlot(key: op.toKey)
            }
            var operation = BatchOperation(
                kind: op.kind, from: fromSlot, to: toSlot, amountLow: op.amountLow, amountHigh: op.amountHigh,
                fromKey: op.fromKey, toKey: op.toKey, asset: op.asset)
            if op.kind == .padding {
                operation.fromKey = .zero
                operation.toKey = .zero
            }
            for (first, slot, role, key) in [(true, fromSlot, roles.0, op.fromKey), (false, toSlot, roles.1, op.toKey)] {
                var plan = Self.plan(
                    tree: tree, slot: slot, role: role, key: key, operation: operation, randomness: &randomness)
                tampering.update?(index, first, &plan)
                plans.append(plan)
                tree.setLeaf(plan.new, at: plan.slot)
            }
            tampering.operation?(index, &operation)
            operations.append(operation)
        }

        let salt = (0..<OperationsCommitment.saltCount).map { _ in randomness.nextElement() }
        var committed = operations
        tampering.committed?(&committed)
        let air = BatchAIR(slotCount: slotCount, depositCount: depositCount, withdrawalCount: withdrawalCount)
        let zones =
            tampering.zones
            ?? (0..<slotCount).map { $0 < depositCount ? 0 : $0 >= slotCount - withdrawalCount ? 2 : 1 }
        // The statement without the trace: the root the last update's new path reaches and the
        // sponge over what is committed, exactly as the trace will compute them.
        let newRoot = plans.last.map(Self.newPathRoot) ?? oldRoot
        let commitment = OperationsCommitment.compute(
            batchNumber: number, slotCount: slotCount, depositCount: depositCount, withdrawalCount: withdrawalCount,
            salt: salt, operations: committed)
        let publicInputs = BatchPublicInputs(
            batchNumber: number, slotCount: slotCount, oldRoot: oldRoot, newRoot: newRoot,
            operationsCommitment: commitment,
            deposits: operations.prefix(depositCount).map {
                DepositStatement(toKey: $0.toKey, asset: $0.asset, amount: $0.amount)
            },
            withdrawals: operations.suffix(withdrawalCount).map {
                WithdrawalStatement(asset: $0.asset, amount: $0.amount)
            })
        let witness = BatchWitness(
            air: air, publicInputs: publicInputs, operations: operations, salt: salt,
            layout: TraceLayoutPlan(updates: plans, committed: committed, zones: zones))
        return (witness, tree)
    }

    /// The root the new path of `plan` reaches: the leaf hash, then one merge per level
    /// (what ``TraceBuilder/fillUpdate(_:_:operation:)`` computes round by round).
    static func newPathRoot(_ plan: UpdatePlan) -> RPODigest {
        var state = RPOState([BatchAIR.leafHashLength, .zero, .zero, .zero] + plan.new.fields + [.zero, .zero])
        RPO256.permute(&state)
        var digest = state.digest
        for level in 0..<BatchTraceLayout.depth {
            var sibling = plan.siblings[level]
            if plan.newPathSiblingMismatch == level { sibling = RPODigest(sibling.e0 + .one, sibling.e1, sibling.e2, sibling.e3) }
            state = TraceBuilder.mergeInput(digest: digest, sibling: sibling, bit: (plan.slot >> level) & 1)
            RPO256.permute(&state)
            digest = state.digest
        }
        return digest
    }

    /// Writes the trace from the kept plans. The trace's new root and commitment are
    /// compared with the public inputs made at assembly, so the two can never disagree.
    func makeTrace() throws(BatchProofError) -> ExecutionTrace {
        var builder = TraceBuilder(length: air.traceLength)
        var root = publicInputs.oldRoot
        for (index, plan) in layout.updates.enumerated() {
            root = builder.fillUpdate(index, plan, operation: operations[index / 2])
        }
        for (index, operation) in operations.enumerated() {
            builder.fillOperationColumns(index, operation, zone: layout.zones[index])
        }
        let commitment = builder.fillSponge(
            layout.committed, batchNumber: publicInputs.batchNumber, depositCount: air.depositCount,
            withdrawalCount: air.withdrawalCount, salt: salt)
        guard root == publicInputs.newRoot, commitment == publicInputs.operationsCommitment else {
            throw .invalidStatement("the trace of batch \(publicInputs.batchNumber) does not reach the statement's root and commitment")
        }
        do { return try ExecutionTrace(columns: builder.columns) } catch { throw .proofSystem(error) }
    }

    /// The honest update of `slot` for `role` (field arithmetic: no range checks here).
    static func plan(
        tree: BatchStateTree, slot: Int, role: Role, key: Goldilocks, operation: BatchOperation,
        randomness: inout WitnessRandomness
    ) -> UpdatePlan {
        let old = tree.leaf(at: slot)
        let (new, carry) = old.applying(
            role, amountLow: operation.amountLow, amountHigh: operation.amountHigh, key: key, asset: operation.asset,
            randomness: &randomness)
        return UpdatePlan(
            slot: slot, old: old, new: new, carry: carry, siblings: tree.siblings(of: slot), role: role)
    }
}

typealias PlannedOperation = LeafOperation

/// Writes the trace column by column.
struct TraceBuilder {
    typealias L = BatchTraceLayout
    var columns: [[Goldilocks]]

    init(length: Int) {
        columns = Array(repeating: Array(repeating: .zero, count: length), count: L.width)
    }

    /// Fills the 256 rows of update `index` (operation index / 2; update A when even) and
    /// returns the new root the new path reaches.
    mutating func fillUpdate(_ index: Int, _ plan: BatchWitness.UpdatePlan, operation: BatchOperation) -> RPODigest {
        let start = index * L.rowsPerUpdate
        // Block 0: the leaf hash, [6, 0, 0, 0 ‖ leaf ‖ 0, 0] through seven rounds.
        var oldState = RPOState([BatchAIR.leafHashLength, .zero, .zero, .zero] + plan.old.fields + [.zero, .zero])
        var newState = RPOState([BatchAIR.leafHashLength, .zero, .zero, .zero] + plan.new.fields + [.zero, .zero])
        for step in 0..<L.rowsPerLevel {
            let row = start + step
            for lane in 0..<12 {
                columns[L.oldLane + lane][row] = oldState[lane]
                columns[L.newLane + lane][row] = newState[lane]
            }
            if step < RPO256.rounds {
                RPO256.applyRound(&oldState, round: step)
                RPO256.applyRound(&newState, round: step)
            }
        }
        var old = oldState.digest
        var new = newState.digest
        for level in 0..<L.depth {
            let bit = (plan.slot >> level) & 1
            let sibling = plan.siblings[level]
            var newSibling = sibling
            if plan.newPathSiblingMismatch == level {
                newSibling = RPODigest(sibling.e0 + .one, sibling.e1, sibling.e2, sibling.e3)
            }
            oldState = Self.mergeInput(digest: old, sibling: sibling, bit: bit)
            newState = Self.mergeInput(digest: new, sibling: newSibling, bit: bit)
            let indexSoFar = Goldilocks(reducing: UInt64(plan.slot & ((1 << (level + 1)) - 1)))
            for step in 0..<L.rowsPerLevel {
                let row = start + (level + 1) * L.rowsPerLevel + step
                for lane in 0..<12 {
                    columns[L.oldLane + lane][row] = oldState[lane]
                    columns[L.newLane + lane][row] = newState[lane]
                }
                columns[L.bit][row] = Goldilocks(reducing: UInt64(bit))
                for k in 0..<4 { columns[L.sibling + k][row] = sibling[k] }
                columns[L.index][row] = indexSoFar
                if step < RPO256.rounds {
                    RPO256.applyRound(&oldState, round: step)
                    RPO256.applyRound(&newState, round: step)
                }
            }
            old = oldState.digest
            new = newState.digest
        }
        // `old` and `new` are the roots the two paths reach; for an honest witness `old`
        // is the previous update's new root (the chaining constraint catches anything else).
        let newKey = plan.new.key
        let keyInverse = plan.role.changes && !newKey.isZero ? newKey.inverseOfNonZero() : .zero
        let keyMinusAsset = newKey - operation.asset
        let holderInverse =
            plan.role.isHolder && !keyMinusAsset.isZero ? keyMinusAsset.inverseOfNonZero() : .zero
        let oldFields = plan.old.fields
        let newFields = plan.new.fields
        for step in 0..<L.rowsPerUpdate {
            let row = start + step
            for k in 0..<L.leafFieldCount {
                columns[L.oldLeaf + k][row] = oldFields[k]
                columns[L.newLeaf + k][row] = newFields[k]
            }
            for k in 0..<4 {
                columns[L.oldRoot + k][row] = old[k]
                columns[L.newRoot + k][row] = new[k]
            }
            columns[L.carry][row] = plan.carry
            columns[L.keyInverse][row] = keyInverse
            columns[L.holderInverse][row] = holderInverse
        }
        let ranged = [
            plan.new.balanceLow.value, plan.new.balanceHigh.value, operation.amountLow.value,
            operation.amountHigh.value,
        ]
        for (window, value) in zip(L.rangeWindowStarts, ranged) {
            fillRange(start: start + window, value: value, bits: L.rangeBits)
        }
        return new
    }

    /// Bits of `value` most significant first over `bits` rows, with the running
    /// accumulator; a value that does not fit keeps only its low bits (and breaks the
    /// final comparison).
    mutating func fillRange(start: Int, value: UInt64, bits: Int) {
        for step in 0..<bits {
            let shift = UInt64(bits - 1 - step)
            let mask: UInt64 = (UInt64(1) << UInt64(step + 1)) - 1
            columns[L.rangeBit][start + step] = Goldilocks(reducing: (value >> shift) & 1)
            columns[L.rangeAccumulator][start + step] = Goldilocks(reducing: (value >> shift) & mask)
        }
    }

    /// The operation's flags, fields and zone over its 512 rows.
    mutating func fillOperationColumns(_ index: Int, _ operation: BatchOperation, zone: Int) {
        var values = [Goldilocks](repeating: .zero, count: L.zone + 1 - L.isTransfer)
        if operation.kind != .padding {
            values[Int(operation.kind.rawValue) - 1] = .one
        }
        let fields = operation.fields
        for k in 0..<7 { values[L.from - L.isTransfer + k] = fields[1 + k] }
        values[L.zone - L.isTransfer] = Goldilocks(reducing: UInt64(zone))
        let start = index * L.rowsPerOperation
        for (offset, value) in values.enumerated() {
            for row in start..<(start + L.rowsPerOperation) { columns[L.isTransfer + offset][row] = value }
        }
    }

    /// The commitment sponge over all operations (see ``OperationsCommitment``); returns
    /// the commitment.
    mutating func fillSponge(
        _ committed: [BatchOperation], batchNumber: UInt64, depositCount: Int, withdrawalCount: Int,
        salt: [Goldilocks]
    ) -> RPODigest {
        var state = OperationsCommitment.initialState(
            batchNumber: batchNumber, slotCount: committed.count, depositCount: depositCount,
            withdrawalCount: withdrawalCount, salt: salt)
        for (index, operation) in committed.enumerated() {
            let start = index * L.rowsPerOperation
            for step in 0..<L.rowsPerOperation {
                if step == 8 {
                    for (offset, field) in operation.fields.enumerated() { state[RPO256.capacity + offset] = field }
                }
                for lane in 0..<12 { columns[L.opsLane + lane][start + step] = state[lane] }
                if step < 7 {
                    RPO256.applyRound(&state, round: step)
                } else if step >= 8, step < 15 {
                    RPO256.applyRound(&state, round: step - 8)
                }
            }
        }
        return state.digest
    }

    static func mergeInput(digest: RPODigest, sibling: RPODigest, bit: Int) -> RPOState {
        let (left, right) = bit == 0 ? (digest, sibling) : (sibling, digest)
        return RPOState([.zero, .zero, .zero, .zero] + left.elements + right.elements)
    }
}
