import StarkCrypto
import StarkExamples
import StarkMath
import Testing

@testable import Stark

@Suite("Zero knowledge")
struct ZeroKnowledgeTests {
    @Test func provingTheSameStatementTwiceGivesDifferentProofs() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 32)
        let first = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        let second = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        #expect(first.encoded() != second.encoded())
        #expect(first.traceRoot != second.traceRoot)
        #expect(first.compositionRoot != second.compositionRoot)
        #expect(first.outOfDomain.traceAtZ != second.outOfDomain.traceAtZ)
        #expect(first.traceOpening.salts != second.traceOpening.salts)
        try StarkVerifier.verify(proof: first, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
        try StarkVerifier.verify(proof: second, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
    }

    /// Every cell of the chain's trace except the public ones (zero capacity, input and
    /// output digests) is secret: the seed and every intermediate state. None may appear
    /// in the proof as an 8-byte little-endian word.
    @Test func noSecretTraceValueAppearsInTheProofBytes() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 32)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        let bytes = proof.encoded()
        var words = Set<UInt64>()
        for start in 0...(bytes.count - 8) {
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(bytes[start + k]) << (8 * k) }
            words.insert(word)
        }
        let publicValues = Set(inputs.map(\.value) + [0])
        var secretCells = 0
        for column in 0..<air.traceWidth {
            for row in 0..<air.traceLength {
                let value = trace[column, row].value
                if publicValues.contains(value) { continue }
                secretCells += 1
                #expect(!words.contains(value), "trace cell (\(column), \(row)) = \(value) appears in the proof")
            }
        }
        #expect(secretCells > 3000)
        for seedWord in Fixtures.secretSeed.elements { #expect(!words.contains(seedWord.value)) }
    }

    @Test func outOfDomainSamplingResamplesPointsInsideEitherDomain() throws {
        let air = FibonacciAIR(traceLength: 64)
        let parameters = try ProofParameters(air: air, options: Fixtures.lightCubicOptions)
        let traceGenerator = try Goldilocks.rootOfUnity(order: parameters.traceLength)
        let domainGenerator = try Goldilocks.rootOfUnity(order: parameters.domainSize)
        let inTrace = CubicExtension(traceGenerator.power(5))
        let inDomain = CubicExtension(parameters.domainOffset * domainGenerator.power(77))
        let outside = CubicExtension(3, 5, 7)
        #expect(!Transcript.isOutsideDomains(inTrace, parameters))
        #expect(!Transcript.isOutsideDomains(inDomain, parameters))
        #expect(!Transcript.isOutsideDomains(CubicExtension.one, parameters))
        #expect(Transcript.isOutsideDomains(outside, parameters))
        var candidates = [inTrace, inDomain, CubicExtension.one, outside]
        let chosen = Transcript.sampleOutOfDomainPoint(parameters) { candidates.removeFirst() }
        #expect(chosen == outside)
        #expect(candidates.isEmpty)
    }

    @Test func drawnOutOfDomainPointsLieOutsideBothDomains() throws {
        let (air, _, inputs) = try Fixtures.fibonacci(length: 64)
        let parameters = try ProofParameters(air: air, options: Fixtures.lightOptions)
        for seed in 0..<200 {
            var transcript = Transcript(air: air, options: Fixtures.lightOptions, publicInputs: inputs)
            transcript.absorb(label: "test", elements: [Goldilocks(reducing: UInt64(seed))])
            let z: QuadraticExtension = transcript.drawOutOfDomainPoint(parameters)
            #expect(Transcript.isOutsideDomains(z, parameters))
            #expect(!z.c1.isZero || z.c0.power(UInt64(parameters.traceLength)) != .one)
        }
    }

    @Test func randomizerCountCoversQueriesAndOutOfDomainOpenings() {
        let options = ProofOptions.default
        // Revealed per masked polynomial: q query values + 2 out-of-domain values of d coordinates.
        #expect(options.randomizerCount >= options.queryCount + 2 * options.fieldExtension.degree)
        #expect(options.randomizerCount == 2 * (3 + 57))
    }
}
