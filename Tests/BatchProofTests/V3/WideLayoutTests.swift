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

    @Test func theProofsTraceWidthNamesItsLayout() {
        #expect(BatchAIRv3(traceLength: 1 << 11, slotCount: 8).traceWidth == L.chunks + 7 + 1)
        let wide = BatchAIRv3(traceLength: 1 << 17, slotCount: 4_096, mergeSlots: BatchAIRv3.wideMergeSlots)
        #expect(wide.traceWidth == L.chunks + 4 + 1 + BatchAIRv3.wideMergeSlots * L.mergeSlotWidth)
        #expect(BatchAIRv3.mergeSlots(forTraceWidth: wide.traceWidth, traceLength: 1 << 17) == BatchAIRv3.wideMergeSlots)
        #expect(BatchAIRv3.mergeSlots(forTraceWidth: L.chunks + 4 + 1, traceLength: 1 << 17) == 0)
        #expect(BatchAIRv3.mergeSlots(forTraceWidth: L.chunks + 7 + 1, traceLength: 1 << 11) == 0)
        #expect(BatchAIRv3.mergeSlots(forTraceWidth: wide.traceWidth + 1, traceLength: 1 << 17) == nil)
        #expect(BatchAIRv3.mergeSlots(forTraceWidth: wide.traceWidth, traceLength: 1 << 11) == nil)
        #expect(wide.identity != BatchAIRv3(traceLength: 1 << 17, slotCount: 4_096).identity)
    }

    /// A proof made in one layout is refused when its trace width is rewritten to name the
    /// other, or any other width.
    @Test func aProofWhoseWidthNamesAnotherLayoutIsRefused() throws {
        let (witness, _) = try V.witness([V.mixedOperations()[2]], layout: BatchAIRv3.wideMergeSlots)
        let proof = try BatchProverV3.prove(witness: witness, options: Fixtures.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength,
            minimum: Fixtures.testMinimum)
        for width in [L.chunks + witness.air.chunkCount + 1, witness.air.traceWidth - 1] {
            var bytes = proof.encoded()
            // The width follows the version (2 bytes) and the trace length (4 bytes).
            let offset = 6
            let encode = { (value: Int) in withUnsafeBytes(of: UInt32(value).littleEndian, Array.init) }
            #expect(bytes[offset..<(offset + 4)].elementsEqual(encode(proof.traceWidth)))
            bytes.replaceSubrange(offset..<(offset + 4), with: encode(width))
            #expect(throws: (any Error).self) {
                let altered = try StarkProof(decoding: bytes)
                try BatchVerifierV3.verify(
                    proof: altered, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength,
                    minimum: Fixtures.testMinimum)
            }
        }
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
    }

    /// The witness takes the wide layout only where its trace is at most a quarter of the
    /// narrow one: a single transfer (31-odd merges, two leaves) fits 2¹¹ rows either way and
    /// stays narrow; 64 transfers spread over 4,096 accounts (about 800 merges) need at least
    /// four times the rows narrow, and go wide; the wide witness proves.
    @Test func theWitnessGoesWideOnlyWhereItsTraceIsAQuarterAsLong() throws {
        let (single, _) = try V.witness([V.mixedOperations()[2]])
        #expect(single.air.mergeSlotsPerBlock == 0)
        let addresses = (0..<4_096).map { i in [UInt8(i >> 8), UInt8(i & 0xFF)] + [UInt8](repeating: 0x5C, count: 18) }
        let genesis = try AccountTree.genesis(
            holdings: addresses.map { (account: $0, asset: Fixtures.native, balance: UInt128(1) << 80) },
            supplies: [(asset: Fixtures.native, supply: UInt128(addresses.count) << 80)], randomness: V.randomness("genesis"))
        var random = SystemRandomNumberGenerator()
        let transfers = (0..<64).map { index in
            let from = Int.random(in: 0..<addresses.count, using: &random)
            let to = (from + Int.random(in: 1..<addresses.count, using: &random)) % addresses.count
            return V.transfer(addresses[from], addresses[to], Fixtures.native, UInt128(1_000 + index))
        }
        let (witness, tree) = try V.witness(transfers, tree: genesis)
        let counts = witness.blockCounts
        func rows(_ slots: Int) -> Int {
            var rows = BatchAIRv3.minimumTraceLength
            while rows < 8 * BatchAIRv3.blockCount(
                operations: witness.publicInputs.slotCount, leaves: counts.leaves, merges: counts.merges, mergeSlots: slots)
            { rows *= 2 }
            return rows
        }
        #expect(4 * rows(BatchAIRv3.wideMergeSlots) <= rows(0), "\(counts)")
        #expect(witness.air.mergeSlotsPerBlock == BatchAIRv3.wideMergeSlots)
        #expect(witness.air.traceLength == rows(BatchAIRv3.wideMergeSlots))
        #expect(witness.publicInputs.newRoot == tree.root)
        let proof = try BatchProverV3.prove(witness: witness, options: Fixtures.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength,
            minimum: Fixtures.testMinimum)
    }

    @Test(arguments: BatchAIRv3.layouts) func evaluatorWritesEveryDeclaredConstraintAndFieldsAgree(mergeSlots: Int) {
        let air = BatchAIRv3(traceLength: 1 << 11, slotCount: 8, mergeSlots: mergeSlots)
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
        let (witness, _) = try V.witness([V.mixedOperations()[2]], layout: BatchAIRv3.wideMergeSlots)
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
        for row in rows { #expect(!MutationSweepTests.breaks(air: air, trace: trace, row: row, assertions: assertions), "valid row \(row)") }
        var undetected = [String]()
        var mutated = trace
        for column in (L.chunks + air.chunkCount + 1)..<air.traceWidth {
            for row in rows {
                let original = mutated[column, row]
                mutated[column, row] = original + .one
                if !MutationSweepTests.breaks(air: air, trace: mutated, row: row, assertions: assertions)
                    && Self.busSum(air, mutated, row, challenges) == Self.busSum(air, trace, row, challenges)
                {
                    undetected.append("column \(column), row \(row)")
                }
                mutated[column, row] = original
            }
        }
        #expect(undetected.isEmpty, "undetected perturbations: \(undetected.prefix(50))")
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
