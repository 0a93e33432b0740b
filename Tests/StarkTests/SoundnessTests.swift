import StarkCrypto
import StarkExamples
import StarkMath
import Testing

@testable import Stark

@Suite("Soundness: broken traces, tampered proofs, wrong statements")
struct SoundnessTests {
    // MARK: - Constraint mutation sweep

    /// Rows to perturb: the edges, block boundaries and a spread in between.
    static func sampledRows(length: Int) -> [Int] {
        Array(Set([0, 1, 6, 7, 8, 9, length / 2, length / 2 + 3, length - 9, length - 2, length - 1])).sorted()
    }

    @Test func debugCheckerFlagsEveryPerturbedCellOfFibonacci() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        try ConstraintChecker.check(air: air, trace: trace, publicInputs: inputs)
        for column in 0..<air.traceWidth {
            for row in Self.sampledRows(length: air.traceLength) {
                var tampered = trace
                tampered[column, row] = tampered[column, row] + 1
                #expect(throws: StarkError.self, "column \(column), row \(row) is unconstrained") {
                    try ConstraintChecker.check(air: air, trace: tampered, publicInputs: inputs)
                }
            }
        }
    }

    @Test func debugCheckerFlagsEveryPerturbedCellOfRPOChain() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 8)
        try ConstraintChecker.check(air: air, trace: trace, publicInputs: inputs)
        for column in 0..<air.traceWidth {
            for row in Self.sampledRows(length: air.traceLength) {
                var tampered = trace
                tampered[column, row] = tampered[column, row] + 1
                #expect(throws: StarkError.self, "column \(column), row \(row) is unconstrained") {
                    try ConstraintChecker.check(air: air, trace: tampered, publicInputs: inputs)
                }
            }
        }
    }

    @Test func debugCheckerNamesTheFirstFailingConstraintAndRow() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        var tampered = trace
        tampered[0, 10] = tampered[0, 10] + 1
        #expect(throws: StarkError.constraintViolated(constraint: "fibonacci a' = b", row: 9)) {
            try ConstraintChecker.check(air: air, trace: tampered, publicInputs: inputs)
        }
        let (chain, chainTrace, chainInputs) = try Fixtures.rpoChain(permutations: 4)
        var broken = chainTrace
        broken[5, 12] = broken[5, 12] + 1
        #expect(throws: StarkError.constraintViolated(constraint: "RPO round, lane 5", row: 11)) {
            try ConstraintChecker.check(air: chain, trace: broken, publicInputs: chainInputs)
        }
        #expect(throws: StarkError.self) {
            try StarkProver.prove(air: air, trace: tampered, publicInputs: inputs, options: Fixtures.lightOptions)
        }
    }

    // MARK: - Cheating prover with full parameters

    @Test func cheatingProverProofsOfTamperedFibonacciTracesAreRejected() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        var middle = trace
        middle[1, 30] = middle[1, 30] + 1
        var last = trace
        last[1, 63] = last[1, 63] + 5
        var wrongResult = inputs
        wrongResult[2] = wrongResult[2] + 1
        let cases: [(ExecutionTrace, [Goldilocks], String)] = [
            (middle, inputs, "a cell changed mid-trace"),
            (last, inputs, "the result cell changed"),
            (trace, wrongResult, "a false result claimed for a valid trace"),
            (last, wrongResult, "a trace changed to match a false claim"),
        ]
        for (tampered, claimed, description) in cases {
            let proof = try StarkProver.proveUnchecked(
                air: air, trace: tampered, publicInputs: claimed, options: .default)
            #expect(throws: StarkError.self, "\(description) was accepted") {
                try StarkVerifier.verify(proof: proof, air: air, publicInputs: claimed, minimum: Fixtures.testMinimum)
            }
        }
    }

    @Test func cheatingProverProofOfTamperedRPOChainIsRejected() throws {
        // 128 permutations: the shortest chain whose degree-8 composition fits blowup 8
        // with the default options' 120 randomisers.
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 128)
        var tampered = trace
        tampered[9, 517] = tampered[9, 517] + 1
        let proof = try StarkProver.proveUnchecked(air: air, trace: tampered, publicInputs: inputs, options: .default)
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
        }
    }

    // MARK: - Proof fuzzing

    static func lightProof() throws -> (FibonacciAIR, [Goldilocks], StarkProof) {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        let proof = try StarkProver.prove(
            air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightCubicOptions)
        return (air, inputs, proof)
    }

    static func decodeAndVerify(_ bytes: [UInt8], air: FibonacciAIR, inputs: [Goldilocks]) throws {
        let proof = try StarkProof(decoding: bytes)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
    }

    @Test func flippingAnyByteOfTheProofIsRejected() throws {
        let (air, inputs, proof) = try Self.lightProof()
        let bytes = proof.encoded()
        try Self.decodeAndVerify(bytes, air: air, inputs: inputs)
        // Every byte of the header (version, shape, options, roots) and a stride through
        // the rest, which covers every section of the proof.
        var positions = Array(0..<120)
        positions += Array(stride(from: 120, to: bytes.count, by: 37))
        positions.append(bytes.count - 1)
        for position in positions {
            var mutated = bytes
            mutated[position] ^= 0x01 << UInt8(position % 8)
            #expect(throws: StarkError.self, "a flipped bit at byte \(position) of \(bytes.count) was accepted") {
                try Self.decodeAndVerify(mutated, air: air, inputs: inputs)
            }
        }
    }

    @Test func truncatedOrExtendedProofIsRejected() throws {
        let (air, inputs, proof) = try Self.lightProof()
        let bytes = proof.encoded()
        for length in [0, 1, 2, 10, 100, bytes.count / 2, bytes.count - 32, bytes.count - 1] {
            #expect(throws: StarkError.self, "a proof cut to \(length) bytes was accepted") {
                try Self.decodeAndVerify(Array(bytes[0..<length]), air: air, inputs: inputs)
            }
        }
        #expect(throws: StarkError.self) { try Self.decodeAndVerify(bytes + [0], air: air, inputs: inputs) }
        #expect(throws: StarkError.self) { try Self.decodeAndVerify(bytes + bytes, air: air, inputs: inputs) }
    }

    @Test func swappedOrReorderedQueryOpeningsAreRejected() throws {
        let (air, inputs, proof) = try Self.lightProof()
        func rebuilt(
            trace: MerkleOpening? = nil, composition: MerkleOpening? = nil, layers: [MerkleOpening]? = nil,
            nonce: UInt64? = nil, remainder: [Goldilocks]? = nil
        ) -> StarkProof {
            StarkProof(
                traceLength: proof.traceLength, traceWidth: proof.traceWidth, options: proof.options,
                traceRoot: proof.traceRoot, compositionRoot: proof.compositionRoot, outOfDomain: proof.outOfDomain,
                friLayerRoots: proof.friLayerRoots, friRemainder: remainder ?? proof.friRemainder,
                proofOfWorkNonce: nonce ?? proof.proofOfWorkNonce, traceOpening: trace ?? proof.traceOpening,
                compositionOpening: composition ?? proof.compositionOpening,
                friLayerOpenings: layers ?? proof.friLayerOpenings)
        }
        func swappedRows(_ opening: MerkleOpening, width: Int) -> MerkleOpening {
            var values = opening.values
            for k in 0..<width { values.swapAt(k, width + k) }
            var salts = opening.salts
            if salts.count > 1 { salts.swapAt(0, 1) }
            return MerkleOpening(values: values, salts: salts, siblings: opening.siblings)
        }
        let reversedSiblings = MerkleOpening(
            values: proof.traceOpening.values, salts: proof.traceOpening.salts,
            siblings: proof.traceOpening.siblings.reversed())
        let parameters = try ProofParameters(air: air, options: proof.options)
        let cases: [(StarkProof, String)] = [
            (rebuilt(trace: swappedRows(proof.traceOpening, width: 2)), "trace rows swapped"),
            (
                rebuilt(composition: swappedRows(proof.compositionOpening, width: parameters.compositionRowWidth)),
                "composition rows swapped"
            ),
            (rebuilt(trace: reversedSiblings), "trace siblings reordered"),
            (rebuilt(layers: proof.friLayerOpenings.reversed()), "FRI layer openings reordered"),
            (
                rebuilt(
                    layers: [swappedRows(proof.friLayerOpenings[0], width: parameters.friLeafWidth)]
                        + proof.friLayerOpenings.dropFirst()),
                "FRI cosets swapped"
            ),
            (rebuilt(nonce: proof.proofOfWorkNonce &+ 1), "nonce changed"),
            (rebuilt(nonce: proof.proofOfWorkNonce ^ (1 << 40)), "nonce changed in a high bit"),
            (rebuilt(remainder: proof.friRemainder.reversed()), "remainder coefficients reordered"),
        ]
        #expect(proof.friLayerOpenings.count >= 2, "the fuzzed proof should have several FRI layers")
        for (tampered, description) in cases {
            #expect(throws: StarkError.self, "\(description) was accepted") {
                try StarkVerifier.verify(
                    proof: tampered, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
            }
        }
    }

    // MARK: - Public-input binding

    @Test func changingAnyPublicInputRejectsTheProof() throws {
        let (air, trace, inputs) = try Fixtures.rpoChain(permutations: 32)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
        for index in inputs.indices {
            var changed = inputs
            changed[index] = changed[index] + 1
            #expect(throws: StarkError.self, "public input \(index) is not bound") {
                try StarkVerifier.verify(proof: proof, air: air, publicInputs: changed, minimum: Fixtures.testMinimum)
            }
        }
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(
                proof: proof, air: air, publicInputs: Array(inputs.dropLast()), minimum: Fixtures.testMinimum)
        }
    }

    @Test func proofOfOneStatementFailsAgainstAnotherStatementsInputs() throws {
        let (air, traceA, inputsA) = try Fixtures.rpoChain(permutations: 32)
        let (_, traceB, inputsB) = try Fixtures.rpoChain(permutations: 32, seed: RPODigest(9, 8, 7, 6))
        let proofA = try StarkProver.prove(
            air: air, trace: traceA, publicInputs: inputsA, options: Fixtures.lightOptions)
        let proofB = try StarkProver.prove(
            air: air, trace: traceB, publicInputs: inputsB, options: Fixtures.lightOptions)
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(proof: proofA, air: air, publicInputs: inputsB, minimum: Fixtures.testMinimum)
        }
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(proof: proofB, air: air, publicInputs: inputsA, minimum: Fixtures.testMinimum)
        }
        // A proof for one AIR does not verify for another AIR of a different shape or identity.
        let (fibonacci, fibonacciTrace, fibonacciInputs) = try Fixtures.fibonacci(length: 256)
        let fibonacciProof = try StarkProver.prove(
            air: fibonacci, trace: fibonacciTrace, publicInputs: fibonacciInputs, options: Fixtures.lightOptions)
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(
                proof: fibonacciProof, air: air, publicInputs: inputsA, minimum: Fixtures.testMinimum)
        }
    }

    // MARK: - Verifier minimum

    @Test func verifierRefusesOptionsBelowItsMinimum() throws {
        let (air, trace, inputs) = try Fixtures.fibonacci(length: 64)
        let proof = try StarkProver.prove(air: air, trace: trace, publicInputs: inputs, options: Fixtures.lightOptions)
        try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs, minimum: Fixtures.testMinimum)
        #expect {
            try StarkVerifier.verify(proof: proof, air: air, publicInputs: inputs)
        } throws: { error in
            guard case StarkError.insufficientSecurity = error else { return false }
            return true
        }
        #expect(throws: StarkError.self) {
            try StarkVerifier.verify(
                proof: proof, air: air, publicInputs: inputs,
                minimum: AcceptableOptions(minimumProvenBits: 0, minimumConjecturedBits: 60))
        }
    }
}
