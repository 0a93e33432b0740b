import Foundation
import Logging
import Primitives
import ServiceLifecycle
import Settlement

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

extension Chain {
    /// The public commitment of sealed batch `number` (≥ 1): everything that leaves the node
    /// for it. Deterministic, so a resend after a crash is byte-identical (and idempotent on the L1).
    public nonisolated func batchCommitment(_ number: UInt64) throws -> BatchCommitment {
        guard number >= 1, let record = try batch(number: number), let previous = try batch(number: number - 1) else {
            throw NodeError.corruptRecord("batch \(number) or its predecessor is not sealed")
        }
        var previousHash = Hash32.zero
        if number > 1 {
            guard let hash = try settlement(of: number - 1)?.batchHash.flatMap({ try? Hash32(hex: $0) }) else {
                throw NodeError.corruptRecord("batch \(number - 1) has no recorded commitment hash")
            }
            previousHash = hash
        }
        return BatchCommitment(
            batchNumber: number, previousStateRoot: previous.stateRoot, newStateRoot: record.stateRoot,
            operationsCommitment: record.operationsCommitment, depositCount: record.depositCount,
            firstDepositIndex: record.firstDepositIndex, depositHash: record.depositHash,
            withdrawalCount: record.withdrawalCount, withdrawalsRoot: record.withdrawalsRoot, policyHash: record.policyHash,
            auditLogHead: record.auditHead, timestamp: record.sealedAt, previousBatchHash: previousHash)
    }

    /// The L1 state recorded for a batch; nil for a batch not yet handed to the L1.
    public nonisolated func settlement(of number: UInt64) throws -> BatchSettlement? {
        guard let bytes = try store.metadata(BatchSettlement.key(number)) else { return nil }
        do { return try JSONDecoder().decode(BatchSettlement.self, from: Data(bytes)) } catch {
            throw NodeError.corruptRecord("settlement record of batch \(number): \(error)")
        }
    }

    /// The newest batch the L1 acknowledged as committed (0 before the first).
    public nonisolated func lastCommittedBatch() throws -> UInt64 {
        guard let bytes = try store.metadata(BatchSettlement.lastCommittedKey), bytes.count == 8 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    nonisolated func recordSettlement(_ number: UInt64, _ settlement: BatchSettlement, committed: Bool = false) throws {
        var values = [BatchSettlement.key(number): Array((try? JSONEncoder().encode(settlement)) ?? Data())]
        if committed { values[BatchSettlement.lastCommittedKey] = withUnsafeBytes(of: number.bigEndian) { Array($0) } }
        try store.putMetadata(values)
    }
}

/// Hands sealed batches to the L1 in order and brings L1 deposits in: fetches the deposit
/// queue, commits each sealed batch once, follows each committed batch to proven and
/// executed, and retries with backoff while the L1 is unreachable. It resumes from what the
/// store records, and a resend of a batch the L1 already holds is acknowledged as such, so
/// a crash at any point neither loses nor duplicates a commit.
public struct SettlementService: Service {
    let chain: Chain
    let l1: any L1Client
    let interval: Duration
    let logger: Logger
    /// The longest wait between attempts while the L1 is away or refusing.
    static let maximumBackoff: Duration = .seconds(30)

    public init(chain: Chain, l1: any L1Client, interval: Duration, logger: Logger) {
        self.chain = chain
        self.l1 = l1
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var backoff = interval
        var unreachable = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await step()
                if unreachable { logger.notice("L1 reachable again; settlement resumed") }
                unreachable = false
                backoff = interval
            } catch let error as SettlementError where error.kind == .unreachable || error.kind == .badResponse {
                if !unreachable { logger.warning("L1 unreachable; settlement waits and retries: \(error.message)") }
                unreachable = true
                backoff = min(backoff * 2, Self.maximumBackoff)
            } catch {
                logger.error("settlement step failed; retrying: \(error)")
                backoff = min(backoff * 2, Self.maximumBackoff)
            }
            try? await Task.sleep(for: backoff)
        }
    }

    /// One round: deposits in, sealed batches out, statuses refreshed.
    public func step() async throws {
        try await fetchDeposits()
        try await commitSealedBatches()
        try await refreshStatuses()
    }

    func fetchDeposits() async throws {
        let next = await chain.nextDepositToReceive
        let records = try await l1.deposits(from: next, limit: 500)
        if !records.isEmpty { await chain.receiveDeposits(records.map(\.deposit)) }
    }

    func commitSealedBatches() async throws {
        let latest = await chain.latestBatch.number
        var number = try chain.lastCommittedBatch() + 1
        while number <= latest {
            let commitment = try chain.batchCommitment(number)
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            let result: Result<L1Acknowledgement, SettlementError>
            do { result = .success(try await l1.commit(commitment)) } catch { result = .failure(error) }
            guard case .success(let acknowledgement) = result else {
                guard case .failure(let error) = result, error.kind != .unreachable, error.kind != .badResponse else {
                    _ = try result.get()
                    return
                }
                let previous = try chain.settlement(of: number)
                try chain.recordSettlement(
                    number, BatchSettlement(state: .failed, batchHash: commitment.batchHash.hex, reason: error.message, updatedAt: now))
                if previous?.state != .failed || previous?.reason != error.message {
                    await chain.audit(
                        AuditEntry(
                            kind: .settlement, time: now, outcome: "refused",
                            detail: "the L1 refused the commit of batch \(number): \(error.message)"))
                    logger.error("the L1 refused a batch; settlement retries", metadata: ["batch": "\(number)", "reason": "\(error.message)"])
                }
                throw error
            }
            try chain.recordSettlement(
                number, BatchSettlement(state: .committed, batchHash: commitment.batchHash.hex, updatedAt: now), committed: true)
            await chain.audit(
                AuditEntry(
                    kind: .settlement, time: now, outcome: "committed",
                    detail: "batch \(number) committed to the L1 (\(acknowledgement.outcome.rawValue)): hash "
                        + "\(commitment.batchHash.hex), state root \(commitment.newStateRoot.hex), "
                        + "audit head \(commitment.auditLogHead.hex)"))
            logger.info("batch committed", metadata: ["batch": "\(number)", "hash": "\(commitment.batchHash.hex)"])
            number += 1
        }
    }

    /// Follows committed batches to proven and executed, from the L1's counters: each batch's
    /// record is updated once per transition, so the work per round is bounded by progress.
    func refreshStatuses() async throws {
        let lastCommitted = try chain.lastCommittedBatch()
        guard lastCommitted > 0 else { return }
        let status = try await l1.status()
        var number = try chain.lastFinalBatchSeen() + 1
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        while number <= min(lastCommitted, status.lastProven) {
            guard let recorded = try chain.settlement(of: number) else { break }
            let state: BatchSettlement.State = number <= status.lastExecuted ? .executed : .proven
            if state != recorded.state {
                try chain.recordSettlement(number, BatchSettlement(state: state, batchHash: recorded.batchHash, updatedAt: now))
                await chain.audit(
                    AuditEntry(kind: .settlement, time: now, outcome: state.rawValue, detail: "batch \(number) \(state.rawValue) on the L1"))
            }
            if state == .executed { try chain.recordFinalBatchSeen(number) }
            number += 1
        }
    }
}

extension Chain {
    /// The newest batch seen executed on the L1 (final; never looked at again).
    nonisolated func lastFinalBatchSeen() throws -> UInt64 {
        guard let bytes = try store.metadata("settlement.last-executed"), bytes.count == 8 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    nonisolated func recordFinalBatchSeen(_ number: UInt64) throws {
        try store.putMetadata(["settlement.last-executed": withUnsafeBytes(of: number.bigEndian) { Array($0) }])
    }
}
