import StarkCrypto
import StarkExamples
import StarkMath
import TestSupport
import Testing

@testable import Stark

@Suite("Prove and verify")
struct EndToEndTests {
    @Test func fibonacciProofVerifiesWithLightOptions() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci()
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
    }

    @Test func fibonacciProofVerifiesWithCubicExtension() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 128)
        let proof = try StarkProver.prove(
            air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightCubicOptions)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
    }

    @Test func rpoChainProofVerifies() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 32)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
    }
}

@Suite("Default options")
struct DefaultOptionsTests {
    /// The full default options (cubic, blowup 8, 57 queries, 20 grinding bits, folding 8,
    /// remainder ≤ 255) and the default verifier minimum of 100 proven bits.
    @Test func fibonacciProofWithDefaultOptionsVerifiesAtTheDefaultMinimum() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 1 << 11)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs)
        #expect(SecurityEstimate(options: proof.options, traceLength: air.traceLength).provenBits >= 100)
        let decoded = try StarkProof(decoding: proof.encoded())
        try StarkVerifier.verify(proof: decoded, air: air, publicInputs: inputs)
    }

    /// The compact options (52 queries, 24 grinding bits) large traces use: a proof made
    /// with them verifies at the default minimum, opens fewer rows than the default's, and its
    /// proof of work is checked (a nonce one short of 24 zero bits is refused).
    @Test func compactOptionsProofVerifiesAtTheDefaultMinimumAndOpensFewerRows() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 1 << 12)
        let compact = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: .compact)
        let standard = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: .default)
        try StarkVerifier.verify(proof: try StarkProof(decoding: compact.encoded()), air: air, publicInputs: inputs)
        // Fewer distinct rows opened (one salt each). The byte sizes are not compared: at 2¹² rows
        // the saving (about 4 %) is within what the query positions' random overlap varies.
        #expect(compact.traceOpening.salts.count < standard.traceOpening.salts.count)
        #expect(compact.traceOpening.salts.count <= ProofOptions.compact.queryCount)
        #expect(SecurityEstimate(options: .compact, traceLength: air.traceLength).provenBits >= 100)

        // Another nonce has 24 leading zero bits with probability 2⁻²⁴.
        let nonce = compact.proofOfWorkNonce &+ 1
        let forged = StarkProof(
            traceLength: compact.traceLength, traceWidth: compact.traceWidth, options: compact.options,
            traceRoot: compact.traceRoot, compositionRoot: compact.compositionRoot, outOfDomain: compact.outOfDomain,
            friLayerRoots: compact.friLayerRoots, friRemainder: compact.friRemainder, proofOfWorkNonce: nonce,
            traceOpening: compact.traceOpening, compositionOpening: compact.compositionOpening,
            friLayerOpenings: compact.friLayerOpenings, auxiliary: compact.auxiliary)
        #expect(throws: StarkError.proofOfWorkRejected) {
            try StarkVerifier.verify(proof: forged, air: air, publicInputs: inputs)
        }
    }

    @Test func compositionDegreeDeclaredTooLowIsReported() throws {
        struct UnderDeclared: AIR {
            var identity: String { "test.under-declared" }
            var traceWidth: Int { 1 }
            var traceLength: Int { 64 }
            var publicInputCount: Int { 0 }
            var transitionConstraintDegrees: [TransitionConstraintDegree] { [.init(1)] }
            var periodicColumns: [[Goldilocks]] { [] }
            func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] { [] }
            func evaluateTransition<E: FieldElement>(
                current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>,
                periodicValues: UnsafeBufferPointer<E>, result: UnsafeMutableBufferPointer<E>
            ) {
                // Declared degree 1, really degree 8.
                let x = current[0]
                result[0] = (next[0] - x) * x.power(7)
            }
        }
        let air = UnderDeclared()
        let trace = try ExecutionTrace(columns: [[Goldilocks](repeating: 3, count: 64)])
        #expect {
            try StarkProver.proveUnchecked(
                air: air, trace: trace, publicInputs: [], options: Fixtures.lightOptions,
                checkCompositionDegree: true)
        } throws: { error in
            guard case StarkError.declaredDegreeTooLow = error else { return false }
            return true
        }
    }
}

@Suite("RPO chain AIR")
struct RPOChainAIRTests {
    @Test func hardCodedMDSRowMatchesRPOConstants() {
        #expect(RPOChainAIR.mdsFirstRow == RPOConstants.mdsFirstRow)
    }

    @Test func traceRowsFollowTheRPOPermutation() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 2)
        var state = RPOState([0, 0, 0, 0] + Fixtures.chainInput.elements + Fixtures.secretSeed.elements)
        RPO256.permute(&state)
        #expect(trace.row(7) == state.elements)
        #expect(trace.row(8) == state.elements)
        RPO256.permute(&state)
        #expect(Array(inputs[4..<8]) == state.digest.elements)
        #expect(trace.row(air.traceLength - 1) == state.elements)
    }

    @Test func baseFieldAndGenericConstraintPathsAgree() throws {
        let air = RPOChainAIR(permutationCount: 2)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let current = (0..<12).map { _ in Goldilocks.random(using: &generator) }
            let next = (0..<12).map { _ in Goldilocks.random(using: &generator) }
            let periodic = (0..<25).map { _ in Goldilocks.random(using: &generator) }
            var fast = [Goldilocks](repeating: .zero, count: 12)
            var generic = [Goldilocks](repeating: .zero, count: 12)
            current.withUnsafeBufferPointer { c in
                next.withUnsafeBufferPointer { n in
                    periodic.withUnsafeBufferPointer { p in
                        fast.withUnsafeMutableBufferPointer {
                            air.evaluateTransitionOnBaseField(current: c, next: n, periodicValues: p, result: $0)
                        }
                        generic.withUnsafeMutableBufferPointer {
                            air.evaluateTransition(current: c, next: n, periodicValues: p, result: $0)
                        }
                    }
                }
            }
            #expect(fast == generic)
        }
    }
}
