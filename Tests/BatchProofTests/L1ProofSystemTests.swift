import Foundation
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

/// The batch proof system as the L1 mock's verifier, and `cloister verify`'s independent
/// check: a real STARK proof of a (synthetic) transfer batch takes the batch to proven and
/// executed; one altered byte is refused and recorded, and the batch can be proved again.
@Suite struct L1ProofSystemTests {
    static func digestHash(_ digest: RPODigest) -> Hash32 { try! Hash32(digest.bytes) }

    @Test func theL1AcceptsABatchProofRefusesAnAlteredOneAndAnyoneCanVerifyItAfterwards() async throws {
        var state = Fixtures.tree()
        let oldRoot = state.root
        let witness = try BatchWitness.build(
            batch: Batch(number: 1, slotCount: 4, transfers: Fixtures.transfers), state: &state, tampering: .none)
        let proof = try BatchProver.prove(witness: witness, options: Fixtures.lightOptions)
        let envelope = BatchProofEnvelope(slotCount: 4, proof: proof).encoded
        #expect(try BatchProofEnvelope(decoding: envelope) == BatchProofEnvelope(slotCount: 4, proof: proof))

        let operatorKey = PrivateKey.generate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-l1-proofs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The L1's own minimum is set for the light test options; the default minimum is checked below.
        let verifier = StarkBatchVerifier(minimum: Fixtures.testMinimum)
        let engine = try L1SettlementMock.open(
            dataDirectory: directory, operator: operatorKey.address, verifier: verifier,
            options: .init(genesisStateRoot: Self.digestHash(oldRoot)))
        let l1 = EmbeddedL1Client(engine: engine, operatorKey: operatorKey)
        let commitment = BatchCommitment(
            batchNumber: 1, previousStateRoot: Self.digestHash(oldRoot),
            newStateRoot: Self.digestHash(witness.publicInputs.newRoot),
            operationsCommitment: Self.digestHash(witness.publicInputs.operationsCommitment), depositCount: 0,
            firstDepositIndex: 0, depositHash: .zero, withdrawalCount: 0, withdrawalsRoot: WithdrawalTree.emptyRoot,
            policyHash: .zero, auditLogHead: try Hash32(hex: "0x" + String(repeating: "ab", count: 32)), timestamp: 1,
            previousBatchHash: .zero)
        _ = try await l1.commit(commitment)

        // One byte altered in transit: refused, recorded as a failed verification, still committed.
        var altered = envelope
        altered[altered.count / 2] ^= 0x01
        await #expect(throws: SettlementError.self) {
            _ = try await l1.prove(batchNumber: 1, batchHash: commitment.batchHash, proof: altered)
        }
        let afterRefusal = try #require(try await l1.batch(1))
        #expect(afterRefusal.status == .committed)
        #expect(afterRefusal.proofAttempts.count == 1)
        #expect(afterRefusal.proofAttempts.first?.accepted == false)

        // The real proof: proven, then executed.
        _ = try await l1.prove(batchNumber: 1, batchHash: commitment.batchHash, proof: envelope)
        _ = try await l1.execute(batchNumber: 1, batchHash: commitment.batchHash)
        #expect(try await l1.batch(1)?.status == .executed)

        // Independent verification from the L1's public data alone.
        let results = try await IndependentVerification.check(l1: l1, verifier: verifier)
        #expect(results.count == 1)
        #expect(results.first?.outcome == .verified)
        // A verifier holding the default minimum refuses proofs made with the light test options.
        let strict = try await IndependentVerification.check(l1: l1)
        guard case .refused(let reason) = strict.first?.outcome else {
            Issue.record("the default minimum accepted a light proof")
            return
        }
        #expect(reason.contains("security") || reason.contains("bits") || reason.contains("options"))
    }

    @Test func theVerifierRefusesProofsForBatchesWithDepositsOrWithdrawalsAndMalformedEnvelopes() throws {
        let verifier = StarkBatchVerifier(minimum: Fixtures.testMinimum)
        let zero = Hash32.zero
        let commitment = BatchCommitment(
            batchNumber: 1, previousStateRoot: zero, newStateRoot: zero, operationsCommitment: zero, depositCount: 1,
            firstDepositIndex: 0, depositHash: try Hash32(hex: "0x" + String(repeating: "01", count: 32)), withdrawalCount: 0,
            withdrawalsRoot: WithdrawalTree.emptyRoot, policyHash: zero, auditLogHead: zero, timestamp: 1, previousBatchHash: zero)
        #expect(throws: SettlementError.self) { try verifier.verify(proof: [1, 0, 0, 0, 4, 0], commitment: commitment) }
        #expect(throws: SettlementError.self) { try BatchProofEnvelope(decoding: [2, 0, 0, 0, 4, 0]) }
        #expect(throws: SettlementError.self) { try BatchProofEnvelope(decoding: [1, 0]) }
    }
}
