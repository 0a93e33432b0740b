import Foundation
import GRDB
import Primitives
import StarkCrypto
import Settlement

/// The L1 settlement contract, mocked: batches go committed → proven → executed, deposits
/// queue for the L2, executed batches' withdrawals are paid out once each.
///
/// It holds only public data: the batch commitments, proof bytes, deposits and finalised
/// withdrawals, and the event list. Everything lives in one SQLite file (`l1.sqlite`);
/// each call is one transaction, so a crash or restart loses nothing that was
/// acknowledged, and a refused call changes nothing. Calls are serialised by SQLite's
/// single writer; proof verification runs outside the write lock and the batch is
/// re-checked before the result is recorded.
///
/// Operator calls (`perform`) must carry the configured operator's signature over the
/// call (see `OperatorCall`). Deposits and withdrawal finalisation are open to anyone.
public final class L1SettlementMock: Sendable {
    /// Settings that rarely change; the defaults suit tests and the devnet.
    public struct Options: Sendable {
        /// The state root batch 1 must start from. Nil adopts the first commit's previous
        /// root (trust on first use); either way it is stored and then fixed.
        public var genesisStateRoot: Hash32?
        /// A commit is refused while it leaves a deposit queued longer than this.
        public var depositDeadlineSeconds: UInt64?
        /// Milliseconds since the Unix epoch (tests inject a clock).
        public var clock: @Sendable () -> UInt64
        /// The largest proof a prove call may carry.
        public var maximumProofSize: Int

        public init(
            genesisStateRoot: Hash32? = nil, depositDeadlineSeconds: UInt64? = nil,
            clock: @escaping @Sendable () -> UInt64 = L1SettlementMock.systemClock, maximumProofSize: Int = 16 << 20
        ) {
            self.genesisStateRoot = genesisStateRoot
            self.depositDeadlineSeconds = depositDeadlineSeconds
            self.clock = clock
            self.maximumProofSize = maximumProofSize
        }
    }

    public static let fileName = "l1.sqlite"
    static let schemaVersion = 1

    public static let systemClock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }

    public let path: String
    public let operatorAddress: Address
    public let verifier: any BatchProofVerifier
    let options: Options
    private let pool: DatabasePool

    /// Opens (or creates) `l1.sqlite` in `dataDirectory`.
    public static func open(
        dataDirectory: String, operator operatorAddress: Address,
        verifier: any BatchProofVerifier = NoProofSystemConfigured(), options: Options = Options()
    ) throws(SettlementError) -> L1SettlementMock {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw SettlementError(
                .storage, "cannot create the L1 data directory \(dataDirectory): \(error.localizedDescription)")
        }
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "cloister.l1"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SettlementError(.storage, "cannot open the L1 database \(path): \(error)")
        }
        let mock = L1SettlementMock(
            path: path, operatorAddress: operatorAddress, verifier: verifier, options: options, pool: pool)
        try mock.write { db in
            try Self.migrate(db)
            if let configured = options.genesisStateRoot {
                if let stored = try Self.meta(db, "genesis_state_root"), stored != Data(configured.bytes) {
                    throw SettlementError(
                        .refused,
                        "the configured genesis state root \(configured.hex) differs from the one this L1 already holds "
                            + "(\(Hex.encode(stored))) in \(path); use the original, or a new data directory for a new chain"
                    )
                }
                try Self.setMeta(db, "genesis_state_root", Data(configured.bytes))
            }
        }
        return mock
    }

    private init(
        path: String, operatorAddress: Address, verifier: any BatchProofVerifier, options: Options, pool: DatabasePool
    ) {
        self.path = path
        self.operatorAddress = operatorAddress
        self.verifier = verifier
        self.options = options
        self.pool = pool
    }

    /// Closes the database (checkpointing its write-ahead log into `l1.sqlite`).
    public func close() throws(SettlementError) {
        do { try pool.close() } catch {
            throw SettlementError(.storage, "cannot close the L1 database \(path): \(error)")
        }
    }

    // MARK: - Operator calls

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

    // MARK: - Public calls

    /// Queues a deposit for `recipient` on the L2 (anyone may call).
    @discardableResult
    public func deposit(
        recipient: Address, asset: Address, amount: UInt256, sender: Address
    ) throws(SettlementError)
        -> DepositRecord
    {
        guard !amount.isZero else { throw .invalid("a deposit must have a positive amount") }
        guard recipient != .zero else {
            throw .invalid("a deposit needs an L2 recipient; the zero address cannot receive")
        }
        guard sender != .zero else {
            throw .invalid(
                "a deposit needs its L1 sender (a refused deposit is refunded to it); the zero address cannot be one")
        }
        let now = options.clock()
        return try write { db in
            let index = UInt64(try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM deposits") ?? 0)
            let previousQueueHash = try Data.fetchOne(
                db, sql: "SELECT queue_hash FROM deposits WHERE queue_index = ?", arguments: [Int64(index) - 1])
            let previous = try previousQueueHash.map { try RPODigest(bytes: Array($0)) } ?? .zero
            let deposit = Deposit(queueIndex: index, recipient: recipient, asset: asset, amount: amount, sender: sender)
            let leaf = deposit.leaf
            let queueHash = Hash32(rpo: RPO256.merge(previous, leaf))
            try db.execute(
                sql: """
                    INSERT INTO deposits(queue_index, recipient, asset, amount, sender, leaf, queue_hash, queued_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Int64(index), Data(recipient.bytes), Data(asset.bytes), Data(amount.bigEndianBytes),
                    Data(sender.bytes),
                    Data(leaf.bytes), Data(queueHash.bytes), Int64(now),
                ])
            _ = try Self.appendEvent(db, .depositQueued, at: now, depositIndex: index)
            return DepositRecord(
                deposit: deposit, leaf: Hash32(rpo: leaf), queueHash: queueHash, queuedAt: now, executedInBatch: nil)
        }
    }

    /// Pays out a withdrawal of an executed batch, once (anyone may call; the proof is the authority).
    @discardableResult
    public func finalizeWithdrawal(_ proof: WithdrawalProof) throws(SettlementError) -> FinalizedWithdrawal {
        let withdrawal = proof.withdrawal
        let computedRoot = try proof.computedRoot()
        let now = options.clock()
        return try write { db in
            guard let batch = try Self.activeBatch(db, number: withdrawal.batchNumber) else {
                throw SettlementError(.notFound, "no batch \(withdrawal.batchNumber) is committed on this L1")
            }
            guard batch.record.status == .executed else {
                throw SettlementError.refused(
                    "batch \(withdrawal.batchNumber) is \(batch.record.status.rawValue), not executed; its withdrawals "
                        + "become claimable once it executes")
            }
            let commitment = batch.record.commitment
            guard withdrawal.indexInBatch < commitment.withdrawalCount else {
                throw SettlementError.refused(
                    "batch \(withdrawal.batchNumber) has \(commitment.withdrawalCount) withdrawals; index "
                        + "\(withdrawal.indexInBatch) is not one of them")
            }
            guard computedRoot == commitment.withdrawalsRoot else {
                throw SettlementError.refused(
                    "the withdrawal proof for batch \(withdrawal.batchNumber) index \(withdrawal.indexInBatch) leads to root "
                        + "\(computedRoot.hex), but the batch's withdrawals root is \(commitment.withdrawalsRoot.hex): the "
                        + "leaf fields (recipient, asset, amount, batch, index) or the siblings are not those of the batch"
                )
            }
            if let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT finalized_at, event_sequence FROM withdrawals WHERE batch_number = ? AND index_in_batch = ?",
                arguments: [Int64(withdrawal.batchNumber), Int64(withdrawal.indexInBatch)])
            {
                throw SettlementError.refused(
                    "withdrawal \(withdrawal.indexInBatch) of batch \(withdrawal.batchNumber) was already finalized "
                        + "(at \(row["finalized_at"] as Int64) ms, event \(row["event_sequence"] as Int64)); each withdrawal "
                        + "is paid out once")
            }
            let sequence = try Self.appendEvent(
                db, .withdrawalFinalized, at: now, batchNumber: withdrawal.batchNumber, batchHash: commitment.batchHash,
                withdrawalIndex: withdrawal.indexInBatch)
            let leaf = Hash32(rpo: withdrawal.leaf)
            try db.execute(
                sql: """
                    INSERT INTO withdrawals(batch_number, index_in_batch, recipient, asset, amount, leaf, finalized_at,
                        event_sequence)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Int64(withdrawal.batchNumber), Int64(withdrawal.indexInBatch), Data(withdrawal.recipient.bytes),
                    Data(withdrawal.asset.bytes), Data(withdrawal.amount.bigEndianBytes), Data(leaf.bytes), Int64(now),
                    Int64(sequence),
                ])
            return FinalizedWithdrawal(withdrawal: withdrawal, leaf: leaf, finalizedAt: now, eventSequence: sequence)
        }
    }

    // MARK: - Reads

    public func status() throws(SettlementError) -> L1Status {
        try read { db in
            let last = try Self.lastActive(db)
            let lastProven =
                try Int64.fetchOne(
                    db, sql: "SELECT MAX(number) FROM batches WHERE status IN ('proven', 'executed')") ?? 0
            let lastExecutedRow = try Row.fetchOne(
                db,
                sql: "SELECT number, new_state_root, first_deposit_index, deposit_count FROM batches "
                    + "WHERE status = 'executed' ORDER BY number DESC LIMIT 1")
            let queued = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM deposits") ?? 0
            let queueHash = try Data.fetchOne(
                db, sql: "SELECT queue_hash FROM deposits ORDER BY queue_index DESC LIMIT 1")
            let genesis = try Self.meta(db, "genesis_state_root").flatMap { try? Hash32($0) }
            let lastEvent = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM events") ?? 0
            let head =
                lastExecutedRow.map { row in
                    UInt64(row["first_deposit_index"] as Int64) + UInt64(row["deposit_count"] as Int64)
                } ?? 0
            let lastCommitment = last?.record.commitment
            return L1Status(
                operatorAddress: operatorAddress, verifier: verifier.name, genesisStateRoot: genesis,
                lastCommitted: lastCommitment?.batchNumber ?? 0, lastProven: UInt64(lastProven),
                lastExecuted: lastExecutedRow.map { UInt64($0["number"] as Int64) } ?? 0,
                lastCommittedBatchHash: lastCommitment?.batchHash ?? .zero,
                lastCommittedStateRoot: lastCommitment?.newStateRoot ?? genesis,
                lastExecutedStateRoot: try lastExecutedRow.map { try Self.hash($0, "new_state_root") } ?? genesis,
                depositsQueued: UInt64(queued), depositQueueHead: head,
                nextDepositToCommit: lastCommitment.map { $0.firstDepositIndex + $0.depositCount } ?? 0,
                depositQueueHash: try queueHash.map { try Hash32($0) } ?? .zero,
                depositDeadlineSeconds: options.depositDeadlineSeconds, lastEventSequence: UInt64(lastEvent))
        }
    }

    /// The batch `number` in the chain (not a reverted one), or nil.
    public func batch(_ number: UInt64) throws(SettlementError) -> L1BatchRecord? {
        try read { db in try Self.activeBatch(db, number: number)?.record }
    }

    /// Batches from `number` on, in order; reverted batches are listed too (status `reverted`).
    public func batches(from number: UInt64 = 1, limit: Int = 100) throws(SettlementError) -> [L1BatchRecord] {
        let limit = Self.clampedLimit(limit)
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM batches WHERE number >= ? ORDER BY number, id LIMIT ?",
                arguments: [Int64(clamping: number), limit]
            ).map { try Self.batchRecord(db, row: $0) }
        }
    }

    /// The accepted proof of batch `number`, for independent verification (nil until proven).
    public func proof(ofBatch number: UInt64) throws(SettlementError) -> [UInt8]? {
        try read { db in
            try Data.fetchOne(
                db, sql: "SELECT proof FROM batches WHERE number = ? AND status != 'reverted' AND proof IS NOT NULL",
                arguments: [Int64(clamping: number)]
            ).map { Array($0) }
        }
    }

    /// Deposits from queue index `index` on, consumed ones included (see `executedInBatch`).
    public func deposits(from index: UInt64 = 0, limit: Int = 100) throws(SettlementError) -> [DepositRecord] {
        let limit = Self.clampedLimit(limit)
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM deposits WHERE queue_index >= ? ORDER BY queue_index LIMIT ?",
                arguments: [Int64(clamping: index), limit]
            ).map { row in
                let deposit = Deposit(
                    queueIndex: UInt64(row["queue_index"] as Int64), recipient: try Self.address(row, "recipient"),
                    asset: try Self.address(row, "asset"), amount: try Self.amount(row, "amount"),
                    sender: try Self.address(row, "sender"))
                return DepositRecord(
                    deposit: deposit, leaf: try Self.hash(row, "leaf"), queueHash: try Self.hash(row, "queue_hash"),
                    queuedAt: UInt64(row["queued_at"] as Int64),
                    executedInBatch: (row["executed_in_batch"] as Int64?).map(UInt64.init))
            }
        }
    }

    /// Finalized withdrawals whose event sequence is after `sequence`, in order.
    public func withdrawals(
        after sequence: UInt64 = 0, limit: Int = 100
    ) throws(SettlementError) -> [FinalizedWithdrawal] {
        let limit = Self.clampedLimit(limit)
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM withdrawals WHERE event_sequence > ? ORDER BY event_sequence LIMIT ?",
                arguments: [Int64(clamping: sequence), limit]
            ).map { row in
                let withdrawal = Withdrawal(
                    batchNumber: UInt64(row["batch_number"] as Int64),
                    indexInBatch: UInt64(row["index_in_batch"] as Int64),
                    recipient: try Self.address(row, "recipient"), asset: try Self.address(row, "asset"),
                    amount: try Self.amount(row, "amount"))
                return FinalizedWithdrawal(
                    withdrawal: withdrawal, leaf: try Self.hash(row, "leaf"),
                    finalizedAt: UInt64(row["finalized_at"] as Int64),
                    eventSequence: UInt64(row["event_sequence"] as Int64))
            }
        }
    }

    /// Events after sequence `sequence`, in order.
    public func events(after sequence: UInt64 = 0, limit: Int = 100) throws(SettlementError) -> [L1Event] {
        let limit = Self.clampedLimit(limit)
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [Int64(clamping: sequence), limit]
            ).map { row in
                guard let kind = L1Event.Kind(rawValue: row["kind"]) else {
                    throw SettlementError(.storage, "event \(row["sequence"] as Int64) has an unknown kind")
                }
                return L1Event(
                    sequence: UInt64(row["sequence"] as Int64), kind: kind, at: UInt64(row["at"] as Int64),
                    batchNumber: (row["batch_number"] as Int64?).map(UInt64.init),
                    batchHash: try (row["batch_hash"] as Data?).map { try Hash32($0) },
                    depositIndex: (row["deposit_index"] as Int64?).map(UInt64.init),
                    withdrawalIndex: (row["withdrawal_index"] as Int64?).map(UInt64.init), detail: row["detail"])
            }
        }
    }

    /// The most records one read returns.
    public static let maximumPageSize = 1000

    static func clampedLimit(_ limit: Int) -> Int { min(max(limit, 1), maximumPageSize) }

    // MARK: - Storage

    private func write<T>(_ body: (Database) throws -> T) throws(SettlementError) -> T {
        do { return try pool.write(body) } catch let error as SettlementError { throw error } catch {
            throw SettlementError(.storage, "the L1 database \(path) failed: \(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(SettlementError) -> T {
        do { return try pool.read(body) } catch let error as SettlementError { throw error } catch {
            throw SettlementError(.storage, "the L1 database \(path) failed: \(error)")
        }
    }

    static func migrate(_ db: Database) throws {
        guard try !db.tableExists("meta") else {
            let version = try meta(db, "schema_version").map { String(decoding: $0, as: UTF8.self) }
            guard version == String(schemaVersion) else {
                throw SettlementError(
                    .storage,
                    "the L1 database has schema version \(version ?? "?"); this build reads version \(schemaVersion)")
            }
            return
        }
        // Only public data: the commitment fields, proofs, deposits, finalized withdrawals, events.
        try db.execute(
            sql: """
                CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE batches(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    number INTEGER NOT NULL,
                    batch_hash BLOB NOT NULL,
                    previous_state_root BLOB NOT NULL,
                    new_state_root BLOB NOT NULL,
                    operations_commitment BLOB NOT NULL,
                    deposit_count INTEGER NOT NULL,
                    first_deposit_index INTEGER NOT NULL,
                    deposit_hash BLOB NOT NULL,
                    withdrawal_count INTEGER NOT NULL,
                    withdrawals_root BLOB NOT NULL,
                    policy_hash BLOB NOT NULL,
                    audit_log_head BLOB NOT NULL,
                    timestamp INTEGER NOT NULL,
                    previous_batch_hash BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('committed', 'proven', 'executed', 'reverted')),
                    committed_at INTEGER NOT NULL,
                    proven_at INTEGER,
                    executed_at INTEGER,
                    reverted_at INTEGER,
                    proof BLOB
                );
                CREATE UNIQUE INDEX batches_in_chain ON batches(number) WHERE status != 'reverted';
                CREATE TABLE proof_attempts(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    batch_id INTEGER NOT NULL REFERENCES batches(id),
                    submitted_at INTEGER NOT NULL,
                    verifier TEXT NOT NULL,
                    accepted INTEGER NOT NULL,
                    reason TEXT,
                    proof_sha256 BLOB NOT NULL,
                    proof_size INTEGER NOT NULL
                );
                CREATE INDEX proof_attempts_by_batch ON proof_attempts(batch_id, id);
                CREATE TABLE deposits(
                    queue_index INTEGER PRIMARY KEY,
                    recipient BLOB NOT NULL,
                    asset BLOB NOT NULL,
                    amount BLOB NOT NULL,
                    sender BLOB NOT NULL,
                    leaf BLOB NOT NULL,
                    queue_hash BLOB NOT NULL,
                    queued_at INTEGER NOT NULL,
                    executed_in_batch INTEGER
                );
                CREATE TABLE withdrawals(
                    batch_number INTEGER NOT NULL,
                    index_in_batch INTEGER NOT NULL,
                    recipient BLOB NOT NULL,
                    asset BLOB NOT NULL,
                    amount BLOB NOT NULL,
                    leaf BLOB NOT NULL,
                    finalized_at INTEGER NOT NULL,
                    event_sequence INTEGER NOT NULL UNIQUE,
                    PRIMARY KEY (batch_number, index_in_batch)
                );
                CREATE TABLE events(
                    sequence INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    batch_number INTEGER,
                    batch_hash BLOB,
                    deposit_index INTEGER,
                    withdrawal_index INTEGER,
                    detail TEXT
                );
                """)
        try setMeta(db, "schema_version", Data(String(schemaVersion).utf8))
    }

    static func meta(_ db: Database, _ name: String) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name])
    }

    static func setMeta(_ db: Database, _ name: String, _ value: Data) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", arguments: [name, value])
    }

    @discardableResult
    static func appendEvent(
        _ db: Database, _ kind: L1Event.Kind, at time: UInt64, batchNumber: UInt64? = nil, batchHash: Hash32? = nil,
        depositIndex: UInt64? = nil, withdrawalIndex: UInt64? = nil, detail: String? = nil
    ) throws -> UInt64 {
        let sequence = (try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM events") ?? 0) + 1
        try db.execute(
            sql: """
                INSERT INTO events(sequence, kind, at, batch_number, batch_hash, deposit_index, withdrawal_index, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, kind.rawValue, Int64(time), batchNumber.map { Int64($0) }, batchHash.map { Data($0.bytes) },
                depositIndex.map { Int64($0) }, withdrawalIndex.map { Int64($0) }, detail,
            ])
        return UInt64(sequence)
    }

    /// A batch row and the record read from it.
    struct StoredBatch {
        var rowID: Int64
        var record: L1BatchRecord
    }

    static func activeBatch(_ db: Database, number: UInt64) throws -> StoredBatch? {
        guard number <= UInt64(Int64.max) else { return nil }
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM batches WHERE number = ? AND status != 'reverted'", arguments: [Int64(number)])
        else { return nil }
        return StoredBatch(rowID: row["id"], record: try batchRecord(db, row: row))
    }

    static func lastActive(_ db: Database) throws -> StoredBatch? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM batches WHERE status != 'reverted' ORDER BY number DESC LIMIT 1")
        else { return nil }
        return StoredBatch(rowID: row["id"], record: try batchRecord(db, row: row))
    }

    /// The batch a prove or execute call names: it must be in the chain with the hash the call signed.
    static func requireActive(_ db: Database, number: UInt64, hash: Hash32, call: String) throws -> StoredBatch {
        guard let batch = try activeBatch(db, number: number) else {
            throw SettlementError(.notFound, "\(call): no batch \(number) is committed on this L1")
        }
        guard batch.record.batchHash == hash else {
            throw SettlementError(
                .conflict,
                "\(call): batch \(number) on the L1 has batch hash \(batch.record.batchHash.hex), the call names \(hash.hex)"
            )
        }
        return batch
    }

    static func batchRecord(_ db: Database, row: Row) throws -> L1BatchRecord {
        let commitment = BatchCommitment(
            batchNumber: UInt64(row["number"] as Int64), previousStateRoot: try hash(row, "previous_state_root"),
            newStateRoot: try hash(row, "new_state_root"), operationsCommitment: try hash(row, "operations_commitment"),
            depositCount: UInt64(row["deposit_count"] as Int64),
            firstDepositIndex: UInt64(row["first_deposit_index"] as Int64), depositHash: try hash(row, "deposit_hash"),
            withdrawalCount: UInt64(row["withdrawal_count"] as Int64),
            withdrawalsRoot: try hash(row, "withdrawals_root"),
            policyHash: try hash(row, "policy_hash"), auditLogHead: try hash(row, "audit_log_head"),
            timestamp: UInt64(row["timestamp"] as Int64), previousBatchHash: try hash(row, "previous_batch_hash"))
        let storedHash = try hash(row, "batch_hash")
        guard commitment.batchHash == storedHash else {
            throw SettlementError(
                .storage,
                "batch \(commitment.batchNumber) in the L1 database no longer matches its hash (the file was edited)")
        }
        let attempts = try Row.fetchAll(
            db, sql: "SELECT * FROM proof_attempts WHERE batch_id = ? ORDER BY id", arguments: [row["id"] as Int64]
        ).enumerated().map { position, attempt in
            ProofAttempt(
                attempt: position + 1, submittedAt: UInt64(attempt["submitted_at"] as Int64),
                verifier: attempt["verifier"],
                accepted: attempt["accepted"], reason: attempt["reason"],
                proofSHA256: try hash(attempt, "proof_sha256"),
                proofSize: attempt["proof_size"])
        }
        guard let status = BatchStatus(rawValue: row["status"]) else {
            throw SettlementError(.storage, "batch \(commitment.batchNumber) has an unknown status")
        }
        return L1BatchRecord(
            commitment: commitment, status: status, committedAt: UInt64(row["committed_at"] as Int64),
            provenAt: (row["proven_at"] as Int64?).map(UInt64.init),
            executedAt: (row["executed_at"] as Int64?).map(UInt64.init),
            revertedAt: (row["reverted_at"] as Int64?).map(UInt64.init), proofAttempts: attempts)
    }

    static func depositLeaves(_ db: Database, from first: UInt64, count: UInt64) throws -> [RPODigest] {
        guard count > 0 else { return [] }
        return try Data.fetchAll(
            db, sql: "SELECT leaf FROM deposits WHERE queue_index >= ? AND queue_index < ? ORDER BY queue_index",
            arguments: [Int64(first), Int64(first + count)]
        ).map { try RPODigest(bytes: Array($0)) }
    }

    static func hash(_ row: Row, _ column: String) throws -> Hash32 { try Hash32(row[column] as Data) }
    static func address(_ row: Row, _ column: String) throws -> Address { try Address(row[column] as Data) }
    static func amount(_ row: Row, _ column: String) throws -> UInt256 { try UInt256(bigEndian: row[column] as Data) }
}
