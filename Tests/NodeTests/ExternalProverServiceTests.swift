import Foundation
import L1Mock
import Logging
import Node
import NodeTestSupport
import PostgresStore
import Primitives
import ProverJobs
import Sequencer
import Settlement
import StoreTestSupport
import Testing

/// The node's side of `prover = "external"` against a real PostgreSQL queue: committed batches
/// are enqueued sealed, proofs a worker stores reach the L1 in batch order, and a proof the L1
/// refuses puts its job back to waiting.
@Suite(.serialized) struct ExternalProverServiceTests {
    let fixture: ChainFixture
    let operatorKey = PrivateKey.generate()

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 2) }

    /// A database with the queue's tables (the store's migrations, as the node's start runs them).
    static func queue() async throws -> PostgresProverQueue {
        let engine = try EngineFixture(.postgres)
        _ = try engine.open()
        return try await TestPostgres.queue(database: try #require(engine.database))
    }

    /// What a worker does, with a marked test proof instead of a STARK (`AcceptMarkedProofsForTests`).
    static func prove(
        _ queue: PostgresProverQueue, key: ProverKey, valid: Bool = true
    ) async throws -> ProvingJob? {
        guard let claim = try await queue.claim(worker: "test-worker", lease: .seconds(30), maxAttempts: 3) else { return nil }
        let job = try key.open(claim.sealedWitness, batch: claim.batch)
        let proof = [valid ? 1 : 0] + withUnsafeBytes(of: claim.batch.bigEndian) { Array($0) }
        #expect(try await queue.complete(claim, worker: "test-worker", proof: proof))
        return job
    }

    @Test func committedBatchesAreEnqueuedSealedProvenByWorkersAndARefusedProofIsEnqueuedAgain() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let engine = try L1SettlementMock.open(
            dataDirectory: fixture.directory + "/l1", operator: operatorKey.address, verifier: AcceptMarkedProofsForTests(),
            options: .init(genesisStateRoot: try #require(try chain.batch(number: 0)).stateRoot))
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: ScriptedProofsForTests(), interval: .milliseconds(10), logger: Logger(label: "test"))
        let queue = try await Self.queue()
        let key = try ProverKey(bytes: SecureRandom.bytes(32))
        let metrics = NodeMetrics()
        let external = ExternalProverService(
            batches: chain, queue: queue, key: key, interval: .milliseconds(10), logger: Logger(label: "test"), metrics: metrics)
        for nonce in 0..<4 as Range<UInt64> {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await chain.produceBlock()
            await chain.awaitStateCommitment(through: await chain.head.header.number)
        }
        #expect(await chain.latestBatch.number == 2)
        // The node's statements with external proving keep no witness: workers rebuild them.
        let statements = StarkBatchProofs(keepsWitnesses: false)
        _ = try await statements.statement(ofBatch: 2, in: chain)
        #expect(await statements.keptWitnessCount == 0)

        try await external.step()  // nothing committed yet: nothing enqueued
        #expect(try await queue.jobs(from: 0).isEmpty)
        try await driver.step()
        try await external.step()
        #expect(try await queue.jobs(from: 0).map(\.batch) == [1, 2])
        #expect(try await queue.status().waiting == 2)

        // The worker gets exactly the batch's tree update, sealed; batch 1's proof is refused.
        let first = try #require(try await Self.prove(queue, key: key, valid: false))
        let update = try chain.treeUpdate(1)
        #expect(first.batch == 1 && first.update == update)
        #expect(try await Self.prove(queue, key: key)?.batch == 2)
        try await external.step()  // both proofs collected
        #expect(try chain.storedProof(ofBatch: 2) != nil)
        try await driver.step()  // the L1 refuses batch 1's proof; the driver discards it
        #expect(try chain.settlement(of: 1)?.state == .failed)
        try await external.step()  // ... and its job waits again
        let again = try #require(try await queue.jobs(from: 1).first)
        #expect(again.state == .waiting && again.attempts == 0)
        #expect(again.failure?.contains("the L1 refused the proof") == true)

        #expect(try await Self.prove(queue, key: key)?.batch == 1)
        try await external.step()
        try await driver.step()
        for number in 1...2 as ClosedRange<UInt64> {
            #expect(try await l1.batch(number)?.status == .executed)
        }
        #expect(try await l1.batch(1)?.proofAttempts.map(\.accepted) == [false, true])
        #expect(try engine.events(after: 0, limit: 100).filter { $0.kind == .executed }.count == 2)
        // Executed: nothing is enqueued again, and the witnesses are dropped.
        try await external.step()
        #expect(try await queue.jobs(from: 0).count == 2)
        #expect(try await queue.claim(worker: "late", lease: .seconds(1), maxAttempts: 3) == nil)
        #expect(metrics.proverQueueStatus?.done == 2)
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("cloister_prover_queue_jobs{state=\"done\"} 2"))
    }
}
