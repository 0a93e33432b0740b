import PostgresStore
import Prometheus

/// The prover queue's state as the node shows it (the API reads it without reaching into the store).
public typealias ProverQueueReport = ProverQueueStatus

extension NodeMetrics {
    /// The prover queue as the node last read it; nil unless `cloister prover` workers prove.
    public var proverQueueStatus: ProverQueueStatus? { proverQueueState.withLock { $0 } }

    /// Publishes the queue's state: jobs by state, the oldest waiting job's age and each
    /// worker's time since its last heartbeat (a killed worker's grows until it is replaced).
    public func proverQueue(_ status: ProverQueueStatus) {
        proverQueueState.withLock { $0 = status }
        for (state, count) in [("waiting", status.waiting), ("running", status.running), ("done", status.done), ("failed", status.failed)] {
            registry.makeGauge(
                descriptor: Self.name("prover_queue", "jobs", "Prover queue jobs by state (prover = external)"), labels: [("state", state)]
            ).set(Double(count))
        }
        registry.makeGauge(
            descriptor: Self.name("prover_oldest_waiting", "seconds", "Age of the oldest waiting prover job (0: none waits)"), labels: []
        ).set(status.oldestWaitingSeconds ?? 0)
        for worker in status.workers {
            registry.makeGauge(
                descriptor: Self.name("prover_worker_heartbeat_age", "seconds", "Seconds since each prover worker's last heartbeat"),
                labels: [("worker", worker.worker)]
            ).set(worker.secondsSinceHeartbeat)
        }
    }
}
