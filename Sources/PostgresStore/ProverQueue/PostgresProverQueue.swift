import Foundation
import Logging
import NIOCore
import PostgresNIO
import Store

/// The prover job queue in the chain's PostgreSQL database (`prover_jobs`, `prover_workers`,
/// schema version 2): the node enqueues one job per committed batch and collects the proofs;
/// `cloister prover` workers, on any machine that reaches the database, claim and prove them.
///
/// A claim takes the oldest claimable job (`FOR UPDATE SKIP LOCKED`, so concurrent claimers
/// never wait for each other or take the same job): a waiting job, or a running one whose lease
/// has expired (its worker was killed or lost). Every claim counts an attempt; a job whose
/// attempts reach the worker's `maxAttempts` is marked failed with its reason instead of being
/// claimed again. A worker renews its lease while it proves and completes or fails the job only
/// while it still holds it (same worker and attempt), so a worker that lost its lease cannot
/// overwrite the one that took over.
///
/// The queue never sees a witness in the clear: jobs carry the witness as the node sealed it.
/// Calls are async (the worker and the node's services are async) and fail after
/// `operationTimeout` with `StoreError.unavailable` while the server is away; the pool
/// reconnects by itself.
public final class PostgresProverQueue: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    let operationTimeout: Duration
    private let runTask: Task<Void, Never>

    private init(location: PostgresLocation, client: PostgresClient, logger: Logger, operationTimeout: Duration) {
        self.location = location
        self.client = client
        self.logger = logger
        self.operationTimeout = operationTimeout
        runTask = Task { await client.run() }
    }

    deinit { runTask.cancel() }

    /// Connects to a database the node has created (schema version 2 or later), refusing one
    /// without the queue's tables or written by a newer release. Holds no master key: it
    /// neither migrates nor reads the chain's records.
    public static func connect(
        location: PostgresLocation, logger: Logger = Logger(label: "cloister.prover-queue"),
        operationTimeout: Duration = .seconds(10), maximumConnections: Int = 2
    ) async throws(StoreError) -> PostgresProverQueue {
        var configuration = location.clientConfiguration
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(
            configuration: configuration, eventLoopGroup: PostgresChainStore.eventLoops, backgroundLogger: logger)
        let queue = PostgresProverQueue(location: location, client: client, logger: logger, operationTimeout: operationTimeout)
        let found = try await queue.run("reading the schema version") { client in
            try await client.withConnection { try await PostgresSchema.currentVersion($0, logger: logger) }
        }
        guard found >= queueSchemaVersion else {
            throw .database(
                "\(location) has no prover queue (schema version \(found)): start the node on this database with "
                    + "[settlement] prover = \"external\" first, which creates it")
        }
        guard found <= PostgresSchema.version else {
            throw .schemaTooNew(database: location.description, found: found, supported: PostgresSchema.version)
        }
        return queue
    }

    /// The migration that created the queue's tables.
    static let queueSchemaVersion = 2

    /// Runs the writes of `body` in an explicit transaction, at most `operationTimeout`. Even
    /// a single statement: postgres-nio answers a statement in a transaction of its own when the
    /// server reports it complete, before its commit, so a write refused at the commit would be
    /// acknowledged; the answer to COMMIT comes only once it is done (docs/STORE-POSTGRES.md).
    @discardableResult
    func write<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        let logger = self.logger
        return try await run(doing) { client in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs `body` with the pool, at most `operationTimeout`; errors become `StoreError`s.
    func run<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws(StoreError) -> T {
        let client = self.client
        let timeout = operationTimeout
        let database = location.description
        do {
            return try await withThrowingTaskGroup(of: Optional<T>.self) { group in
                group.addTask { try await body(client) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                guard let first = try await group.next() else { throw CancellationError() }
                group.cancelAll()
                guard let value = first else {
                    throw StoreError.unavailable(database: database, detail: "no answer within \(timeout) (\(doing))")
                }
                return value
            }
        } catch {
            throw PostgresErrors.storeError(error, doing: doing, database: database)
        }
    }
}

// MARK: - The worker's side

extension PostgresProverQueue {
    /// Claims the oldest claimable job for `worker` under a lease of `lease`, or returns nil
    /// when none is claimable. A running job whose lease expired after its `maxAttempts`th
    /// attempt is marked failed on the way (its workers were lost every time).
    public func claim(worker: String, lease: Duration, maxAttempts: Int) async throws(StoreError) -> ProverJobClaim? {
        let logger = self.logger
        let leaseSeconds = Self.seconds(lease)
        return try await run("claiming a prover job") { client in
            try await client.withTransaction(logger: logger) { connection -> ProverJobClaim? in
                while true {
                    var candidate: (Int64, String, Int32, String?)?
                    let rows = try await connection.query(
                        """
                        SELECT batch, state, attempts, worker FROM prover_jobs
                        WHERE state = 'waiting' OR (state = 'running' AND lease_expires < now())
                        ORDER BY batch LIMIT 1 FOR UPDATE SKIP LOCKED
                        """, logger: logger)
                    for try await row in rows.decode((Int64, String, Int32, String?).self) { candidate = row }
                    guard let (batch, state, attempts, previous) = candidate else { return nil }
                    let reclaimed = state == ProverJobState.running.rawValue ? previous ?? "an unnamed worker" : nil
                    if let reclaimed, attempts >= maxAttempts {
                        let reason =
                            "attempt \(attempts) by \(reclaimed) never finished (its lease expired: worker stopped or lost); "
                            + "\(attempts) of \(maxAttempts) attempts used"
                        try await connection.query(
                            """
                            UPDATE prover_jobs SET state = 'failed', failure = \(reason), lease_expires = NULL,
                                finished_at = now(), updated_at = now() WHERE batch = \(batch)
                            """, logger: logger)
                        continue
                    }
                    let claimed = try await connection.query(
                        """
                        UPDATE prover_jobs SET state = 'running', attempts = attempts + 1, worker = \(worker),
                            lease_expires = now() + make_interval(secs => \(leaseSeconds)), heartbeat = now(),
                            started_at = now(), finished_at = NULL, updated_at = now()
                        WHERE batch = \(batch) RETURNING attempts, witness
                        """, logger: logger)
                    for try await (attempt, witness) in claimed.decode((Int32, ByteBuffer?).self) {
                        return ProverJobClaim(
                            batch: UInt64(batch), attempt: Int(attempt), sealedWitness: witness.map { Array(buffer: $0) } ?? [],
                            reclaimedFrom: reclaimed)
                    }
                    return nil
                }
            }
        }
    }

    /// Extends the lease of a job `worker` holds (attempt `attempt`). False when it no longer
    /// holds it: the lease expired and another worker claimed the job.
    public func renew(_ job: ProverJobClaim, worker: String, lease: Duration) async throws(StoreError) -> Bool {
        let logger = self.logger
        let leaseSeconds = Self.seconds(lease)
        return try await write("renewing a prover lease") { connection in
            let rows = try await connection.query(
                """
                UPDATE prover_jobs SET lease_expires = now() + make_interval(secs => \(leaseSeconds)), heartbeat = now(),
                    updated_at = now()
                WHERE batch = \(Int64(job.batch)) AND worker = \(worker) AND attempts = \(Int32(job.attempt)) AND state = 'running'
                RETURNING batch
                """, logger: logger)
            var held = false
            for try await _ in rows.decode(Int64.self) { held = true }
            return held
        }
    }

    /// Stores the proof of a job `worker` holds and marks it done. False when it no longer
    /// held it (the proof is then dropped: the worker that took over makes its own).
    public func complete(_ job: ProverJobClaim, worker: String, proof: [UInt8]) async throws(StoreError) -> Bool {
        let logger = self.logger
        return try await write("storing a proof") { connection in
            let rows = try await connection.query(
                """
                UPDATE prover_jobs SET state = 'done', proof = \(ByteBuffer(bytes: proof)), failure = NULL,
                    lease_expires = NULL, heartbeat = now(), finished_at = now(), updated_at = now()
                WHERE batch = \(Int64(job.batch)) AND worker = \(worker) AND attempts = \(Int32(job.attempt)) AND state = 'running'
                RETURNING batch
                """, logger: logger)
            var held = false
            for try await _ in rows.decode(Int64.self) { held = true }
            return held
        }
    }

    /// Gives up an attempt with `reason`: back to waiting while attempts remain, failed after
    /// the `maxAttempts`th.
    public func fail(
        _ job: ProverJobClaim, worker: String, reason: String, maxAttempts: Int
    ) async throws(StoreError) -> ProverJobRetry {
        let logger = self.logger
        return try await write("recording a failed proof") { connection in
            let rows = try await connection.query(
                """
                UPDATE prover_jobs SET state = CASE WHEN attempts >= \(Int32(maxAttempts)) THEN 'failed' ELSE 'waiting' END,
                    failure = \(reason), lease_expires = NULL, finished_at = now(), updated_at = now()
                WHERE batch = \(Int64(job.batch)) AND worker = \(worker) AND attempts = \(Int32(job.attempt)) AND state = 'running'
                RETURNING state
                """, logger: logger)
            for try await state in rows.decode(String.self) { return state == "failed" ? .failed : .waiting }
            return .leaseLost
        }
    }

    /// Hands a job back unproven without counting the attempt (the worker stops, or cannot
    /// open jobs at all): waiting again, as before the claim.
    public func release(_ job: ProverJobClaim, worker: String) async throws(StoreError) {
        let logger = self.logger
        try await write("releasing a prover job") { connection in
            try await connection.query(
                """
                UPDATE prover_jobs SET state = 'waiting', attempts = attempts - 1, lease_expires = NULL, started_at = NULL,
                    updated_at = now()
                WHERE batch = \(Int64(job.batch)) AND worker = \(worker) AND attempts = \(Int32(job.attempt)) AND state = 'running'
                """, logger: logger)
        }
    }

    /// Records that `worker` is alive, proving `batch` (nil: idle).
    public func heartbeat(worker: String, batch: UInt64?) async throws(StoreError) {
        let logger = self.logger
        try await write("recording a worker heartbeat") { connection in
            try await connection.query(
                """
                INSERT INTO prover_workers(id, heartbeat, batch) VALUES (\(worker), now(), \(batch.map { Int64($0) }))
                ON CONFLICT (id) DO UPDATE SET heartbeat = now(), batch = EXCLUDED.batch
                """, logger: logger)
        }
    }

    /// Removes a worker that stops cleanly from the heartbeat list.
    public func signOff(worker: String) async throws(StoreError) {
        let logger = self.logger
        try await write("removing a worker") { connection in
            try await connection.query("DELETE FROM prover_workers WHERE id = \(worker)", logger: logger)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
