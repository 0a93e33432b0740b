import Foundation
import GRDB
import Primitives
import Settlement
import StarkCrypto

/// The operator calls on batches: commit, prove, execute and revert, each checked against the
/// operator's signature and the batches already on the L1.
extension L1SettlementMock {
    /// Checks the operator's signature on `call`, then applies it.
    ///
    /// An identical resend of an applied commit, prove or execute is acknowledged as
    /// `alreadyApplied` with no state change; anything that does not fit is refused with
    /// the expected and the actual value, and changes nothing.
    @discardableResult
    public func perform(
        _ call: OperatorCall, signature: OperatorSignature?
    ) throws(SettlementError) -> L1Acknowledgement {
        try authenticate(call, signature: signature)
        switch call {
        case .commit(let commitment): return try commit(commitment)
        case .prove(let number, let hash, let proof):
            return try prove(batchNumber: number, batchHash: hash, proof: proof)
        case .execute(let number, let hash): return try execute(batchNumber: number, batchHash: hash)
        case .revert(let target, let tip): return try revert(toBatch: target, lastCommittedBatchHash: tip)
        }
    }

    func authenticate(_ call: OperatorCall, signature: OperatorSignature?) throws(SettlementError) {
        guard let signature else {
            throw SettlementError(
                .unauthorized,
                "operator call '\(call.name)' carries no signature: sign it with the operator key "
                    + "(\(OperatorSignature.headerName), see docs/SETTLEMENT.md)")
        }
        let signer = try signature.signer(of: call)
        guard signer == operatorAddress else {
            throw SettlementError(
                .forbidden,
                "operator call '\(call.name)' for batch \(call.batchNumber) is signed by \(signer), but this L1 accepts "
                    + "operator calls only from \(operatorAddress) (a changed call body also recovers to another address)"
            )
        }
    }

    private func commit(_ commitment: BatchCommitment) throws(SettlementError) -> L1Acknowledgement {
        try commitment.validate()
        let number = commitment.batchNumber
        let now = options.clock()
        return try write { db in
            if let existing = try Self.activeBatch(db, number: number) {
                guard existing.record.batchHash == commitment.batchHash else {
                    throw SettlementError(
                        .conflict,
                        "batch \(number) is already committed with batch hash \(existing.record.batchHash.hex) "
                            + "(status \(existing.record.status.rawValue)); this commit has \(commitment.batchHash.hex). "
                            + "To replace an unexecuted batch, revert to batch \(number - 1) first")
                }
                return L1Acknowledgement(
                    call: "commit", batchNumber: number, outcome: .alreadyApplied, status: existing.record.status,
                    eventSequence: nil)
            }
            if let revertedAt = try Int64.fetchOne(
                db, sql: "SELECT reverted_at FROM batches WHERE batch_hash = ? AND status = 'reverted'",
                arguments: [Data(commitment.batchHash.bytes)])
            {
                throw SettlementError.refused(
                    "batch hash \(commitment.batchHash.hex) was reverted (at \(revertedAt) ms) and cannot be committed again; "
                        + "seal a new batch \(number) (a new timestamp gives a new hash)")
            }
            let previous = try Self.lastActive(db)
            let lastNumber = previous?.record.batchNumber ?? 0
            guard number == lastNumber + 1 else {
                throw SettlementError.refused(
                    "commit out of sequence: the last committed batch is \(lastNumber), so the next commit must be batch "
                        + "\(lastNumber + 1), got batch \(number)")
            }
            let expectedPreviousHash = previous?.record.batchHash ?? .zero
            guard commitment.previousBatchHash == expectedPreviousHash else {
                throw SettlementError.refused(
                    "batch \(number): previousBatchHash must be \(expectedPreviousHash.hex) (the hash of batch \(lastNumber)), "
                        + "got \(commitment.previousBatchHash.hex)")
            }
            let genesis = try Self.meta(db, "genesis_state_root").flatMap { try? Hash32($0) }
            if let expectedRoot = previous?.record.commitment.newStateRoot ?? genesis {
                guard commitment.previousStateRoot == expectedRoot else {
                    let source =
                        previous == nil ? "the genesis state root" : "the new state root of batch \(lastNumber)"
                    throw SettlementError.refused(
                        "batch \(number): previousStateRoot must be \(expectedRoot.hex) (\(source)), "
                            + "got \(commitment.previousStateRoot.hex)")
                }
            } else {
                // Trust on first use: no genesis configured, the first batch fixes it.
                try Self.setMeta(db, "genesis_state_root", Data(commitment.previousStateRoot.bytes))
            }
            if let previous, commitment.timestamp < previous.record.commitment.timestamp {
                throw SettlementError.refused(
                    "batch \(number): timestamp \(commitment.timestamp) is earlier than batch \(lastNumber)'s "
                        + "\(previous.record.commitment.timestamp); batch times never go backwards")
            }
            try self.checkDeposits(db, of: commitment, after: previous?.record.commitment, now: now)
            try db.execute(
                sql: """
                    INSERT INTO batches(number, batch_hash, previous_state_root, new_state_root, operations_commitment,
                        deposit_count, first_deposit_index, deposit_hash, withdrawal_count, withdrawals_root, policy_hash,
                        audit_log_head, timestamp, previous_batch_hash, status, committed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', ?)
                    """,
                arguments: [
                    Int64(number), Data(commitment.batchHash.bytes), Data(commitment.previousStateRoot.bytes),
                    Data(commitment.newStateRoot.bytes), Data(commitment.operationsCommitment.bytes),
                    Int64(commitment.depositCount), Int64(commitment.firstDepositIndex),
                    Data(commitment.depositHash.bytes),
                    Int64(commitment.withdrawalCount), Data(commitment.withdrawalsRoot.bytes),
                    Data(commitment.policyHash.bytes), Data(commitment.auditLogHead.bytes), Int64(commitment.timestamp),
                    Data(commitment.previousBatchHash.bytes), Int64(now),
                ])
            let sequence = try Self.appendEvent(
                db, .committed, at: now, batchNumber: number, batchHash: commitment.batchHash)
            return L1Acknowledgement(
                call: "commit", batchNumber: number, outcome: .applied, status: .committed, eventSequence: sequence)
        }
    }

    /// The batch must consume the queue from where the committed batches left off, the
    /// deposits must exist, their rolling hash must match, and no deposit may be left
    /// waiting past the deadline.
    private func checkDeposits(
        _ db: Database, of commitment: BatchCommitment, after previous: BatchCommitment?, now: UInt64
    ) throws {
        let number = commitment.batchNumber
        let expectedFirst = previous.map { $0.firstDepositIndex + $0.depositCount } ?? 0
        guard commitment.firstDepositIndex == expectedFirst else {
            throw SettlementError.refused(
                "batch \(number): firstDepositIndex must be \(expectedFirst) (the first deposit no committed batch has "
                    + "consumed; batches consume the queue as a prefix), got \(commitment.firstDepositIndex)")
        }
        let queued = UInt64(try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM deposits") ?? 0)
        let end = commitment.firstDepositIndex + commitment.depositCount
        guard end <= queued else {
            throw SettlementError.refused(
                "batch \(number): consumes deposits \(commitment.firstDepositIndex)..<\(end), but only \(queued) "
                    + "deposits are queued on the L1")
        }
        let leaves = try Self.depositLeaves(db, from: commitment.firstDepositIndex, count: commitment.depositCount)
        let expectedHash = Hash32(rpo: DepositHash.digest(of: leaves))
        guard commitment.depositHash == expectedHash else {
            throw SettlementError.refused(
                "batch \(number): depositHash must be \(expectedHash.hex) (the rolling hash of queued deposits "
                    + "\(commitment.firstDepositIndex)..<\(end)), got \(commitment.depositHash.hex)")
        }
        if let deadline = options.depositDeadlineSeconds, end < queued {
            let queuedAt =
                try Int64.fetchOne(
                    db, sql: "SELECT queued_at FROM deposits WHERE queue_index = ?", arguments: [Int64(end)]) ?? 0
            let waited = now >= UInt64(queuedAt) ? now - UInt64(queuedAt) : 0
            if waited > deadline * 1000 {
                throw SettlementError.refused(
                    "batch \(number): deposit \(end) has waited \(waited / 1000) s, past the \(deadline) s deadline; the "
                        + "batch must consume the queue at least through deposit \(end)")
            }
        }
    }

    private func prove(
        batchNumber number: UInt64, batchHash: Hash32, proof: [UInt8]
    ) throws(SettlementError)
        -> L1Acknowledgement
    {
        guard proof.count <= options.maximumProofSize else {
            throw .invalid(
                "the proof of batch \(number) is \(proof.count) bytes; this L1 accepts at most \(options.maximumProofSize)"
            )
        }
        let proofHash = SHA256.hash(proof)
        // Decide under a read whether verification is needed at all.
        let stored: StoredBatch = try read { db in
            let batch = try Self.requireActive(db, number: number, hash: batchHash, call: "prove")
            if batch.record.status == .committed, number > 1 {
                let previous = try Self.activeBatch(db, number: number - 1)
                if let previous, previous.record.status == .committed {
                    throw SettlementError.refused(
                        "batches are proven in order: batch \(number - 1) is not proven yet, so batch \(number) cannot be"
                    )
                }
            }
            return batch
        }
        if stored.record.status != .committed {
            return try Self.acknowledgeRepeatedProof(stored.record, proofHash: proofHash)
        }

        let rejection: String?
        do {
            try verifier.verify(proof: proof, commitment: stored.record.commitment)
            rejection = nil
        } catch let error as SettlementError {
            rejection = error.message
        } catch {
            rejection = "\(error)"
        }

        let now = options.clock()
        let acknowledgement: L1Acknowledgement = try write { db in
            let current = try Self.requireActive(db, number: number, hash: batchHash, call: "prove")
            guard current.rowID == stored.rowID, current.record.status == .committed else {
                return try Self.acknowledgeRepeatedProof(current.record, proofHash: proofHash)
            }
            try db.execute(
                sql: """
                    INSERT INTO proof_attempts(batch_id, submitted_at, verifier, accepted, reason, proof_sha256, proof_size)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    current.rowID, Int64(now), self.verifier.name, rejection == nil, rejection, Data(proofHash.bytes),
                    proof.count,
                ])
            if let rejection {
                let sequence = try Self.appendEvent(
                    db, .proofRejected, at: now, batchNumber: number, batchHash: batchHash, detail: rejection)
                return L1Acknowledgement(
                    call: "prove", batchNumber: number, outcome: .applied, status: .committed, eventSequence: sequence)
            }
            try db.execute(
                sql: "UPDATE batches SET status = 'proven', proven_at = ?, proof = ? WHERE id = ?",
                arguments: [Int64(now), Data(proof), current.rowID])
            let sequence = try Self.appendEvent(db, .proven, at: now, batchNumber: number, batchHash: batchHash)
            return L1Acknowledgement(
                call: "prove", batchNumber: number, outcome: .applied, status: .proven, eventSequence: sequence)
        }
        if let rejection, acknowledgement.status == .committed {
            throw SettlementError(
                .proofRejected,
                "the proof of batch \(number) was rejected by verifier '\(verifier.name)': \(rejection). The attempt is "
                    + "recorded; the batch stays committed and can be proved again")
        }
        return acknowledgement
    }

    /// A prove call for a batch that is already proven: the same proof is a resend, another is a conflict.
    private static func acknowledgeRepeatedProof(
        _ record: L1BatchRecord, proofHash: Hash32
    ) throws(SettlementError)
        -> L1Acknowledgement
    {
        let accepted = record.proofAttempts.last(where: \.accepted)
        guard let accepted, accepted.proofSHA256 == proofHash else {
            throw SettlementError(
                .conflict,
                "batch \(record.batchNumber) is already \(record.status.rawValue) with a proof of SHA-256 "
                    + "\(accepted?.proofSHA256.hex ?? "?"); this proof (SHA-256 \(proofHash.hex)) is not the one accepted, "
                    + "and nothing needs proving")
        }
        return L1Acknowledgement(
            call: "prove", batchNumber: record.batchNumber, outcome: .alreadyApplied, status: record.status,
            eventSequence: nil)
    }

    private func execute(batchNumber number: UInt64, batchHash: Hash32) throws(SettlementError) -> L1Acknowledgement {
        let now = options.clock()
        return try write { db in
            let batch = try Self.requireActive(db, number: number, hash: batchHash, call: "execute")
            switch batch.record.status {
            case .executed:
                return L1Acknowledgement(
                    call: "execute", batchNumber: number, outcome: .alreadyApplied, status: .executed,
                    eventSequence: nil)
            case .committed, .reverted:
                let attempts = batch.record.proofAttempts
                let last = attempts.last.map { "; its last proof attempt was rejected: \($0.reason ?? "")" } ?? ""
                throw SettlementError.refused(
                    "batch \(number) is committed but not proven, so it cannot be executed; prove it first "
                        + "(\(attempts.count) proof attempts\(last))")
            case .proven:
                break
            }
            let lastExecuted = UInt64(
                try Int64.fetchOne(db, sql: "SELECT MAX(number) FROM batches WHERE status = 'executed'") ?? 0)
            guard number == lastExecuted + 1 else {
                throw SettlementError.refused(
                    "batches execute in order: the last executed batch is \(lastExecuted), so the next to execute is "
                        + "batch \(lastExecuted + 1), not \(number)")
            }
            let commitment = batch.record.commitment
            try db.execute(
                sql: "UPDATE deposits SET executed_in_batch = ? WHERE queue_index >= ? AND queue_index < ?",
                arguments: [
                    Int64(number), Int64(commitment.firstDepositIndex),
                    Int64(commitment.firstDepositIndex + commitment.depositCount),
                ])
            try db.execute(
                sql: "UPDATE batches SET status = 'executed', executed_at = ? WHERE id = ?",
                arguments: [Int64(now), batch.rowID])
            let sequence = try Self.appendEvent(db, .executed, at: now, batchNumber: number, batchHash: batchHash)
            return L1Acknowledgement(
                call: "execute", batchNumber: number, outcome: .applied, status: .executed, eventSequence: sequence)
        }
    }

    private func revert(
        toBatch target: UInt64, lastCommittedBatchHash tip: Hash32
    ) throws(SettlementError)
        -> L1Acknowledgement
    {
        let now = options.clock()
        return try write { db in
            let last = try Self.lastActive(db)
            let lastNumber = last?.record.batchNumber ?? 0
            if target >= lastNumber {
                // Nothing above the target: the revert already happened, or there was nothing to do.
                return L1Acknowledgement(
                    call: "revert", batchNumber: target, outcome: .alreadyApplied, status: nil, eventSequence: nil)
            }
            let lastHash = last?.record.batchHash ?? .zero
            guard tip == lastHash else {
                throw SettlementError.refused(
                    "revert to batch \(target) names \(tip.hex) as the last committed batch, but the L1's last committed "
                        + "batch \(lastNumber) has hash \(lastHash.hex); read the status and sign a new revert")
            }
            let lastExecuted = UInt64(
                try Int64.fetchOne(db, sql: "SELECT MAX(number) FROM batches WHERE status = 'executed'") ?? 0)
            guard target >= lastExecuted else {
                throw SettlementError.refused(
                    "cannot revert to batch \(target): batch \(lastExecuted) is executed, and executed batches are final "
                        + "(revert to \(lastExecuted) or later)")
            }
            let reverted = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, number, batch_hash FROM batches WHERE number > ? AND status != 'reverted' ORDER BY number DESC",
                arguments: [Int64(target)])
            var sequence: UInt64?
            for row in reverted {
                let id: Int64 = row["id"]
                try db.execute(
                    sql: "UPDATE batches SET status = 'reverted', reverted_at = ? WHERE id = ?",
                    arguments: [Int64(now), id])
                sequence = try Self.appendEvent(
                    db, .reverted, at: now, batchNumber: UInt64(row["number"] as Int64),
                    batchHash: try Self.hash(row, "batch_hash"), detail: "reverted to batch \(target)")
            }
            return L1Acknowledgement(
                call: "revert", batchNumber: target, outcome: .applied, status: nil, eventSequence: sequence)
        }
    }
}
