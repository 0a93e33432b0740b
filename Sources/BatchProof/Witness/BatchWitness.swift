import Primitives
import Stark
import StarkCrypto
import StarkMath

/// The trace and public inputs of a batch: what the prover proves.
///
/// Built from the tree state before the batch and the batch's transfers; the tree is
/// advanced to the state after the batch. The ``operations`` and ``salt`` open the
/// operations commitment: they are secret (an auditor may receive them), never public.
public struct BatchWitness: Sendable {
    public let air: BatchTransferAIR
    public let trace: ExecutionTrace
    public let publicInputs: BatchPublicInputs
    public let operations: [BatchOperation]
    public let salt: [Goldilocks]

    /// Checks every transfer (known accounts, amount below 2⁶², enough balance, no
    /// overflow) and builds the witness; `state` ends at the state after the batch.
    /// Fresh randomness (salt, leaf blindings) comes from the CSPRNG.
    /// - Throws: ``BatchProofError`` for the first transfer that cannot be applied;
    ///   `state` is then unchanged.
    public init(batch: Batch, state: inout some BatchStateTree) throws(BatchProofError) {
        var working = state
        self = try Self.build(batch: batch, state: &working, tampering: .none)
        state = working
    }

    init(
        air: BatchTransferAIR, trace: ExecutionTrace, publicInputs: BatchPublicInputs, operations: [BatchOperation],
        salt: [Goldilocks]
    ) {
        self.air = air
        self.trace = trace
        self.publicInputs = publicInputs
        self.operations = operations
        self.salt = salt
    }

    // MARK: - Building

    /// Deliberate departures from the honest witness, for the soundness tests: each
    /// builds a trace that breaks exactly one rule while staying consistent elsewhere.
    enum Tampering: Sendable, Hashable {
        case none
        /// Apply transfers without the balance, amount and overflow checks.
        case skipValidation
        /// The sender's nonce stays the same on the first transfer.
        case nonceNotIncremented
        /// The first transfer's receiver gets `extra` more than the amount.
        case creditExtra(UInt64)
        /// The last update's new path hashes a different sibling at `level` than its old path.
        case newPathSiblingMismatch(level: Int)
        /// The first transfer debits `slot` (with its key) while the operation names its `from`.
        case debitSlot(Int)
        /// The commitment absorbs the first transfer's amount plus `delta`.
        case commitAmountDelta(UInt64)
    }

    struct Update {
        let slot: Int
        let old: RPODigest
        let new: RPODigest
        let siblings: [RPODigest]
    }

    /// The slot padding operations touch: the last slot of the tree (empty unless the
    /// tree is full; padding changes nothing either way).
    static let paddingSlot = AccountTreeShape.capacity - 1

    static func build(
        batch: Batch, state: inout some BatchStateTree, tampering: Tampering
    ) throws(BatchProofError) -> BatchWitness {
        let slotCount = batch.slotCount
        guard slotCount >= 1, slotCount & (slotCount - 1) == 0, slotCount >= batch.transfers.count,
            slotCount <= (1 << 26) / BatchTraceLayout.rowsPerOperation
        else { throw .invalidSlotCount(slotCount, transfers: batch.transfers.count) }
        guard batch.number < AccountLeaf.valueBound else { throw .invalidBatchNumber(batch.number) }
        let validate = tampering == .none
        let oldRoot = state.root
        var operations = [BatchOperation]()
        var updates = [Update]()
        operations.reserveCapacity(slotCount)
        updates.reserveCapacity(2 * slotCount)

        for (position, transfer) in batch.transfers.enumerated() {
            for slot in [transfer.from, transfer.to] where slot < 0 || slot >= AccountTreeShape.capacity {
                throw .slotOutOfRange(slot)
            }
            let first = position == 0
            var debitSlot = transfer.from
            if first, case .debitSlot(let other) = tampering { debitSlot = other }
            let sender = AccountLeaf(digest: state.leaf(at: debitSlot))
            if validate {
                guard !sender.key.isZero else { throw .unknownAccount(slot: debitSlot) }
                guard transfer.amount < BatchOperation.amountBound else { throw .amountOutOfRange(transfer.amount) }
                guard sender.balance >= transfer.amount else {
                    throw .insufficientBalance(slot: debitSlot, balance: sender.balance, amount: transfer.amount)
                }
                guard sender.nonce + 1 < AccountLeaf.valueBound else { throw .nonceOverflow(slot: debitSlot) }
            }
            let amount = Goldilocks(reducing: transfer.amount)
            let nonceStep: Goldilocks = first && tampering == .nonceNotIncremented ? .zero : .one
            let debited = RPODigest(
                Goldilocks(reducing: sender.balance) - amount, Goldilocks(reducing: sender.nonce) + nonceStep,
                sender.key, randomElement())
            updates.append(
                Update(slot: debitSlot, old: sender.digest, new: debited, siblings: state.siblings(of: debitSlot)))
            state.setLeaf(debited, at: debitSlot)

            let receiver = AccountLeaf(digest: state.leaf(at: transfer.to))
            var credit = amount
            if first, case .creditExtra(let extra) = tampering { credit = credit + Goldilocks(reducing: extra) }
            let creditedBalance = Goldilocks(reducing: receiver.balance) + credit
            if validate {
                guard !receiver.key.isZero else { throw .unknownAccount(slot: transfer.to) }
                guard receiver.balance < AccountLeaf.valueBound,
                    creditedBalance.value < AccountLeaf.valueBound, creditedBalance.value >= receiver.balance
                else { throw .balanceOverflow(slot: transfer.to) }
            }
            let credited = RPODigest(
                creditedBalance, Goldilocks(reducing: receiver.nonce), receiver.key, randomElement())
            updates.append(
                Update(
                    slot: transfer.to, old: receiver.digest, new: credited, siblings: state.siblings(of: transfer.to)))
            state.setLeaf(credited, at: transfer.to)

            operations.append(
                BatchOperation(
                    kind: BatchOperation.transferKind, from: transfer.from, to: transfer.to, amount: transfer.amount,
                    fromKey: sender.key, toKey: receiver.key, senderNonce: sender.nonce))
        }
        // Padding: a no-op debit and credit of the padding slot.
        let padding = state.leaf(at: paddingSlot)
        let paddingLeaf = AccountLeaf(digest: padding)
        let paddingSiblings = state.siblings(of: paddingSlot)
        for _ in batch.transfers.count..<slotCount {
            for _ in 0..<2 {
                updates.append(Update(slot: paddingSlot, old: padding, new: padding, siblings: paddingSiblings))
            }
            operations.append(
                BatchOperation(
                    kind: BatchOperation.paddingKind, from: paddingSlot, to: paddingSlot, amount: 0,
                    fromKey: paddingLeaf.key, toKey: paddingLeaf.key, senderNonce: paddingLeaf.nonce))
        }

        let salt = (0..<OperationsCommitment.saltCount).map { _ in randomElement() }
        var committed = operations
        if case .commitAmountDelta(let delta) = tampering, let first = operations.first {
            committed[0] = BatchOperation(
                kind: first.kind, from: first.from, to: first.to, amount: first.amount &+ delta,
                fromKey: first.fromKey, toKey: first.toKey, senderNonce: first.senderNonce)
        }
        var siblingOverride: (update: Int, level: Int)?
        if case .newPathSiblingMismatch(let level) = tampering { siblingOverride = (updates.count - 1, level) }

        let air = BatchTransferAIR(slotCount: slotCount)
        var builder = TraceBuilder(length: air.traceLength)
        var root = oldRoot
        for (index, update) in updates.enumerated() {
            let override = siblingOverride?.update == index ? siblingOverride?.level : nil
            root = builder.fillUpdate(index, update, operation: operations[index / 2], newPathSiblingOverride: override)
        }
        let commitment = builder.fillOperations(
            operations, committed: committed, batchNumber: batch.number, salt: salt)
        let publicInputs = BatchPublicInputs(
            batchNumber: batch.number, slotCount: slotCount, oldRoot: oldRoot, newRoot: root,
            operationsCommitment: commitment)
        let trace: ExecutionTrace
        do { trace = try ExecutionTrace(columns: builder.columns) } catch { throw .proofSystem(error) }
        return BatchWitness(air: air, trace: trace, publicInputs: publicInputs, operations: operations, salt: salt)
    }

    /// A uniformly random field element from the CSPRNG (rejection sampling).
    static func randomElement() -> Goldilocks {
        while true {
            let word = SecureRandom.uint64()
            if word < Goldilocks.modulus { return Goldilocks(reducing: word) }
        }
    }
}

/// Writes the trace column by column.
struct TraceBuilder {
    typealias L = BatchTraceLayout
    var columns: [[Goldilocks]]

    init(length: Int) {
        columns = Array(repeating: Array(repeating: .zero, count: length), count: L.width)
    }

    /// Fills the 256 rows of update `index` (operation index / 2; debit when even) and
    /// returns the new root the new path reaches.
    mutating func fillUpdate(
        _ index: Int, _ update: BatchWitness.Update, operation: BatchOperation, newPathSiblingOverride: Int?
    ) -> RPODigest {
        let start = index * L.rowsPerUpdate
        var old = update.old
        var new = update.new
        var oldState = RPOState()
        var newState = RPOState()
        for level in 0..<L.levels {
            let bit = (update.slot >> level) & 1
            let sibling = update.siblings[level]
            var newSibling = sibling
            if newPathSiblingOverride == level {
                newSibling = RPODigest(sibling.e0 + .one, sibling.e1, sibling.e2, sibling.e3)
            }
            oldState = Self.mergeInput(digest: old, sibling: sibling, bit: bit)
            newState = Self.mergeInput(digest: new, sibling: newSibling, bit: bit)
            let indexSoFar = Goldilocks(reducing: UInt64(update.slot & ((1 << (level + 1)) - 1)))
            for step in 0..<L.rowsPerLevel {
                let row = start + level * L.rowsPerLevel + step
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
        // `old` and `new` are now the roots the two paths reach. For an honest witness
        // `old` is the previous update's new root; the chaining constraint catches
        // anything else.
        let oldKey = update.old.e2
        let keyInverse =
            operation.kind == BatchOperation.transferKind && !oldKey.isZero ? oldKey.inverseOfNonZero() : .zero
        let newBalance = update.new.e0.value
        let amount = Goldilocks(reducing: operation.amount).value
        let fields = operation.fields
        for step in 0..<L.rowsPerUpdate {
            let row = start + step
            for k in 0..<4 {
                columns[L.oldLeaf + k][row] = update.old[k]
                columns[L.newLeaf + k][row] = update.new[k]
                columns[L.oldRoot + k][row] = old[k]
                columns[L.newRoot + k][row] = new[k]
            }
            columns[L.keyInverse][row] = keyInverse
            for offset in 0..<7 { columns[L.kind + offset][row] = fields[offset] }
        }
        fillRange(start: start + L.balanceWindowStart, value: newBalance, bits: L.balanceBits)
        fillRange(start: start + L.amountWindowStart, value: amount, bits: L.amountBits)
        return new
    }

    /// Bits of `value` most significant first over `bits` rows, with the running
    /// accumulator; a value that does not fit keeps only its low bits (and breaks the
    /// final comparison).
    mutating func fillRange(start: Int, value: UInt64, bits: Int) {
        for step in 0..<bits {
            let shift = UInt64(bits - 1 - step)
            let mask: UInt64 = step + 1 >= 64 ? .max : (UInt64(1) << UInt64(step + 1)) - 1
            columns[L.rangeBit][start + step] = Goldilocks(reducing: (value >> shift) & 1)
            columns[L.rangeAccumulator][start + step] = Goldilocks(reducing: (value >> shift) & mask)
        }
    }

    /// The commitment sponge over all operations (see ``OperationsCommitment``); returns
    /// the commitment. `committed` is what the sponge absorbs (equal to `operations`
    /// unless a test tampers with it).
    mutating func fillOperations(
        _ operations: [BatchOperation], committed: [BatchOperation], batchNumber: UInt64, salt: [Goldilocks]
    ) -> RPODigest {
        var state = OperationsCommitment.initialState(
            batchNumber: batchNumber, slotCount: operations.count, salt: salt)
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
