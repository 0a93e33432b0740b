import Stark
import Synchronization
import StarkCrypto
import StarkMath

/// The auxiliary segment of ``BatchAIRv3``: one LogUp bus over the cubic extension.
///
/// Every bus term is a fraction n/(α − c(tuple)) with c = tag + Σ γₖ·eₖ (challenges α,
/// γ₁…γ₁₀ drawn after the main commitment); producers have n > 0, consumers n < 0. Tags:
/// 1 tree node (level, index, old digest, new digest), 2 leaf state (slot, position, six
/// fields), 3 range value, 4 operations-tree node (level, index, digest), 5 deposit
/// (operation index, key, asset, amount limbs), 6 withdrawal (operation index, asset,
/// amount limbs). The sum over rows 0 … n − 2 must equal the public terms: the roots
/// (1, 31, 0, old root, new root), the operations root (4, log₂ S, 0, commitment) and
/// the public deposit and withdrawal lists, each consumed once.
///
/// Columns: 0 the running sum; then one helper per group of terms, each the group's sum
/// on that row (range groups, leaf-state updates, operations tree, tree blocks, and in a
/// wide layout one per two merge slots). The deposit and withdrawal terms are added in the
/// running sum's own constraint.
extension BatchAIRv3 {
    static let challengeCount = 11

    /// Term index ranges of the helper columns, in auxiliary-column order 1, 2, …
    /// (stored as ``helperGroups``: the constraints read them at every point).
    static func helperGroups(chunkCount: Int, mergeSlots: Int) -> [Range<Int>] {
        let range = chunkCount + 2
        var groups = stride(from: 0, to: range, by: 6).map { $0..<min($0 + 6, range) }
        groups.append(range..<(range + 4))  // leaf state
        groups.append((range + 4)..<(range + 8))  // operations tree
        groups.append((range + 8)..<(range + 13))  // tree blocks (lanes A and B)
        // (range + 13, range + 14: the deposit and withdrawal terms), then the merge slots,
        // two to a helper (six terms: degree 7, as the RPO rounds).
        let start = range + 15
        let end = start + mergeTermCount * mergeSlots
        groups += stride(from: start, to: end, by: 2 * mergeTermCount).map { $0..<min($0 + 2 * mergeTermCount, end) }
        return groups
    }
    /// Bus terms per merge slot: the two children consumed, the node produced.
    static let mergeTermCount = 3
    /// The two terms the running sum carries itself (deposit, withdrawal).
    var sumTerms: Range<Int> { (chunkCount + 15)..<(chunkCount + 17) }
    var termCount: Int { chunkCount + 17 + Self.mergeTermCount * mergeSlots.count }
    /// Helper columns of range lookups (the first ones).
    var rangeGroupCount: Int { (chunkCount + 2 + 5) / 6 }

    public var auxiliaryWidth: Int { 1 + helperGroups.count }
    public var auxiliaryChallengeCount: Int { Self.challengeCount }
    public var auxiliaryConstraintDegrees: [TransitionConstraintDegree] {
        let tableEnd = chunkCount + 2
        var degrees = [TransitionConstraintDegree(3, cycles: [8])]
        for group in helperGroups.prefix(rangeGroupCount) {
            degrees.append(
                group.upperBound == tableEnd
                    ? .init(group.count, cycles: [1 << rangeBits]) : .init(group.count + 1))
        }
        degrees += [.init(5, cycles: [8]), .init(5, cycles: [8]), .init(6, cycles: [8])]
        degrees += helperGroups.dropFirst(rangeGroupCount + 3).map { TransitionConstraintDegree($0.count + 1, cycles: [8]) }
        return degrees
    }

    public func auxiliaryConstraintName(_ index: Int) -> String {
        if index == 0 { return "bus running sum (with deposits and withdrawals)" }
        if index <= rangeGroupCount { return "range lookup group \(index - 1)" }
        switch index - rangeGroupCount {
        case 1: return "leaf-state bus (updates)"
        case 2: return "operations-tree bus"
        case 3: return "tree bus (leaves and merges)"
        case let k: return "tree bus (merge slots \(2 * (k - 4) + 1) and \(2 * (k - 4) + 2))"
        }
    }

    // MARK: - Terms

    /// Writes every bus term's numerator and denominator α − c(tuple) for one row
    /// (allocation-free: the prover calls this once per evaluation-domain point).
    ///
    /// Main and periodic values are of type `M`: the base field in the prover and the
    /// checker (numerators stay base-field, and each γₖ·eₖ is an E × Goldilocks product),
    /// `E` itself at the verifier's out-of-domain point. `scale` is E × M.
    @inline(__always)
    func busTerms<M: FieldElement, E: FieldElement>(
        _ cur: UnsafePointer<M>, _ p: UnsafePointer<M>, _ ch: UnsafePointer<E>, _ num: UnsafeMutablePointer<M>,
        _ den: UnsafeMutablePointer<E>, scale: (E, M) -> E
    ) {
        let alpha = ch[0]
        let one = M.one
        var t = 0
        /// Term t: n / (α − (tag + Σₖ γₖ₊₁·e[k])) with e = (a, b, then `count` values from `rest`).
        @inline(__always) func term(_ n: M, _ tag: UInt64, _ a: M, _ b: M?, _ rest: UnsafePointer<M>?, _ count: Int) {
            var c = E(Goldilocks(reducing: tag)) + scale(ch[1], a)
            if let b { c += scale(ch[2], b) }
            if let rest { for k in 0..<count { c += scale(ch[3 + k], rest[k]) } }
            num[t] = n
            den[t] = alpha - c
            t += 1
        }
        let isOperation = cur[L.isOperation]
        for j in 0..<chunkCount { term(isOperation, 3, cur[L.chunks + j], nil, nil, 0) }
        term(isOperation, 3, cur[L.chunks + chunkCount - 1] * M(topShift), nil, nil, 0)
        term(-cur[multiplicity], 3, p[P.table], nil, nil, 0)
        // Leaf state, op blocks: each changing update consumes (slot, previous position,
        // before) and produces (slot, its position, after). Positions: 2i + 1 (A), 2i + 2 (B).
        let first = p[P.row]
        let last = p[P.row + 7]
        let changeA = cur[L.isTransfer] + cur[L.isWithdrawal] + cur[L.isMint] + cur[L.isBurn]
        let changeB = cur[L.isTransfer] + cur[L.isDeposit] + cur[L.isMint] + cur[L.isBurn]
        let position = cur[L.operationIndex].doubled() + one
        let selectA = first * changeA
        term(-selectA, 2, cur[L.from], cur[L.updateA + L.previousOffset], cur + L.updateA + L.beforeOffset, 6)
        term(selectA, 2, cur[L.from], position, cur + L.updateA + L.afterOffset, 6)
        let selectB = first * changeB
        term(-selectB, 2, cur[L.to], cur[L.updateB + L.previousOffset], cur + L.updateB + L.beforeOffset, 6)
        term(selectB, 2, cur[L.to], position + one, cur + L.updateB + L.afterOffset, 6)
        // Operations tree: the op leaf (lane A) and one merge (lane B).
        let opsMerge = cur[L.opsMerge]
        let opsLevel = cur[L.opsLevel]
        let opsIndex = cur[L.opsIndex]
        term(last * isOperation, 4, .zero, cur[L.operationIndex], cur + L.laneA + 4, 4)
        term(last * opsMerge, 4, opsLevel + one, opsIndex, cur + L.laneB + 4, 4)
        term(-(first * opsMerge), 4, opsLevel, opsIndex.doubled(), cur + L.laneB + 4, 4)
        term(-(first * opsMerge), 4, opsLevel, opsIndex.doubled() + one, cur + L.laneB + 8, 4)
        // Tree blocks (lanes A and B), then merge slots (no leaf terms). Tree tuples are
        // (level, index, old digest, new digest): the old lane holds the old side, the new
        // lane the new side, so a merge's children sit at lanes 4…7 and 8…11.
        @inline(__always) func treeTerms(
            laneOld: Int, laneNew: Int, isLeaf: M, isMerge: M, level: M, index: M, leftTouched: M, rightTouched: M,
            finalPosition: M?
        ) {
            withUnsafeTemporaryAllocation(of: M.self, capacity: 8) { buffer in
                let pair = buffer.baseAddress!
                if let finalPosition {
                    term(first * isLeaf, 2, index, .zero, cur + laneOld + 4, 6)
                    term(-(first * isLeaf), 2, index, finalPosition, cur + laneNew + 4, 6)
                }
                for k in 0..<4 {
                    pair[k] = cur[laneOld + 4 + k]
                    pair[4 + k] = cur[laneNew + 4 + k]
                }
                term(-(first * isMerge * leftTouched), 1, level - one, index.doubled(), pair, 8)
                for k in 0..<4 {
                    pair[k] = cur[laneOld + 8 + k]
                    pair[4 + k] = cur[laneNew + 8 + k]
                }
                term(-(first * isMerge * rightTouched), 1, level - one, index.doubled() + one, pair, 8)
                // The produced node: the digests at lanes 4…7 of row 7.
                for k in 0..<4 {
                    pair[k] = cur[laneOld + 4 + k]
                    pair[4 + k] = cur[laneNew + 4 + k]
                }
                term(last * (isLeaf + isMerge), 1, level, index, pair, 8)
            }
        }
        treeTerms(
            laneOld: L.laneA, laneNew: L.laneB, isLeaf: cur[L.isLeaf], isMerge: cur[L.isMerge], level: cur[L.treeLevel],
            index: cur[L.treeIndex], leftTouched: cur[L.leftTouched], rightTouched: cur[L.rightTouched],
            finalPosition: cur[L.finalPosition])
        // Deposits and withdrawals, matched by the public lists.
        withUnsafeTemporaryAllocation(of: M.self, capacity: 3) { buffer in
            let values = buffer.baseAddress!
            values[0] = cur[L.asset]
            values[1] = cur[L.amountLow]
            values[2] = cur[L.amountHigh]
            term(last * cur[L.isDeposit], 5, cur[L.operationIndex], cur[L.toKey], values, 3)
            term(last * cur[L.isWithdrawal], 6, cur[L.operationIndex], cur[L.asset], values + 1, 2)
        }
        for slot in mergeSlots {
            treeTerms(
                laneOld: slot.laneOld, laneNew: slot.laneNew, isLeaf: .zero, isMerge: cur[slot.isMerge],
                level: cur[slot.level], index: cur[slot.index], leftTouched: cur[slot.leftTouched],
                rightTouched: cur[slot.rightTouched], finalPosition: nil)
        }
    }

    // MARK: - Constraints

    @_specialize(where E == QuadraticExtension)
    @_specialize(where E == CubicExtension)
    public func evaluateAuxiliaryTransition<E: FieldElement>(frame: AuxiliaryFrame<E>, result: UnsafeMutableBufferPointer<E>) {
        evaluateBus(
            frame.mainCurrent.baseAddress!, frame.periodicValues.baseAddress!, frame.challenges.baseAddress!,
            auxiliary: frame.auxiliaryCurrent.baseAddress!, nextSum: frame.auxiliaryNext[0], result: result.baseAddress!,
            scale: { $0 * $1 }, lift: { $0 })
    }

    @_specialize(where E == QuadraticExtension)
    @_specialize(where E == CubicExtension)
    public func evaluateAuxiliaryTransitionOnBaseField<E: FieldElement>(
        frame: AuxiliaryBaseFrame<E>, result: UnsafeMutableBufferPointer<E>
    ) {
        evaluateBus(
            frame.mainCurrent.baseAddress!, frame.periodicValues.baseAddress!, frame.challenges.baseAddress!,
            auxiliary: frame.auxiliaryCurrent.baseAddress!, nextSum: frame.auxiliaryNext[0], result: result.baseAddress!,
            scale: { $0 * $1 }, lift: { E($0) })
    }

    /// The auxiliary constraints. Helper column h of a group with terms nᵢ/dᵢ satisfies
    /// h·Πdᵢ = Σ nᵢ·Π_{j≠i} dⱼ; both sides are accumulated term by term (N ← N·d + D·n,
    /// D ← D·d), which is the same polynomial for a fraction of the products.
    @inline(__always)
    func evaluateBus<M: FieldElement, E: FieldElement>(
        _ cur: UnsafePointer<M>, _ p: UnsafePointer<M>, _ ch: UnsafePointer<E>, auxiliary aux: UnsafePointer<E>,
        nextSum: E, result: UnsafeMutablePointer<E>, scale: (E, M) -> E, lift: (M) -> E
    ) {
        let count = termCount
        withUnsafeTemporaryAllocation(of: M.self, capacity: count) { numBuffer in
            withUnsafeTemporaryAllocation(of: E.self, capacity: count) { denBuffer in
                let num = numBuffer.baseAddress!
                let den = denBuffer.baseAddress!
                busTerms(cur, p, ch, num, den, scale: scale)
                var helperSum = E.zero
                for offset in 0..<helperGroups.count {
                    let group = helperGroups[offset]
                    let h = aux[1 + offset]
                    helperSum += h
                    var product = den[group.lowerBound]
                    var numerators = lift(num[group.lowerBound])
                    for i in (group.lowerBound + 1)..<group.upperBound {
                        numerators = numerators * den[i] + scale(product, num[i])
                        product *= den[i]
                    }
                    result[1 + offset] = h * product - numerators
                }
                let deposit = sumTerms.lowerBound
                let withdrawal = deposit + 1
                let step = nextSum - aux[0] - helperSum
                result[0] = step * den[deposit] * den[withdrawal] - scale(den[withdrawal], num[deposit])
                    - scale(den[deposit], num[withdrawal])
            }
        }
    }

    // MARK: - Boundary

    public func auxiliaryBoundaryAssertions<E: FieldElement>(
        publicInputs: [Goldilocks], challenges: [E]
    ) throws(StarkError) -> [AuxiliaryBoundaryAssertion<E>] {
        try checkHeader(publicInputs)
        var denominators = [E]()
        for tuple in publicTuples(publicInputs) {
            var c = E(tuple[0])
            for (k, element) in tuple.dropFirst().enumerated() { c += challenges[1 + k] * element }
            denominators.append(challenges[0] - c)
        }
        let inverses: [E]
        do { inverses = try E.batchInverse(denominators) } catch {
            throw .invalidPublicInputs("a bus challenge hit a public tuple (probability ≈ 2^-180); prove again")
        }
        return [
            AuxiliaryBoundaryAssertion(column: 0, row: 0, value: .zero),
            AuxiliaryBoundaryAssertion(column: 0, row: traceLength - 1, value: inverses.reduce(E.zero, +)),
        ]
    }

    /// The tuples the public inputs consume (tag first): both roots, the operations
    /// root, each deposit and each withdrawal.
    ///
    /// When the old and new roots are equal the roots' tuple is left out: then no tree
    /// tuple may be produced at all (the highest produced one would stay unconsumed), so
    /// no leaf block exists, so no update changes a leaf (its leaf-state chain must start
    /// at a leaf block): the batch is padding only, which is exactly a batch that keeps
    /// the root.
    func publicTuples(_ inputs: [Goldilocks]) -> [[Goldilocks]] {
        let g = { (value: Int) in Goldilocks(reducing: UInt64(value)) }
        var tuples = [[g(4), g(slotCount.trailingZeroBitCount), .zero] + Array(inputs[12..<16])]
        if inputs[4..<8] != inputs[8..<12] {
            tuples.insert([g(1), g(BatchStateTree.depth), .zero] + Array(inputs[4..<12]), at: 0)
        }
        var offset = BatchPublicInputs.headerCount
        for i in 0..<depositCount {
            tuples.append([g(5), g(i)] + Array(inputs[offset..<(offset + 4)]))
            offset += 4
        }
        for j in 0..<withdrawalCount {
            tuples.append([g(6), g(slotCount - withdrawalCount + j)] + Array(inputs[offset..<(offset + 3)]))
            offset += 3
        }
        return tuples
    }

    // MARK: - Building

    public func buildAuxiliaryTrace<E: FieldElement>(main: ExecutionTrace, challenges: [E]) throws(StarkError) -> [[E]] {
        let n = traceLength
        let width = traceWidth
        let periodic = periodicColumns
        let groups = helperGroups
        let count = termCount
        var groupOfTerm = [Int](repeating: -1, count: count)
        for (offset, group) in groups.enumerated() { for i in group { groupOfTerm[i] = offset } }
        // Row-major scratch: helpers (groups × n) then the row sums (n); chunks write disjoint rows.
        let storage = UnsafeMutableBufferPointer<E>.allocate(capacity: (groups.count + 1) * n)
        defer { storage.deallocate() }
        storage.initialize(repeating: .zero)
        let failed = Atomic<Bool>(false)
        let shared = UncheckedPointer(storage.baseAddress!)
        let mainColumns = main.columns
        Parallelism.automatic.forEachChunk(count: n - 1, minimumChunk: 1 << 12) { rows in
            let base = shared.pointer
            var row = [Goldilocks](repeating: .zero, count: width)
            var periodicRow = [Goldilocks](repeating: .zero, count: periodic.count)
            var num = [Goldilocks](repeating: .zero, count: count)
            var den = [E](repeating: .zero, count: count)
            var activeDenominators = [E]()
            var activeTargets = [(row: Int, term: Int)]()
            var activeNumerators = [Goldilocks]()
            for r in rows {
                for c in 0..<width { row[c] = mainColumns[c][r] }
                for c in 0..<periodic.count { periodicRow[c] = periodic[c][r % periodic[c].count] }
                row.withUnsafeBufferPointer { rowBuffer in
                    periodicRow.withUnsafeBufferPointer { periodicBuffer in
                        challenges.withUnsafeBufferPointer { challengeBuffer in
                            num.withUnsafeMutableBufferPointer { numBuffer in
                                den.withUnsafeMutableBufferPointer { denBuffer in
                                    busTerms(
                                        rowBuffer.baseAddress!, periodicBuffer.baseAddress!, challengeBuffer.baseAddress!,
                                        numBuffer.baseAddress!, denBuffer.baseAddress!, scale: { $0 * $1 })
                                }
                            }
                        }
                    }
                }
                for i in 0..<count where !num[i].isZero {
                    activeDenominators.append(den[i])
                    activeNumerators.append(num[i])
                    activeTargets.append((r, i))
                }
            }
            guard let inverses = try? E.batchInverse(activeDenominators) else {
                failed.store(true, ordering: .relaxed)
                return
            }
            for k in 0..<inverses.count {
                let (r, i) = activeTargets[k]
                let value = inverses[k] * activeNumerators[k]
                let group = groupOfTerm[i]
                if group >= 0 { base[group * n + r] += value }
                base[groups.count * n + r] += value
            }
        }
        if failed.load(ordering: .relaxed) {
            throw .invalidAIR("a bus challenge equals a trace tuple (probability ≈ 2^-170); prove again")
        }
        var sum = [E](repeating: .zero, count: n)
        let rowSums = storage.baseAddress! + groups.count * n
        for r in 1..<n { sum[r] = sum[r - 1] + rowSums[r - 1] }
        var columns = [sum]
        for g in 0..<groups.count { columns.append(Array(UnsafeBufferPointer(start: storage.baseAddress! + g * n, count: n))) }
        return columns
    }
}

/// A raw pointer handed to parallel chunks that write disjoint elements.
struct UncheckedPointer<E>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<E>
    init(_ pointer: UnsafeMutablePointer<E>) { self.pointer = pointer }
}
