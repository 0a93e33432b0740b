import Foundation

/// Where a prover job stands (`prover_jobs.state`).
public enum ProverJobState: String, Sendable, Codable, CaseIterable {
    /// Enqueued by the node, or given back after a failed attempt: any worker may claim it.
    case waiting
    /// A worker holds it under a lease; claimable again once the lease has expired.
    case running
    /// A worker stored its proof; the node moves the proof into the chain's store.
    case done
    /// `max-attempts` attempts failed (or their workers were lost): no worker claims it again.
    case failed
}

/// A job a worker has claimed: the batch, which attempt this is, and the sealed witness.
public struct ProverJobClaim: Sendable, Equatable {
    public var batch: UInt64
    /// 1 for the first claim; every claim (also one after a lost worker's lease expired) counts.
    public var attempt: Int
    /// The witness as the node sealed it with the prover key (opened by the worker only).
    public var sealedWitness: [UInt8]
    /// The worker whose expired lease this claim took over (nil for a waiting job).
    public var reclaimedFrom: String?
}

/// What became of an attempt a worker gave up (`PostgresProverQueue.fail`).
public enum ProverJobRetry: Sendable, Equatable {
    /// Back to `waiting`: another attempt is allowed.
    case waiting
    /// `failed`: this was the last attempt allowed.
    case failed
    /// The worker no longer held the job (its lease expired and another worker claimed it).
    case leaseLost
}

/// One job as the node sees it when it enqueues and collects.
public struct ProverJobSummary: Sendable, Equatable {
    public var batch: UInt64
    public var state: ProverJobState
    /// Whether the node has moved the job's proof into the chain's store.
    public var collected: Bool
    public var attempts: Int
    public var worker: String?
    public var failure: String?
}

/// The queue at a glance, for `/metrics`, `/health` and the admin API's status.
public struct ProverQueueStatus: Sendable, Equatable, Codable {
    public var waiting: Int
    public var running: Int
    public var done: Int
    public var failed: Int
    /// Seconds since the oldest waiting job was enqueued (nil: none waits).
    public var oldestWaitingSeconds: Double?
    /// Every worker that has announced itself, newest heartbeat first.
    public var workers: [ProverWorkerHeartbeat]

    public init(
        waiting: Int = 0, running: Int = 0, done: Int = 0, failed: Int = 0, oldestWaitingSeconds: Double? = nil,
        workers: [ProverWorkerHeartbeat] = []
    ) {
        self.waiting = waiting
        self.running = running
        self.done = done
        self.failed = failed
        self.oldestWaitingSeconds = oldestWaitingSeconds
        self.workers = workers
    }
}

/// A worker's last sign of life (`prover_workers`): a stopped worker removes its row, a killed
/// one leaves it with a heartbeat that grows old.
public struct ProverWorkerHeartbeat: Sendable, Equatable, Codable {
    public var worker: String
    public var secondsSinceHeartbeat: Double
    /// The batch it was proving at its last heartbeat (nil: idle).
    public var batch: UInt64?
}
