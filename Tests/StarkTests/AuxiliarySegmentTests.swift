import Primitives
import StarkExamples
import StarkMath
import Testing

@testable import Stark

/// A LogUp lookup statement: `length − 1` pseudo-random values in the table 0 … n − 2,
/// and a public value looked up from outside.
enum LookupFixtures {
    static func lookup(
        length: Int = 64, seed: UInt64 = 7, publicValue: UInt64 = 3
    ) throws -> (air: LookupAIR, trace: ExecutionTrace, publicInputs: [Goldilocks]) {
        var state = seed
        let values = (0..<(length - 1)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % UInt64(length - 1)
        }
        let (trace, inputs) = try LookupAIR.trace(values: values, publicValue: publicValue)
        return (LookupAIR(traceLength: length), trace, inputs)
    }

    /// The proof with its auxiliary section replaced.
    static func replacingAuxiliary(_ proof: StarkProof, with auxiliary: AuxiliarySegmentProof?) -> StarkProof {
        StarkProof(
            traceLength: proof.traceLength, traceWidth: proof.traceWidth, options: proof.options,
            traceRoot: proof.traceRoot, compositionRoot: proof.compositionRoot, outOfDomain: proof.outOfDomain,
            friLayerRoots: proof.friLayerRoots, friRemainder: proof.friRemainder,
            proofOfWorkNonce: proof.proofOfWorkNonce, traceOpening: proof.traceOpening,
            compositionOpening: proof.compositionOpening, friLayerOpenings: proof.friLayerOpenings,
            auxiliary: auxiliary)
    }

    static func verify(_ proof: StarkProof, air: LookupAIR, inputs: [Goldilocks]) throws {
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
    }
}

@Suite("Auxiliary segment: LogUp lookup end to end")
struct AuxiliarySegmentEndToEndTests {
    @Test(arguments: [64, 256])
    func lookupProofVerifiesWithQuadraticExtension(length: Int) throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: length)
        try ConstraintChecker.check(air: air, trace: trace, publicInputs: inputs)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        #expect(proof.auxiliary != nil)
        try LookupFixtures.verify(proof, air: air, inputs: inputs)
    }

    @Test func lookupProofVerifiesWithCubicExtension() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 128, seed: 11, publicValue: 100)
        let proof = try StarkProver.prove(
            air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightCubicOptions)
        try LookupFixtures.verify(proof, air: air, inputs: inputs)
    }

    @Test func lookupProofWithDefaultOptionsVerifiesAfterEncoding() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 1024, seed: 5, publicValue: 1000)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs)
        let bytes = proof.encoded()
        let decoded = try StarkProof(decoding: bytes)
        #expect(decoded == proof)
        #expect(decoded.encoded() == bytes)
        try LookupFixtures.verify(decoded, air: air, inputs: inputs)
    }

    @Test func proofsWithoutAuxiliarySegmentKeepTheVersionOneLayout() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        let proof = try StarkProver.prove(
            air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightCubicOptions)
        #expect(proof.auxiliary == nil)
        func elements(_ list: [Goldilocks]) -> Int { 4 + 8 * list.count }
        func hashes(_ list: [Hash32]) -> Int { 4 + 32 * list.count }
        func opening(_ opening: MerkleOpening) -> Int {
            elements(opening.values) + hashes(opening.salts) + hashes(opening.siblings)
        }
        // The version-1 layout, field by field, with nothing after the FRI openings.
        let expected =
            2 + 4 + 4 + 8 + 32 + 32 + elements(proof.outOfDomain.traceAtZ) + elements(proof.outOfDomain.traceAtNextZ)
            + elements(proof.outOfDomain.compositionAtZ) + hashes(proof.friLayerRoots)
            + elements(proof.friRemainder) + 8 + opening(proof.traceOpening) + opening(proof.compositionOpening) + 4
            + proof.friLayerOpenings.map(opening).reduce(0, +)
        #expect(proof.encoded().count == expected)
    }

    @Test func securityEstimateIsCappedByTheAuxiliaryArgument() throws {
        let quadratic = try ProofOptions(
            fieldExtension: .quadratic, blowupFactor: 8, queryCount: 57, grindingBits: 20, friFoldingFactor: 8,
            friRemainderMaxDegree: 255)
        let large = LookupAIR(traceLength: 1 << 20)
        // D = 2²⁰ rows · 1 column · degree 3: 128 − log₂(3·2²⁰) ≈ 106.4 bits.
        let estimate = SecurityEstimate(options: quadratic, air: large)
        #expect(estimate.auxiliaryArgumentBits == 106)
        #expect(estimate.conjecturedBits <= 106 && estimate.provenBits <= 106)
        // Cubic: 192 − 21.6 ≈ 170 bits, above SHA-256's 128-bit cap.
        #expect(SecurityEstimate(options: .default, air: large).auxiliaryArgumentBits == 128)
        let fibonacci = FibonacciAIR(traceLength: 1 << 12)
        let plain = SecurityEstimate(options: .default, air: fibonacci)
        #expect(plain.auxiliaryArgumentBits == nil)
        #expect(plain == SecurityEstimate(options: .default, traceLength: 1 << 12))
    }
}

@Suite("Auxiliary segment: debug checker")
struct AuxiliaryCheckerTests {
    @Test func checkerRefusesAValueOutsideTheTable() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        var tampered = trace
        tampered[LookupAIR.value, 20] = Goldilocks(reducing: 1000)
        // Every accumulator step holds; the sum no longer ends where the assertion says.
        #expect {
            try ConstraintChecker.check(air: air, trace: tampered, publicInputs: inputs)
        } throws: { error in
            guard case StarkError.constraintViolated(let constraint, let row) = error else { return false }
            return constraint.hasPrefix("auxiliary boundary assertion 1") && row == 63
        }
        #expect(throws: StarkError.self) {
            try StarkProver.prove(air: air, trace: tampered, publicInputs: inputs, options: Fixtures.lightOptions)
        }
    }

    @Test func checkerNamesTheFailingAuxiliaryConstraintAndRow() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        let challenges = [CubicExtension(Goldilocks(reducing: 123_456_789))]
        var auxiliary = try ConstraintChecker.auxiliaryTrace(air: air, main: trace, challenges: challenges)
        let assertions = try ConstraintChecker.auxiliaryBoundaryAssertions(
            air: air, publicInputs: inputs, challenges: challenges)
        try ConstraintChecker.checkAuxiliary(
            air: air, main: trace, auxiliary: auxiliary, challenges: challenges, assertions: assertions)
        auxiliary[0][10] += .one
        #expect(throws: StarkError.constraintViolated(constraint: "LogUp accumulator step", row: 9)) {
            try ConstraintChecker.checkAuxiliary(
                air: air, main: trace, auxiliary: auxiliary, challenges: challenges, assertions: assertions)
        }
    }

    @Test func auxiliaryDeclarationsWithoutColumnsAreRefused() throws {
        struct ChallengesWithoutColumns: AIR {
            var identity: String { "test.challenges-without-columns" }
            var traceWidth: Int { 1 }
            var traceLength: Int { 64 }
            var publicInputCount: Int { 0 }
            var transitionConstraintDegrees: [TransitionConstraintDegree] { [.init(1)] }
            var periodicColumns: [[Goldilocks]] { [] }
            var auxiliaryChallengeCount: Int { 1 }
            func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] { [] }
            func evaluateTransition<E: FieldElement>(
                current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>,
                periodicValues: UnsafeBufferPointer<E>, result: UnsafeMutableBufferPointer<E>
            ) { result[0] = next[0] - current[0] }
        }
        let trace = try ExecutionTrace(columns: [[Goldilocks](repeating: 3, count: 64)])
        #expect {
            try StarkProver.prove(
                air: ChallengesWithoutColumns(), trace: trace, publicInputs: [], options: Fixtures.lightOptions)
        } throws: { error in
            guard case StarkError.invalidAIR = error else { return false }
            return true
        }
    }
}
