import Foundation
import Logging
import ServiceLifecycle
import Sequencer

/// Proves committed batches ahead of the settlement driver, in batch order, up to `workers`
/// at a time, and stores each proof with the batch, so a restart does not prove again and
/// the driver (which submits proofs in order) never waits on a prover it could overtake.
///
/// Only committed batches are proven: their statement is fixed on the L1 by then.
public struct ProverService: Service {
    let batches: any SealedBatches
    let system: any BatchProofSystem
    let workers: Int
    let interval: Duration
    let logger: Logger
    let metrics: NodeMetrics

    public init(
        batches: any SealedBatches, system: any BatchProofSystem, workers: Int, interval: Duration, logger: Logger,
        metrics: NodeMetrics = NodeMetrics()
    ) {
        precondition(workers >= 1, "the prover needs at least one worker")
        self.batches = batches
        self.metrics = metrics
        self.system = system
        self.workers = workers
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if try await proveReadyBatches() == 0 { try? await Task.sleep(for: interval) }
            } catch {
                logger.error("proving failed; retrying: \(error)")
                try? await Task.sleep(for: interval * 10)
            }
        }
    }

    /// Proves every committed batch that has no stored proof yet, `workers` at a time.
    /// Returns how many proofs it stored.
    @discardableResult
    public func proveReadyBatches() async throws -> Int {
        let committed = try batches.lastCommittedBatch()
        var pending: [UInt64] = []
        var number = try batches.lastFinalBatchSeen() + 1
        while number <= committed {
            if try batches.storedProof(ofBatch: number) == nil, try batches.settlement(of: number)?.state != .executed {
                pending.append(number)
            }
            number += 1
        }
        guard !pending.isEmpty else { return 0 }
        var stored = 0
        var firstError: (any Error)?
        let batches = self.batches
        let system = self.system
        try await withThrowingTaskGroup(of: (UInt64, Result<([UInt8], Duration), any Error>).self) { group in
            var next = pending.makeIterator()
            func start() -> Bool {
                guard let batch = next.next() else { return false }
                group.addTask {
                    let clock = ContinuousClock()
                    let started = clock.now
                    do {
                        let proof = try await system.prove(batch: batch, in: batches)
                        return (batch, .success((proof, clock.now - started)))
                    } catch { return (batch, .failure(error)) }
                }
                return true
            }
            for _ in 0..<workers where start() {}
            while let (batch, result) = try await group.next() {
                switch result {
                case .success(let (proof, elapsed)):
                    try batches.storeProof(proof, ofBatch: batch)
                    stored += 1
                    metrics.batchProved(operations: try batches.operationCount(ofBatch: batch), duration: elapsed)
                    logger.info(
                        "batch proven", metadata: ["batch": "\(batch)", "bytes": "\(proof.count)", "time": "\(elapsed)"])
                case .failure(let error):
                    logger.error("cannot prove batch", metadata: ["batch": "\(batch)", "reason": "\(error)"])
                    if firstError == nil { firstError = error }
                }
                // A shutdown waits for the proofs under way, not for the whole backlog.
                if firstError == nil, !Task.isShuttingDownGracefully, !Task.isCancelled { _ = start() }
            }
        }
        if let firstError { throw firstError }
        return stored
    }
}
