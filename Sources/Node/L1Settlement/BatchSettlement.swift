import Foundation
import Logging
import Primitives
import ServiceLifecycle
import Settlement
import Sequencer

/// Where one batch stands on the L1, as the node last saw it (shown by the admin API).
public struct BatchSettlement: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case sealed, committed, proven, executed, failed
    }

    public var state: State
    /// The public batch hash the L1 stores (set once the commitment is built).
    public var batchHash: String?
    /// Why the L1 refused the last attempt (state `failed`); the driver retries.
    public var reason: String?
    /// Milliseconds since the Unix epoch.
    public var updatedAt: UInt64

    public init(state: State, batchHash: String?, reason: String? = nil, updatedAt: UInt64) {
        self.state = state
        self.batchHash = batchHash
        self.reason = reason
        self.updatedAt = updatedAt
    }

    static func key(_ number: UInt64) -> String { "settlement.batch.\(number)" }
    static let lastCommittedKey = "settlement.last-committed"
}

extension SealedBatches {
    /// The public commitment of sealed batch `number` (≥ 1) with the proof system's statement
    /// (its state roots and operations commitment): everything that leaves the node for it.
    /// Deterministic, so a resend after a crash is byte-identical (and idempotent on the L1).
    public nonisolated func batchCommitment(_ number: UInt64, statement: BatchStatement) throws -> BatchCommitment {
        guard number >= 1, let record = try batch(number: number) else {
            throw NodeError.corruptRecord("batch \(number) is not sealed")
        }
        var previousHash = Hash32.zero
        if number > 1 {
            guard let hash = try settlement(of: number - 1)?.batchHash.flatMap({ try? Hash32(hex: $0) }) else {
                throw NodeError.corruptRecord("batch \(number - 1) has no recorded commitment hash")
            }
            previousHash = hash
        }
        return BatchCommitment(
            batchNumber: number, previousStateRoot: statement.previousStateRoot, newStateRoot: statement.newStateRoot,
            operationsCommitment: statement.operationsCommitment, depositCount: record.depositCount,
            firstDepositIndex: record.firstDepositIndex, depositHash: record.depositHash,
            withdrawalCount: record.withdrawalCount, withdrawalsRoot: record.withdrawalsRoot, policyHash: record.policyHash,
            auditLogHead: record.auditHead, timestamp: record.sealedAt, previousBatchHash: previousHash)
    }

    /// The L1 state recorded for a batch; nil for a batch not yet handed to the L1.
    public nonisolated func settlement(of number: UInt64) throws -> BatchSettlement? {
        guard let bytes = try record(BatchSettlement.key(number)) else { return nil }
        do { return try JSONDecoder().decode(BatchSettlement.self, from: Data(bytes)) } catch {
            throw NodeError.corruptRecord("settlement record of batch \(number): \(error)")
        }
    }

    /// The newest batch the L1 acknowledged as committed (0 before the first).
    public nonisolated func lastCommittedBatch() throws -> UInt64 {
        guard let bytes = try record(BatchSettlement.lastCommittedKey), bytes.count == 8 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    nonisolated func recordSettlement(_ number: UInt64, _ settlement: BatchSettlement, committed: Bool = false) throws {
        var values = [BatchSettlement.key(number): Array((try? JSONEncoder().encode(settlement)) ?? Data())]
        if committed { values[BatchSettlement.lastCommittedKey] = withUnsafeBytes(of: number.bigEndian) { Array($0) } }
        try keepRecords(values)
    }
}

extension SealedBatches {
    /// The newest batch seen executed on the L1 (final; never looked at again).
    public nonisolated func lastFinalBatchSeen() throws -> UInt64 {
        guard let bytes = try record("settlement.last-executed"), bytes.count == 8 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    nonisolated func recordFinalBatchSeen(_ number: UInt64) throws {
        try keepRecords(["settlement.last-executed": withUnsafeBytes(of: number.bigEndian) { Array($0) }])
    }
}
