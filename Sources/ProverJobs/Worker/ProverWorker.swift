import Foundation
import Locking
import Logging
import PostgresStore
import ServiceLifecycle
import Stark
import Store

/// What a `cloister prover` worker is told on its command line.
public struct ProverWorkerSettings: Sendable {
    /// Names the worker in job rows, heartbeats and logs (default: host name and process id).
    public var worker: String
    /// How long a claim holds without renewal; renewed every third of it while proving.
    public var lease: Duration
    /// Attempts a job may take before it is marked failed.
    public var maxAttempts: Int
    /// How long an idle worker waits before it looks for a job again.
    public var pollInterval: Duration
    /// `nil`: the options recommended for each batch's trace length.
    public var options: ProofOptions?

    public init(
        worker: String, lease: Duration = .seconds(30), maxAttempts: Int = 3, pollInterval: Duration = .milliseconds(500),
        options: ProofOptions? = nil
    ) {
        self.worker = worker
        self.lease = lease
        self.maxAttempts = maxAttempts
        self.pollInterval = pollInterval
        self.options = options
    }
}

/// A prover worker (`cloister prover`): claims the oldest claimable job, opens its witness with
/// the prover key, proves it on a thread of its own while a task renews the lease every third
/// of it, stores the proof and goes on. A failed attempt goes back to the queue (failed after
/// `maxAttempts`); a worker that cannot open jobs at all (another key) hands its claim back
/// uncounted and stops with the reason. On SIGTERM/SIGINT it hands back the job it holds and
/// stops at once (a proof can take minutes; another worker takes the job over).
public final class ProverWorker: Service {
    let queue: PostgresProverQueue
    let key: ProverKey
    let settings: ProverWorkerSettings
    let logger: Logger
    public let metrics: ProverWorkerMetrics
    /// Where the current attempt's outcome arrives; nil between attempts.
    private let current = Locked<AsyncStream<AttemptEvent>.Continuation?>(nil)
    private let stopping = Locked(false)

    enum AttemptEvent: Sendable {
        case proved(Result<[UInt8], ProverJobError>)
        case leaseLost
        case stopping
    }

    public init(
        queue: PostgresProverQueue, key: ProverKey, settings: ProverWorkerSettings, logger: Logger,
        metrics: ProverWorkerMetrics = ProverWorkerMetrics()
    ) {
        self.queue = queue
        self.key = key
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        logger.info(
            "prover worker started",
            metadata: [
                "worker": "\(settings.worker)", "database": "\(queue.location)", "lease": "\(settings.lease)",
                "max_attempts": "\(settings.maxAttempts)", "prover_key": "\(key.id)",
            ])
        try await withGracefulShutdownHandler {
            try await loop()
        } onGracefulShutdown: { [self] in
            stopping.withLock { $0 = true }
            current.withLock { _ = $0?.yield(.stopping) }
        }
        try? await queue.signOff(worker: settings.worker)
        logger.info("prover worker stopped", metadata: ["worker": "\(settings.worker)"])
    }

    private var isStopping: Bool { stopping.withLock { $0 } || Task.isCancelled }

    private func loop() async throws {
        var lastHeartbeat = ContinuousClock.now - settings.lease
        var unavailable = false
        while !isStopping {
            do {
                if ContinuousClock.now - lastHeartbeat >= settings.lease / 3 {
                    try await queue.heartbeat(worker: settings.worker, batch: nil)
                    lastHeartbeat = .now
                }
                let claim = try await queue.claim(worker: settings.worker, lease: settings.lease, maxAttempts: settings.maxAttempts)
                if unavailable { logger.notice("database reachable again", metadata: ["database": "\(queue.location)"]) }
                unavailable = false
                guard let claim else {
                    try? await Task.sleep(for: settings.pollInterval)
                    continue
                }
                try await work(on: claim)
                lastHeartbeat = .now
            } catch let error as StoreError {
                if !unavailable { logger.warning("prover queue unavailable; retrying", metadata: ["reason": "\(error)"]) }
                unavailable = true
                try? await Task.sleep(for: settings.pollInterval * 4)
            }
        }
    }

    /// One attempt at one job, from the claim to its proof stored (or its failure recorded).
    private func work(on claim: ProverJobClaim) async throws {
        var metadata: Logger.Metadata = ["batch": "\(claim.batch)", "attempt": "\(claim.attempt)", "worker": "\(settings.worker)"]
        if let previous = claim.reclaimedFrom { metadata["reclaimed_from"] = "\(previous)" }
        logger.info("proving batch", metadata: metadata)
        let job: ProvingJob
        do { job = try key.open(claim.sealedWitness, batch: claim.batch) } catch {
            if case .wrongKey = error {
                try await queue.release(claim, worker: settings.worker)
                throw WorkerStop(description: error.description)
            }
            try await recordFailure(claim, reason: error.description, metadata: metadata)
            return
        }
        let started = ContinuousClock.now
        metrics.started()
        defer { metrics.finished() }
        let outcome = try await attempt(job, claim: claim)
        let elapsed = ContinuousClock.now - started
        metadata["seconds"] = "\(String(format: "%.3f", Self.seconds(elapsed)))"
        switch outcome {
        case .stopping:
            try? await queue.release(claim, worker: settings.worker)
            logger.notice("stopping: batch handed back unproven", metadata: metadata)
        case .proved(.failure(let error)):
            try await recordFailure(claim, reason: error.description, metadata: metadata)
        case .proved(.success(let proof)):
            if try await queue.complete(claim, worker: settings.worker, proof: proof) {
                metrics.proved(seconds: Self.seconds(elapsed))
                metadata["bytes"] = "\(proof.count)"
                logger.info("batch proven", metadata: metadata)
            } else {
                metrics.leaseLost()
                logger.warning("batch proven after the lease was lost: another worker holds it; proof dropped", metadata: metadata)
            }
        case .leaseLost:
            metrics.leaseLost()
            logger.warning("lease lost while proving: another worker holds the batch", metadata: metadata)
        }
    }

    private func recordFailure(_ claim: ProverJobClaim, reason: String, metadata: Logger.Metadata) async throws {
        var metadata = metadata
        metadata["reason"] = "\(reason)"
        metrics.failed()
        switch try await queue.fail(claim, worker: settings.worker, reason: reason, maxAttempts: settings.maxAttempts) {
        case .waiting: logger.error("proof attempt failed; the job waits for another attempt", metadata: metadata)
        case .failed: logger.error("proof attempt failed; no attempts left: the job is failed", metadata: metadata)
        case .leaseLost: logger.error("proof attempt failed after the lease was lost", metadata: metadata)
        }
    }

    /// Proves on a thread of its own while the lease is renewed; ends with the proof, a lost
    /// lease (after the proof thread has finished) or a stop request (at once).
    private func attempt(_ job: ProvingJob, claim: ProverJobClaim) async throws -> AttemptEvent {
        let (events, continuation) = AsyncStream.makeStream(of: AttemptEvent.self)
        current.withLock { $0 = continuation }
        defer { current.withLock { $0 = nil } }
        if isStopping { return .stopping }
        let options = settings.options
        let thread = Thread {
            continuation.yield(.proved(Result { () throws(ProverJobError) -> [UInt8] in try job.prove(options: options) }))
        }
        thread.name = "cloister-prover"
        thread.stackSize = 8 << 20
        thread.start()
        let renewal = Task { [queue, settings, logger] in
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.lease / 3)
                if Task.isCancelled { return }
                do {
                    guard try await queue.renew(claim, worker: settings.worker, lease: settings.lease) else {
                        continuation.yield(.leaseLost)
                        return
                    }
                    try? await queue.heartbeat(worker: settings.worker, batch: claim.batch)
                } catch {
                    logger.warning("cannot renew the lease; retrying", metadata: ["batch": "\(claim.batch)", "reason": "\(error)"])
                }
            }
        }
        defer { renewal.cancel() }
        var leaseLost = false
        for await event in events {
            switch event {
            case .stopping: return .stopping
            case .leaseLost: leaseLost = true
            case .proved: return leaseLost ? .leaseLost : event
            }
        }
        return .stopping
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// A worker that cannot go on (its key opens no job): the command exits with the reason.
public struct WorkerStop: Error, CustomStringConvertible {
    public let description: String
}
