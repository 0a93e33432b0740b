import Foundation
import Logging
import PostgresStore
import Primitives
import ProverJobs
import StoreTestSupport
import Testing

/// The worker against a real queue, where it refuses to prove: a job sealed with another key
/// (the worker stops and hands the job back uncounted) and a witness altered in the database
/// (each attempt fails, then the job is failed with the reason).
@Suite struct ProverWorkerTests {
    static func queue() async throws -> (PostgresProverQueue, String) {
        let engine = try EngineFixture(.postgres)
        _ = try engine.open()
        let database = try #require(engine.database)
        return (try await TestPostgres.queue(database: database), database)
    }

    @Test func workerWithAnotherKeyHandsTheJobBackAndStopsSayingWhichKey() async throws {
        let (queue, _) = try await Self.queue()
        let nodeKey = try ProverKey(bytes: SecureRandom.bytes(32))
        try await queue.enqueue(batch: 5, sealedWitness: try nodeKey.seal(try ProvingJobTests.job(batch: 5)))
        let workerKey = try ProverKey(bytes: SecureRandom.bytes(32))
        let worker = ProverWorker(
            queue: queue, key: workerKey, settings: ProverWorkerSettings(worker: "wrong-key", pollInterval: .milliseconds(50)),
            logger: Logger(label: "test"))
        await #expect {
            try await worker.run()
        } throws: { error in
            "\(error)".contains(nodeKey.id) && "\(error)".contains(workerKey.id)
        }
        let job = try #require(try await queue.jobs(from: 0).first)
        #expect(job.state == .waiting && job.attempts == 0)
    }

    @Test func alteredWitnessFailsEveryAttemptThenTheJob() async throws {
        let (queue, database) = try await Self.queue()
        let key = try ProverKey(bytes: SecureRandom.bytes(32))
        var sealed = try key.seal(try ProvingJobTests.job(batch: 2))
        sealed[sealed.count / 2] ^= 0x40
        try await queue.enqueue(batch: 2, sealedWitness: sealed)
        let worker = ProverWorker(
            queue: queue, key: key,
            settings: ProverWorkerSettings(worker: "w", maxAttempts: 2, pollInterval: .milliseconds(50)),
            logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        for _ in 0..<200 where try await queue.jobs(from: 0).first?.state != .failed {
            try await Task.sleep(for: .milliseconds(50))
        }
        let job = try #require(try await queue.jobs(from: 0).first)
        #expect(job.state == .failed && job.attempts == 2)
        #expect(job.failure?.contains("fails authentication") == true)
        #expect(try TestPostgres.sql("SELECT count(*) FROM prover_workers WHERE id = 'w'", database: database) == "1")
    }
}
