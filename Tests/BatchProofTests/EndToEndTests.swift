import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct EndToEndTests {
    /// The one proof with the default (full-security) options: proves, verifies with the
    /// default verifier minimum, and leaks no balance, amount or key into the bytes.
    @Test func validBatchProvesAndVerifiesWithDefaultOptions() throws {
        var state = Fixtures.tree()
        let proven = try BatchProver.prove(batch: Fixtures.batch(), state: &state)
        #expect(proven.publicInputs.newRoot == state.root)
        #expect(SecurityEstimate(options: proven.proof.options, traceLength: 2048).provenBits >= 100)
        try BatchVerifier.verify(proof: proven.proof, publicInputs: proven.publicInputs)

        let bytes = proven.proof.encoded()
        var secrets = [UInt64]()
        for account in Fixtures.accounts {
            secrets += [account.balance, account.key.value]
        }
        for transfer in Fixtures.transfers { secrets.append(transfer.amount) }
        for slot in 0..<6 {
            let leaf = AccountLeaf(digest: state.leaf(at: slot))
            secrets += [leaf.balance, leaf.blinding.value]
        }
        for secret in secrets {
            #expect(!Self.contains(bytes, littleEndian: secret), "proof bytes contain \(secret)")
        }
    }

    @Test func sameBatchProvedTwiceGivesDifferentProofs() throws {
        let witness = try Fixtures.witness()
        let first = try BatchProver.prove(witness: witness, options: Fixtures.lightOptions)
        let second = try BatchProver.prove(witness: witness, options: Fixtures.lightOptions)
        #expect(first.encoded() != second.encoded())
        for proof in [first, second] {
            try BatchVerifier.verify(proof: proof, publicInputs: witness.publicInputs, minimum: Fixtures.testMinimum)
        }
        // A fresh witness of the same batch has a fresh salt: another commitment and root.
        let again = try Fixtures.witness()
        #expect(again.publicInputs.operationsCommitment != witness.publicInputs.operationsCommitment)
        #expect(again.publicInputs.newRoot != witness.publicInputs.newRoot)
        #expect(again.publicInputs.oldRoot == witness.publicInputs.oldRoot)
    }

    @Test func weakOptionsAreRefusedByTheDefaultVerifier() throws {
        let witness = try Fixtures.witness()
        let proof = try BatchProver.prove(witness: witness, options: Fixtures.lightOptions)
        #expect(throws: BatchProofError.self) {
            try BatchVerifier.verify(proof: proof, publicInputs: witness.publicInputs)
        }
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
