import StarkMath
import Testing

@testable import Stark

@Suite("Prover kernels: the parallel debug checker")
struct ProverKernelTests {
    @Test func parallelDebugCheckerReportsTheEarliestFailureAcrossChunks() throws {
        // 8192 rows: the checker splits them into several chunks.
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 1024)
        try ConstraintChecker.check(air: air, trace: trace, publicInputs: inputs)
        var broken = trace
        broken[3, 7000] = broken[3, 7000] + 1
        broken[9, 5001] = broken[9, 5001] + 1
        #expect(throws: StarkError.constraintViolated(constraint: "RPO round, lane 9", row: 5000)) {
            try ConstraintChecker.check(air: air, trace: broken, publicInputs: inputs)
        }
    }
}
