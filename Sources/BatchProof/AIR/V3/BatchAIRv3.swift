import Stark
import StarkCrypto
import StarkMath

/// The batch statement as a multi-update (identity `cloister.batch.v3`): the same
/// statement as ``BatchAIR`` — the committed operations, applied in order to the tree with
/// the old root, give the tree with the new root; deposits and withdrawals are exactly
/// the public lists — proved with one 8-row block per operation and per touched leaf and
/// one lane pair per touched internal node, tied together by a LogUp bus in the auxiliary
/// segment (``BatchAIRv3`` + Bus). See docs/PROOFS.md for the layout and the soundness
/// argument.
///
/// Two layouts prove the same statement: narrow (one lane pair a block) and wide
/// (``wideMergeSlots`` merge slots more in every block, so the merges of a batch that
/// touches many tree nodes, as a uniform load over a large state does, pack into a trace
/// several times shorter). The prover picks the cheaper (``BatchWitnessV3``); the verifier
/// reads the choice from the proof's trace width (``mergeSlots(forTraceWidth:traceLength:)``)
/// and the transcript binds it (``identity``).
///
/// Public inputs: ``BatchPublicInputs/elements`` (as v2; `slotCount` is the operation
/// count S, a power of two).
public struct BatchAIRv3: AIR {
    typealias L = BatchLayoutV3
    typealias P = BatchLayoutV3.Periodic

    public let traceLength: Int
    /// S: the number of operation blocks (a power of two).
    public let slotCount: Int
    public let depositCount: Int
    public let withdrawalCount: Int
    /// Bits per range-check chunk c = min(16, log₂ n − 1): the table 0 … 2^c − 1 fits in
    /// half the trace, so the last row (outside the bus) is never its only copy.
    let rangeBits: Int
    /// Chunks per 62-bit value: ⌈62 / c⌉; the top chunk has `topBits` bits.
    let chunkCount: Int
    let topShift: Goldilocks
    /// Term index ranges of the auxiliary helper columns (``helperGroups(chunkCount:mergeSlots:)``).
    let helperGroups: [Range<Int>]
    /// The merge slots of every block (none in a narrow layout).
    let mergeSlots: [L.MergeSlot]
    /// The transition constraints for this slot count.
    let constraintCatalogue: [Constraint]

    public static let minimumTraceLength = 1 << 11
    public static let maximumTraceLength = 1 << 24
    public static let maximumSlotCount = 1 << 15

    /// - Precondition: n a power of two in 2¹¹…2²⁴, S a power of two ≤ 2¹⁵ with 8·(S + 1) ≤ n,
    ///   D + W ≤ S, and `mergeSlots` 0 (narrow) or ``wideMergeSlots``.
    public init(traceLength: Int, slotCount: Int, depositCount: Int = 0, withdrawalCount: Int = 0, mergeSlots: Int = 0) {
        precondition(Self.isValid(
            traceLength: traceLength, slotCount: slotCount, depositCount: depositCount,
            withdrawalCount: withdrawalCount) && Self.layouts.contains(mergeSlots), "invalid v3 batch shape")
        self.traceLength = traceLength
        self.slotCount = slotCount
        self.depositCount = depositCount
        self.withdrawalCount = withdrawalCount
        rangeBits = Self.rangeBits(traceLength: traceLength)
        chunkCount = Self.chunkCount(rangeBits: rangeBits)
        let topBits = 62 - (chunkCount - 1) * rangeBits
        topShift = Goldilocks(reducing: UInt64(1) << UInt64(rangeBits - topBits))
        let base = L.chunks + chunkCount + 1
        self.mergeSlots = (0..<mergeSlots).map { L.mergeSlot($0 + 1, base: base) }
        helperGroups = Self.helperGroups(chunkCount: chunkCount, mergeSlots: mergeSlots)
        constraintCatalogue = mergeSlots == 0 ? Self.narrowConstraints : Self.wideConstraints
    }

    /// Merge slots in each block of this layout (0 or ``wideMergeSlots``).
    public var mergeSlotsPerBlock: Int { mergeSlots.count }

    /// The merge columns of lane pair `pair` (0: lanes A and B, k: merge slot k).
    func mergeColumns(pair: Int) -> L.MergeSlot { pair == 0 ? L.firstPair : mergeSlots[pair - 1] }

    /// Merge slots per block in a wide layout.
    public static let wideMergeSlots = 4
    /// The layouts: narrow (no merge slots) and wide.
    public static let layouts = [0, wideMergeSlots]

    /// The layout a proof's trace width names at `traceLength` rows (nil: neither).
    public static func mergeSlots(forTraceWidth width: Int, traceLength: Int) -> Int? {
        let narrow = L.chunks + chunkCount(rangeBits: rangeBits(traceLength: traceLength)) + 1
        return layouts.first { narrow + $0 * L.mergeSlotWidth == width }
    }

    /// Bits per range-check chunk at `traceLength` rows.
    static func rangeBits(traceLength: Int) -> Int { min(16, traceLength.trailingZeroBitCount - 1) }
    /// Chunks per 62-bit value with `rangeBits`-bit chunks.
    static func chunkCount(rangeBits: Int) -> Int { (62 + rangeBits - 1) / rangeBits }

    /// The blocks a batch needs with `mergeSlots` merge slots a block, the final padding
    /// block included: one per operation, one per leaf, and the merges that do not fit the
    /// merge slots of those blocks in blocks of their own (lane pair and merge slots).
    public static func blockCount(operations: Int, leaves: Int, merges: Int, mergeSlots: Int) -> Int {
        let beyond = max(0, merges - (operations + leaves) * mergeSlots)
        return operations + leaves + (beyond + mergeSlots) / (mergeSlots + 1) + 1
    }

    /// Whether a shape is one the AIR accepts (the verifier checks untrusted counts with this).
    public static func isValid(traceLength: Int, slotCount: Int, depositCount: Int, withdrawalCount: Int) -> Bool {
        traceLength >= minimumTraceLength && traceLength <= maximumTraceLength && traceLength & (traceLength - 1) == 0
            && slotCount >= 1 && slotCount <= maximumSlotCount && slotCount & (slotCount - 1) == 0
            && 8 * (slotCount + 1) <= traceLength && depositCount >= 0 && withdrawalCount >= 0
            && depositCount + withdrawalCount <= slotCount
    }

    public static let identity = "cloister.batch.v3"
    /// The wide layout's identity: the transcript binds the layout as well as the width.
    public static let wideIdentity = "cloister.batch.v3.wide"
    public var identity: String { mergeSlots.isEmpty ? Self.identity : Self.wideIdentity }
    var multiplicity: Int { L.chunks + chunkCount }
    public var traceWidth: Int { multiplicity + 1 + mergeSlots.count * L.mergeSlotWidth }
    public var publicInputCount: Int {
        BatchPublicInputs.elementCount(depositCount: depositCount, withdrawalCount: withdrawalCount)
    }

    // MARK: - Boundary assertions

    public func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] {
        try checkHeader(publicInputs)
        let last = traceLength - 1
        return [
            BoundaryAssertion(column: L.batchNumber, row: 0, value: publicInputs[0]),
            BoundaryAssertion(column: L.operationIndex, row: 0, value: .zero),
            // The last block is padding and looks nothing up: the bus sums rows 0 … n − 2.
            BoundaryAssertion(column: L.isOperation, row: last, value: .zero),
            BoundaryAssertion(column: L.isLeaf, row: last, value: .zero),
            BoundaryAssertion(column: L.isMerge, row: last, value: .zero),
            BoundaryAssertion(column: multiplicity, row: last, value: .zero),
        ] + mergeSlots.map { BoundaryAssertion(column: $0.isMerge, row: last, value: .zero) }
    }

    func checkHeader(_ publicInputs: [Goldilocks]) throws(StarkError) {
        guard publicInputs.count == publicInputCount else {
            throw .invalidPublicInputs("this batch takes \(publicInputCount) public inputs, got \(publicInputs.count)")
        }
        let header = [slotCount, depositCount, withdrawalCount].map { Goldilocks(reducing: UInt64($0)) }
        guard Array(publicInputs[1..<4]) == header else {
            throw .invalidPublicInputs(
                "the public operation, deposit and withdrawal counts \(Array(publicInputs[1..<4])) differ from the "
                    + "AIR's \(header)")
        }
    }

    // MARK: - Periodic columns

    static let blockPeriodic: [[Goldilocks]] = {
        let width = RPO256.stateWidth
        var columns = [[Goldilocks]](repeating: [], count: P.table)
        columns[P.round] = (0..<8).map { $0 < RPO256.rounds ? .one : .zero }
        for lane in 0..<width {
            columns[P.constants1 + lane] = (0..<8).map {
                $0 < RPO256.rounds ? RPOConstants.roundConstants1[$0 * width + lane] : .zero
            }
            columns[P.constants2 + lane] = (0..<8).map {
                $0 < RPO256.rounds ? RPOConstants.roundConstants2[$0 * width + lane] : .zero
            }
        }
        for row in 0..<8 { columns[P.row + row] = (0..<8).map { $0 == row ? .one : .zero } }
        return columns
    }()

    public var periodicColumns: [[Goldilocks]] {
        Self.blockPeriodic + [(0..<(1 << rangeBits)).map { Goldilocks(reducing: UInt64($0)) }]
    }

    // MARK: - Constraint catalogue

    struct Constraint {
        let name: String
        let degree: TransitionConstraintDegree
    }

    static let narrowConstraints = constraints(mergeSlots: 0)
    static let wideConstraints = constraints(mergeSlots: wideMergeSlots)

    static func constraints(mergeSlots: Int) -> [Constraint] {
        var list = [Constraint]()
        func add(_ name: String, _ base: Int, _ cycles: [Int] = [], count: Int = 1) {
            for k in 0..<count {
                list.append(Constraint(name: count == 1 ? name : "\(name) [\(k)]", degree: .init(base, cycles: cycles)))
            }
        }
        add("lane A: RPO round", 7, [8], count: 12)
        add("lane B: RPO round", 7, [8], count: 12)
        add("tree block input capacity (lane A)", 2, [8], count: 6)
        add("tree block input capacity (lane B)", 2, [8], count: 6)
        add("untouched child: old = new", 3, [8], count: 8)
        add("operation leaf input: batch number", 2, [8])
        add("operation leaf input: operation fields", 2, [8], count: 8)
        add("operations merge input capacity", 2, [8], count: 4)
        add("block columns constant within a block", 1, [8], count: L.blockConstant.count)
        add("batch number constant", 1)
        add("operation index counts op blocks", 1, [8])
        add("block type flag is binary", 2, count: 3)
        add("at most one block type", 2)
        add("kind flag is binary", 2, count: 5)
        add("at most one kind flag", 2)
        add("kind flags only in op blocks", 2)
        add("operations-merge flag is binary", 2)
        add("operations merge only in op blocks", 2)
        add("touched flag is binary", 2, count: 2)
        add("a leaf block produces level 0", 2)
        add("carry is binary", 2, count: 2)
        for update in ["A", "B"] {
            for name in leafRelationNames { add("update \(update): \(name)", 3) }
        }
        add("range chunks recompose the row's value", 2, [8])
        for k in 0..<mergeSlots {
            let slot = "merge slot \(k + 1)"
            add("\(slot) old lane: RPO round", 7, [8], count: 12)
            add("\(slot) new lane: RPO round", 7, [8], count: 12)
            add("\(slot) input capacity (old lane)", 2, [8], count: 4)
            add("\(slot) input capacity (new lane)", 2, [8], count: 4)
            add("\(slot) untouched child: old = new", 3, [8], count: 8)
            add("\(slot) descriptor constant within a block", 1, [8], count: 5)
            add("\(slot) merge flag is binary", 2)
            add("\(slot) touched flag is binary", 2, count: 2)
        }
        return list
    }

    static let leafRelationNames = [
        "balance low limb: debit subtracts, credit adds (with carry)",
        "balance high limb: debit subtracts, credit adds (with carry)", "no carry on a no-op",
        "nonce: +1 on a holder debit, unchanged otherwise", "key: the operation's key, unchanged by a no-op",
        "key changes only on an empty leaf", "a debit needs the leaf's own key",
        "asset: the operation's asset, unchanged by a no-op", "asset changes only on an empty leaf",
        "a no-op keeps the blinding", "a written key is non-zero", "a holder key differs from the asset",
        "a supply leaf's key is the asset",
    ]

    public var transitionConstraintDegrees: [TransitionConstraintDegree] { constraintCatalogue.map(\.degree) }
    public func transitionConstraintName(_ index: Int) -> String {
        index < constraintCatalogue.count ? constraintCatalogue[index].name : "transition \(index)"
    }

    // MARK: - Transition constraints

    public func evaluateTransition<E: FieldElement>(
        current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<E>,
        result: UnsafeMutableBufferPointer<E>
    ) {
        evaluate(
            current.baseAddress!, next.baseAddress!, periodicValues.baseAddress!, result.baseAddress!,
            mds: RPOInAIR.multiplyMDS)
    }

    public func evaluateTransitionOnBaseField(
        current: UnsafeBufferPointer<Goldilocks>, next: UnsafeBufferPointer<Goldilocks>,
        periodicValues: UnsafeBufferPointer<Goldilocks>, result: UnsafeMutableBufferPointer<Goldilocks>
    ) {
        evaluate(
            current.baseAddress!, next.baseAddress!, periodicValues.baseAddress!, result.baseAddress!,
            mds: RPOInAIR.multiplyMDSBase)
    }

    static let leafHashLength = Goldilocks(reducing: 6)
    static let limbBase = Goldilocks(reducing: 1 << 62)

    /// kind = 1·transfer + 2·deposit + 3·withdrawal + 4·mint + 5·burn (0: padding).
    @inline(__always)
    static func kindValue<E: FieldElement>(_ row: UnsafePointer<E>) -> E {
        var kind = E.zero
        var weight = E.zero
        for column in L.isTransfer..<(L.isTransfer + L.flagCount) {
            weight += .one
            kind += weight * row[column]
        }
        return kind
    }

    @inline(__always)
    func evaluate<E: FieldElement>(
        _ cur: UnsafePointer<E>, _ nxt: UnsafePointer<E>, _ p: UnsafePointer<E>, _ out: UnsafeMutablePointer<E>,
        mds: (UnsafePointer<E>, UnsafeMutablePointer<E>) -> Void
    ) {
        let one = E.one
        let first = p[P.row]
        let last = p[P.row + 7]
        Self.roundConstraints(L.laneA, L.laneB, cur, nxt, p, out, mds: mds)
        var o = 24
        let isOperation = cur[L.isOperation]
        let isLeaf = cur[L.isLeaf]
        let isMerge = cur[L.isMerge]
        let isTree = isLeaf + isMerge
        // Block inputs on row 0. Leaf: [6, 0, 0, 0 ‖ leaf ‖ 0, 0]; merge: [0⁴ ‖ left ‖ right].
        for lane in [L.laneA, L.laneB] {
            out[o] = first * (isTree * cur[lane] - isLeaf * E(Self.leafHashLength))
            for k in 1..<4 { out[o + k] = first * isTree * cur[lane + k] }
            out[o + 4] = first * isLeaf * cur[lane + 10]
            out[o + 5] = first * isLeaf * cur[lane + 11]
            o += 6
        }
        let leftUntouched = first * isMerge * (one - cur[L.leftTouched])
        let rightUntouched = first * isMerge * (one - cur[L.rightTouched])
        for k in 0..<4 {
            out[o + k] = leftUntouched * (cur[L.laneA + 4 + k] - cur[L.laneB + 4 + k])
            out[o + 4 + k] = rightUntouched * (cur[L.laneA + 8 + k] - cur[L.laneB + 8 + k])
        }
        o += 8
        // Operation leaf: [salt (3), batch number ‖ kind, from, to, amount (2), keys (2), asset].
        let operationStart = first * isOperation
        out[o] = operationStart * (cur[L.laneA + 3] - cur[L.batchNumber])
        out[o + 1] = operationStart * (cur[L.laneA + 4] - Self.kindValue(cur))
        for k in 1..<8 { out[o + 1 + k] = operationStart * (cur[L.laneA + 4 + k] - cur[L.from + k - 1]) }
        o += 9
        let opsMerge = cur[L.opsMerge]
        for k in 0..<4 { out[o + k] = first * opsMerge * cur[L.laneB + k] }
        o += 4
        let notLast = one - last
        for column in L.blockConstant {
            out[o] = notLast * (nxt[column] - cur[column])
            o += 1
        }
        out[o] = nxt[L.batchNumber] - cur[L.batchNumber]
        out[o + 1] = last * (nxt[L.operationIndex] - cur[L.operationIndex] - isOperation)
        o += 2
        let typeSum = isOperation + isTree
        out[o] = isOperation * (isOperation - one)
        out[o + 1] = isLeaf * (isLeaf - one)
        out[o + 2] = isMerge * (isMerge - one)
        out[o + 3] = typeSum * (typeSum - one)
        o += 4
        var kindSum = E.zero
        for column in L.isTransfer..<(L.isTransfer + L.flagCount) {
            let flag = cur[column]
            out[o] = flag * (flag - one)
            kindSum += flag
            o += 1
        }
        out[o] = kindSum * (kindSum - one)
        out[o + 1] = kindSum * (one - isOperation)
        out[o + 2] = opsMerge * (opsMerge - one)
        out[o + 3] = opsMerge * (one - isOperation)
        out[o + 4] = cur[L.leftTouched] * (cur[L.leftTouched] - one)
        out[o + 5] = cur[L.rightTouched] * (cur[L.rightTouched] - one)
        out[o + 6] = isLeaf * cur[L.treeLevel]
        let carryA = cur[L.updateA + L.carryOffset]
        let carryB = cur[L.updateB + L.carryOffset]
        out[o + 7] = carryA * (carryA - one)
        out[o + 8] = carryB * (carryB - one)
        o += 9
        // Leaf relations. A: debit holder (transfer, withdrawal, burn), credit supply (mint).
        // B: credit holder (transfer, deposit, mint), debit supply (burn).
        let isTransfer = cur[L.isTransfer]
        let isDeposit = cur[L.isDeposit]
        let isWithdrawal = cur[L.isWithdrawal]
        let isMint = cur[L.isMint]
        let isBurn = cur[L.isBurn]
        let holderDebitA = isTransfer + isWithdrawal + isBurn
        let holderCreditB = isTransfer + isDeposit + isMint
        Self.leafRelations(
            cur, update: L.updateA, debit: holderDebitA, credit: isMint, holder: holderDebitA, supply: isMint,
            holderDebit: holderDebitA, key: cur[L.fromKey], out: out + o)
        o += Self.leafRelationNames.count
        Self.leafRelations(
            cur, update: L.updateB, debit: isBurn, credit: holderCreditB, holder: holderCreditB, supply: isBurn,
            holderDebit: .zero, key: cur[L.toKey], out: out + o)
        o += Self.leafRelationNames.count
        out[o] = rangeRecomposition(cur, p)
        for (k, slot) in mergeSlots.enumerated() {
            Self.evaluateMergeSlot(slot, cur, nxt, p, out + o + 1 + k * Self.mergeSlotConstraintCount, mds: mds)
        }
    }

    /// The 24 RPO round constraints of two lanes (zero on each block's last row).
    @inline(__always)
    static func roundConstraints<E: FieldElement>(
        _ laneOld: Int, _ laneNew: Int, _ cur: UnsafePointer<E>, _ nxt: UnsafePointer<E>, _ p: UnsafePointer<E>,
        _ out: UnsafeMutablePointer<E>, mds: (UnsafePointer<E>, UnsafeMutablePointer<E>) -> Void
    ) {
        let round = p[P.round]
        withUnsafeTemporaryAllocation(of: E.self, capacity: 36) { scratchBuffer in
            let scratch = scratchBuffer.baseAddress!
            let residual = scratch + 24
            for side in 0..<2 {
                let lane = side == 0 ? laneOld : laneNew
                RPOInAIR.roundResidual(cur + lane, nxt + lane, p, residual, scratch, mds: mds)
                for i in 0..<12 { out[12 * side + i] = round * residual[i] }
            }
        }
    }

    static let mergeSlotConstraintCount = 48

    /// A merge slot's constraints (slot 0's merge constraints with its own flag): both
    /// lanes run RPO rounds; a merge starts from `[0⁴ ‖ left ‖ right]`; an untouched child
    /// is the same on both sides; the descriptor is constant within the block.
    @inline(__always)
    static func evaluateMergeSlot<E: FieldElement>(
        _ slot: L.MergeSlot, _ cur: UnsafePointer<E>, _ nxt: UnsafePointer<E>, _ p: UnsafePointer<E>,
        _ out: UnsafeMutablePointer<E>, mds: (UnsafePointer<E>, UnsafeMutablePointer<E>) -> Void
    ) {
        let one = E.one
        let first = p[P.row]
        let last = p[P.row + 7]
        roundConstraints(slot.laneOld, slot.laneNew, cur, nxt, p, out, mds: mds)
        var o = 24
        let isMerge = cur[slot.isMerge]
        let mergeStart = first * isMerge
        for side in 0..<2 {
            let lane = side == 0 ? slot.laneOld : slot.laneNew
            for k in 0..<4 { out[o + k] = mergeStart * cur[lane + k] }
            o += 4
        }
        let leftTouched = cur[slot.leftTouched]
        let rightTouched = cur[slot.rightTouched]
        let leftUntouched = mergeStart * (one - leftTouched)
        let rightUntouched = mergeStart * (one - rightTouched)
        for k in 0..<4 {
            out[o + k] = leftUntouched * (cur[slot.laneOld + 4 + k] - cur[slot.laneNew + 4 + k])
            out[o + 4 + k] = rightUntouched * (cur[slot.laneOld + 8 + k] - cur[slot.laneNew + 8 + k])
        }
        o += 8
        let notLast = one - last
        // A merge slot's descriptor is contiguous (no array on this path).
        for column in slot.isMerge...slot.rightTouched {
            out[o] = notLast * (nxt[column] - cur[column])
            o += 1
        }
        out[o] = isMerge * (isMerge - one)
        out[o + 1] = leftTouched * (leftTouched - one)
        out[o + 2] = rightTouched * (rightTouched - one)
    }

    /// Row r of an op block checks one value by its chunks (zero outside op blocks).
    @inline(__always)
    func rangeRecomposition<E: FieldElement>(_ cur: UnsafePointer<E>, _ p: UnsafePointer<E>) -> E {
        let one = E.one
        let isOperation = cur[L.isOperation]
        let position = cur[L.operationIndex].doubled()
        var checked = p[P.row] * cur[L.amountLow] + p[P.row + 1] * cur[L.amountHigh]
        checked += p[P.row + 2] * cur[L.updateA + L.afterOffset + L.balanceLowField]
        checked += p[P.row + 3] * cur[L.updateA + L.afterOffset + L.balanceHighField]
        checked += p[P.row + 4] * cur[L.updateB + L.afterOffset + L.balanceLowField]
        checked += p[P.row + 5] * cur[L.updateB + L.afterOffset + L.balanceHighField]
        // Gaps: previous position < this update's position (2i + 1 for A, 2i + 2 for B).
        checked += p[P.row + 6] * (position - cur[L.updateA + L.previousOffset])
        checked += p[P.row + 7] * (position + one - cur[L.updateB + L.previousOffset])
        var recomposed = E.zero
        for j in stride(from: chunkCount - 1, through: 0, by: -1) {
            recomposed = recomposed * Goldilocks(reducing: UInt64(1) << UInt64(rangeBits)) + cur[L.chunks + j]
        }
        return isOperation * (checked - recomposed)
    }

    /// The 13 relations between one update's leaf before and after (as v2's, see
    /// `BatchAIR.leafRelations`): role selectors 0 or 1, at most one of debit/credit.
    @inline(__always)
    static func leafRelations<E: FieldElement>(
        _ cur: UnsafePointer<E>, update: Int, debit: E, credit: E, holder: E, supply: E, holderDebit: E, key: E,
        out: UnsafeMutablePointer<E>
    ) {
        let one = E.one
        let change = debit + credit
        let noop = one - change
        let sign = credit - debit
        let carry = cur[update + L.carryOffset]
        let old = cur + update + L.beforeOffset
        let new = cur + update + L.afterOffset
        let asset = cur[L.asset]
        let oldKey = old[L.keyField]
        let newKey = new[L.keyField]
        out[0] = new[L.balanceLowField] - old[L.balanceLowField] - sign * (cur[L.amountLow] - carry * limbBase)
        out[1] = new[L.balanceHighField] - old[L.balanceHighField] - sign * (cur[L.amountHigh] + carry)
        out[2] = noop * carry
        out[3] = new[L.nonceField] - old[L.nonceField] - holderDebit
        out[4] = noop * (newKey - oldKey) + change * (newKey - key)
        out[5] = change * oldKey * (oldKey - key)
        out[6] = debit * (oldKey - key)
        out[7] = noop * (new[L.assetField] - old[L.assetField]) + change * (new[L.assetField] - asset)
        out[8] = change * oldKey * (old[L.assetField] - asset)
        out[9] = noop * (new[L.blindingField] - old[L.blindingField])
        let keyInverse = cur[update + L.keyInverseOffset]
        out[10] = change * (newKey * keyInverse - one) + noop * keyInverse
        let holderInverse = cur[update + L.holderInverseOffset]
        out[11] = holder * ((newKey - asset) * holderInverse - one) + (one - holder) * holderInverse
        out[12] = supply * (newKey - asset)
    }
}
