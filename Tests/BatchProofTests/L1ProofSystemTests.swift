import Foundation
import Primitives
import L1Mock
import Settlement
import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

/// The batch proof system as the L1 mock's verifier, and `cloister verify`'s independent
/// check: a real STARK proof of a batch with every kind of operation takes the batch to
/// proven and executed against the L1's own deposit queue and commitment; one altered byte
/// is refused and recorded, and the batch can be proved again.
@Suite struct L1ProofSystemTests {
    typealias F = Fixtures
    static func digestHash(_ digest: RPODigest) -> Hash32 { try! Hash32(digest.bytes) }

    static func commitment(
        number: UInt64, witness: BatchWitness, deposits: [Deposit], withdrawals: [Withdrawal], firstDeposit: UInt64 = 0
    ) throws -> BatchCommitment {
        BatchCommitment(
            batchNumber: number, previousStateRoot: digestHash(witness.publicInputs.oldRoot),
            newStateRoot: digestHash(witness.publicInputs.newRoot),
            operationsCommitment: digestHash(witness.publicInputs.operationsCommitment),
            depositCount: UInt64(deposits.count), firstDepositIndex: firstDeposit, depositHash: DepositHash.of(deposits),
            withdrawalCount: UInt64(withdrawals.count),
            withdrawalsRoot: try WithdrawalTree(batchNumber: number, withdrawals: withdrawals).root, policyHash: .zero,
            auditLogHead: try Hash32(hex: "0x" + String(repeating: "ab", count: 32)), timestamp: 1, previousBatchHash: .zero)
    }

    @Test func theL1AcceptsAMixedBatchProofRefusesAnAlteredOneAndAnyoneCanVerifyItAfterwards() async throws {
        let state = F.genesis()
        let operatorKey = PrivateKey.generate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-l1-proofs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The L1's own minimum is set for the light test options; the default minimum is checked below.
        let verifier = StarkBatchVerifier(minimum: F.testMinimum)
        let engine = try L1SettlementMock.open(
            dataDirectory: directory, operator: operatorKey.address, verifier: verifier,
            options: .init(genesisStateRoot: Self.digestHash(state.root)))
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        var deposits = [Deposit]()
        for deposit in F.deposits {
            let record = try await l1.deposit(
                recipient: deposit.recipient, asset: deposit.asset, amount: deposit.amount, sender: deposit.sender)
            deposits.append(record.deposit)
        }
        #expect(deposits == F.deposits)

        let (witness, newState) = try F.mixedBuilder(number: 1, state: state).witness()
        let proof = try BatchProver.prove(witness: witness, options: F.lightOptions)
        let withdrawals = F.withdrawals(batch: 1)
        let envelope = BatchProofEnvelope(
            slotCount: witness.publicInputs.slotCount, deposits: deposits, withdrawals: withdrawals, proof: proof)
        let bytes = envelope.encoded
        #expect(try BatchProofEnvelope(decoding: bytes) == envelope)
        #expect(EndToEndTests.leaks(proof.encoded(), witness: witness, states: [state, newState]).isEmpty)
        let commitment = try Self.commitment(number: 1, witness: witness, deposits: deposits, withdrawals: withdrawals)
        _ = try await l1.commit(commitment)

        // One byte of the STARK proof altered in transit: refused, recorded, still committed.
        var altered = bytes
        altered[altered.count - altered.count / 3] ^= 0x01
        await #expect(throws: SettlementError.self) {
            _ = try await l1.prove(batchNumber: 1, batchHash: commitment.batchHash, proof: altered)
        }
        let afterRefusal = try #require(try await l1.batch(1))
        #expect(afterRefusal.status == .committed)
        #expect(afterRefusal.proofAttempts.count == 1)
        #expect(afterRefusal.proofAttempts.first?.accepted == false)

        // The real proof: proven, then executed.
        _ = try await l1.prove(batchNumber: 1, batchHash: commitment.batchHash, proof: bytes)
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

    /// A batch with one deposit and one withdrawal, proved with the light options.
    static func smallBatch(number: UInt64) throws -> (BatchWitness, StarkProof, [Deposit], [Withdrawal]) {
        let deposit = Deposit(
            queueIndex: 5, recipient: try Address(F.dave), asset: try Address(F.tokenA),
            amount: UInt256(words: (0x5555_6666_7777_8888, 0x1234_5678, 0, 0)), sender: try Address(F.address(9)))
        let withdrawal = Withdrawal(
            batchNumber: number, indexInBatch: 0, recipient: try Address(F.address(10)), asset: try Address(F.tokenB),
            amount: UInt256(words: (0x0101_0202_0303_0404, 0x0000_0042, 0, 0)))
        var builder = BatchBuilder(number: number, state: F.genesis())
        try builder.deposit(account: F.dave, asset: F.tokenA, amount: F.amount(deposit.amount))
        try builder.withdraw(from: F.carol, asset: F.tokenB, amount: F.amount(withdrawal.amount))
        let (witness, _) = try builder.witness()
        let proof = try BatchProver.prove(witness: witness, options: F.lightOptions)
        return (witness, proof, [deposit], [withdrawal])
    }

    @Test func theVerifierChecksTheDepositAndWithdrawalListsAgainstTheCommitment() throws {
        let verifier = StarkBatchVerifier(minimum: F.testMinimum)
        let (witness, proof, deposits, withdrawals) = try Self.smallBatch(number: 3)
        let envelope = BatchProofEnvelope(slotCount: 4, deposits: deposits, withdrawals: withdrawals, proof: proof)
        let honest = try Self.commitment(
            number: 3, witness: witness, deposits: deposits, withdrawals: withdrawals, firstDeposit: 5)
        try verifier.verify(proof: envelope.encoded, commitment: honest)

        func refusal(_ commitment: BatchCommitment, envelope: BatchProofEnvelope = envelope) -> String? {
            do {
                try verifier.verify(proof: envelope.encoded, commitment: commitment)
                return nil
            } catch { return "\(error)" }
        }
        func altered(
            depositCount: UInt64? = nil, firstDepositIndex: UInt64? = nil, depositHash: Hash32? = nil,
            withdrawalCount: UInt64? = nil, withdrawalsRoot: Hash32? = nil
        ) -> BatchCommitment {
            BatchCommitment(
                batchNumber: honest.batchNumber, previousStateRoot: honest.previousStateRoot,
                newStateRoot: honest.newStateRoot, operationsCommitment: honest.operationsCommitment,
                depositCount: depositCount ?? honest.depositCount, firstDepositIndex: firstDepositIndex ?? honest.firstDepositIndex,
                depositHash: depositHash ?? honest.depositHash, withdrawalCount: withdrawalCount ?? honest.withdrawalCount,
                withdrawalsRoot: withdrawalsRoot ?? honest.withdrawalsRoot, policyHash: honest.policyHash,
                auditLogHead: honest.auditLogHead, timestamp: honest.timestamp, previousBatchHash: honest.previousBatchHash)
        }
        let other = try Hash32(hex: "0x" + String(repeating: "07", count: 32))
        #expect(refusal(altered(depositHash: other))?.contains("deposit hash") == true)
        #expect(refusal(altered(withdrawalsRoot: WithdrawalTree.emptyRoot))?.contains("withdrawals root") == true)
        #expect(refusal(altered(depositCount: 2))?.contains("carries 1 deposits") == true)
        #expect(refusal(altered(withdrawalCount: 0))?.contains("carries 1 withdrawals") == true)
        #expect(refusal(altered(firstDepositIndex: 4))?.contains("queue index") == true)

        // Lists that match a commitment but not what the proof proves: the STARK refuses.
        let bigger = Deposit(
            queueIndex: 5, recipient: deposits[0].recipient, asset: deposits[0].asset,
            amount: deposits[0].amount + UInt256(1), sender: deposits[0].sender)
        let otherRecipient = Deposit(
            queueIndex: 5, recipient: try Address(F.erin), asset: deposits[0].asset, amount: deposits[0].amount,
            sender: deposits[0].sender)
        let otherAsset = Withdrawal(
            batchNumber: 3, indexInBatch: 0, recipient: withdrawals[0].recipient, asset: .zero,
            amount: withdrawals[0].amount)
        for (changedDeposits, changedWithdrawals) in [
            ([bigger], withdrawals), ([otherRecipient], withdrawals), (deposits, [otherAsset]),
        ] {
            let changed = BatchProofEnvelope(
                slotCount: 4, deposits: changedDeposits, withdrawals: changedWithdrawals, proof: proof)
            let matching = try Self.commitment(
                number: 3, witness: witness, deposits: changedDeposits, withdrawals: changedWithdrawals, firstDeposit: 5)
            #expect(refusal(matching, envelope: changed) != nil)
        }
        // Amounts beyond 124 bits are refused before the STARK runs.
        let huge = Deposit(
            queueIndex: 5, recipient: deposits[0].recipient, asset: deposits[0].asset,
            amount: UInt256(words: (0, 0, 1, 0)), sender: deposits[0].sender)
        let hugeEnvelope = BatchProofEnvelope(slotCount: 4, deposits: [huge], withdrawals: withdrawals, proof: proof)
        let hugeCommitment = try Self.commitment(
            number: 3, witness: witness, deposits: [huge], withdrawals: withdrawals, firstDeposit: 5)
        #expect(refusal(hugeCommitment, envelope: hugeEnvelope)?.contains("124 bits") == true)
    }

    @Test func malformedEnvelopesAreRefused() throws {
        let (_, proof, deposits, withdrawals) = try Self.smallBatch(number: 3)
        let bytes = BatchProofEnvelope(slotCount: 4, deposits: deposits, withdrawals: withdrawals, proof: proof).encoded
        #expect(try BatchProofEnvelope(decoding: bytes).deposits == deposits)
        var version1 = bytes
        version1[0] = 1
        var notPowerOfTwo = bytes
        notPowerOfTwo[4] = 3
        var tooManyDeposits = bytes
        tooManyDeposits[8] = 4  // 4 deposits in 4 slots
        var listsFillTheSlots = bytes
        listsFillTheSlots[5 + 4 + 100 + 3] = 3  // 1 deposit + 3 withdrawals in 4 slots
        for malformed in [[], [2], Array(bytes.prefix(60)), version1, notPowerOfTwo, tooManyDeposits, listsFillTheSlots] {
            #expect(throws: SettlementError.self) { try BatchProofEnvelope(decoding: malformed) }
        }
    }
}
