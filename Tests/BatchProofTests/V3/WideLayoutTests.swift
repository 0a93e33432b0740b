import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

/// The wide v3 layout: merge slots in every block, chosen from the public shape, so a batch
/// that touches many tree nodes packs into a shorter trace.
@Suite struct WideLayoutTests {
    typealias V = V3Fixtures
    typealias L = BatchLayoutV3

    @Test func mergeSlotCountFollowsThePublicShape() {
        // At most two blocks per operation: narrow.
        #expect(BatchAIRv3.mergeSlotCount(traceLength: 1 << 16, slotCount: 4_096) == 0)
        #expect(BatchAIRv3.mergeSlotCount(traceLength: 1 << 11, slotCount: 128) == 0)
        // Longer: wide.
        #expect(BatchAIRv3.mergeSlotCount(traceLength: 1 << 17, slotCount: 4_096) == BatchAIRv3.wideMergeSlots)
        #expect(BatchAIRv3.mergeSlotCount(traceLength: 1 << 11, slotCount: 64) == BatchAIRv3.wideMergeSlots)
        #expect(BatchAIRv3(traceLength: 1 << 11, slotCount: 128).traceWidth == L.chunks + 7 + 1)
        #expect(
            BatchAIRv3(traceLength: 1 << 11, slotCount: 64).traceWidth
                == L.chunks + 7 + 1 + BatchAIRv3.wideMergeSlots * L.mergeSlotWidth)
    }

    @Test func blockCountFillsMergeSlotsOfOpAndLeafBlocksFirst() {
        // Narrow: a block per operation, leaf and merge, plus the final padding block.
        #expect(BatchAIRv3.blockCount(operations: 8, leaves: 3, merges: 10, mergeSlots: 0) == 22)
        // Wide: 44 merges fit in the 8 op and 3 leaf blocks' four merge slots each.
        #expect(BatchAIRv3.blockCount(operations: 8, leaves: 3, merges: 44, mergeSlots: 4) == 12)
        #expect(BatchAIRv3.blockCount(operations: 8, leaves: 3, merges: 45, mergeSlots: 4) == 13)
        #expect(BatchAIRv3.blockCount(operations: 8, leaves: 3, merges: 49, mergeSlots: 4) == 13)
        #expect(BatchAIRv3.blockCount(operations: 8, leaves: 3, merges: 50, mergeSlots: 4) == 14)
        // The uniform 4,096-transfer batch over 10⁶ accounts: 2²⁰ rows narrow, 2¹⁷ wide.
        func rows(_ slots: Int) -> Int {
            8 * BatchAIRv3.blockCount(operations: 4_096, leaves: 8_160, merges: 57_835, mergeSlots: slots)
        }
        #expect(rows(0) > 1 << 19)
        #expect(rows(BatchAIRv3.wideMergeSlots) <= 1 << 17)
        #expect(BatchAIRv3.mergeSlotCount(traceLength: 1 << 17, slotCount: 4_096) == BatchAIRv3.wideMergeSlots)
    }

    /// A batch of transfers over many accounts touches more tree nodes than its op blocks
    /// hold: the witness takes the shortest trace, which is wide, and proves.
    @Test func spreadBatchTakesTheShortestTraceAndProves() throws {
        let (genesis, transfers) = EndToEndV3Tests.transfers(count: 40, accounts: 200)
        let (witness, tree) = try V.witness(transfers, tree: genesis)
        let counts = witness.blockCounts
        let slots = witness.air.mergeSlotsPerBlock
        #expect(slots == BatchAIRv3.wideMergeSlots)
        let needed = 8 * BatchAIRv3.blockCount(
            operations: witness.publicInputs.slotCount, leaves: counts.leaves, merges: counts.merges, mergeSlots: slots)
        #expect(witness.air.traceLength >= needed)
        #expect(witness.air.traceLength / 2 < needed || witness.air.traceLength == BatchAIRv3.minimumTraceLength)
        #expect(witness.publicInputs.newRoot == tree.root)
        let proof = try BatchProverV3.prove(witness: witness, options: Fixtures.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength,
            minimum: Fixtures.testMinimum)
    }

    @Test(arguments: [128, 8]) func evaluatorWritesEveryDeclaredConstraintAndFieldsAgree(slotCount: Int) {
        let air = BatchAIRv3(traceLength: 1 << 11, slotCount: slotCount)
        let count = air.transitionConstraintDegrees.count
        #expect(count == BatchAIRv3.narrowConstraints.count + air.mergeSlotsPerBlock * BatchAIRv3.mergeSlotConstraintCount)
        var generator = SystemRandomNumberGenerator()
        let current = (0..<air.traceWidth).map { _ in Goldilocks.random(using: &generator) }
        let next = (0..<air.traceWidth).map { _ in Goldilocks.random(using: &generator) }
        let periodic = (0..<air.periodicColumns.count).map { _ in Goldilocks.random(using: &generator) }
        let sentinel = Goldilocks(reducing: 0xDEAD_BEEF)
        var base = [Goldilocks](repeating: sentinel, count: count + 1)
        current.withUnsafeBufferPointer { c in
            next.withUnsafeBufferPointer { x in
                periodic.withUnsafeBufferPointer { p in
                    base.withUnsafeMutableBufferPointer { r in
                        air.evaluateTransitionOnBaseField(
                            current: c, next: x, periodicValues: p, result: UnsafeMutableBufferPointer(rebasing: r[0..<count]))
                    }
                }
            }
        }
        #expect(!base[0..<count].contains(sentinel))
        #expect(base[count] == sentinel)
        var lifted = [CubicExtension](repeating: .zero, count: count)
        let currentE = current.map { CubicExtension($0) }
        let nextE = next.map { CubicExtension($0) }
        let periodicE = periodic.map { CubicExtension($0) }
        currentE.withUnsafeBufferPointer { c in
            nextE.withUnsafeBufferPointer { x in
                periodicE.withUnsafeBufferPointer { p in
                    lifted.withUnsafeMutableBufferPointer { r in
                        air.evaluateTransition(current: c, next: x, periodicValues: p, result: r)
                    }
                }
            }
        }
        #expect(base[0..<count].map { CubicExtension($0) } == lifted)
    }

    /// Adding 1 to any cell of a merge slot (lanes and descriptor) in an op block, a leaf
    /// block, a merge block, an empty slot's block and the last block breaks a transition constraint, a boundary
    /// assertion or the bus (the row's terms change their sum). An undetected cell would
    /// be one the cheater could set freely.
    @Test func everyPerturbedExtraSlotCellBreaksAConstraintOrTheBus() throws {
        // One transfer: its 31-odd merges overflow the op and leaf blocks' merge slots.
        let (witness, _) = try V.witness([V.mixedOperations()[2]])
        let air = witness.air
        #expect(air.mergeSlotsPerBlock == BatchAIRv3.wideMergeSlots)
        let trace = try witness.trace
        let writer = TraceWriterV3(air: air)
        let operations = witness.plan.operations.count
        let leaves = witness.plan.leaves.count
        let merges = witness.plan.merges.count
        func place(_ merge: Int) -> (block: Int, slot: Int) {
            writer.placement(merge: merge, operations: operations, leaves: leaves)
        }
        // An op block and a leaf block with merges in their slots, the last merge's block,
        // the first free place's block and the last block.
        let opBlock = place(0).block
        let leafBlock = operations
        #expect(place(operations * BatchAIRv3.wideMergeSlots).block == leafBlock)
        let mergeBlock = place(merges - 1).block
        #expect(mergeBlock >= operations + leaves)
        let emptyBlock = place(merges).block
        let blocks = Set([opBlock, leafBlock, mergeBlock, emptyBlock, air.traceLength / 8 - 1])
        let rows = blocks.flatMap { block in [0, 1, 6, 7].map { 8 * block + $0 } }.sorted()
        let assertions = try air.boundaryAssertions(publicInputs: witness.publicInputs.elements)
        var generator = SystemRandomNumberGenerator()
        let challenges = (0..<BatchAIRv3.challengeCount).map { _ in CubicExtension.random(using: &generator) }
        for row in rows { #expect(!Self.breaks(air: air, trace: trace, row: row, assertions: assertions), "valid row \(row)") }
        var undetected = [String]()
        var mutated = trace
        for column in (L.chunks + air.chunkCount + 1)..<air.traceWidth {
            for row in rows {
                let original = mutated[column, row]
                mutated[column, row] = original + .one
                if !Self.breaks(air: air, trace: mutated, row: row, assertions: assertions)
                    && Self.busSum(air, mutated, row, challenges) == Self.busSum(air, trace, row, challenges)
                {
                    undetected.append("column \(column), row \(row)")
                }
                mutated[column, row] = original
            }
        }
        #expect(undetected.isEmpty, "undetected perturbations: \(undetected.prefix(50))")
    }

    /// Whether a transition constraint on the frames through `row`, or an assertion on it, fails.
    static func breaks(air: BatchAIRv3, trace: ExecutionTrace, row: Int, assertions: [BoundaryAssertion]) -> Bool {
        for assertion in assertions where assertion.row == row && trace[assertion.column, row] != assertion.value {
            return true
        }
        let periodic = air.periodicColumns
        let count = air.transitionConstraintDegrees.count
        for frame in [row - 1, row] where frame >= 0 && frame < air.traceLength - 1 {
            let current = trace.row(frame)
            let next = trace.row(frame + 1)
            let periodicValues = periodic.map { $0[frame % $0.count] }
            var result = [Goldilocks](repeating: .zero, count: count)
            current.withUnsafeBufferPointer { c in
                next.withUnsafeBufferPointer { x in
                    periodicValues.withUnsafeBufferPointer { p in
                        result.withUnsafeMutableBufferPointer { r in
                            air.evaluateTransitionOnBaseField(current: c, next: x, periodicValues: p, result: r)
                        }
                    }
                }
            }
            if result.contains(where: { !$0.isZero }) { return true }
        }
        return false
    }

    /// Σ n/d over one row's bus terms (zero on the last row, which the bus leaves out).
    static func busSum(_ air: BatchAIRv3, _ trace: ExecutionTrace, _ row: Int, _ challenges: [CubicExtension]) -> CubicExtension {
        guard row < air.traceLength - 1 else { return .zero }
        let current = trace.row(row)
        let periodicValues = air.periodicColumns.map { $0[row % $0.count] }
        var num = [Goldilocks](repeating: .zero, count: air.termCount)
        var den = [CubicExtension](repeating: .zero, count: air.termCount)
        current.withUnsafeBufferPointer { c in
            periodicValues.withUnsafeBufferPointer { p in
                challenges.withUnsafeBufferPointer { ch in
                    num.withUnsafeMutableBufferPointer { n in
                        den.withUnsafeMutableBufferPointer { d in
                            air.busTerms(c.baseAddress!, p.baseAddress!, ch.baseAddress!, n.baseAddress!, d.baseAddress!, scale: { $0 * $1 })
                        }
                    }
                }
            }
        }
        let inverses = try! CubicExtension.batchInverse(den)
        return zip(num, inverses).reduce(CubicExtension.zero) { $0 + $1.1 * $1.0 }
    }
}
