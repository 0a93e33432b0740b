import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct EndToEndV3Tests {
    typealias F = Fixtures
    typealias V = V3Fixtures

    /// Transfers among `accounts` funded holders: hot (few senders) or spread.
    static func transfers(count: Int, accounts: Int, genesis: AccountTree? = nil) -> (AccountTree, [LeafOperation]) {
        let native = F.native
        let addresses = (0..<accounts).map { i in (0..<20).map { UInt8(truncatingIfNeeded: i &* 131 &+ $0 &* 7 &+ 1) } }
        let tree = try! AccountTree.genesis(
            holdings: addresses.map { (account: $0, asset: native, balance: UInt128(1) << 80) },
            supplies: [(asset: native, supply: UInt128(accounts) << 80)], randomness: V.randomness("genesis"))
        var random = SystemRandomNumberGenerator()
        let operations = (0..<count).map { index in
            let from = Int.random(in: 0..<accounts, using: &random)
            let to = (from + Int.random(in: 1..<accounts, using: &random)) % accounts
            return V.transfer(addresses[from], addresses[to], native, UInt128(1_000_003 + index))
        }
        return (tree, operations)
    }

    @Test(arguments: [(16, 40), (40, 8), (1, 2)])
    func transferBatchesProveAndVerify(count: Int, accounts: Int) throws {
        let (tree, operations) = Self.transfers(count: count, accounts: accounts)
        let (witness, after) = try V.witness(operations, tree: tree)
        #expect(witness.publicInputs.newRoot == after.root)
        let proof = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength, minimum: F.testMinimum)
    }

    @Test func newLeavesAndPaddingProve() throws {
        // Credits to fresh holders create leaves; 3 operations pad to 4 (and 8 with minimumOperations).
        let ops = [
            V.transfer(F.alice, F.erin, F.native, F.amount1), V.transfer(F.erin, F.dave, F.native, F.amount2),
            V.transfer(F.alice, F.tokenB, F.native, F.amount3),
        ]
        let (witness, _) = try V.witness(ops, minimumOperations: 8)
        #expect(witness.publicInputs.slotCount == 8)
        let proof = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength, minimum: F.testMinimum)
    }

    /// Padding only (e.g. a batch of zero-value movements): no leaf or merge block, equal
    /// roots, and no root tuple on the bus.
    @Test func aBatchThatChangesNoLeafProvesWithEqualRoots() throws {
        let (witness, after) = try V.witness([])
        #expect(witness.publicInputs.oldRoot == witness.publicInputs.newRoot)
        #expect(witness.publicInputs.newRoot == after.root)
        #expect(witness.blockCounts.leaves == 0 && witness.blockCounts.merges == 0)
        let proof = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength, minimum: F.testMinimum)
    }

    /// Default options: ≥ 100 proven bits, verifies with the default minimum, no secret in
    /// the bytes, in either layout.
    @Test(arguments: BatchAIRv3.layouts) func mixedBatchWithDefaultOptionsLeaksNothing(layout: Int) throws {
        let before = V.genesis()
        let (witness, after) = try V.witness(V.mixedOperations(), tree: before, layout: layout)
        #expect(witness.air.mergeSlotsPerBlock == layout)
        let proof = try BatchProverV3.prove(witness: witness)
        #expect(SecurityEstimate(options: proof.options, air: witness.air).provenBits >= 100)
        try BatchVerifierV3.verify(proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength)
        var secrets = [UInt64]()
        for tree in [before, after] {
            for leaf in tree.leaves { secrets += [leaf.balanceLow.value, leaf.balanceHigh.value, leaf.key.value, leaf.blinding.value] }
        }
        for operation in witness.operations where operation.kind != .padding && operation.kind != .deposit {
            secrets += [operation.amountLow.value, operation.amountHigh.value, operation.fromKey.value, operation.toKey.value]
        }
        secrets = secrets.filter { $0 >> 32 != 0 || $0 & 0xFFFF_FFFF > 0xFFFF }
        let bytes = proof.encoded()
        #expect(secrets.filter { EndToEndTests.contains(bytes, littleEndian: $0) }.isEmpty)
    }

    @Test(arguments: BatchAIRv3.layouts) func sameBatchProvedTwiceGivesDifferentBytes(layout: Int) throws {
        let (witness, _) = try V.witness([V.transfer(F.alice, F.bob, F.native, F.amount1)], layout: layout)
        let first = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        let second = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        #expect(first.encoded() != second.encoded())
    }

    @Test func envelopeVersion3RoundTripsAndVerifies() throws {
        let (witness, _) = try V.witness([V.transfer(F.alice, F.bob, F.native, F.amount1)])
        let proof = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        let envelope = BatchProofEnvelope(
            v3SlotCount: witness.publicInputs.slotCount, traceLength: witness.air.traceLength, proof: proof)
        let decoded = try BatchProofEnvelope(decoding: envelope.encoded)
        #expect(decoded == envelope)
        #expect(decoded.version == 3)
        // Another trace length: the verifier builds another AIR and refuses.
        var bytes = envelope.encoded
        bytes[8] = bytes[8] ^ 0x01  // trace length's low byte… keep it a power of two:
        bytes = envelope.encoded
        bytes[7] = bytes[7] == 0 ? 0x01 : 0  // 2^11 ↔ 2^(11+8)... shape change on the high byte
        if let other = try? BatchProofEnvelope(decoding: bytes) {
            #expect(throws: BatchProofError.self) {
                try BatchVerifierV3.verify(
                    proof: other.proof, publicInputs: witness.publicInputs, traceLength: other.traceLength,
                    minimum: F.testMinimum)
            }
        }
    }
}
