import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct WitnessV3Tests {
    typealias F = Fixtures
    typealias V = V3Fixtures

    @Test func mixedBatchSatisfiesTheConstraints() throws {
        let (witness, tree) = try V.witness(V.mixedOperations())
        #expect(witness.publicInputs.newRoot == tree.root)
        #expect(witness.publicInputs.deposits.count == 2)
        #expect(witness.publicInputs.withdrawals.count == 1)
        try ConstraintChecker.check(air: witness.air, trace: try witness.trace, publicInputs: witness.publicInputs.elements)
    }

    @Test func mixedBatchProvesAndVerifies() throws {
        let (witness, _) = try V.witness(V.mixedOperations())
        let proof = try BatchProverV3.prove(witness: witness, options: F.lightOptions)
        try BatchVerifierV3.verify(
            proof: proof, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength, minimum: F.testMinimum)
    }
}
