import Foundation
import GRDB
import Primitives
import Settlement
import StarkCrypto

/// Reads of the public record: the status, batches and their proofs, deposits, finalised
/// withdrawals and events, paged.
extension L1SettlementMock {
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
}
