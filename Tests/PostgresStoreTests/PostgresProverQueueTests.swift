import Foundation
import NIOCore
import PostgresNIO
import Primitives
import Store
import StoreTestSupport
import Testing

@testable import PostgresStore

/// The prover job queue on a real PostgreSQL: claim order, two claimers, leases that expire and
/// are taken over, attempts that end in failure, and what the node reads back.
@Suite struct PostgresProverQueueTests {
    /// A database the node has migrated (schema 2) and a queue client on it.
    static func queue(_ fixture: EngineFixture? = nil) async throws -> (PostgresProverQueue, EngineFixture) {
        let fixture = try fixture ?? EngineFixture(.postgres)
        _ = try fixture.open()
        return (try await TestPostgres.queue(database: try #require(fixture.database)), fixture)
    }

    static func witness(_ batch: UInt64) -> [UInt8] { Array("sealed witness of batch \(batch)".utf8) }

    @Test func claimTakesTheOldestWaitingJobAndCountsTheAttempt() async throws {
        let (queue, _) = try await Self.queue()
        for batch: UInt64 in [3, 1, 2] { try await queue.enqueue(batch: batch, sealedWitness: Self.witness(batch)) }
        try await queue.enqueue(batch: 1, sealedWitness: [0xFF])  // a repeated enqueue changes nothing
        let first = try #require(try await queue.claim(worker: "w1", lease: .seconds(30), maxAttempts: 3))
        #expect(first == ProverJobClaim(batch: 1, attempt: 1, sealedWitness: Self.witness(1), reclaimedFrom: nil))
        let second = try #require(try await queue.claim(worker: "w1", lease: .seconds(30), maxAttempts: 3))
        #expect(second.batch == 2)
        let status = try await queue.status()
        #expect(status.running == 2 && status.waiting == 1)
    }

    /// While one claimer's transaction holds the oldest job locked, another claims the next one
    /// at once (SKIP LOCKED) instead of waiting; many concurrent claims never share a job.
    @Test func concurrentClaimersSkipLockedJobsAndNeverShareOne() async throws {
        let (queue, fixture) = try await Self.queue()
        let (other, _) = try await Self.queue(fixture)
        for batch: UInt64 in 1...12 { try await queue.enqueue(batch: batch, sealedWitness: Self.witness(batch)) }
        let logger = queue.logger
        let skipped = try await queue.client.withTransaction(logger: logger) { connection -> UInt64? in
            try await connection.query("SELECT batch FROM prover_jobs WHERE batch = 1 FOR UPDATE", logger: logger)
            return try await other.claim(worker: "w2", lease: .seconds(30), maxAttempts: 3)?.batch
        }
        #expect(skipped == 2)
        let claimed = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for (client, worker) in [(queue, "a"), (other, "b")] {
                group.addTask {
                    var batches: [UInt64] = []
                    while let claim = try await client.claim(worker: worker, lease: .seconds(30), maxAttempts: 3) {
                        batches.append(claim.batch)
                    }
                    return batches
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        #expect(claimed.sorted() == [1] + Array(3...12))
    }

    /// A worker that stops renewing loses the job once its lease expires: the next claim takes it
    /// over (a second attempt), and the first worker can neither renew, complete nor fail it.
    @Test func expiredLeaseIsClaimedAgainAndTheLostWorkerCannotWrite() async throws {
        let (queue, _) = try await Self.queue()
        try await queue.enqueue(batch: 7, sealedWitness: Self.witness(7))
        let lost = try #require(try await queue.claim(worker: "lost", lease: .milliseconds(300), maxAttempts: 3))
        let taken = try #require(try await Self.claimWhenExpired(queue, worker: "next", maxAttempts: 3))
        #expect(taken.batch == 7 && taken.attempt == 2 && taken.reclaimedFrom == "lost")
        #expect(try await queue.renew(lost, worker: "lost", lease: .seconds(30)) == false)
        #expect(try await queue.complete(lost, worker: "lost", proof: [1]) == false)
        #expect(try await queue.fail(lost, worker: "lost", reason: "late", maxAttempts: 3) == .leaseLost)
        #expect(try await queue.renew(taken, worker: "next", lease: .seconds(30)))
        #expect(try await queue.complete(taken, worker: "next", proof: [9, 9]))
        #expect(try await queue.proof(ofBatch: 7) == [9, 9])
        let job = try #require(try await queue.jobs(from: 1).first)
        #expect(job.state == .done && job.worker == "next" && job.attempts == 2 && !job.collected)
    }

    @Test func failedAttemptsWaitAgainUntilTheLastThenTheJobIsFailedWithItsReason() async throws {
        let (queue, _) = try await Self.queue()
        try await queue.enqueue(batch: 1, sealedWitness: Self.witness(1))
        let first = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 2))
        #expect(try await queue.fail(first, worker: "w", reason: "out of memory", maxAttempts: 2) == .waiting)
        let second = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 2))
        #expect(second.attempt == 2)
        #expect(try await queue.fail(second, worker: "w", reason: "out of memory again", maxAttempts: 2) == .failed)
        #expect(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 2) == nil)
        let job = try #require(try await queue.jobs(from: 1).first)
        #expect(job.state == .failed && job.attempts == 2 && job.failure == "out of memory again")
        #expect(try await queue.status().failed == 1)
    }

    /// An operator puts a failed job back: it is claimed again with fresh attempts, its last
    /// failure still readable; a job that has not failed is left alone.
    @Test func aFailedJobPutBackIsClaimedAgainWithFreshAttempts() async throws {
        let (queue, _) = try await Self.queue()
        try await queue.enqueue(batch: 1, sealedWitness: Self.witness(1))
        try await queue.enqueue(batch: 2, sealedWitness: Self.witness(2))
        let claim = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 1))
        #expect(claim.batch == 1)
        #expect(try await queue.fail(claim, worker: "w", reason: "out of memory", maxAttempts: 1) == .failed)
        #expect(try await queue.retryFailed(batch: 2) == false)
        #expect(try await queue.retryFailed(batch: 9) == false)

        #expect(try await queue.retryFailed(batch: 1))
        #expect(try await queue.retryFailed(batch: 1) == false)
        let job = try #require(try await queue.jobs(from: 1).first)
        #expect(job.state == .waiting && job.attempts == 0)
        #expect(job.failure == "put back by an operator after: out of memory")
        let again = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 1))
        #expect(again.batch == 1 && again.attempt == 1)
        #expect(try await queue.status().failed == 0)
    }

    /// Workers lost on every attempt: the job whose last lease expired is failed, not claimed a
    /// fourth time, and says why.
    @Test func leaseExpiredOnTheLastAttemptFailsTheJob() async throws {
        let (queue, _) = try await Self.queue()
        try await queue.enqueue(batch: 4, sealedWitness: Self.witness(4))
        _ = try #require(try await queue.claim(worker: "gone", lease: .milliseconds(300), maxAttempts: 1))
        #expect(try await Self.claimWhenExpired(queue, worker: "next", maxAttempts: 1) == nil)
        let job = try #require(try await queue.jobs(from: 1).first)
        #expect(job.state == .failed)
        #expect(job.failure?.contains("lease expired") == true && job.failure?.contains("gone") == true)
    }

    /// The node's side: a released claim does not count, a collected proof stays collected, a
    /// refused proof's job waits again with fresh attempts, and heartbeats show every worker.
    @Test func nodeReleasesRequeuesAndSeesWorkers() async throws {
        let (queue, _) = try await Self.queue()
        try await queue.enqueue(batch: 1, sealedWitness: Self.witness(1))
        let claim = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 3))
        try await queue.release(claim, worker: "w")
        let again = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 3))
        #expect(again.attempt == 1)
        #expect(try await queue.complete(again, worker: "w", proof: [7]))
        try await queue.markCollected(batch: 1)
        #expect(try await queue.jobs(from: 1).first?.collected == true)
        try await queue.requeue(batch: 1, reason: "the L1 refused the proof: bad FRI")
        let waiting = try #require(try await queue.jobs(from: 1).first)
        #expect(waiting.state == .waiting && waiting.attempts == 0 && !waiting.collected)
        #expect(waiting.failure == "the L1 refused the proof: bad FRI")
        #expect(try await queue.proof(ofBatch: 1) == nil)
        try await queue.heartbeat(worker: "w", batch: 1)
        try await queue.heartbeat(worker: "v", batch: nil)
        let status = try await queue.status()
        #expect(status.waiting == 1 && status.oldestWaitingSeconds != nil)
        #expect(Set(status.workers.map(\.worker)) == ["w", "v"])
        #expect(status.workers.first { $0.worker == "w" }?.batch == 1)
        try await queue.signOff(worker: "v")
        #expect(try await queue.status().workers.map(\.worker) == ["w"])
        try await queue.retireWitnesses(upTo: 1)
        #expect(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 3)?.sealedWitness == [])
        // Executed batches' rows are kept for inspection, the last `keeping` of them.
        for batch: UInt64 in 2...4 {
            try await queue.enqueue(batch: batch, sealedWitness: Self.witness(batch))
            let claim = try #require(try await queue.claim(worker: "w", lease: .seconds(30), maxAttempts: 3))
            #expect(try await queue.complete(claim, worker: "w", proof: [1]))
        }
        try await queue.retireWitnesses(upTo: 4, keeping: 2)
        #expect(try await queue.jobs(from: 0).map(\.batch) == [1, 3, 4])  // 1 is running, not done: kept
    }

    /// A write the server refuses at its commit is reported as failed, not as done: a deferred
    /// constraint trigger raises only at COMMIT, after the statement itself has completed (in a
    /// transaction of its own, postgres-nio would answer at that completion, before the commit).
    @Test func aWriteRefusedAtCommitIsReportedNotAcknowledged() async throws {
        let (queue, fixture) = try await Self.queue()
        let database = try #require(fixture.database)
        try await queue.enqueue(batch: 1, sealedWitness: Self.witness(1))
        let claim = try #require(try await queue.claim(worker: "w1", lease: .seconds(30), maxAttempts: 3))
        _ = try TestPostgres.sql(
            """
            CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
            CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER UPDATE OR INSERT ON prover_jobs
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();
            """, database: database)
        await #expect(throws: StoreError.self) {
            _ = try await queue.complete(claim, worker: "w1", proof: [1, 2, 3])
        }
        await #expect(throws: StoreError.self) { try await queue.enqueue(batch: 2, sealedWitness: Self.witness(2)) }
        await #expect(throws: StoreError.self) {
            _ = try await queue.fail(claim, worker: "w1", reason: "test", maxAttempts: 3)
        }
        await #expect(throws: StoreError.self) { try await queue.markCollected(batch: 1) }
        _ = try TestPostgres.sql("DROP TRIGGER refuse_at_commit ON prover_jobs", database: database)
        let jobs = try await queue.jobs(from: 0)
        #expect(jobs.map(\.batch) == [1])
        #expect(jobs.first?.state == .running)
        #expect(try await queue.proof(ofBatch: 1) == nil)
    }

    /// A worker started on a database the node has not migrated is told what to do.
    @Test func queueOnADatabaseWithoutTheQueueIsRefused() async throws {
        let database = try TestPostgres.createDatabase()
        await #expect {
            _ = try await TestPostgres.queue(database: database)
        } throws: { error in
            guard case StoreError.database(let message) = error else { return false }
            return message.contains("no prover queue") && message.contains("prover = \"external\"")
        }
    }

    /// Polls until the first lease has expired and the job is claimable again (no timing assumed
    /// beyond an upper bound of 20 s).
    static func claimWhenExpired(_ queue: PostgresProverQueue, worker: String, maxAttempts: Int) async throws -> ProverJobClaim? {
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(100))
            if let claim = try await queue.claim(worker: worker, lease: .seconds(30), maxAttempts: maxAttempts) { return claim }
            let jobs = try await queue.jobs(from: 0)
            if jobs.allSatisfy({ $0.state == .failed }) { return nil }
        }
        Issue.record("the lease never expired")
        return nil
    }
}
