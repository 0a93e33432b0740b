import Foundation
import Logging
import NIOCore
import PostgresNIO
import Store

// MARK: - The node's side

extension PostgresProverQueue {
    /// Enqueues the job of `batch` with its sealed witness; a batch that already has a job
    /// keeps it (an enqueue repeated after a restart changes nothing).
    public func enqueue(batch: UInt64, sealedWitness: [UInt8]) async throws(StoreError) {
        let logger = self.logger
        try await write("enqueuing a prover job") { connection in
            try await connection.query(
                """
                INSERT INTO prover_jobs(batch, witness) VALUES (\(Int64(batch)), \(ByteBuffer(bytes: sealedWitness)))
                ON CONFLICT (batch) DO NOTHING
                """, logger: logger)
        }
    }

    /// The jobs of batches `from` and later, in batch order.
    public func jobs(from batch: UInt64) async throws(StoreError) -> [ProverJobSummary] {
        let logger = self.logger
        return try await run("listing prover jobs") { client in
            let rows = try await client.query(
                """
                SELECT batch, state, collected, attempts, worker, failure FROM prover_jobs
                WHERE batch >= \(Int64(batch)) ORDER BY batch
                """, logger: logger)
            var jobs: [ProverJobSummary] = []
            for try await (number, state, collected, attempts, worker, failure) in rows.decode(
                (Int64, String, Bool, Int32, String?, String?).self)
            {
                jobs.append(
                    ProverJobSummary(
                        batch: UInt64(number), state: ProverJobState(rawValue: state) ?? .failed, collected: collected,
                        attempts: Int(attempts), worker: worker, failure: failure))
            }
            return jobs
        }
    }

    /// The proof a worker stored for `batch` (nil unless the job is done).
    public func proof(ofBatch batch: UInt64) async throws(StoreError) -> [UInt8]? {
        let logger = self.logger
        return try await run("reading a proof") { client in
            let rows = try await client.query(
                "SELECT proof FROM prover_jobs WHERE batch = \(Int64(batch)) AND state = 'done'", logger: logger)
            for try await proof in rows.decode(ByteBuffer?.self) { return proof.map { Array(buffer: $0) } }
            return nil
        }
    }

    /// Records that the proof of `batch` is in the chain's store.
    public func markCollected(batch: UInt64) async throws(StoreError) {
        let logger = self.logger
        try await write("marking a proof collected") { connection in
            try await connection.query(
                "UPDATE prover_jobs SET collected = true, updated_at = now() WHERE batch = \(Int64(batch))", logger: logger)
        }
    }

    /// Puts a done job back to waiting with its attempts reset, its proof dropped and `reason`
    /// recorded: the L1 refused the proof, so a worker proves the batch again.
    public func requeue(batch: UInt64, reason: String) async throws(StoreError) {
        let logger = self.logger
        try await write("re-enqueuing a prover job") { connection in
            try await connection.query(
                """
                UPDATE prover_jobs SET state = 'waiting', proof = NULL, collected = false, attempts = 0, worker = NULL,
                    lease_expires = NULL, failure = \(reason), started_at = NULL, finished_at = NULL, updated_at = now()
                WHERE batch = \(Int64(batch)) AND state = 'done'
                """, logger: logger)
        }
    }

    /// Puts a failed job back to waiting with its attempts reset (an operator's `cloister prover
    /// retry`, once the cause is fixed: settlement waits at a failed batch). The last failure stays
    /// readable in `failure`. False when the batch has no failed job (none, or not failed).
    public func retryFailed(batch: UInt64) async throws(StoreError) -> Bool {
        let logger = self.logger
        return try await write("putting a failed prover job back") { connection in
            let rows = try await connection.query(
                """
                UPDATE prover_jobs SET state = 'waiting', attempts = 0, worker = NULL, lease_expires = NULL,
                    failure = 'put back by an operator after: ' || COALESCE(failure, 'no reason recorded'),
                    started_at = NULL, finished_at = NULL, updated_at = now()
                WHERE batch = \(Int64(batch)) AND state = 'failed'
                RETURNING batch
                """, logger: logger)
            for try await _ in rows.decode(Int64.self) { return true }
            return false
        }
    }

    /// Drops the sealed witnesses of batches up to `batch` (executed on the L1: never proven
    /// again), and the rows of all but the last `keeping` of them (kept for inspection), so the
    /// table and the status query stay small however long the chain runs.
    public func retireWitnesses(upTo batch: UInt64, keeping: UInt64 = 1_000) async throws(StoreError) {
        let logger = self.logger
        try await write("dropping executed witnesses") { connection in
            try await connection.query(
                "UPDATE prover_jobs SET witness = NULL WHERE batch <= \(Int64(batch)) AND witness IS NOT NULL", logger: logger)
            if batch > keeping {
                try await connection.query(
                    "DELETE FROM prover_jobs WHERE batch <= \(Int64(batch - keeping)) AND state = 'done'", logger: logger)
            }
        }
    }

    /// Counts by state, the oldest waiting job's age and every worker's last heartbeat.
    public func status() async throws(StoreError) -> ProverQueueStatus {
        let logger = self.logger
        return try await run("reading the prover queue") { client in
            var status = ProverQueueStatus()
            let counts = try await client.query(
                """
                SELECT state, count(*)::bigint,
                    EXTRACT(EPOCH FROM now() - min(created_at))::float8 FROM prover_jobs GROUP BY state
                """, logger: logger)
            for try await (state, count, age) in counts.decode((String, Int64, Double?).self) {
                switch ProverJobState(rawValue: state) {
                case .waiting:
                    status.waiting = Int(count)
                    status.oldestWaitingSeconds = age
                case .running: status.running = Int(count)
                case .done: status.done = Int(count)
                case .failed, nil: status.failed += Int(count)
                }
            }
            let workers = try await client.query(
                """
                SELECT id, EXTRACT(EPOCH FROM now() - heartbeat)::float8, batch FROM prover_workers ORDER BY heartbeat DESC
                """, logger: logger)
            for try await (id, age, batch) in workers.decode((String, Double, Int64?).self) {
                status.workers.append(
                    ProverWorkerHeartbeat(worker: id, secondsSinceHeartbeat: max(0, age), batch: batch.map { UInt64($0) }))
            }
            return status
        }
    }
}
