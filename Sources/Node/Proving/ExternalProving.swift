import Foundation
import Logging
import PostgresStore
import ProverJobs
import Sequencer
import ServiceLifecycle
import StateTree

/// The node's side of external proving (`[settlement] prover = "external"`): enqueues one job
/// per committed batch in the database's prover queue, with the batch's witness sealed with the
/// prover key, and moves the proofs `cloister prover` workers store into the chain's store
/// (`storeProof(ofBatch:)`), where the `SettlementService` submits them to the L1 in batch
/// order, whichever worker made them.
///
/// Only committed batches are enqueued: their statement is fixed on the L1 by then. A proof the
/// L1 refuses is discarded by the settlement driver as with the in-process prover; its job is
/// then put back to waiting, so a worker proves the batch again. Every step is idempotent, so a
/// restart at any point neither loses nor repeats a job.
public struct ExternalProverService: Service {
    let batches: any SealedBatches
    let queue: PostgresProverQueue
    let key: ProverKey
    let interval: Duration
    let logger: Logger
    let metrics: NodeMetrics

    public init(
        batches: any SealedBatches, queue: PostgresProverQueue, key: ProverKey, interval: Duration, logger: Logger,
        metrics: NodeMetrics = NodeMetrics()
    ) {
        self.batches = batches
        self.queue = queue
        self.key = key
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        var reported = Set<UInt64>()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await step(reportedFailures: &reported)
            } catch {
                logger.error("the prover queue step failed; retrying: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One round: enqueue committed batches without a job, collect done proofs, re-enqueue
    /// jobs whose proof the L1 refused, drop executed witnesses, publish the queue's status.
    public func step() async throws {
        var reported = Set<UInt64>()
        try await step(reportedFailures: &reported)
    }

    func step(reportedFailures: inout Set<UInt64>) async throws {
        let final = try batches.lastFinalBatchSeen()
        let committed = try batches.lastCommittedBatch()
        var jobs: [UInt64: ProverJobSummary] = [:]
        for job in try await queue.jobs(from: final + 1) { jobs[job.batch] = job }
        var number = final + 1
        while number <= committed {
            defer { number += 1 }
            guard let job = jobs[number] else {
                if try batches.storedProof(ofBatch: number) == nil, try batches.settlement(of: number)?.state != .executed {
                    try await enqueue(number)
                }
                continue
            }
            switch job.state {
            case .done: try await settle(job)
            case .failed:
                if reportedFailures.insert(number).inserted {
                    logger.error(
                        "a prover job failed: the batch waits until the job is put back (docs/DEPLOY.md)",
                        metadata: ["batch": "\(number)", "attempts": "\(job.attempts)", "reason": "\(job.failure ?? "")"])
                }
            case .waiting, .running:
                // Put back by an operator: a new failure is reported again.
                reportedFailures.remove(number)
            }
        }
        if final > 0 { try await queue.retireWitnesses(upTo: final) }
        metrics.proverQueue(try await queue.status())
    }

    /// Seals batch `number`'s job and enqueues it.
    func enqueue(_ number: UInt64) async throws {
        let job = try ProvingJob.make(batch: number, from: batches)
        try await queue.enqueue(batch: number, sealedWitness: try key.seal(job))
        logger.info("batch enqueued for the provers", metadata: ["batch": "\(number)", "operations": "\(job.update.operations.count)"])
    }

    /// A done job: its proof into the chain's store (once), or, when the settlement driver has
    /// discarded it since (the L1 refused it), the job back to waiting.
    func settle(_ job: ProverJobSummary) async throws {
        let stored = try batches.storedProof(ofBatch: job.batch) != nil
        if !job.collected {
            if !stored {
                guard let proof = try await queue.proof(ofBatch: job.batch) else { return }
                try batches.storeProof(proof, ofBatch: job.batch)
                logger.info(
                    "proof collected from the queue",
                    metadata: ["batch": "\(job.batch)", "worker": "\(job.worker ?? "?")", "bytes": "\(proof.count)"])
            }
            try await queue.markCollected(batch: job.batch)
            return
        }
        let settlement = try batches.settlement(of: job.batch)
        guard !stored, settlement?.state != .proven, settlement?.state != .executed else { return }
        let reason = "the L1 refused the proof: \(settlement?.reason ?? "no reason recorded")"
        try await queue.requeue(batch: job.batch, reason: reason)
        logger.warning("proof refused by the L1; batch enqueued again", metadata: ["batch": "\(job.batch)", "reason": "\(reason)"])
    }
}

extension ProvingJob {
    /// Batch `number`'s job from the chain: its stored tree update, its own randomness key (from
    /// the chain's seed, which stays in the node) and the deposits and withdrawals its envelope lists.
    static func make(batch number: UInt64, from batches: any SealedBatches) throws -> ProvingJob {
        guard let seed = try batches.record(StarkBatchProofs.seedKey), seed.count >= WitnessRandomness.minimumSeedBytes else {
            throw NodeError.corruptRecord("the state-tree seed (\(StarkBatchProofs.seedKey)) is missing or shorter than 16 bytes")
        }
        guard let contents = try batches.batchContents(number: number) else {
            throw NodeError.corruptRecord("the contents of batch \(number) are not stored")
        }
        return ProvingJob(
            batch: number, randomnessKey: try WitnessRandomness.derivedKey(seed, label: "batch \(number)"),
            update: try batches.treeUpdate(number), deposits: contents.deposits, withdrawals: contents.withdrawals)
    }
}
