import Stark
import StarkCrypto
import StarkMath

/// The batch statement (identity `cloister.batch.v2`): applying the committed operations
/// (transfers, deposits, withdrawals, mints, burns, padding), in order, to the account
/// tree with the old root gives the tree with the new root; the deposits and withdrawals
/// are exactly the public lists.
///
/// Each operation slot is update A then update B; each update hashes the old and the new
/// leaf and proves both Merkle paths in the same 256 rows with shared sibling and
/// direction-bit columns (Miden's MRUPDATE), so the two paths differ only in the leaf.
/// See docs/PROOFS.md for the layout, the constraints and what the proof does not cover.
///
/// Public inputs: ``BatchPublicInputs/elements``.
public struct BatchAIR: AIR {
    typealias L = BatchTraceLayout
    typealias P = BatchTraceLayout.Periodic

    /// Operation slots S: a power of two (the trace has 512 rows per slot).
    public let slotCount: Int
    /// D: slots 0 ..< D are deposits.
    public let depositCount: Int
    /// W: slots S − W ..< S are withdrawals.
    public let withdrawalCount: Int

    /// - Precondition: S a power of two, D + W < S.
    public init(slotCount: Int, depositCount: Int = 0, withdrawalCount: Int = 0) {
        precondition(slotCount >= 1 && slotCount & (slotCount - 1) == 0, "slot count must be a power of two")
        precondition(
            depositCount >= 0 && withdrawalCount >= 0 && depositCount + withdrawalCount < slotCount,
            "deposits and withdrawals must leave at least one middle slot")
        self.slotCount = slotCount
        self.depositCount = depositCount
        self.withdrawalCount = withdrawalCount
    }

    /// Whether D deposits and W withdrawals fit the STARK's 4096 boundary assertions
    /// (16 fixed, at most 6 for the zones, 4 per deposit, 3 per withdrawal).
    public static func fitsAssertionLimit(depositCount: Int, withdrawalCount: Int) -> Bool {
        22 + 4 * depositCount + 3 * withdrawalCount <= 4096
    }

    public static let identity = "cloister.batch.v2"
    public var identity: String { Self.identity }
    public var traceWidth: Int { L.width }
    public var traceLength: Int { slotCount * L.rowsPerOperation }
    public var publicInputCount: Int {
        BatchPublicInputs.elementCount(depositCount: depositCount, withdrawalCount: withdrawalCount)
    }
    public var transitionConstraintDegrees: [TransitionConstraintDegree] { Self.constraints.map(\.degree) }
    public var periodicColumns: [[Goldilocks]] { Self.periodic }
    public func transitionConstraintName(_ index: Int) -> String {
        index < Self.constraints.count ? Self.constraints[index].name : "transition \(index)"
    }

    // MARK: - Boundary assertions

    public func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] {
        guard publicInputs.count == publicInputCount else {
            throw .invalidPublicInputs("this batch takes \(publicInputCount) public inputs, got \(publicInputs.count)")
        }
        let header = [slotCount, depositCount, withdrawalCount].map { Goldilocks(reducing: UInt64($0)) }
        guard Array(publicInputs[1..<4]) == header else {
            throw .invalidPublicInputs(
                "the public slot, deposit and withdrawal counts \(Array(publicInputs[1..<4])) differ from the AIR's "
                    + "\(header)")
        }
        let last = traceLength - 1
        let operation = L.rowsPerOperation
        var assertions = [BoundaryAssertion]()
        for k in 0..<4 {
            assertions.append(.init(column: L.oldRoot + k, row: 0, value: publicInputs[4 + k]))
            assertions.append(.init(column: L.newRoot + k, row: last, value: publicInputs[8 + k]))
            assertions.append(.init(column: L.opsLane + 4 + k, row: last, value: publicInputs[12 + k]))
            // The commitment sponge starts from [batch number, S, D, W ‖ salt].
            assertions.append(.init(column: L.opsLane + k, row: 0, value: publicInputs[k]))
        }
        // Zones: non-decreasing by 0 or 1 per operation (transition constraints), pinned
        // around the two switch points.
        let zoneValue = { (value: UInt64) in Goldilocks(reducing: value) }
        if depositCount > 0 {
            assertions.append(.init(column: L.zone, row: 0, value: zoneValue(0)))
            if depositCount > 1 {
                assertions.append(.init(column: L.zone, row: (depositCount - 1) * operation, value: zoneValue(0)))
            }
            assertions.append(.init(column: L.zone, row: depositCount * operation, value: zoneValue(1)))
        } else {
            assertions.append(.init(column: L.zone, row: 0, value: zoneValue(1)))
        }
        let firstWithdrawal = slotCount - withdrawalCount
        if withdrawalCount > 0 {
            assertions.append(.init(column: L.zone, row: (firstWithdrawal - 1) * operation, value: zoneValue(1)))
            assertions.append(.init(column: L.zone, row: firstWithdrawal * operation, value: zoneValue(2)))
            assertions.append(.init(column: L.zone, row: last, value: zoneValue(2)))
        } else {
            assertions.append(.init(column: L.zone, row: last, value: zoneValue(1)))
        }
        // Deposit i in slot i, withdrawal j in slot S − W + j.
        var offset = BatchPublicInputs.headerCount
        for slot in 0..<depositCount {
            let row = slot * operation
            for (k, column) in [L.toKey, L.asset, L.amountLow, L.amountHigh].enumerated() {
                assertions.append(.init(column: column, row: row, value: publicInputs[offset + k]))
            }
            offset += 4
        }
        for slot in firstWithdrawal..<slotCount {
            let row = slot * operation
            for (k, column) in [L.asset, L.amountLow, L.amountHigh].enumerated() {
                assertions.append(.init(column: column, row: row, value: publicInputs[offset + k]))
            }
            offset += 3
        }
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
        add("old path: leaf hash input at update start", 1, [256], count: 12)
        add("new path: leaf hash input at update start", 1, [256], count: 12)
        add("operations commitment sponge", 7, [512], count: 12)
        add("direction bit is binary", 2)
        add("direction bit constant within a level", 1, [8])
        add("sibling constant within a level", 1, [8], count: 4)
        add("no direction bit in the leaf-hash block", 1, [256])
        add("no sibling in the leaf-hash block", 1, [256], count: 4)
        add("index starts at zero", 1, [256])
        add("index accumulates direction bits", 1, [256])
        add("index equals the operation's slot", 1, [256, 512])
        add("old path ends at the old root", 1, [256], count: 4)
        add("new path ends at the new root", 1, [256], count: 4)
        add("old root register (constant, chained)", 1, [256], count: 4)
        add("new root register constant within an update", 1, [256], count: 4)
        add("leaf columns constant within an update", 1, [256], count: 15)
        add("operation fields constant within an operation", 1, [512], count: 13)
        add("kind flag is binary", 2, count: 5)
        add("at most one kind flag", 2)
        add("deposit zone holds only deposits", 3)
        add("no deposit outside the deposit zone", 3)
        add("no withdrawal outside the withdrawal zone", 3)
        add("withdrawal zone holds only withdrawals", 3)
        add("zone steps by 0 or 1 between operations", 2, [512])
        add("range bit is binary", 2)
        add("range accumulator starts at the first bit", 1, [256])
        add("range accumulator step", 1, [256])
        add("range accumulator equals the new balance limb / amount limb", 1, [256])
        add("range cells are zero outside the windows", 1, [256], count: 2)
        add("carry is binary", 2)
        add("balance low limb: debit subtracts, credit adds (with carry)", 2, [512])
        add("balance high limb: debit subtracts, credit adds (with carry)", 2, [512])
        add("no carry on a no-op", 2, [512])
        add("nonce: +1 on a holder debit, unchanged otherwise", 1, [512])
        add("key: the operation's key, unchanged by a no-op", 2, [512])
        add("key changes only on an empty leaf", 3, [512])
        add("a debit needs the leaf's own key", 2, [512])
        add("asset: the operation's asset, unchanged by a no-op", 2, [512])
        add("asset changes only on an empty leaf", 3, [512])
        add("a no-op keeps the blinding", 2, [512])
        add("a written key is non-zero", 3, [512])
        add("a holder key differs from the asset", 3, [512])
        add("a supply leaf's key is the asset", 2, [512])
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
        let windows = L.rangeWindowStarts
        let bits = L.rangeBits
        func inWindow(_ row: Int) -> Bool { windows.contains { row >= $0 && row < $0 + bits } }
        columns[P.updateStart] = flags(update) { $0 == 0 }
        columns[P.levelEnd] = flags(update) { $0 % 8 == 7 && $0 != update - 1 }
        columns[P.updateEnd] = flags(update) { $0 == update - 1 }
        columns[P.levelPower] = (0..<update).map {
            $0 % 8 == 7 && $0 != update - 1 ? Goldilocks(reducing: UInt64(1) << ($0 / 8)) : .zero
        }
        columns[P.pathEnd] = flags(update) { $0 == update - 2 }
        columns[P.rangeStart] = flags(update) { windows.contains($0) }
        columns[P.rangeStep] = flags(update) { row in windows.contains { row >= $0 && row < $0 + bits - 1 } }
        for (k, start) in windows.enumerated() {
            columns[P.rangeEnd + k] = flags(update) { $0 == start + bits - 1 }
        }
        columns[P.rangeIdleNext] = flags(update) { !inWindow(($0 + 1) % update) }
        let operation = L.rowsPerOperation
        columns[P.isFirstUpdate] = flags(operation) { $0 < update }
        columns[P.opsRound] = flags(operation) { ($0 >= 0 && $0 < 7) || ($0 >= 8 && $0 < 15) }
        columns[P.opsAbsorb] = flags(operation) { $0 == 7 }
        columns[P.operationEnd] = flags(operation) { $0 == operation - 1 }
        columns[P.firstStart] = flags(operation) { $0 == 0 }
        columns[P.secondStart] = flags(operation) { $0 == update }
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

    /// 2⁶², the weight of the high limb.
    static let limbBase = Goldilocks(reducing: 1 << 62)
    /// The capacity lane 0 of a six-element `hashElements` (the input length mod 8).
    static let leafHashLength = Goldilocks(reducing: 6)

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
            // the merge input [0,0,0,0 ‖ left ‖ right] built from this block's digest and
            // the next block's sibling and bit.
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
            // Update start: the leaf hash input [6, 0, 0, 0 ‖ leaf (6) ‖ 0, 0].
            for pass in 0..<2 {
                let lane = pass == 0 ? L.oldLane : L.newLane
                let leaf = pass == 0 ? L.oldLeaf : L.newLeaf
                for i in 0..<12 {
                    let input: E
                    if i == 0 {
                        input = E(leafHashLength)
                    } else if i >= 4 && i < 10 {
                        input = cur[leaf + i - 4]
                    } else {
                        input = .zero
                    }
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
                } else if i == 4 {
                    absorbed = nxt[L.opsLane + 4] - kindValue(nxt)
                } else {
                    // Rate lanes 5…11 take [from, to, amountLow, amountHigh, fromKey, toKey, asset].
                    absorbed = nxt[L.opsLane + i] - nxt[L.from + (i - 5)]
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
        out[o] = updateStart * bit
        o += 1
        for k in 0..<4 {
            out[o] = updateStart * cur[L.sibling + k]
            o += 1
        }
        // Index: zero in the leaf block, adds bitₖ·2ᵏ when block k + 1 starts, equals the slot.
        let isFirst = p[P.isFirstUpdate]
        let pathEnd = p[P.pathEnd]
        out[o] = updateStart * cur[L.index]
        out[o + 1] = notUpdateEnd * (nxt[L.index] - cur[L.index]) - p[P.levelPower] * nxt[L.bit]
        out[o + 2] = pathEnd * (cur[L.index] - isFirst * cur[L.from] - (one - isFirst) * cur[L.to])
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
        for column in L.oldLeaf...L.holderInverse {
            out[o] = notUpdateEnd * (nxt[column] - cur[column])
            o += 1
        }
        let operationEnd = p[P.operationEnd]
        let notOperationEnd = one - operationEnd
        for column in L.isTransfer...L.zone {
            out[o] = notOperationEnd * (nxt[column] - cur[column])
            o += 1
        }
        // Kind flags: one-hot or none (padding).
        let isTransfer = cur[L.isTransfer]
        let isDeposit = cur[L.isDeposit]
        let isWithdrawal = cur[L.isWithdrawal]
        let isMint = cur[L.isMint]
        let isBurn = cur[L.isBurn]
        var flagSum = E.zero
        for column in L.isTransfer..<(L.isTransfer + L.flagCount) {
            let flag = cur[column]
            out[o] = flag * (flag - one)
            flagSum += flag
            o += 1
        }
        out[o] = flagSum * (flagSum - one)
        o += 1
        // Zones: 0 forces a deposit, 2 a withdrawal, 1 forbids both.
        let zone = cur[L.zone]
        let two = one + one
        let zoneIsDeposit = (zone - one) * (zone - two)
        let zoneIsMiddle = zone * (zone - two)
        let zoneIsWithdrawal = zone * (zone - one)
        out[o] = zoneIsDeposit * (one - isDeposit)
        out[o + 1] = zoneIsMiddle * isDeposit
        out[o + 2] = zoneIsMiddle * isWithdrawal
        out[o + 3] = zoneIsWithdrawal * (one - isWithdrawal)
        let zoneStep = nxt[L.zone] - zone
        out[o + 4] = operationEnd * zoneStep * (zoneStep - one)
        o += 5
        // Range checks: four windows of 62 bits per update.
        let rangeBit = cur[L.rangeBit]
        let accumulator = cur[L.rangeAccumulator]
        out[o] = rangeBit * (rangeBit - one)
        out[o + 1] = p[P.rangeStart] * (accumulator - rangeBit)
        out[o + 2] = p[P.rangeStep] * (nxt[L.rangeAccumulator] - accumulator.doubled() - nxt[L.rangeBit])
        var rangeEnd = p[P.rangeEnd] * (accumulator - cur[L.newLeaf + L.balanceLowField])
        rangeEnd += p[P.rangeEnd + 1] * (accumulator - cur[L.newLeaf + L.balanceHighField])
        rangeEnd += p[P.rangeEnd + 2] * (accumulator - cur[L.amountLow])
        rangeEnd += p[P.rangeEnd + 3] * (accumulator - cur[L.amountHigh])
        out[o + 3] = rangeEnd
        let idleNext = p[P.rangeIdleNext]
        out[o + 4] = idleNext * nxt[L.rangeBit]
        out[o + 5] = idleNext * nxt[L.rangeAccumulator]
        o += 6
        let carry = cur[L.carry]
        out[o] = carry * (carry - one)
        o += 1
        // Leaf relations, on the first row of each update: roles from the kind flags.
        //   A: debit holder (transfer, withdrawal, burn), credit supply (mint).
        //   B: credit holder (transfer, deposit, mint), debit supply (burn).
        let holderDebitA = isTransfer + isWithdrawal + isBurn
        let holderCreditB = isTransfer + isDeposit + isMint
        let first = p[P.firstStart]
        let second = p[P.secondStart]
        withUnsafeTemporaryAllocation(of: E.self, capacity: 2 * leafRelationCount) { buffer in
            let a = buffer.baseAddress!
            let b = a + leafRelationCount
            leafRelations(
                cur, debit: holderDebitA, credit: isMint, holder: holderDebitA, supply: isMint,
                holderDebit: holderDebitA, key: cur[L.fromKey], out: a)
            leafRelations(
                cur, debit: isBurn, credit: holderCreditB, holder: holderCreditB, supply: isBurn,
                holderDebit: .zero, key: cur[L.toKey], out: b)
            for k in 0..<leafRelationCount {
                out[o] = first * a[k] + second * b[k]
                o += 1
            }
        }
    }

    static let leafRelationCount = 13

    /// The 13 relations between one update's old and new leaf, given its role (each role
    /// selector is 0 or 1, at most one of debit/credit is 1; neither: a no-op).
    @inline(__always)
    static func leafRelations<E: FieldElement>(
        _ cur: UnsafePointer<E>, debit: E, credit: E, holder: E, supply: E, holderDebit: E, key: E,
        out: UnsafeMutablePointer<E>
    ) {
        let one = E.one
        let change = debit + credit
        let noop = one - change
        let sign = credit - debit
        let carry = cur[L.carry]
        let old = cur + L.oldLeaf
        let new = cur + L.newLeaf
        let asset = cur[L.asset]
        let oldKey = old[L.keyField]
        let newKey = new[L.keyField]
        out[0] =
            new[L.balanceLowField] - old[L.balanceLowField] - sign * (cur[L.amountLow] - carry * limbBase)
        out[1] = new[L.balanceHighField] - old[L.balanceHighField] - sign * (cur[L.amountHigh] + carry)
        out[2] = noop * carry
        out[3] = new[L.nonceField] - old[L.nonceField] - holderDebit
        out[4] = noop * (newKey - oldKey) + change * (newKey - key)
        out[5] = change * oldKey * (oldKey - key)
        out[6] = debit * (oldKey - key)
        out[7] = noop * (new[L.assetField] - old[L.assetField]) + change * (new[L.assetField] - asset)
        out[8] = change * oldKey * (old[L.assetField] - asset)
        out[9] = noop * (new[L.blindingField] - old[L.blindingField])
        let keyInverse = cur[L.keyInverse]
        out[10] = change * (newKey * keyInverse - one) + noop * keyInverse
        let holderInverse = cur[L.holderInverse]
        out[11] = holder * ((newKey - asset) * holderInverse - one) + (one - holder) * holderInverse
        out[12] = supply * (newKey - asset)
    }

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
