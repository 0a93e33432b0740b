import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

private typealias F = Fixtures

/// The node's state tree and the batch witness must agree on every root: the tree applies a
/// batch as one multi-update at the seal, the witness applies it operation by operation, and
/// the L1 checks the proof against the roots the tree recorded.
@Suite struct StateTreeAgreementTests {
    static let seed = [UInt8](repeating: 42, count: 32)

    static func genesisTree() throws -> AccountTree {
        try AccountTree.genesis(
            holdings: [
                (F.alice, F.native, F.aliceNative), (F.bob, F.native, F.bobNative), (F.alice, F.tokenA, F.aliceTokenA),
                (F.carol, F.tokenB, F.carolTokenB),
            ],
            supplies: [(F.tokenA, F.supplyA), (F.tokenB, F.supplyB)],
            randomness: try .seeded(seed, label: "genesis"))
    }

    /// The witness's operations as the tree takes them (padding left out).
    static func leafOperations(_ witness: BatchWitness) -> [LeafOperation] {
        witness.operations.filter { $0.kind != .padding }.map {
            LeafOperation(
                kind: $0.kind, fromKey: $0.fromKey, toKey: $0.toKey, asset: $0.asset, amountLow: $0.amountLow,
                amountHigh: $0.amountHigh)
        }
    }

    @Test func multiUpdateReachesTheRootTheWitnessProvesAndTheStoredUpdateAloneRebuildsTheWitness() throws {
        var tree = try Self.genesisTree()
        for number in UInt64(1)...3 {
            let label = "batch \(number)"
            let state = BatchStateTree(tree)
            #expect(state.root == tree.root)
            let (witness, _) = try F.mixedBuilder(number: number, state: state).witness()
            // The builder's randomness was the CSPRNG: lay the same operations out again with the
            // seeded randomness, as the node's prover does.
            let operations = Self.leafOperations(witness)
            let direct = try BatchWitness.assemble(
                number: number, slotCount: witness.publicInputs.slotCount, depositCount: witness.air.depositCount,
                withdrawalCount: witness.air.withdrawalCount, state: state,
                operations: witness.operations.map {
                    LeafOperation(
                        kind: $0.kind, fromKey: $0.fromKey, toKey: $0.toKey, asset: $0.asset, amountLow: $0.amountLow,
                        amountHigh: $0.amountHigh)
                }, randomness: try .seeded(Self.seed, label: label)
            ).0
            var randomness = try WitnessRandomness.seeded(Self.seed, label: label)
            let (update, _) = try tree.apply(operations, randomness: &randomness)
            #expect(update.oldRoot == direct.publicInputs.oldRoot)
            #expect(update.newRoot == direct.publicInputs.newRoot, "batch \(number): tree and witness disagree")

            let stored = try TreeCodec.decodeUpdate(TreeCodec.encode(update))
            let rebuilt = try BatchBuilder.witness(number: number, update: stored, randomness: try .seeded(Self.seed, label: label))
            #expect(rebuilt.publicInputs == direct.publicInputs)
            try ConstraintChecker.check(air: rebuilt.air, trace: try rebuilt.trace, publicInputs: rebuilt.publicInputs.elements)
        }
    }

    @Test func aWitnessFromAnAlteredUpdateIsRefused() throws {
        var tree = try Self.genesisTree()
        let (witness, _) = try F.mixedBuilder(number: 1, state: BatchStateTree(tree)).witness()
        var randomness = try WitnessRandomness.seeded(Self.seed, label: "batch 1")
        let (update, _) = try tree.apply(Self.leafOperations(witness), randomness: &randomness)
        let seeded = { try WitnessRandomness.seeded(Self.seed, label: "batch 1") }

        #expect(throws: BatchProofError.self) {
            try BatchBuilder.witness(number: 1, update: update, randomness: try .seeded(Self.seed, label: "batch 2"))
        }
        var alteredLeaf = update
        alteredLeaf.oldLeaves[0].leaf.balanceLow += .one
        #expect(throws: BatchProofError.self) { try BatchBuilder.witness(number: 1, update: alteredLeaf, randomness: try seeded()) }
        var alteredAmount = update
        alteredAmount.operations[alteredAmount.depositCount].amountLow += .one
        #expect(throws: BatchProofError.self) { try BatchBuilder.witness(number: 1, update: alteredAmount, randomness: try seeded()) }
        var misplaced = update
        misplaced.operations.swapAt(0, misplaced.operations.count / 2)
        #expect(throws: BatchProofError.self) { try BatchBuilder.witness(number: 1, update: misplaced, randomness: try seeded()) }
        #expect(try BatchBuilder.witness(number: 1, update: update, randomness: try seeded()).publicInputs.newRoot == tree.root)
    }
}
