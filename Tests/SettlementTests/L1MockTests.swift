import Foundation
import Primitives
import Settlement
import Testing
import L1Mock

/// The L1 mock's state machine: what it accepts, what it refuses (with a reason, changing
/// nothing), and what survives a restart.
struct L1MockTests {
    // MARK: - The happy path

    @Test func batchGoesCommittedProvenExecutedWithEventsInOrder() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let batch = L1Fixture.batch(after: nil)
        let committed = try await l1.client.commit(batch)
        #expect(committed.outcome == .applied && committed.status == .committed)
        #expect(try l1.engine.batch(1)?.status == .committed)
        let proven = try await l1.client.prove(
            batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
        #expect(proven.status == .proven)
        let executed = try await l1.client.execute(batchNumber: 1, batchHash: batch.batchHash)
        #expect(executed.status == .executed)

        let record = try #require(try l1.engine.batch(1))
        #expect(record.commitment == batch)
        #expect(record.proofAttempts.count == 1 && record.proofAttempts[0].accepted)
        #expect(try l1.engine.proof(ofBatch: 1) == TestProof.bytes(for: batch))
        let status = try l1.engine.status()
        #expect((status.lastCommitted, status.lastProven, status.lastExecuted) == (1, 1, 1))
        #expect(status.lastExecutedStateRoot == batch.newStateRoot)
        #expect(status.lastCommittedBatchHash == batch.batchHash)
        let events = try l1.engine.events()
        #expect(events.map(\.kind) == [.committed, .proven, .executed])
        #expect(events.map(\.sequence) == [1, 2, 3])
        #expect(events.allSatisfy { $0.batchNumber == 1 && $0.batchHash == batch.batchHash })
    }

    // MARK: - Commit refusals

    @Test func refusesCommitOutOfSequence() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        try await l1.client.commit(first)
        let third = L1Fixture.batch(after: L1Fixture.batch(after: first))
        try await l1.expectRefusal(.refused, mentioning: ["out of sequence", "must be batch 2", "got batch 3"]) {
            try await l1.client.commit(third)
        }
    }

    @Test func refusesCommitWhosePreviousStateRootDoesNotMatch() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        try await l1.client.commit(first)
        let good = L1Fixture.batch(after: first)
        let wrongRoot = BatchCommitment(
            batchNumber: 2, previousStateRoot: L1Fixture.stateRoot(9), newStateRoot: good.newStateRoot,
            operationsCommitment: good.operationsCommitment, depositCount: 0, firstDepositIndex: 0,
            depositHash: good.depositHash, withdrawalCount: 0, withdrawalsRoot: good.withdrawalsRoot,
            policyHash: good.policyHash, auditLogHead: good.auditLogHead, timestamp: good.timestamp,
            previousBatchHash: first.batchHash)
        try await l1.expectRefusal(
            .refused, mentioning: ["previousStateRoot must be \(first.newStateRoot.hex)", L1Fixture.stateRoot(9).hex]
        ) { try await l1.client.commit(wrongRoot) }
    }

    @Test func refusesFirstBatchNotStartingFromTheConfiguredGenesis() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let good = L1Fixture.batch(after: nil)
        let wrong = BatchCommitment(
            batchNumber: 1, previousStateRoot: L1Fixture.stateRoot(5), newStateRoot: good.newStateRoot,
            operationsCommitment: good.operationsCommitment, depositCount: 0, firstDepositIndex: 0,
            depositHash: good.depositHash, withdrawalCount: 0, withdrawalsRoot: good.withdrawalsRoot,
            policyHash: good.policyHash, auditLogHead: good.auditLogHead, timestamp: good.timestamp,
            previousBatchHash: .zero)
        try await l1.expectRefusal(.refused, mentioning: ["genesis state root", L1Fixture.genesisRoot.hex]) {
            try await l1.client.commit(wrong)
        }
    }

    @Test func refusesWrongPreviousBatchHash() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        try await l1.client.commit(first)
        let good = L1Fixture.batch(after: first)
        let wrong = BatchCommitment(
            batchNumber: 2, previousStateRoot: first.newStateRoot, newStateRoot: good.newStateRoot,
            operationsCommitment: good.operationsCommitment, depositCount: 0, firstDepositIndex: 0,
            depositHash: good.depositHash, withdrawalCount: 0, withdrawalsRoot: good.withdrawalsRoot,
            policyHash: good.policyHash, auditLogHead: good.auditLogHead, timestamp: good.timestamp,
            previousBatchHash: L1Fixture.stateRoot(1))
        try await l1.expectRefusal(.refused, mentioning: ["previousBatchHash must be \(first.batchHash.hex)"]) {
            try await l1.client.commit(wrong)
        }
    }

    @Test func refusesCommitWhoseBatchHashDoesNotMatchItsFields() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        try await l1.expectRefusal(.invalidInput, mentioning: ["does not match the hash of its fields"]) {
            try await l1.client.commit(L1Fixture.batch(after: nil).withHash(L1Fixture.stateRoot(3)))
        }
    }

    @Test func refusesWrongDepositHash() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let queued = try (0..<2).map { index in
            try l1.engine.deposit(recipient: .test(0xB0 + UInt8(index)), asset: .zero, amount: 5, sender: .test(0xEE))
                .deposit
        }
        // Claims to consume deposits 0 and 1, but hashes a different amount for deposit 1.
        let forged = Deposit(
            queueIndex: 1, recipient: queued[1].recipient, asset: .zero, amount: 6, sender: .test(0xEE))
        let batch = L1Fixture.batch(after: nil, deposits: [queued[0], forged])
        try await l1.expectRefusal(
            .refused, mentioning: ["depositHash must be \(DepositHash.of(queued).hex)", "deposits 0..<2"]
        ) { try await l1.client.commit(batch) }
    }

    @Test func refusesBatchConsumingANonPrefixOfTheQueue() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let queued = try (0..<3).map { index in
            try l1.engine.deposit(recipient: .test(0xB0 + UInt8(index)), asset: .zero, amount: 5, sender: .test(0xEE))
                .deposit
        }
        let skipsFirst = L1Fixture.batch(after: nil, deposits: Array(queued[1...]), firstDepositIndex: 1)
        try await l1.expectRefusal(.refused, mentioning: ["firstDepositIndex must be 0", "got 1"]) {
            try await l1.client.commit(skipsFirst)
        }
        let beyondQueue = L1Fixture.batch(
            after: nil,
            deposits: queued + [
                Deposit(queueIndex: 3, recipient: .test(1), asset: .zero, amount: 1, sender: .test(0xEE))
            ])
        try await l1.expectRefusal(.refused, mentioning: ["only 3 deposits are queued"]) {
            try await l1.client.commit(beyondQueue)
        }
    }

    @Test func refusesConflictingResendOfACommittedBatch() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let batch = L1Fixture.batch(after: nil)
        try await l1.client.commit(batch)
        let conflicting = L1Fixture.batch(after: nil, variant: 9)
        try await l1.expectRefusal(
            .conflict,
            mentioning: ["already committed with batch hash \(batch.batchHash.hex)", conflicting.batchHash.hex]
        ) { try await l1.client.commit(conflicting) }
    }

    @Test func identicalResendsAreAcknowledgedWithoutDuplicateEvents() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let batch = L1Fixture.batch(after: nil)
        try await l1.settle(batch)
        let before = try l1.snapshot()
        let commit = try await l1.client.commit(batch)
        let prove = try await l1.client.prove(
            batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
        let execute = try await l1.client.execute(batchNumber: 1, batchHash: batch.batchHash)
        for acknowledgement in [commit, prove, execute] {
            #expect(acknowledgement.outcome == .alreadyApplied)
            #expect(acknowledgement.eventSequence == nil)
            #expect(acknowledgement.status == .executed)
        }
        #expect(try l1.snapshot() == before)
        #expect(try l1.engine.events().count == 3)
    }

    // MARK: - Operator authentication

    @Test func refusesOperatorCallsSignedByAnotherKey() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let stranger = L1MockClient(
            engine: l1.engine, operatorKey: try PrivateKey(bytes: [UInt8](repeating: 9, count: 32)))
        let batch = L1Fixture.batch(after: nil)
        try await l1.expectRefusal(
            .forbidden, mentioning: ["accepts operator calls only from \(l1.operatorKey.address)"]
        ) {
            try await stranger.commit(batch)
        }
        try await l1.client.commit(batch)
        try await l1.expectRefusal(.forbidden) {
            try await stranger.prove(batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
        }
        try await l1.expectRefusal(.forbidden) {
            try await stranger.execute(batchNumber: 1, batchHash: batch.batchHash)
        }
        try await l1.expectRefusal(.forbidden) {
            try await stranger.revert(toBatch: 0, lastCommittedBatchHash: batch.batchHash)
        }
    }

    @Test func refusesATamperedCallBody() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let signed = L1Fixture.batch(after: nil)
        let signature = OperatorCall.commit(signed).sign(with: l1.operatorKey)
        let tampered = L1Fixture.batch(after: nil, variant: 3)
        try await l1.expectRefusal(.forbidden, mentioning: ["signed by"]) {
            try l1.engine.perform(.commit(tampered), signature: signature)
        }
        try l1.engine.perform(.commit(signed), signature: signature)
        let proveSignature = OperatorCall.prove(batchNumber: 1, batchHash: signed.batchHash, proof: [1, 2, 3])
            .sign(with: l1.operatorKey)
        try await l1.expectRefusal(.forbidden) {
            try l1.engine.perform(
                .prove(batchNumber: 1, batchHash: signed.batchHash, proof: TestProof.bytes(for: signed)),
                signature: proveSignature)
        }
    }

    @Test func refusesAnOperatorCallWithoutSignature() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let unsigned = L1MockClient(engine: l1.engine, operatorKey: nil)
        try await l1.expectRefusal(.unauthorized, mentioning: ["carries no signature"]) {
            try await unsigned.commit(L1Fixture.batch(after: nil))
        }
        try await l1.expectRefusal(.unauthorized, mentioning: ["130 hex digits"]) {
            _ = try OperatorSignature(hex: "0x1234")
        }
    }

    // MARK: - Prove and execute

    @Test func refusesExecuteBeforeProve() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let batch = L1Fixture.batch(after: nil)
        try await l1.client.commit(batch)
        try await l1.expectRefusal(.refused, mentioning: ["committed but not proven", "prove it first"]) {
            try await l1.client.execute(batchNumber: 1, batchHash: batch.batchHash)
        }
    }

    @Test func refusesExecutingOutOfOrder() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        let second = L1Fixture.batch(after: first)
        try await l1.client.commit(first)
        try await l1.client.commit(second)
        try await l1.client.prove(batchNumber: 1, batchHash: first.batchHash, proof: TestProof.bytes(for: first))
        try await l1.client.prove(batchNumber: 2, batchHash: second.batchHash, proof: TestProof.bytes(for: second))
        try await l1.expectRefusal(.refused, mentioning: ["next to execute is batch 1"]) {
            try await l1.client.execute(batchNumber: 2, batchHash: second.batchHash)
        }
    }

    @Test func defaultVerifierRefusesEveryProofAndTheBatchStaysCommitted() async throws {
        let l1 = try L1Fixture(verifier: NoProofSystemConfigured())
        defer { l1.remove() }
        let batch = L1Fixture.batch(after: nil)
        try await l1.client.commit(batch)
        await #expect {
            try await l1.client.prove(batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
        } throws: { error in
            let error = error as? SettlementError
            return error?.kind == .proofRejected && error?.message.contains("no proof system is configured") == true
                && error?.message.contains("until this L1 is opened with a proof verifier") == true
        }
        let record = try #require(try l1.engine.batch(1))
        #expect(record.status == .committed)
        #expect(record.proofAttempts.count == 1)
        #expect(record.proofAttempts[0].accepted == false)
        #expect(record.proofAttempts[0].verifier == "none")
        #expect(record.proofAttempts[0].reason?.contains("no proof system is configured") == true)
        #expect(try l1.engine.status().lastProven == 0)
        #expect(try l1.engine.proof(ofBatch: 1) == nil)
        #expect(try l1.engine.events().map(\.kind) == [.committed, .proofRejected])
        try await l1.expectRefusal(.refused, mentioning: ["not proven"]) {
            try await l1.client.execute(batchNumber: 1, batchHash: batch.batchHash)
        }
    }

    @Test func rejectedProofIsRecordedAndTheBatchCanBeProvedAgain() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let batch = L1Fixture.batch(after: nil)
        try await l1.client.commit(batch)
        await #expect {
            try await l1.client.prove(batchNumber: 1, batchHash: batch.batchHash, proof: [0xBA, 0xD0])
        } throws: { error in
            let error = error as? SettlementError
            return error?.kind == .proofRejected && error?.message.contains("test-proof-verifier") == true
                && error?.message.contains("can be proved again") == true
        }
        #expect(try l1.engine.batch(1)?.status == .committed)
        let acknowledgement = try await l1.client.prove(
            batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
        #expect(acknowledgement.status == .proven)
        let record = try #require(try l1.engine.batch(1))
        #expect(record.proofAttempts.map(\.accepted) == [false, true])
        #expect(record.proofAttempts[0].reason?.contains("does not match") == true)
        #expect(record.proofAttempts[0].proofSHA256 == SHA256.hash([0xBA, 0xD0] as [UInt8]))
        #expect(try l1.engine.events().map(\.kind) == [.committed, .proofRejected, .proven])
        // Once proven, another proof is a conflict, not a silent replacement.
        try await l1.expectRefusal(.conflict, mentioning: ["already proven"]) {
            try await l1.client.prove(batchNumber: 1, batchHash: batch.batchHash, proof: [1])
        }
    }

    @Test func refusesProvingOutOfOrder() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        let second = L1Fixture.batch(after: first)
        try await l1.client.commit(first)
        try await l1.client.commit(second)
        try await l1.expectRefusal(.refused, mentioning: ["batch 1 is not proven yet"]) {
            try await l1.client.prove(batchNumber: 2, batchHash: second.batchHash, proof: TestProof.bytes(for: second))
        }
    }

    // MARK: - Withdrawals

    static func withdrawalBatch(_ l1: L1Fixture) async throws -> (BatchCommitment, WithdrawalTree) {
        let withdrawals = BridgeHashTests.withdrawals(batch: 1, count: 3)
        let batch = L1Fixture.batch(after: nil, withdrawals: withdrawals)
        let tree = try WithdrawalTree(batchNumber: 1, withdrawals: withdrawals)
        #expect(tree.root == batch.withdrawalsRoot)
        return (batch, tree)
    }

    @Test func withdrawalIsFinalizedOnceAfterItsBatchExecutes() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let (batch, tree) = try await Self.withdrawalBatch(l1)
        try await l1.client.commit(batch)
        try await l1.expectRefusal(.refused, mentioning: ["not executed"]) {
            try await l1.client.finalizeWithdrawal(try tree.proof(index: 0))
        }
        try await l1.client.prove(batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
        try await l1.client.execute(batchNumber: 1, batchHash: batch.batchHash)

        let finalized = try await l1.client.finalizeWithdrawal(try tree.proof(index: 2))
        #expect(finalized.withdrawal == tree.withdrawals[2])
        #expect(try l1.engine.withdrawals() == [finalized])
        #expect(try l1.engine.events().last?.kind == .withdrawalFinalized)
        try await l1.expectRefusal(.refused, mentioning: ["already finalized", "paid out once"]) {
            try await l1.client.finalizeWithdrawal(try tree.proof(index: 2))
        }
    }

    @Test func refusesWithdrawalProofsThatDoNotVerify() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let (batch, tree) = try await Self.withdrawalBatch(l1)
        try await l1.settle(batch)
        let honest = try tree.proof(index: 1)
        let w = honest.withdrawal
        var siblings = honest.siblings
        siblings[0] = siblings[1]
        let wrongSibling = WithdrawalProof(withdrawal: w, siblings: siblings)
        let wrongAmount = WithdrawalProof(
            withdrawal: Withdrawal(
                batchNumber: 1, indexInBatch: 1, recipient: w.recipient, asset: w.asset, amount: w.amount * 10),
            siblings: honest.siblings)
        let stolen = WithdrawalProof(
            withdrawal: Withdrawal(
                batchNumber: 1, indexInBatch: 1, recipient: .test(0x66), asset: w.asset, amount: w.amount),
            siblings: honest.siblings)
        for forgery in [wrongSibling, wrongAmount, stolen] {
            try await l1.expectRefusal(
                .refused,
                mentioning: ["are not those of the batch", "withdrawals root is \(batch.withdrawalsRoot.hex)"]
            ) {
                _ = try await l1.client.finalizeWithdrawal(forgery)
            }
        }
        // The same leaf claimed against another batch: batch 2 is executed with other withdrawals.
        let second = L1Fixture.batch(after: batch, withdrawals: BridgeHashTests.withdrawals(batch: 2, count: 2))
        try await l1.settle(second)
        let wrongBatch = WithdrawalProof(
            withdrawal: Withdrawal(
                batchNumber: 2, indexInBatch: 1, recipient: w.recipient, asset: w.asset, amount: w.amount),
            siblings: honest.siblings)
        try await l1.expectRefusal(.refused, mentioning: ["withdrawals root is \(second.withdrawalsRoot.hex)"]) {
            _ = try await l1.client.finalizeWithdrawal(wrongBatch)
        }
        try await l1.expectRefusal(.refused, mentioning: ["has 3 withdrawals"]) {
            let beyond = Withdrawal(batchNumber: 1, indexInBatch: 3, recipient: w.recipient, asset: w.asset, amount: 1)
            _ = try await l1.client.finalizeWithdrawal(WithdrawalProof(withdrawal: beyond, siblings: honest.siblings))
        }
        try await l1.client.finalizeWithdrawal(honest)
    }

    // MARK: - Revert

    @Test func revertUndoesCommittedButUnexecutedBatches() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        let second = L1Fixture.batch(after: first)
        let third = L1Fixture.batch(after: second)
        try await l1.settle(first)
        try await l1.client.commit(second)
        try await l1.client.prove(batchNumber: 2, batchHash: second.batchHash, proof: TestProof.bytes(for: second))
        try await l1.client.commit(third)

        let acknowledgement = try await l1.client.revert(toBatch: 1, lastCommittedBatchHash: third.batchHash)
        #expect(acknowledgement.outcome == .applied)
        let status = try l1.engine.status()
        #expect((status.lastCommitted, status.lastProven, status.lastExecuted) == (1, 1, 1))
        #expect(status.lastCommittedBatchHash == first.batchHash)
        #expect(try l1.engine.batch(2) == nil)
        #expect(try l1.engine.batches().map(\.status) == [.executed, .reverted, .reverted])
        #expect(try l1.engine.events().suffix(2).map { $0.batchNumber } == [3, 2])
        #expect(try l1.engine.events().suffix(2).allSatisfy { $0.kind == .reverted })

        // The signed revert is now stale: resending it changes nothing.
        let resend = try await l1.client.revert(toBatch: 1, lastCommittedBatchHash: third.batchHash)
        #expect(resend.outcome == .alreadyApplied)
        // A replay of the reverted commit cannot undo the revert.
        try await l1.expectRefusal(.refused, mentioning: ["was reverted"]) { try await l1.client.commit(second) }
        // A new batch 2 continues from batch 1.
        let replacement = L1Fixture.batch(after: first, timestampOffset: 5)
        #expect(try await l1.client.commit(replacement).outcome == .applied)
    }

    @Test func executedBatchesCannotBeReverted() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        let second = L1Fixture.batch(after: first)
        try await l1.settle(first)
        try await l1.settle(second)
        try await l1.expectRefusal(.refused, mentioning: ["batch 2 is executed", "executed batches are final"]) {
            try await l1.client.revert(toBatch: 1, lastCommittedBatchHash: second.batchHash)
        }
        try await l1.expectRefusal(.refused, mentioning: ["executed batches are final"]) {
            try await l1.client.revert(toBatch: 0, lastCommittedBatchHash: second.batchHash)
        }
    }

    @Test func revertSignedAgainstAnOldTipIsRefused() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let first = L1Fixture.batch(after: nil)
        let second = L1Fixture.batch(after: first)
        try await l1.client.commit(first)
        try await l1.client.commit(second)
        try await l1.expectRefusal(.refused, mentioning: ["batch 2 has hash \(second.batchHash.hex)"]) {
            try await l1.client.revert(toBatch: 0, lastCommittedBatchHash: first.batchHash)
        }
    }

    // MARK: - Deposits

    @Test func depositQueueKeepsARollingHashAndExecuteRemovesTheConsumedPrefix() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        var records = [DepositRecord]()
        for index in 0..<4 {
            let asset: Address = index % 2 == 0 ? .zero : .test(0xC0)
            records.append(
                try l1.engine.deposit(
                    recipient: .test(0xB0 + UInt8(index)), asset: asset, amount: UInt256(UInt64(10 + index)),
                    sender: .test(0xE0)))
        }
        #expect(records.map(\.deposit.queueIndex) == [0, 1, 2, 3])
        for end in 1...4 {
            #expect(records[end - 1].queueHash == DepositHash.of(records[0..<end].map(\.deposit)))
        }
        var status = try l1.engine.status()
        #expect(status.depositsQueued == 4 && status.depositQueueHead == 0 && status.nextDepositToCommit == 0)
        #expect(status.depositQueueHash == records[3].queueHash)
        #expect(try l1.engine.events().map(\.kind) == Array(repeating: .depositQueued, count: 4))

        let first = L1Fixture.batch(after: nil, deposits: records[0..<3].map(\.deposit))
        try await l1.client.commit(first)
        status = try l1.engine.status()
        #expect(status.nextDepositToCommit == 3 && status.depositQueueHead == 0)
        try await l1.client.prove(batchNumber: 1, batchHash: first.batchHash, proof: TestProof.bytes(for: first))
        try await l1.client.execute(batchNumber: 1, batchHash: first.batchHash)
        status = try l1.engine.status()
        #expect(status.depositQueueHead == 3)
        #expect(try l1.engine.deposits().map(\.executedInBatch) == [1, 1, 1, nil])

        // The next batch must start at 3.
        try await l1.expectRefusal(.refused, mentioning: ["firstDepositIndex must be 3"]) {
            try await l1.client.commit(
                L1Fixture.batch(after: first, deposits: [records[3].deposit], firstDepositIndex: 2))
        }
        try await l1.settle(L1Fixture.batch(after: first, deposits: [records[3].deposit]))
        #expect(try l1.engine.status().depositQueueHead == 4)
    }

    @Test func refusesACommitThatLeavesADepositPastTheDeadline() async throws {
        let l1 = try L1Fixture(depositDeadlineSeconds: 60)
        defer { l1.remove() }
        let deposit = try l1.engine.deposit(recipient: .test(0xB0), asset: .zero, amount: 1, sender: .test(0xEE))
            .deposit
        let first = L1Fixture.batch(after: nil)
        try await l1.client.commit(first)  // within the deadline: may leave it queued
        l1.clock.advance(seconds: 61)
        try await l1.expectRefusal(.refused, mentioning: ["deposit 0 has waited 61 s", "60 s deadline"]) {
            try await l1.client.commit(L1Fixture.batch(after: first))
        }
        try await l1.client.commit(L1Fixture.batch(after: first, deposits: [deposit]))
    }

    @Test func refusesDepositsWithoutAmountOrRecipient() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        try await l1.expectRefusal(.invalidInput, mentioning: ["positive amount"]) {
            _ = try l1.engine.deposit(recipient: .test(1), asset: .zero, amount: 0, sender: .test(0xEE))
        }
        try await l1.expectRefusal(.invalidInput, mentioning: ["recipient"]) {
            _ = try l1.engine.deposit(recipient: .zero, asset: .zero, amount: 1, sender: .test(0xEE))
        }
        try await l1.expectRefusal(.invalidInput, mentioning: ["L1 sender", "refunded"]) {
            _ = try l1.engine.deposit(recipient: .test(1), asset: .zero, amount: 1, sender: .zero)
        }
    }

    // MARK: - Restart

    @Test func restartKeepsEverythingAndTheEventSequenceContinues() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let deposit = try l1.engine.deposit(recipient: .test(0xB0), asset: .zero, amount: 7, sender: .test(0xE0))
            .deposit
        let withdrawals = BridgeHashTests.withdrawals(batch: 1, count: 2)
        let first = L1Fixture.batch(after: nil, deposits: [deposit], withdrawals: withdrawals)
        try await l1.settle(first)
        try await l1.client.finalizeWithdrawal(
            try WithdrawalTree(batchNumber: 1, withdrawals: withdrawals).proof(index: 0))
        let second = L1Fixture.batch(after: first)
        try await l1.client.commit(second)
        await #expect(throws: SettlementError.self) {
            try await l1.client.prove(batchNumber: 2, batchHash: second.batchHash, proof: [0])
        }
        let before = try l1.snapshot()
        try l1.engine.close()

        let reopened = try l1.reopened()
        #expect(try reopened.snapshot() == before)
        #expect(try reopened.engine.proof(ofBatch: 1) == TestProof.bytes(for: first))
        try await reopened.client.prove(
            batchNumber: 2, batchHash: second.batchHash, proof: TestProof.bytes(for: second))
        let events = try reopened.engine.events()
        #expect(events.map(\.sequence) == Array(1...UInt64(events.count)))
        #expect(events.last?.sequence == before.status.lastEventSequence + 1)
        #expect(events.last?.kind == .proven)
    }

    @Test func genesisAdoptedFromTheFirstCommitIsKeptAcrossRestarts() async throws {
        let l1 = try L1Fixture(genesis: nil)
        defer { l1.remove() }
        #expect(try l1.engine.status().genesisStateRoot == nil)
        try await l1.client.commit(L1Fixture.batch(after: nil))
        #expect(try l1.reopened().engine.status().genesisStateRoot == L1Fixture.genesisRoot)
        #expect(throws: SettlementError.self) {
            _ = try L1SettlementMock.open(
                dataDirectory: l1.directory, operator: l1.operatorKey.address,
                options: .init(genesisStateRoot: L1Fixture.stateRoot(1)))
        }
    }
}
