import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct EndToEndTests {
    typealias F = Fixtures

    /// The one proof with the default (full-security) options: proves, verifies with the
    /// default verifier minimum, and leaks no balance, amount, key or blinding into the bytes.
    @Test func transferBatchProvesAndVerifiesWithDefaultOptions() throws {
        let state = F.genesis()
        let (witness, newState) = try F.transferBuilder(state: state).witness()
        let proof = try BatchProver.prove(witness: witness)
        #expect(witness.publicInputs.newRoot == newState.root)
        #expect(SecurityEstimate(options: proof.options, traceLength: witness.air.traceLength).provenBits >= 100)
        try BatchVerifier.verify(proof: proof, publicInputs: witness.publicInputs)
        #expect(Self.leaks(proof.encoded(), witness: witness, states: [state, newState]).isEmpty)
    }

    @Test func sameBatchProvedTwiceGivesDifferentProofs() throws {
        let builder = try F.transferBuilder()
        let (witness, _) = try builder.witness()
        let first = try BatchProver.prove(witness: witness, options: F.lightOptions)
        let second = try BatchProver.prove(witness: witness, options: F.lightOptions)
        #expect(first.encoded() != second.encoded())
        for proof in [first, second] {
            try BatchVerifier.verify(proof: proof, publicInputs: witness.publicInputs, minimum: F.testMinimum)
        }
        // A fresh witness of the same batch has a fresh salt and blindings: another commitment and root.
        let (again, _) = try builder.witness()
        #expect(again.publicInputs.operationsCommitment != witness.publicInputs.operationsCommitment)
        #expect(again.publicInputs.newRoot != witness.publicInputs.newRoot)
        #expect(again.publicInputs.oldRoot == witness.publicInputs.oldRoot)
    }

    @Test func weakOptionsAreRefusedByTheDefaultVerifier() throws {
        let (witness, _) = try F.transferBuilder().witness()
        let proof = try BatchProver.prove(witness: witness, options: F.lightOptions)
        #expect(throws: BatchProofError.self) {
            try BatchVerifier.verify(proof: proof, publicInputs: witness.publicInputs)
        }
    }

    /// The secret values (8-byte little-endian) found in `bytes`: balance limbs, amount
    /// limbs, keys and blindings of every leaf in `states`, every operation's amount limbs
    /// and keys.
    static func leaks(_ bytes: [UInt8], witness: BatchWitness, states: [BatchStateTree]) -> [UInt64] {
        var secrets = [UInt64]()
        for state in states {
            for slot in 0..<state.nextSlot {
                let leaf = state.leaf(at: slot)
                secrets += [leaf.balanceLow.value, leaf.balanceHigh.value, leaf.key.value, leaf.blinding.value]
            }
        }
        for operation in witness.operations where operation.kind != .padding {
            secrets += [operation.amountLow.value, operation.amountHigh.value, operation.fromKey.value, operation.toKey.value]
        }
        // Zero limbs (a fresh leaf's balance, a small amount's high limb) are not secrets.
        secrets = secrets.filter { $0 >> 32 != 0 || $0 & 0xFFFF_FFFF > 0xFFFF }
        return secrets.filter { contains(bytes, littleEndian: $0) }
    }

    static func contains(_ bytes: [UInt8], littleEndian value: UInt64) -> Bool {
        let pattern = (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        guard bytes.count >= 8 else { return false }
        for start in 0...(bytes.count - 8) where bytes[start] == pattern[0] {
            if Array(bytes[start..<(start + 8)]) == pattern { return true }
        }
        return false
    }
}
