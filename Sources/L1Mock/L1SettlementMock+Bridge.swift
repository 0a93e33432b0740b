import Foundation
import GRDB
import Primitives
import Settlement
import StarkCrypto

/// The bridge calls open to anyone: queueing a deposit for the L2, and paying out a withdrawal
/// of an executed batch once.
extension L1SettlementMock {
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
}
