import Stark
import StarkCrypto
import StarkMath

/// The batch statement: applying the committed transfers, in order, to the account tree
/// with the old root gives the tree with the new root.
///
/// Each operation slot is a debit update then a credit update; each update proves the
/// old and the new Merkle path of one leaf in the same 256 rows with shared sibling and
/// direction-bit columns (Miden's MRUPDATE), so the two paths differ only in the leaf.
/// See docs/PROOFS.md for the layout, the constraints and what the proof does not cover.
///
/// Public inputs: ``BatchPublicInputs/elements``.
public struct BatchTransferAIR: AIR {
    typealias L = BatchTraceLayout
    typealias P = BatchTraceLayout.Periodic

    /// Operation slots: a power of two (the trace has 512 rows per slot).
    public let slotCount: Int

    public init(slotCount: Int) {
        precondition(slotCount >= 1 && slotCount & (slotCount - 1) == 0, "slot count must be a power of two")
        self.slotCount = slotCount
    }

    public var identity: String { "cloister.batch-transfer.v1" }
    public var traceWidth: Int { L.width }
    public var traceLength: Int { slotCount * L.rowsPerOperation }
    public var publicInputCount: Int { BatchPublicInputs.elementCount }
    public var transitionConstraintDegrees: [TransitionConstraintDegree] { Self.constraints.map(\.degree) }
    public var periodicColumns: [[Goldilocks]] { Self.periodic }
    public func transitionConstraintName(_ index: Int) -> String {
        index < Self.constraints.count ? Self.constraints[index].name : "transition \(index)"
    }

    // MARK: - Boundary assertions

    public func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] {
        guard publicInputs.count == BatchPublicInputs.elementCount else {
            throw .invalidPublicInputs(
                "a batch takes \(BatchPublicInputs.elementCount) public inputs, got \(publicInputs.count)")
        }
        guard publicInputs[1] == Goldilocks(reducing: UInt64(slotCount)) else {
            throw .invalidPublicInputs("the public slot count \(publicInputs[1]) differs from the AIR's \(slotCount)")
        }
        let last = traceLength - 1
        var assertions = [BoundaryAssertion]()
        for k in 0..<4 {
            assertions.append(.init(column: L.oldRoot + k, row: 0, value: publicInputs[2 + k]))
            assertions.append(.init(column: L.newRoot + k, row: last, value: publicInputs[6 + k]))
            assertions.append(.init(column: L.opsLane + 4 + k, row: last, value: publicInputs[10 + k]))
        }
        // The commitment sponge starts from [batch number, slot count, 0, 0 ‖ salt].
        assertions.append(.init(column: L.opsLane, row: 0, value: publicInputs[0]))
        assertions.append(.init(column: L.opsLane + 1, row: 0, value: publicInputs[1]))
        assertions.append(.init(column: L.opsLane + 2, row: 0, value: .zero))
        assertions.append(.init(column: L.opsLane + 3, row: 0, value: .zero))
        return assertions
    }

    // MARK: - Constraint catalogue

    struct Constraint {
        let name: String
        let degree: TransitionConstraintDegree
    }

    /// Names and degrees in the order ``evaluate(_:_:_:_:mds:)`` writes the constraints.
    static let constraints: [Constraint] = {
        var list = [Constraint]()
        func add(_ name: String, _ base: Int, _ cycles: [Int] = [], count: Int = 1) {
            for k in 0..<count {
                list.append(Constraint(name: count == 1 ? name : "\(name) [\(k)]", degree: .init(base, cycles: cycles)))
            }
        }
        add("old path: RPO round / level input", 7, [8], count: 12)
        add("new path: RPO round / level input", 7, [8], count: 12)
        add("old path: leaf input at update start", 2, [256], count: 12)
        add("new path: leaf input at update start", 2, [256], count: 12)
        add("operations commitment sponge", 7, [512], count: 12)
        add("direction bit is binary", 2)
        add("direction bit constant within a level", 1, [8])
        add("sibling constant within a level", 1, [8], count: 4)
        add("index accumulates direction bits", 1, [256])
        add("index starts at the first bit", 1, [256])
        add("index equals the operation's slot", 1, [256, 512])
        add("old path ends at the old root", 1, [256], count: 4)
        add("new path ends at the new root", 1, [256], count: 4)
        add("old root register (constant, chained)", 1, [256], count: 4)
        add("new root register constant within an update", 1, [256], count: 4)
        add("leaf columns constant within an update", 1, [256], count: 9)
        add("operation fields constant within an operation", 1, [512], count: 7)
        add("operation kind is binary", 2)
        add("range bit is binary", 2)
        add("range accumulator starts at the first bit", 1, [256])
        add("range accumulator step", 1, [256])
        add("range accumulator equals the new balance / amount", 1, [256])
        add("range cells are zero outside the windows", 1, [256], count: 2)
        add("balance: debit subtracts, credit adds the amount", 1, [512])
        add("nonce: +1 on a transfer's debit, unchanged otherwise", 1, [512])
        add("key unchanged by an update", 1, [256])
        add("leaf key equals the operation's key", 1, [512])
        add("padding keeps the blinding", 2, [256])
        add("a transfer's leaf key is non-zero", 3, [256])
        add("debit nonce equals the operation's sender nonce", 1, [512])
        add("padding has amount zero", 2)
        return list
    }()

    // MARK: - Periodic columns

    static let periodic: [[Goldilocks]] = {
        let width = RPO256.stateWidth
        var columns = [[Goldilocks]](repeating: [], count: P.count)
        columns[P.round] = (0..<8).map { $0 < RPO256.rounds ? .one : .zero }
        for lane in 0..<width {
            columns[P.constants1 + lane] = (0..<8).map {
                $0 < RPO256.rounds ? RPOConstants.roundConstants1[$0 * width + lane] : .zero
            }
            columns[P.constants2 + lane] = (0..<8).map {
                $0 < RPO256.rounds ? RPOConstants.roundConstants2[$0 * width + lane] : .zero
            }
        }
        func flags(_ period: Int, _ isSet: (Int) -> Bool) -> [Goldilocks] {
            (0..<period).map { isSet($0) ? .one : .zero }
        }
        let update = L.rowsPerUpdate
        columns[P.updateStart] = flags(update) { $0 == 0 }
        columns[P.levelEnd] = flags(update) { $0 % 8 == 7 && $0 != update - 1 }
        columns[P.updateEnd] = flags(update) { $0 == update - 1 }
        columns[P.levelPower] = (0..<update).map {
            $0 % 8 == 7 && $0 != update - 1 ? Goldilocks(reducing: UInt64(1) << ($0 / 8 + 1)) : .zero
        }
        columns[P.pathEnd] = flags(update) { $0 == update - 2 }
        columns[P.rangeStart] = flags(update) { $0 == L.balanceWindowStart || $0 == L.amountWindowStart }
        columns[P.rangeStep] = flags(update) {
            ($0 >= L.balanceWindowStart && $0 < L.balanceWindowStart + L.balanceBits - 1)
                || ($0 >= L.amountWindowStart && $0 < L.amountWindowStart + L.amountBits - 1)
        }
        columns[P.rangeEndBalance] = flags(update) { $0 == L.balanceWindowStart + L.balanceBits - 1 }
        columns[P.rangeEndAmount] = flags(update) { $0 == L.amountWindowStart + L.amountBits - 1 }
        columns[P.rangeIdleNext] = flags(update) {
            let successor = ($0 + 1) % update
            let inBalance = successor >= L.balanceWindowStart && successor < L.balanceWindowStart + L.balanceBits
            let inAmount = successor >= L.amountWindowStart && successor < L.amountWindowStart + L.amountBits
            return !inBalance && !inAmount
        }
        let operation = L.rowsPerOperation
        columns[P.isDebit] = flags(operation) { $0 < update }
        columns[P.opsRound] = flags(operation) { ($0 >= 0 && $0 < 7) || ($0 >= 8 && $0 < 15) }
        columns[P.opsAbsorb] = flags(operation) { $0 == 7 }
        columns[P.operationEnd] = flags(operation) { $0 == operation - 1 }
        columns[P.debitStart] = flags(operation) { $0 == 0 }
        columns[P.creditStart] = flags(operation) { $0 == update }
        return columns
    }()

    // MARK: - Transition constraints

    public func evaluateTransition<E: FieldElement>(
        current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<E>,
        result: UnsafeMutableBufferPointer<E>
    ) {
        Self.evaluate(
            current.baseAddress!, next.baseAddress!, periodicValues.baseAddress!, result.baseAddress!,
            mds: RPOInAIR.multiplyMDS)
    }

    public func evaluateTransitionOnBaseField(
        current: UnsafeBufferPointer<Goldilocks>, next: UnsafeBufferPointer<Goldilocks>,
        periodicValues: UnsafeBufferPointer<Goldilocks>, result: UnsafeMutableBufferPointer<Goldilocks>
    ) {
        Self.evaluate(
            current.baseAddress!, next.baseAddress!, periodicValues.baseAddress!, result.baseAddress!,
            mds: RPOInAIR.multiplyMDSBase)
    }

    @inline(__always)
    static func evaluate<E: FieldElement>(
        _ cur: UnsafePointer<E>, _ nxt: UnsafePointer<E>, _ p: UnsafePointer<E>, _ out: UnsafeMutablePointer<E>,
        mds: (UnsafePointer<E>, UnsafeMutablePointer<E>) -> Void
    ) {
        let one = E.one
        let round = p[P.round]
        let levelEnd = p[P.levelEnd]
        let updateStart = p[P.updateStart]
        let updateEnd = p[P.updateEnd]
        let notUpdateEnd = one - updateEnd
        var o = 0
        withUnsafeTemporaryAllocation(of: E.self, capacity: 36) { scratchBuffer in
            let scratch = scratchBuffer.baseAddress!
            let residual = scratch + 24
            // Both Merkle paths: a round on round rows; at a level end the next state is
            // the merge input [0,0,0,0 ‖ left ‖ right] built from this level's digest and
            // the next level's sibling and bit.
            let nextBit = nxt[L.bit]
            for pass in 0..<2 {
                let lane = pass == 0 ? L.oldLane : L.newLane
                RPOInAIR.roundResidual(cur + lane, nxt + lane, p, residual, scratch, mds: mds)
                for i in 0..<12 {
                    let input = mergeInput(i, digest: cur + lane + 4, sibling: nxt + L.sibling, bit: nextBit)
                    out[o] = round * residual[i] + levelEnd * (nxt[lane + i] - input)
                    o += 1
                }
            }
            // Update start: the first merge input comes from the leaf columns.
            let bit = cur[L.bit]
            for pass in 0..<2 {
                let lane = pass == 0 ? L.oldLane : L.newLane
                let leaf = pass == 0 ? L.oldLeaf : L.newLeaf
                for i in 0..<12 {
                    let input = mergeInput(i, digest: cur + leaf, sibling: cur + L.sibling, bit: bit)
                    out[o] = updateStart * (cur[lane + i] - input)
                    o += 1
                }
            }
            // Operations commitment: permute, absorb the operation fields, permute, hold.
            let opsRound = p[P.opsRound]
            let opsAbsorb = p[P.opsAbsorb]
            let opsHold = one - opsRound - opsAbsorb
            RPOInAIR.roundResidual(cur + L.opsLane, nxt + L.opsLane, p, residual, scratch, mds: mds)
            for i in 0..<12 {
                let keep = nxt[L.opsLane + i] - cur[L.opsLane + i]
                let absorbed: E
                if i < 4 {
                    absorbed = keep
                } else if i < 11 {
                    // Rate lanes 4…10 take [kind, from, to, amount, fromKey, toKey, senderNonce].
                    absorbed = nxt[L.opsLane + i] - nxt[L.kind + (i - 4)]
                } else {
                    absorbed = nxt[L.opsLane + i]
                }
                out[o] = opsRound * residual[i] + opsHold * keep + opsAbsorb * absorbed
                o += 1
            }
        }
        // Direction bits and siblings.
        let bit = cur[L.bit]
        out[o] = bit * (bit - one)
        out[o + 1] = round * (nxt[L.bit] - bit)
        o += 2
        for k in 0..<4 {
            out[o] = round * (nxt[L.sibling + k] - cur[L.sibling + k])
            o += 1
        }
        // Index: starts at bit 0, adds bit(k+1)·2^(k+1) at each level end, equals the slot.
        let isDebit = p[P.isDebit]
        let pathEnd = p[P.pathEnd]
        out[o] = notUpdateEnd * (nxt[L.index] - cur[L.index]) - p[P.levelPower] * nxt[L.bit]
        out[o + 1] = updateStart * (cur[L.index] - bit)
        out[o + 2] = pathEnd * (cur[L.index] - isDebit * cur[L.from] - (one - isDebit) * cur[L.to])
        o += 3
        // Roots: both paths end at their root registers; registers constant within an
        // update, and the next update's old root is this update's new root.
        for k in 0..<4 {
            out[o] = pathEnd * (nxt[L.oldLane + 4 + k] - nxt[L.oldRoot + k])
            out[o + 4] = pathEnd * (nxt[L.newLane + 4 + k] - nxt[L.newRoot + k])
            out[o + 8] = nxt[L.oldRoot + k] - notUpdateEnd * cur[L.oldRoot + k] - updateEnd * cur[L.newRoot + k]
            out[o + 12] = notUpdateEnd * (nxt[L.newRoot + k] - cur[L.newRoot + k])
            o += 1
        }
        o += 12
        for column in L.oldLeaf..<(L.keyInverse + 1) {
            out[o] = notUpdateEnd * (nxt[column] - cur[column])
            o += 1
        }
        let notOperationEnd = one - p[P.operationEnd]
        for column in L.kind...L.senderNonce {
            out[o] = notOperationEnd * (nxt[column] - cur[column])
            o += 1
        }
        let kind = cur[L.kind]
        out[o] = kind * (kind - one)
        o += 1
        // Range checks: 63 bits of the new balance, then 62 bits of the amount.
        let rangeBit = cur[L.rangeBit]
        let accumulator = cur[L.rangeAccumulator]
        out[o] = rangeBit * (rangeBit - one)
        out[o + 1] = p[P.rangeStart] * (accumulator - rangeBit)
        out[o + 2] = p[P.rangeStep] * (nxt[L.rangeAccumulator] - accumulator.doubled() - nxt[L.rangeBit])
        out[o + 3] =
            p[P.rangeEndBalance] * (accumulator - cur[L.newLeaf]) + p[P.rangeEndAmount] * (accumulator - cur[L.amount])
        let idleNext = p[P.rangeIdleNext]
        out[o + 4] = idleNext * nxt[L.rangeBit]
        out[o + 5] = idleNext * nxt[L.rangeAccumulator]
        o += 6
        // Leaf relations, on the first row of each update.
        let debitStart = p[P.debitStart]
        let creditStart = p[P.creditStart]
        let amount = cur[L.amount]
        let oldBalance = cur[L.oldLeaf]
        let newBalance = cur[L.newLeaf]
        let oldNonce = cur[L.oldLeaf + 1]
        let newNonce = cur[L.newLeaf + 1]
        let oldKey = cur[L.oldLeaf + 2]
        out[o] = debitStart * (newBalance - oldBalance + amount) + creditStart * (newBalance - oldBalance - amount)
        out[o + 1] = debitStart * (newNonce - oldNonce - kind) + creditStart * (newNonce - oldNonce)
        out[o + 2] = updateStart * (cur[L.newLeaf + 2] - oldKey)
        out[o + 3] = debitStart * (oldKey - cur[L.fromKey]) + creditStart * (oldKey - cur[L.toKey])
        out[o + 4] = updateStart * (one - kind) * (cur[L.newLeaf + 3] - cur[L.oldLeaf + 3])
        out[o + 5] = updateStart * kind * (oldKey * cur[L.keyInverse] - one)
        out[o + 6] = debitStart * (oldNonce - cur[L.senderNonce])
        out[o + 7] = (one - kind) * amount
    }

    /// Lane `i` of the merge input `[0,0,0,0 ‖ left ‖ right]`: (digest, sibling) when
    /// bit = 0, (sibling, digest) when bit = 1.
    @inline(__always)
    static func mergeInput<E: FieldElement>(
        _ i: Int, digest: UnsafePointer<E>, sibling: UnsafePointer<E>, bit: E
    ) -> E {
        if i < 4 { return .zero }
        if i < 8 { return digest[i - 4] + bit * (sibling[i - 4] - digest[i - 4]) }
        return sibling[i - 8] + bit * (digest[i - 8] - sibling[i - 8])
    }
}
