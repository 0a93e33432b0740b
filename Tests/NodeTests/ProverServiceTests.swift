import Foundation
import Logging
import Node
import NodeTestSupport
import Primitives
import Sequencer
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import L1Mock

/// A proof system for tests: the scripted proofs, each taking a while, counting the proofs started.
actor SlowProofsForTests: BatchProofSystem {
    let scripted = ScriptedProofsForTests()
    private(set) var started = 0

    nonisolated var name: String { "slow scripted (tests only)" }
    func genesisStateRoot(of batches: any SealedBatches) async throws -> Hash32 { try await scripted.genesisStateRoot(of: batches) }
    func statement(ofBatch number: UInt64, in batches: any SealedBatches) async throws -> BatchStatement {
        try await scripted.statement(ofBatch: number, in: batches)
    }
    func prove(batch number: UInt64, in batches: any SealedBatches) async throws -> [UInt8] {
        started += 1
        try? await Task.sleep(for: .milliseconds(200))  // a proof under way is finished, not abandoned
        return try await scripted.prove(batch: number, in: batches)
    }
}

/// The in-process prover's service: how it behaves around a backlog of committed batches.
@Suite(.serialized) struct ProverServiceTests {
    @Test func aShutdownWaitsForTheProofUnderWayNotForTheWholeBacklog() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 1)
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let operatorKey = PrivateKey.generate()
        let engine = try L1SettlementMock.open(
            dataDirectory: fixture.directory + "/l1", operator: operatorKey.address, verifier: AcceptMarkedProofsForTests(),
            options: .init(genesisStateRoot: try #require(try chain.batch(number: 0)).stateRoot))
        let proofs = SlowProofsForTests()
        let driver = SettlementService(
            batches: chain, l1: L1MockClient(engine: engine, operatorKey: operatorKey), proofSystem: proofs,
            interval: .milliseconds(10), logger: Logger(label: "test"))
        let backlog = 6
        for nonce in 0..<UInt64(backlog) {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await chain.produceBlock()
            await chain.awaitStateCommitment(through: await chain.head.header.number)
        }
        try await driver.step()
        #expect(try chain.lastCommittedBatch() == UInt64(backlog))

        let prover = ProverService(batches: chain, system: proofs, workers: 1, interval: .milliseconds(10), logger: Logger(label: "test"))
        try await testGracefulShutdown { shutdown in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await prover.run() }
                while await proofs.started == 0 { try await Task.sleep(for: .milliseconds(5)) }
                shutdown.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        // The proof under way was finished and stored; no other was started.
        #expect(await proofs.started == 1)
        #expect(try chain.storedProof(ofBatch: 1) != nil)
        #expect(try chain.storedProof(ofBatch: 2) == nil)
    }
}
