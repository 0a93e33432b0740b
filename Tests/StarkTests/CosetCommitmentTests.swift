import Primitives
import StarkCrypto
import StarkMath
import TestSupport
import Testing

@testable import Stark

/// The prover extends and hashes the evaluation domain one coset at a time and
/// evaluates the opened rows again from the coefficients; the verifier checks them
/// against the whole extension. These pin that both give the same values.
@Suite("Coset-by-coset commitment")
struct CosetCommitmentTests {
    func proverRun() throws -> ProverRun<CubicExtension> {
        let (air, _, inputs) = try Fixtures.fibonacci(length: 64)
        let parameters = try ProofParameters(air: air, options: Fixtures.lightCubicOptions)
        return ProverRun(air: air, parameters: parameters, assertions: [], publicInputs: inputs)
    }

    /// The whole extension of each polynomial by one transform of size N, as rows of
    /// Goldilocks coordinates.
    func wholeExtensionRows<F: FieldElement>(
        _ polynomials: [[F]], run: ProverRun<CubicExtension>
    ) throws
        -> [Goldilocks]
    {
        let parameters = run.parameters
        let plan = try NTTPlan(size: parameters.domainSize)
        let columns = polynomials.map { plan.evaluateOnCoset(coefficients: $0, offset: parameters.domainOffset) }
        var rows = [Goldilocks]()
        for row in 0..<parameters.domainSize {
            for column in columns { rows.append(contentsOf: column[row].baseElements) }
        }
        return rows
    }

    func check<F: FieldElement>(
        _ polynomials: [[F]], run: ProverRun<CubicExtension>, salts leafSalts: LeafSalts, keep: Bool
    ) throws {
        let committed = run.commit(polynomials, keep: keep, salts: leafSalts)
        #expect(committed.cosets.count == (keep ? run.parameters.options.blowupFactor : 0))
        let salts = (0..<run.parameters.domainSize).map { leafSalts.salt(at: $0) }
        let rows = try wholeExtensionRows(polynomials, run: run)
        let width = polynomials.count * F.extensionDegree
        let reference = try MerkleTree(rows: rows, rowWidth: width, salts: salts)
        #expect(committed.tree.root == reference.root)
        // Every coset, both ends of the domain, and a repeated position.
        let positions = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 3, run.parameters.domainSize - 1]
        let opening = committed.opening(at: positions)
        var expected = [Goldilocks]()
        for position in positions { expected += rows[(position * width)..<((position + 1) * width)] }
        #expect(opening.values == expected)
        #expect(opening.salts == positions.map { salts[$0] })
        #expect(opening.siblings == (try reference.multiProof(for: positions)).siblings)
    }

    /// Streamed (one coset buffer, rows evaluated again for the openings) and kept alike.
    @Test func cosetByCosetCommitmentGivesTheWholeExtensionsRootAndRows() throws {
        let run = try proverRun()
        var generator = SeededGenerator(seed: 41)
        let count = run.parameters.maskedCoefficientCount
        let salts = LeafSalts(seed: Hash32(exactly: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        let base = (0..<3).map { _ in (0..<count).map { _ in Goldilocks.random(using: &generator) } }
        // Extension columns of unequal length, as the composition segments and the DEEP mask are.
        let cubic = [count, count - 1].map { length in
            (0..<length).map { _ in CubicExtension.random(using: &generator) }
        }
        for keep in [false, true] {
            try check(base, run: run, salts: salts, keep: keep)
            try check(cubic, run: run, salts: salts, keep: keep)
        }
    }

    /// A proof whose extensions are all streamed (budget 0: the way a 2²⁰-row trace is
    /// proved) verifies, and one with a changed opened row is refused.
    @Test func streamedProofVerifiesAndATamperedRowIsRefused() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 32)
        let options = Fixtures.lightCubicOptions
        let proof = try StarkProver.proveUnchecked(
            air: air, trace: trace, publicInputs: inputs, options: options, checkCompositionDegree: true,
            keptExtensionBytes: 0)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
        let opening = proof.traceOpening
        var values = opening.values
        values[5] = values[5] + 1
        let tampered = StarkProof(
            traceLength: proof.traceLength, traceWidth: proof.traceWidth, options: proof.options,
            traceRoot: proof.traceRoot, compositionRoot: proof.compositionRoot, outOfDomain: proof.outOfDomain,
            friLayerRoots: proof.friLayerRoots, friRemainder: proof.friRemainder,
            proofOfWorkNonce: proof.proofOfWorkNonce,
            traceOpening: MerkleOpening(values: values, salts: opening.salts, siblings: opening.siblings),
            compositionOpening: proof.compositionOpening, friLayerOpenings: proof.friLayerOpenings,
            auxiliary: proof.auxiliary)
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(proof: tampered, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
        }
    }

    /// The same with an auxiliary segment, streamed too: its rows opened from the
    /// coefficients, a changed one refused.
    @Test func streamedLookupProofVerifiesAndATamperedAuxiliaryRowIsRefused() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 128, seed: 11, publicValue: 100)
        let proof = try StarkProver.proveUnchecked(
            air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightCubicOptions,
            checkCompositionDegree: true, checkAuxiliaryConstraints: true, keptExtensionBytes: 0)
        try LookupFixtures.verify(proof, air: air, inputs: inputs)
        let auxiliary = try #require(proof.auxiliary)
        var values = auxiliary.opening.values
        values[1] = values[1] + 1
        let tampered = LookupFixtures.replacingAuxiliary(
            proof,
            with: AuxiliarySegmentProof(
                root: auxiliary.root, valuesAtZ: auxiliary.valuesAtZ, valuesAtNextZ: auxiliary.valuesAtNextZ,
                opening: MerkleOpening(
                    values: values, salts: auxiliary.opening.salts, siblings: auxiliary.opening.siblings)))
        #expect(throws: StarkError.self) { try LookupFixtures.verify(tampered, air: air, inputs: inputs) }
    }

    @Test func keptExtensionsFillTheBudgetInCommitmentOrder() throws {
        let (air, _, _) = try LookupFixtures.lookup(length: 128)
        let parameters = try ProofParameters(air: air, options: Fixtures.lightCubicOptions)
        let trace = parameters.traceWidth * parameters.domainSize * 8
        let auxiliary = parameters.auxiliaryWidth * parameters.domainSize * 24
        let composition = (parameters.segmentCount + 1) * parameters.domainSize * 24
        func kept(_ budget: Int) -> [Bool] {
            let kept = KeptExtensions(parameters: parameters, extensionElementBytes: 24, budget: budget)
            return [kept.trace, kept.auxiliary, kept.composition]
        }
        #expect(kept(trace + auxiliary + composition) == [true, true, true])
        #expect(kept(trace + auxiliary + composition - 1) == [true, true, false])
        #expect(kept(trace + auxiliary - 1) == [true, false, false])
        // Only a prefix: once the trace's does not fit, the smaller ones are not kept either.
        #expect(kept(trace - 1) == [false, false, false])
        #expect(kept(0) == [false, false, false])
    }

    /// Salt j is SHA-256("cloister.salt" ‖ seed ‖ j as 8 little-endian bytes): pinned
    /// so that a change to the derivation is a decision, not an accident.
    @Test func leafSaltsAreTheTaggedHashOfSeedAndIndex() {
        let salts = LeafSalts(seed: Hash32(exactly: [UInt8](repeating: 7, count: 32)))
        let message = Array("cloister.salt".utf8) + [UInt8](repeating: 7, count: 32) + [5, 1, 0, 0, 0, 0, 0, 0]
        #expect(salts.salt(at: 261) == SHA256.hash(message))
        #expect(salts.salt(at: 261) != salts.salt(at: 262))
        #expect(LeafSalts.random().seed != LeafSalts.random().seed)
    }

    /// Long enough for the coefficients to be split across several chunks and blocks.
    @Test func openedRowsEqualHornerEvaluation() {
        var generator = SeededGenerator(seed: 43)
        let polynomials = [20_000, 1, 0, 4_099].map { length in
            (0..<length).map { _ in CubicExtension.random(using: &generator) }
        }
        let points = (0..<5).map { _ in Goldilocks.random(using: &generator) } + [.zero, .one]
        let rows = OpenedRows.evaluate(polynomials, at: points)
        var expected = [Goldilocks]()
        for point in points {
            for polynomial in polynomials {
                expected += Polynomial.evaluate(polynomial, at: CubicExtension(point)).baseElements
            }
        }
        #expect(rows == expected)
        let maximal = [[Goldilocks](repeating: Goldilocks(reducing: UInt64.max), count: 9_000)]
        let top = Goldilocks(reducing: UInt64.max)
        #expect(OpenedRows.evaluate(maximal, at: [top]) == [Polynomial.evaluate(maximal[0], at: top)])
    }
}
