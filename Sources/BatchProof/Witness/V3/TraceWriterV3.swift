import Stark
import StarkCrypto
import StarkMath
import StateTree

/// Writes a v3 trace from its plan: op blocks first (operation index 0 … S − 1), then leaf
/// blocks, merge blocks and padding to the trace length. In a wide layout the merges fill
/// the merge slots of the op and leaf blocks first, then merge blocks (lanes A and B and
/// the merge slots; ``placement(merge:operations:leaves:)``); every lane pair left empty
/// runs the all-zero permutation.
struct TraceWriterV3 {
    typealias L = BatchLayoutV3
    let air: BatchAIRv3

    /// The eight rows of a permutation of the all-zero state (padding lanes).
    static let zeroRows: [RPOState] = rows(RPOState([Goldilocks](repeating: .zero, count: 12)))

    static func rows(_ input: RPOState) -> [RPOState] {
        var state = input
        var rows = [state]
        for round in 0..<RPO256.rounds {
            RPO256.applyRound(&state, round: round)
            rows.append(state)
        }
        return rows
    }

    /// Where merge `merge` sits: its block and its lane pair (0: lanes A and B, k: merge
    /// slot k). Leaf i sits in block `operations + i`, lanes A and B.
    func placement(merge: Int, operations: Int, leaves: Int) -> (block: Int, slot: Int) {
        let slots = air.mergeSlotsPerBlock
        let inSlots = (operations + leaves) * slots
        if merge < inSlots { return (merge / slots, 1 + merge % slots) }
        let rest = merge - inSlots
        return (operations + leaves + rest / (slots + 1), rest % (slots + 1))
    }

    func write(_ plan: BatchWitnessV3.Plan) -> [[Goldilocks]] {
        let n = air.traceLength
        let pairs = (0...air.mergeSlotsPerBlock).map { air.mergeColumns(pair: $0) }
        var columns = [[Goldilocks]](repeating: [Goldilocks](repeating: .zero, count: n), count: air.traceWidth)
        let g = { (value: Int) in Goldilocks(reducing: UInt64(value)) }
        var counts = [Int](repeating: 0, count: 1 << air.rangeBits)
        var block = 0
        var filled = [Bool](repeating: false, count: (n / 8) * pairs.count)
        func lanes(_ pair: Int, _ a: [RPOState], _ b: [RPOState]) {
            let (laneOld, laneNew) = (pairs[pair].laneOld, pairs[pair].laneNew)
            filled[block * pairs.count + pair] = true
            for step in 0..<8 {
                for lane in 0..<12 {
                    columns[laneOld + lane][8 * block + step] = a[step][lane]
                    columns[laneNew + lane][8 * block + step] = b[step][lane]
                }
            }
        }
        func set(_ column: Int, _ value: Goldilocks) {
            for step in 0..<8 { columns[column][8 * block + step] = value }
        }
        for (index, entry) in plan.operations.enumerated() {
            let op = entry.operation
            lanes(
                0, Self.rows(OperationsTree.leafInput(batchNumber: plan.batchNumber, salt: entry.salt, operation: op)),
                entry.opsMerge.map { Self.rows(RPOState([.zero, .zero, .zero, .zero] + $0.left.elements + $0.right.elements)) }
                    ?? Self.zeroRows)
            set(L.isOperation, .one)
            if op.kind != .padding { set(L.isTransfer + Int(op.kind.rawValue) - 1, .one) }
            let fields = op.fields
            for k in 0..<7 { set(L.from + k, fields[1 + k]) }
            for (base, update, key) in [(L.updateA, entry.a, op.fromKey), (L.updateB, entry.b, op.toKey)] {
                for k in 0..<6 {
                    set(base + L.beforeOffset + k, update.before.fields[k])
                    set(base + L.afterOffset + k, update.after.fields[k])
                }
                set(base + L.carryOffset, update.carry)
                let newKey = update.after.key
                set(base + L.keyInverseOffset, update.role.changes && !newKey.isZero ? newKey.inverseOfNonZero() : .zero)
                let holder = newKey - op.asset
                set(base + L.holderInverseOffset, update.role.isHolder && !holder.isZero ? holder.inverseOfNonZero() : .zero)
                set(base + L.previousOffset, update.previous)
                _ = key
            }
            if let merge = entry.opsMerge {
                set(L.opsMerge, .one)
                set(L.opsLevel, g(merge.level))
                set(L.opsIndex, g(merge.index))
            }
            writeRangeChunks(entry, index: index, block: block, columns: &columns, counts: &counts)
            block += 1
        }
        for leaf in plan.leaves {
            let prefix: [Goldilocks] = [BatchAIRv3.leafHashLength, .zero, .zero, .zero]
            lanes(
                0, Self.rows(RPOState(prefix + leaf.old.fields + [.zero, .zero])),
                Self.rows(RPOState(prefix + leaf.final.fields + [.zero, .zero])))
            set(L.isLeaf, .one)
            set(L.treeIndex, g(leaf.slot))
            set(L.finalPosition, g(leaf.finalPosition))
            block += 1
        }
        for (offset, merge) in plan.merges.enumerated() {
            let (at, pair) = placement(merge: offset, operations: plan.operations.count, leaves: plan.leaves.count)
            block = at
            let zero: [Goldilocks] = [.zero, .zero, .zero, .zero]
            lanes(
                pair, Self.rows(RPOState(zero + merge.leftOld.elements + merge.rightOld.elements)),
                Self.rows(RPOState(zero + merge.leftNew.elements + merge.rightNew.elements)))
            let columns = air.mergeColumns(pair: pair)
            set(columns.isMerge, .one)
            set(columns.level, g(merge.level))
            set(columns.index, g(merge.index))
            set(columns.leftTouched, merge.leftTouched ? .one : .zero)
            set(columns.rightTouched, merge.rightTouched ? .one : .zero)
        }
        for empty in 0..<filled.count where !filled[empty] {
            block = empty / pairs.count
            lanes(empty % pairs.count, Self.zeroRows, Self.zeroRows)
        }
        let batchNumber = Goldilocks(reducing: plan.batchNumber)
        for row in 0..<n {
            columns[L.batchNumber][row] = batchNumber
            columns[L.operationIndex][row] = g(min(row / 8, plan.operations.count))
        }
        for (value, count) in counts.enumerated() { columns[air.multiplicity][value] = g(count) }
        return columns
    }

    /// Rows 0…7 of op block `block`: the chunks of the eight checked values, counted for the table.
    func writeRangeChunks(
        _ entry: BatchWitnessV3.Plan.Operation, index: Int, block: Int, columns: inout [[Goldilocks]], counts: inout [Int]
    ) {
        let op = entry.operation
        let mask = UInt64(1) << UInt64(air.rangeBits) - 1
        let position = Goldilocks(reducing: UInt64(2 * index))
            let checked = [
                op.amountLow, op.amountHigh, entry.a.after.balanceLow, entry.a.after.balanceHigh, entry.b.after.balanceLow,
                entry.b.after.balanceHigh, position - entry.a.previous, position + .one - entry.b.previous,
            ]
            for (step, value) in checked.enumerated() {
                var rest = value.value
                for j in 0..<air.chunkCount {
                    let chunk = rest & mask
                    rest >>= UInt64(air.rangeBits)
                    // A value too large for the chunks keeps its low bits here (and breaks the recomposition).
                    columns[L.chunks + j][8 * block + step] = Goldilocks(reducing: chunk)
                    counts[Int(chunk)] += 1
                    if j == air.chunkCount - 1 {
                        let shifted = (Goldilocks(reducing: chunk) * air.topShift).value
                        if shifted <= mask { counts[Int(shifted)] += 1 }
                    }
                }
            }
    }
}
