import Foundation
import Ledger
import Logging
import Node
import NodeTestSupport
import Policy
import Primitives
import ServiceLifecycle
import Settlement
import Testing
import L1Mock
import Sequencer

/// A verifier for tests only: accepts any non-empty proof, so that the path after proving
/// (execute, finalise a withdrawal with the node's proof) can be exercised before the batch
/// proof system exists.
struct AcceptAnyProofForTests: BatchProofVerifier {
    var name: String { "accept-any (tests only)" }
    func verify(proof: [UInt8], commitment: BatchCommitment) throws {
        guard !proof.isEmpty else { throw SettlementError(.proofRejected, "empty proof") }
    }
}

/// A verifier for tests only: accepts a proof whose first byte is 1 (what
/// `ScriptedProofsForTests` makes), refuses anything else with a reason.
struct AcceptMarkedProofsForTests: BatchProofVerifier {
    var name: String { "accept-marked (tests only)" }
    func verify(proof: [UInt8], commitment: BatchCommitment) throws {
        guard proof.first == 1, proof.count == 9 else { throw SettlementError(.proofRejected, "the test proof is not marked valid") }
        guard proof[1...].reduce(0, { $0 << 8 | UInt64($1) }) == commitment.batchNumber else {
            throw SettlementError(.proofRejected, "the test proof is for another batch")
        }
    }
}

/// A proof system for tests of the settlement path: the ledger's statements and marked
/// proofs; the first proof of each batch in `corrupt` has one byte altered in transit.
actor ScriptedProofsForTests: BatchProofSystem {
    let corrupt: Set<UInt64>
    private(set) var proofsMade: [UInt64] = []
    init(corrupt: Set<UInt64> = []) { self.corrupt = corrupt }

    nonisolated var name: String { "scripted (tests only)" }
    func genesisStateRoot(of batches: any SealedBatches) async throws -> Hash32 { try await NoBatchProofs().genesisStateRoot(of: batches) }
    func statement(ofBatch number: UInt64, in batches: any SealedBatches) async throws -> BatchStatement {
        try await NoBatchProofs().statement(ofBatch: number, in: batches)
    }
    func prove(batch number: UInt64, in batches: any SealedBatches) async throws -> [UInt8] {
        let first = !proofsMade.contains(number)
        proofsMade.append(number)
        let proof = [1] + withUnsafeBytes(of: number.bigEndian) { Array($0) }
        return first && corrupt.contains(number) ? [0] + proof[1...] : proof
    }
}

/// The node's side of settlement: deposits in (credited or refunded), withdrawals out, sealed
/// batches committed in order to the L1 mock, through outages and restarts.
@Suite(.serialized) struct SettlementServiceTests {
    let fixture: ChainFixture
    let operatorKey = PrivateKey.generate()
    let outsider = PrivateKey.generate().address
    let l1Sender = PrivateKey.generate().address

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 2) }

    func policy() throws -> CompiledPolicy {
        let members = PolicyFiles.members(
            [.bankA], [.init("alice", address: fixture.alice.address), .init("bob", address: fixture.bob.address)])
        let roles = """
            [role.trader]
            grants = [{ asset = "*", ops = ["transfer", "read"] }]
            """
        return try PolicyFiles.compile(
            ["policy.toml": members + roles], into: fixture.directory + "/policy", tokens: fixture.config.tokens)
    }

    func openL1(verifier: any BatchProofVerifier = NoProofSystemConfigured(), genesis: Hash32?) throws -> L1SettlementMock {
        try L1SettlementMock.open(
            dataDirectory: fixture.directory + "/l1", operator: operatorKey.address, verifier: verifier,
            options: .init(genesisStateRoot: genesis))
    }

    /// Produces one block and waits until the tracker has recorded every batch it sealed.
    func block(_ chain: Chain) async throws {
        try await chain.produceBlock()
        let head = await chain.head.header.number
        await chain.awaitStateCommitment(through: head)
        try await Task.sleep(for: .milliseconds(20))
    }

    @Test func depositsAreCreditedOrRefundedAndWithdrawalsLeaveThroughTheBatchToTheL1() async throws {
        let chain = try await fixture.openChain(policy: try policy())
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let genesis = try #require(try chain.batch(number: 0)).stateRoot
        let engine = try openL1(verifier: AcceptAnyProofForTests(), genesis: genesis)
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let driver = SettlementService(batches: chain, l1: l1, proofSystem: NoBatchProofs(), interval: .milliseconds(10), logger: Logger(label: "test"))

        // Two deposits on the L1: one to alice (a member), one to an outsider (policy refuses).
        let anyone = L1MockClient(engine: engine, operatorKey: nil)
        _ = try await anyone.deposit(recipient: fixture.alice.address, asset: ChainFixture.eurd, amount: 1_500_000, sender: l1Sender)
        _ = try await anyone.deposit(recipient: outsider, asset: .zero, amount: 77, sender: l1Sender)
        let supplyBefore = await chain.tokenState(ChainFixture.eurd).totalSupply
        let aliceBefore = await chain.holding(token: ChainFixture.eurd, holder: fixture.alice.address).balance
        try await driver.step()
        try await block(chain)  // block 1: both deposits
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.alice.address).balance == aliceBefore + 1_500_000)
        #expect(await chain.account(outsider).nativeBalance == .zero)
        #expect(await chain.tokenState(ChainFixture.eurd).totalSupply == supplyBefore + 1_500_000)
        let audit = try chain.auditEntries()
        #expect(audit.contains { $0.kind == .depositCredited && $0.actor == fixture.alice.address.checksummed })
        #expect(audit.contains { $0.kind == .depositRefunded && $0.detail.contains("not a member") })

        // Alice withdraws native currency and EURD through the bridge address.
        let native = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: Bridge.address, amount: 1_000, nonce: 0))
        let token = try await chain.submit(
            raw: fixture.tokenTransfer(from: fixture.alice, to: Bridge.address, amount: 250_000, nonce: 1))
        try await block(chain)  // block 2 seals batch 1
        #expect(try chain.transaction(hash: native)?.receipt.succeeded == true)
        #expect(try chain.transaction(hash: token)?.receipt.succeeded == true)
        #expect(await chain.tokenState(ChainFixture.eurd).totalSupply == supplyBefore + 1_250_000)
        #expect(await chain.account(Bridge.address).nativeBalance == .zero)

        let batch = try #require(try chain.batch(number: 1))
        #expect(batch.depositCount == 2)
        #expect(batch.withdrawalCount == 3)  // the refund and alice's two withdrawals
        try await driver.step()
        let onL1 = try #require(try await l1.batch(1))
        #expect(onL1.status == .committed)
        #expect(onL1.commitment.depositHash == DepositHash.of(try #require(try chain.batchContents(number: 1)).deposits))
        #expect(onL1.commitment.withdrawalsRoot == batch.withdrawalsRoot)
        #expect(onL1.commitment.auditLogHead == batch.auditHead)
        #expect(onL1.commitment.newStateRoot == batch.stateRoot)
        #expect(try await l1.status().nextDepositToCommit == 2)
        #expect(try chain.settlement(of: 1)?.state == .committed)

        // The node's proof for alice's withdrawal verifies against the committed root; the L1
        // refuses to pay it out before the batch executes.
        let contents = try #require(try chain.batchContents(number: 1))
        let index = try #require(contents.withdrawalSources.firstIndex(of: token.hex))
        let proof = try contents.withdrawalTree(batch: 1).proof(index: index)
        try proof.verify(against: onL1.commitment.withdrawalsRoot)
        await #expect(throws: SettlementError.self) { _ = try await anyone.finalizeWithdrawal(proof) }

        // With a (test) proof accepted and the batch executed, the same proof pays out once.
        _ = try await l1.prove(batchNumber: 1, batchHash: onL1.batchHash, proof: [1, 2, 3])
        _ = try await l1.execute(batchNumber: 1, batchHash: onL1.batchHash)
        let finalized = try await anyone.finalizeWithdrawal(proof)
        #expect(finalized.withdrawal.recipient == fixture.alice.address)
        #expect(finalized.withdrawal.amount == 250_000)
        await #expect(throws: SettlementError.self) { _ = try await anyone.finalizeWithdrawal(proof) }
        // The refund of the outsider's deposit is claimable by its L1 sender.
        let refund = try contents.withdrawalTree(batch: 1).proof(index: try #require(contents.withdrawalSources.firstIndex(of: "deposit:1")))
        #expect(try await anyone.finalizeWithdrawal(refund).withdrawal.recipient == l1Sender)
        try await driver.step()
        #expect(try chain.settlement(of: 1)?.state == .executed)
    }

    @Test func anL1ThatIsAwayIsCaughtUpInOrderWithoutDuplicatesAndARestartedNodeResumes() async throws {
        let first = try await fixture.openChain()
        let firstTracker = Task { try await first.runStateCommitment() }
        let genesis = try #require(try first.batch(number: 0)).stateRoot
        // The L1 service on a port that is then closed: the driver sees it unreachable.
        let engine = try openL1(genesis: genesis)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let probe = L1Service(engine: engine, host: "127.0.0.1", port: 0, logger: Logger(label: "l1")) { continuation.yield($0) }
        let probing = Task { try await probe.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        probing.cancel()
        _ = try? await probing.value
        try await Task.sleep(for: .milliseconds(50))
        let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
        let before = SettlementService(
            batches: first, l1: HTTPL1Client(baseURL: url, operatorKey: operatorKey, timeout: 2), proofSystem: NoBatchProofs(), interval: .milliseconds(10),
            logger: Logger(label: "test"))

        for nonce in 0..<4 as Range<UInt64> {
            _ = try await first.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await block(first)
        }
        #expect(await first.latestBatch.number == 2)
        await #expect(throws: SettlementError.self) { try await before.step() }
        #expect(try first.lastCommittedBatch() == 0)

        // The L1 comes back on the same port: both batches are committed, in order, once.
        let (listening, listeningContinuation) = AsyncStream.makeStream(of: Int.self)
        let service = L1Service(engine: engine, host: "127.0.0.1", port: port, logger: Logger(label: "l1")) {
            listeningContinuation.yield($0)
        }
        let running = Task { try await service.run() }
        defer { running.cancel() }
        // Wait until it listens again (a fixed sleep is too short on a busy machine).
        var listeningIterator = listening.makeAsyncIterator()
        #expect(await listeningIterator.next() == port)
        try await before.step()
        try await before.step()
        #expect(try first.lastCommittedBatch() == 2)
        #expect(try engine.events(after: 0, limit: 100).filter { $0.kind == .committed }.count == 2)

        // The node stops and restarts on the same store: settlement resumes after batch 2.
        await first.finishStateCommitment()
        _ = try? await firstTracker.value
        let second = try await fixture.openChain()
        let secondTracker = Task { try await second.runStateCommitment() }
        defer { secondTracker.cancel() }
        let after = SettlementService(
            batches: second, l1: HTTPL1Client(baseURL: url, operatorKey: operatorKey, timeout: 2), proofSystem: NoBatchProofs(), interval: .milliseconds(10),
            logger: Logger(label: "test"))
        for nonce in 4..<6 as Range<UInt64> {
            _ = try await second.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await block(second)
        }
        try await after.step()
        #expect(try second.lastCommittedBatch() == 3)
        #expect(try engine.events(after: 0, limit: 100).filter { $0.kind == .committed }.count == 3)
        let reader = HTTPL1Client(baseURL: url, operatorKey: nil)
        let third = try #require(try await reader.batch(3))
        let previous = try #require(try await reader.batch(2))
        #expect(third.commitment.previousBatchHash == previous.batchHash)
    }

    @Test func aBatchHoldingOnlyDepositsIsSealedByTimeAndCommitted() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 100, maxBatchIntervalMs: 10)
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let engine = try L1SettlementMock.open(
            dataDirectory: fixture.directory + "/l1", operator: operatorKey.address,
            options: .init(genesisStateRoot: try #require(try chain.batch(number: 0)).stateRoot))
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let driver = SettlementService(batches: chain, l1: l1, proofSystem: NoBatchProofs(), interval: .milliseconds(10), logger: Logger(label: "test"))
        _ = try await l1.deposit(recipient: fixture.bob.address, asset: .zero, amount: 5, sender: l1Sender)
        try await driver.step()
        try await block(chain)
        try await Task.sleep(for: .milliseconds(30))
        try await chain.sealBatchIfDue()
        for _ in 0..<200 where await chain.latestBatch.number < 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try chain.batch(number: 1)?.depositCount == 1)
        try await driver.step()
        #expect(try await l1.status().nextDepositToCommit == 1)
    }

    @Test func aCommitTheL1RefusesIsRecordedWithItsReasonAndRetried() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        // An L1 that expects another genesis state root refuses batch 1.
        let engine = try openL1(genesis: try Hash32(hex: "0x" + String(repeating: "11", count: 32)))
        let driver = SettlementService(
            batches: chain, l1: L1MockClient(engine: engine, operatorKey: operatorKey), proofSystem: NoBatchProofs(), interval: .milliseconds(10),
            logger: Logger(label: "test"))
        for nonce in 0..<2 as Range<UInt64> {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await block(chain)
        }
        await #expect(throws: SettlementError.self) { try await driver.step() }
        let record = try #require(try chain.settlement(of: 1))
        #expect(record.state == .failed)
        #expect(record.reason?.contains("genesis") == true || record.reason?.contains("state root") == true)
        #expect(try chain.lastCommittedBatch() == 0)
        try await chain.produceBlock()
        #expect(try chain.auditEntries().contains { $0.kind == .settlement && $0.outcome == "refused" })
    }

    @Test func committedBatchesAreProvenAndExecutedOnTheirOwnAndARefusedProofIsRecordedAndProvedAgain() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let engine = try openL1(verifier: AcceptMarkedProofsForTests(), genesis: try #require(try chain.batch(number: 0)).stateRoot)
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let proofs = ScriptedProofsForTests(corrupt: [1])
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: proofs, interval: .milliseconds(10), logger: Logger(label: "test"))
        let prover = ProverService(batches: chain, system: proofs, workers: 2, interval: .milliseconds(10), logger: Logger(label: "test"))
        for nonce in 0..<4 as Range<UInt64> {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await block(chain)
        }
        #expect(await chain.latestBatch.number == 2)

        try await driver.step()  // commits 1 and 2; no proof yet
        #expect(try chain.lastCommittedBatch() == 2)
        #expect(try await prover.proveReadyBatches() == 2)  // both at once (two workers)
        #expect(try chain.storedProof(ofBatch: 1) != nil)
        // Batch 1's proof arrives altered: the L1 refuses it and records the attempt; batch 2
        // waits (batches are proven in order); the node records why and forgets the proof.
        try await driver.step()
        let refused = try #require(try chain.settlement(of: 1))
        #expect(refused.state == .failed)
        #expect(refused.reason?.contains("not marked valid") == true)
        #expect(try chain.storedProof(ofBatch: 1) == nil)
        #expect(try await l1.batch(1)?.status == .committed)
        #expect(try await l1.batch(1)?.proofAttempts.map(\.accepted) == [false])
        try await chain.produceBlock()  // audit entries are written with the next block
        #expect(try chain.auditEntries().contains { $0.kind == .settlement && $0.outcome == "proof-rejected" })

        // Proved again, both batches go through to executed.
        #expect(try await prover.proveReadyBatches() == 1)
        try await driver.step()
        for number in 1...2 as ClosedRange<UInt64> {
            #expect(try await l1.batch(number)?.status == .executed)
            #expect(try chain.settlement(of: number)?.state == .executed)
        }
        #expect(try await l1.batch(1)?.proofAttempts.map(\.accepted) == [false, true])
        #expect(await proofs.proofsMade.sorted() == [1, 1, 2])
        // Nothing is left to prove or submit.
        #expect(try await prover.proveReadyBatches() == 0)
        try await driver.step()
        #expect(try engine.events(after: 0, limit: 100).filter { $0.kind == .executed }.count == 2)
    }
}
