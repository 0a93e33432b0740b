import StarkCrypto
import StarkExamples
import StarkMath
import TestSupport

@testable import Stark

/// Shared statements and lighter options for the suite.
///
/// Soundness properties that do not depend on the security level (a tampered byte, a
/// wrong public input, a broken trace) are checked with `lightOptions` to keep debug
/// runtime low; at least one test proves and verifies with ``ProofOptions/default``.
enum Fixtures {
    /// Quadratic extension, blowup 8, 12 queries, no grinding, folding 4, remainder ≤ 7:
    /// several FRI layers even on small traces, cheap in debug builds.
    static let lightOptions = try! ProofOptions(
        fieldExtension: .quadratic, blowupFactor: 8, queryCount: 12, grindingBits: 0, friFoldingFactor: 4,
        friRemainderMaxDegree: 7)

    /// Cubic extension with a little grinding: exercises the cubic path and the nonce check.
    static let lightCubicOptions = try! ProofOptions(
        fieldExtension: .cubic, blowupFactor: 8, queryCount: 10, grindingBits: 4, friFoldingFactor: 4,
        friRemainderMaxDegree: 7)

    /// A verifier minimum that accepts the light options (they are not secure).
    static let testMinimum = AcceptableOptions(minimumProvenBits: 0, minimumConjecturedBits: 0)

    static func fibonacci(
        length: Int = 64, first: UInt64 = 1, second: UInt64 = 1
    ) throws
        -> (air: FibonacciAIR, trace: ExecutionTrace, publicInputs: [Goldilocks])
    {
        let air = FibonacciAIR(traceLength: length)
        let (trace, inputs) = try FibonacciAIR.trace(
            first: Goldilocks(reducing: first), second: Goldilocks(reducing: second), length: length)
        return (air, trace, inputs)
    }

    static let secretSeed = RPODigest(
        0x1111_2222_3333_4444, 0x5555_6666_7777_0888, 0x0999_AAAA_BBBB_CCCC, 0x0DDD_EEEE_FFFF_0001)
    static let chainInput = RPODigest(1, 2, 3, 4)

    static func rpoChain(
        permutations: Int = 32, seed: RPODigest = secretSeed
    ) throws
        -> (air: RPOChainAIR, trace: ExecutionTrace, publicInputs: [Goldilocks])
    {
        let air = RPOChainAIR(permutationCount: permutations)
        let (trace, inputs) = try air.trace(input: chainInput, seed: seed)
        return (air, trace, inputs)
    }
}
