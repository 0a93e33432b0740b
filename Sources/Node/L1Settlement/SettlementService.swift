import Foundation
import Logging
import Primitives
import ServiceLifecycle
import Settlement
import Sequencer

/// Hands sealed batches to the L1 in order and brings L1 deposits in: fetches the deposit
/// queue, commits each sealed batch once with the proof system's statement, submits the
/// proofs the `ProverService` stored (in order), executes proven batches, and retries with
/// backoff while the L1 is unreachable. It resumes from what the
/// store records, and a resend of a batch the L1 already holds is acknowledged as such, so
/// a crash at any point neither loses nor duplicates a commit.
public struct SettlementService: Service {
    let batches: any SealedBatches
    let l1: any L1Client
    let proofSystem: any BatchProofSystem
    let interval: Duration
    let logger: Logger
    let metrics: NodeMetrics
    /// The longest wait between attempts while the L1 is away or refusing.
    static let maximumBackoff: Duration = .seconds(30)

    public init(
        batches: any SealedBatches, l1: any L1Client, proofSystem: any BatchProofSystem,
        interval: Duration, logger: Logger, metrics: NodeMetrics = NodeMetrics()
    ) {
        self.batches = batches
        self.metrics = metrics
        self.l1 = l1
        self.proofSystem = proofSystem
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

    /// One round: deposits in, sealed batches out, stored proofs submitted, proven batches
    /// executed, statuses refreshed.
    public func step() async throws {
        try await fetchDeposits()
        try await commitSealedBatches()
        try await submitProofs()
        try await refreshStatuses()
    }

    func fetchDeposits() async throws {
        let next = await batches.nextDepositToReceive
        let records = try await l1.deposits(from: next, limit: 500)
        if !records.isEmpty { await batches.receiveDeposits(records.map(\.deposit)) }
    }

    func commitSealedBatches() async throws {
        let latest = await batches.latestBatch.number
        var number = try batches.lastCommittedBatch() + 1
        while number <= latest {
            let statement = try await proofSystem.statement(ofBatch: number, in: batches)
            let commitment = try batches.batchCommitment(number, statement: statement)
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            let result: Result<L1Acknowledgement, SettlementError>
            do { result = .success(try await l1.commit(commitment)) } catch { result = .failure(error) }
            guard case .success(let acknowledgement) = result else {
                guard case .failure(let error) = result, error.kind != .unreachable, error.kind != .badResponse else {
                    _ = try result.get()
                    return
                }
                let previous = try batches.settlement(of: number)
                try batches.recordSettlement(
                    number, BatchSettlement(state: .failed, batchHash: commitment.batchHash.hex, reason: error.message, updatedAt: now))
                if previous?.state != .failed || previous?.reason != error.message {
                    await batches.audit(
                        AuditEntry(
                            kind: .settlement, time: now, outcome: "refused",
                            detail: "the L1 refused the commit of batch \(number): \(error.message)"))
                    logger.error("the L1 refused a batch; settlement retries", metadata: ["batch": "\(number)", "reason": "\(error.message)"])
                }
                throw error
            }
            try batches.recordSettlement(
                number, BatchSettlement(state: .committed, batchHash: commitment.batchHash.hex, updatedAt: now), committed: true)
            await batches.audit(
                AuditEntry(
                    kind: .settlement, time: now, outcome: "committed",
                    detail: "batch \(number) committed to the L1 (\(acknowledgement.outcome.rawValue)): hash "
                        + "\(commitment.batchHash.hex), state root \(commitment.newStateRoot.hex), "
                        + "audit head \(commitment.auditLogHead.hex)"))
            logger.info("batch committed", metadata: ["batch": "\(number)", "hash": "\(commitment.batchHash.hex)"])
            number += 1
        }
    }

    /// Submits the stored proof of each committed batch, in order, and executes each batch
    /// once proven. A proof the L1 refuses is recorded (state `failed` with the verifier's
    /// reason, audited) and discarded, so the prover makes a new one.
    func submitProofs() async throws {
        let lastCommitted = try batches.lastCommittedBatch()
        var number = try batches.lastFinalBatchSeen() + 1
        while number <= lastCommitted {
            guard let recorded = try batches.settlement(of: number), let hashHex = recorded.batchHash,
                let batchHash = try? Hash32(hex: hashHex)
            else { return }
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            if recorded.state != .proven && recorded.state != .executed {
                guard let proof = try batches.storedProof(ofBatch: number) else { return }
                if let refusal = try await submit(proof, ofBatch: number, batchHash: batchHash) {
                    try batches.discardProof(ofBatch: number)
                    try batches.recordSettlement(
                        number, BatchSettlement(state: .failed, batchHash: hashHex, reason: refusal, updatedAt: now))
                    await batches.audit(
                        AuditEntry(
                            kind: .settlement, time: now, outcome: "proof-rejected",
                            detail: "the L1 refused the proof of batch \(number): \(refusal)"))
                    logger.error("the L1 refused a batch proof; proving again", metadata: ["batch": "\(number)", "reason": "\(refusal)"])
                    return
                }
                try batches.recordSettlement(number, BatchSettlement(state: .proven, batchHash: hashHex, updatedAt: now))
                let sealedAt = try batches.batch(number: number)?.sealedAt ?? now
                metrics.batchProven(
                    operations: try batches.operationCount(ofBatch: number), lagSeconds: Double(now - min(now, sealedAt)) / 1000)
                await batches.audit(
                    AuditEntry(
                        kind: .settlement, time: now, outcome: "proven",
                        detail: "batch \(number) proven on the L1 (proof of \(proof.count) bytes)"))
                logger.info("batch proven on the L1", metadata: ["batch": "\(number)"])
            }
            _ = try await l1.execute(batchNumber: number, batchHash: batchHash)
            try batches.recordSettlement(number, BatchSettlement(state: .executed, batchHash: hashHex, updatedAt: now))
            try batches.recordFinalBatchSeen(number)
            try batches.discardTreeUpdate(number)
            await batches.audit(
                AuditEntry(kind: .settlement, time: now, outcome: "executed", detail: "batch \(number) executed on the L1"))
            logger.info("batch executed", metadata: ["batch": "\(number)"])
            number += 1
        }
    }

    /// Hands one proof to the L1. Returns the L1's reason when it refuses the proof; a conflict
    /// means the batch is already proven (by a proof made before a restart) and counts as success.
    /// Any other failure (L1 unreachable) is thrown so the round is retried.
    private func submit(_ proof: [UInt8], ofBatch number: UInt64, batchHash: Hash32) async throws(SettlementError) -> String? {
        do {
            _ = try await l1.prove(batchNumber: number, batchHash: batchHash, proof: proof)
            return nil
        } catch {
            let failure = error
            switch failure.kind {
            case .proofRejected: return failure.message
            case .conflict:
                logger.notice("batch already proven on the L1", metadata: ["batch": "\(number)", "detail": "\(failure.message)"])
                return nil
            default: throw failure
            }
        }
    }

    /// Follows committed batches to proven and executed, from the L1's counters: each batch's
    /// record is updated once per transition, so the work per round is bounded by progress.
    func refreshStatuses() async throws {
        let lastCommitted = try batches.lastCommittedBatch()
        guard lastCommitted > 0 else { return }
        let status = try await l1.status()
        var number = try batches.lastFinalBatchSeen() + 1
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        while number <= min(lastCommitted, status.lastProven) {
            guard let recorded = try batches.settlement(of: number) else { break }
            let state: BatchSettlement.State = number <= status.lastExecuted ? .executed : .proven
            if state != recorded.state {
                try batches.recordSettlement(number, BatchSettlement(state: state, batchHash: recorded.batchHash, updatedAt: now))
                await batches.audit(
                    AuditEntry(kind: .settlement, time: now, outcome: state.rawValue, detail: "batch \(number) \(state.rawValue) on the L1"))
            }
            if state == .executed {
                try batches.recordFinalBatchSeen(number)
                try batches.discardTreeUpdate(number)
            }
            number += 1
        }
    }
}
