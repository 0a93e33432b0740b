import Primitives
import StarkExamples
import StarkMath
import Testing

@testable import Stark

@Suite("Auxiliary segment: soundness")
struct AuxiliarySoundnessTests {
    // MARK: - Cheating provers

    @Test(arguments: [Fixtures.lightOptions, Fixtures.lightCubicOptions])
    func uncheckedProofOfAValueOutsideTheTableIsRejected(options: ProofOptions) throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        var tampered = trace
        tampered[LookupAIR.value, 20] = Goldilocks(reducing: 1000)
        let proof = try StarkProver.proveUnchecked(air: air, trace: tampered, publicInputs: inputs, options: options)
        #expect(throws: StarkError.self) { try LookupFixtures.verify(proof, air: air, inputs: inputs) }
    }

    @Test func uncheckedProofWithAForgedMultiplicityIsRejected() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        var tampered = trace
        tampered[LookupAIR.multiplicity, 5] = tampered[LookupAIR.multiplicity, 5] + 1
        let proof = try StarkProver.proveUnchecked(
            air: air, trace: tampered, publicInputs: inputs, options: Fixtures.lightOptions)
        #expect(throws: StarkError.self) { try LookupFixtures.verify(proof, air: air, inputs: inputs) }
        // A false public value (not in the table) with an honest trace for another value.
        let (_, _, otherInputs) = try LookupFixtures.lookup(length: 64, publicValue: 4)
        let honest = try StarkProver.proveUnchecked(
            air: air, trace: trace, publicInputs: otherInputs, options: Fixtures.lightOptions)
        #expect(throws: StarkError.self) { try LookupFixtures.verify(honest, air: air, inputs: otherInputs) }
    }

    /// The challenge is taken from the transcript before the main trace root is absorbed,
    /// so the prover knows it while building the trace: refused, because the verifier
    /// draws the challenge after the root.
    @Test func auxiliaryChallengesDrawnBeforeTheMainCommitmentAreRejected() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        let options = Fixtures.lightOptions
        var early = Transcript(air: air, options: options, publicInputs: inputs)
        let alpha: QuadraticExtension = early.drawElement()
        let proof = try StarkProver.proveUnchecked(
            air: air, trace: trace, publicInputs: inputs, options: options,
            auxiliaryChallengeOverride: alpha.baseElements)
        #expect(throws: StarkError.self) { try LookupFixtures.verify(proof, air: air, inputs: inputs) }
    }

    /// A prover that knows α before committing forges a multiplicity so that a value
    /// outside the table balances the sum at that α: every constraint holds for its α,
    /// and the verifier, drawing α after the main root, refuses the proof.
    @Test func forgedTraceBalancedForAKnownChallengeIsRejected() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        let row = 20
        let original = trace[LookupAIR.value, row]
        let outside = Goldilocks(reducing: 1000)
        let alpha = Goldilocks(reducing: 987_654_321)
        var forged = trace
        forged[LookupAIR.value, row] = outside
        // 1/(α − a*) − 1/(α − a) = δ/(α − b) with b = a: δ = (α − a)/(α − a*) − 1.
        let delta = (alpha - original) * (try (alpha - outside).inverse()) - .one
        let tableRow = Int(original.value)
        forged[LookupAIR.multiplicity, tableRow] = forged[LookupAIR.multiplicity, tableRow] + delta
        try ConstraintChecker.checkAuxiliary(
            air: air, trace: forged, publicInputs: inputs, challenges: [QuadraticExtension(alpha)])
        #expect(throws: StarkError.self, "the forgery should fail for a challenge it was not made for") {
            try ConstraintChecker.check(air: air, trace: forged, publicInputs: inputs)
        }
        let proof = try StarkProver.proveUnchecked(
            air: air, trace: forged, publicInputs: inputs, options: Fixtures.lightOptions,
            auxiliaryChallengeOverride: QuadraticExtension(alpha).baseElements)
        #expect(throws: StarkError.self) { try LookupFixtures.verify(proof, air: air, inputs: inputs) }
    }

    // MARK: - Tampered proofs

    @Test func tamperedAuxiliaryRootOpeningOrOutOfDomainValueIsRejected() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        try LookupFixtures.verify(proof, air: air, inputs: inputs)
        let auxiliary = try #require(proof.auxiliary)
        func changed(_ values: [Goldilocks], at index: Int = 0) -> [Goldilocks] {
            var values = values
            values[index] = values[index] + 1
            return values
        }
        var rootBytes = Array(auxiliary.root.bytes)
        rootBytes[0] ^= 1
        let opening = auxiliary.opening
        let cases: [(AuxiliarySegmentProof, String)] = [
            (
                AuxiliarySegmentProof(
                    root: Hash32(exactly: rootBytes), valuesAtZ: auxiliary.valuesAtZ,
                    valuesAtNextZ: auxiliary.valuesAtNextZ, opening: opening),
                "auxiliary root"
            ),
            (
                AuxiliarySegmentProof(
                    root: auxiliary.root, valuesAtZ: auxiliary.valuesAtZ, valuesAtNextZ: auxiliary.valuesAtNextZ,
                    opening: MerkleOpening(
                        values: changed(opening.values), salts: opening.salts, siblings: opening.siblings)),
                "auxiliary opened value"
            ),
            (
                AuxiliarySegmentProof(
                    root: auxiliary.root, valuesAtZ: auxiliary.valuesAtZ, valuesAtNextZ: auxiliary.valuesAtNextZ,
                    opening: MerkleOpening(
                        values: opening.values, salts: opening.salts.reversed(), siblings: opening.siblings)),
                "auxiliary salts"
            ),
            (
                AuxiliarySegmentProof(
                    root: auxiliary.root, valuesAtZ: changed(auxiliary.valuesAtZ),
                    valuesAtNextZ: auxiliary.valuesAtNextZ, opening: opening),
                "auxiliary value at z"
            ),
            (
                AuxiliarySegmentProof(
                    root: auxiliary.root, valuesAtZ: auxiliary.valuesAtZ,
                    valuesAtNextZ: changed(auxiliary.valuesAtNextZ, at: 1), opening: opening),
                "auxiliary value at g·z"
            ),
        ]
        for (tampered, what) in cases {
            let forged = LookupFixtures.replacingAuxiliary(proof, with: tampered)
            #expect(throws: StarkError.self, "a tampered \(what) was accepted") {
                try LookupFixtures.verify(forged, air: air, inputs: inputs)
            }
        }
    }

    // MARK: - Shape

    @Test func proofDecodedWithoutItsAuxiliarySectionIsRefused() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        let bytes = proof.encoded()
        let withoutAuxiliary = LookupFixtures.replacingAuxiliary(proof, with: nil)
        let stripped = Array(bytes[0..<withoutAuxiliary.encoded().count])
        #expect(stripped == withoutAuxiliary.encoded())
        let decoded = try StarkProof(decoding: stripped)
        #expect(
            throws: StarkError.structureMismatch(
                "the AIR has an auxiliary segment of 1 columns; the proof carries none")
        ) { try LookupFixtures.verify(decoded, air: air, inputs: inputs) }
    }

    @Test func auxiliarySectionOfTheWrongShapeIsRefused() throws {
        let (air, trace, inputs) = try LookupFixtures.lookup(length: 64)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        let auxiliary = try #require(proof.auxiliary)
        let extraValue = AuxiliarySegmentProof(
            root: auxiliary.root, valuesAtZ: auxiliary.valuesAtZ + [.one], valuesAtNextZ: auxiliary.valuesAtNextZ,
            opening: auxiliary.opening)
        let decoded = try StarkProof(decoding: LookupFixtures.replacingAuxiliary(proof, with: extraValue).encoded())
        #expect(throws: StarkError.structureMismatch("auxiliary values at z: 3 entries, expected 2")) {
            try LookupFixtures.verify(decoded, air: air, inputs: inputs)
        }
        let wideOpening = AuxiliarySegmentProof(
            root: auxiliary.root, valuesAtZ: auxiliary.valuesAtZ, valuesAtNextZ: auxiliary.valuesAtNextZ,
            opening: MerkleOpening(
                values: auxiliary.opening.values + [.one], salts: auxiliary.opening.salts,
                siblings: auxiliary.opening.siblings))
        #expect {
            try LookupFixtures.verify(
                LookupFixtures.replacingAuxiliary(proof, with: wideOpening), air: air, inputs: inputs)
        } throws: { error in
            guard case StarkError.structureMismatch(let message) = error else { return false }
            return message.hasPrefix("auxiliary opened values")
        }

        // An auxiliary section attached to a proof for an AIR without one.
        let (fibonacci, fibonacciTrace, fibonacciInputs) = try Fixtures.fibonacci(length: 64)
        let plain = try StarkProver.prove(
            air: fibonacci, trace: fibonacciTrace, publicInputs: fibonacciInputs, options: Fixtures.lightOptions)
        let grafted = try StarkProof(decoding: LookupFixtures.replacingAuxiliary(plain, with: auxiliary).encoded())
        #expect(throws: StarkError.structureMismatch("the proof carries an auxiliary segment; the AIR has none")) {
            try StarkVerifier.verify(
                proof: grafted, air: fibonacci, publicInputs: fibonacciInputs, minimum: Fixtures.testMinimum)
        }
    }

    @Test func unknownSectionAfterTheFriOpeningsIsMalformed() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        let bytes = try StarkProver.prove(
            air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions
        ).encoded()
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes + [0x02, 0, 0, 0]) }
        #expect(throws: StarkError.self) { try StarkProof(decoding: bytes + [0x01]) }
    }
}
