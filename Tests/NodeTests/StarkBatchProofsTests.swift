import BatchProof
import Ledger
import Foundation
import Logging
import Node
import NodeTestSupport
import Primitives
import Settlement
import Testing
import L1Mock
import Sequencer
import StateTree

/// The node's real proof system: batches committed with the proof tree's roots, proven with
/// the batch AIR, verified by the L1 mock's STARK verifier and by anyone afterwards.
@Suite(.serialized) struct StarkBatchProofsTests {
    let fixture: ChainFixture
    let operatorKey = PrivateKey.generate()
    let l1Sender = PrivateKey.generate().address

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 1) }

    func openL1(genesis: Hash32) throws -> L1SettlementMock {
        try L1SettlementMock.open(
            dataDirectory: fixture.directory + "/l1", operator: operatorKey.address, verifier: StarkBatchVerifier(),
            options: .init(genesisStateRoot: genesis))
    }

    func block(_ chain: Chain) async throws {
        try await chain.produceBlock()
        await chain.awaitStateCommitment(through: await chain.head.header.number)
        try await Task.sleep(for: .milliseconds(20))
    }

    @Test func depositsTransfersAndWithdrawalsAreProvenExecutedAndPaidOutAndAnyoneCanVerifyThem() async throws {
        let chain = try await fixture.openChain(metrics: NodeMetrics())
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let proofs = StarkBatchProofs()
        let engine = try openL1(genesis: try await proofs.genesisStateRoot(of: chain))
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let anyone = L1MockClient(engine: engine, operatorKey: nil)
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: proofs, interval: .milliseconds(10), logger: Logger(label: "test"),
            metrics: chain.nodeMetrics)
        let prover = ProverService(
            batches: chain, system: proofs, workers: 2, interval: .milliseconds(10), logger: Logger(label: "test"),
            metrics: chain.nodeMetrics)

        // Batch 1: a deposit to alice and a native deposit to carol, alice pays bob.
        _ = try await anyone.deposit(recipient: fixture.alice.address, asset: ChainFixture.eurd, amount: 1_500_000, sender: l1Sender)
        _ = try await anyone.deposit(recipient: fixture.carol.address, asset: .zero, amount: 77, sender: l1Sender)
        try await driver.step()  // the node takes the deposits from the L1
        let native = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 7, nonce: 0))
        try await block(chain)
        // Batch 2: alice withdraws EURD, bob pays carol.
        let withdrawal = try await chain.submit(
            raw: fixture.tokenTransfer(from: fixture.alice, to: Bridge.address, amount: 250_000, nonce: 1))
        let token = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.bob, to: fixture.carol.address, amount: 3, nonce: 0))
        try await block(chain)
        #expect(await chain.latestBatch.number == 2)
        #expect(try chain.transaction(hash: withdrawal)?.receipt.succeeded == true)

        try await driver.step()
        #expect(try chain.lastCommittedBatch() == 2)
        // One state tree: the L1 holds exactly the roots the batch records (and block headers) carry.
        let committed = try #require(try await l1.batch(1))
        #expect(committed.commitment.previousStateRoot == (try await proofs.genesisStateRoot(of: chain)))
        #expect(committed.commitment.previousStateRoot == (try #require(try chain.batch(number: 0))).stateRoot)
        #expect(committed.commitment.newStateRoot == (try #require(try chain.batch(number: 1))).stateRoot)
        let batchOne = try #require(try chain.batch(number: 1))
        let nextHeader = try #require(try chain.block(number: batchOne.lastBlock + 1)).header
        #expect(nextHeader.stateRoot == batchOne.stateRoot, "the block after a recorded batch carries its root")

        #expect(try await prover.proveReadyBatches() == 2)
        try await driver.step()
        for number in 1...2 as ClosedRange<UInt64> {
            #expect(try await l1.batch(number)?.status == .executed)
            #expect(try chain.settlement(of: number)?.state == .executed)
            #expect(try await l1.batch(number)?.proofAttempts.map(\.accepted) == [true])
            // Executed: no proof needs the batch's tree update again, so it is dropped.
            #expect(throws: NodeError.self) { try chain.treeUpdate(number) }
            // The operations opening kept with the statement stays, and opens the L1's operations commitment.
            let opening = try #require(try OperationOpenings.opening(ofBatch: number, in: chain))
            #expect(Hash32(rpo: opening.path(of: 0).root) == (try await l1.batch(number))?.commitment.operationsCommitment)
        }
        // A transfer's place among its batch's operations comes after the batch's deposits, and a withdrawal
        // before it does not count (withdrawals follow the padding): [deposit, deposit, alice→bob], [bob→carol, …].
        for (hash, sender, asset, batch, index) in [
            (native, fixture.alice.address, Address.zero, UInt64(1), 2), (token, fixture.bob.address, ChainFixture.eurd, 2, 0),
        ] {
            let included = try #require(try chain.transaction(hash: hash))
            let placement = try #require(try await chain.operationPlacement(of: included))
            #expect(placement.batch == batch && placement.index == index)
            let operation = try #require(try OperationOpenings.opening(ofBatch: batch, in: chain)).operations[index]
            #expect(operation.kind == .transfer && operation.fromKey == AccountLeaf.key(account: sender.bytes, asset: asset.bytes))
        }
        let withdrawn = try #require(try chain.transaction(hash: withdrawal))
        await #expect(throws: NodeError.self) { try await chain.operationPlacement(of: withdrawn) }
        // The prover's pace and what the L1 accepted, for /metrics and `cloister bench`:
        // batch 1 holds two deposits and a transfer, batch 2 two transfers.
        let metrics = String(decoding: chain.nodeMetrics.exposition(), as: UTF8.self)
        for line in ["cloister_batches_proved_total 2", "cloister_transactions_proved_total 5", "cloister_transactions_proven_total 5"] {
            #expect(metrics.contains(line + "\n"), "\(line) not in\n\(metrics)")
        }
        #expect(metrics.contains("cloister_proving_seconds_total "))
        #expect(metrics.contains("cloister_proof_lag_seconds "))

        // Alice's withdrawal pays out on the L1 with the node's Merkle proof.
        let contents = try #require(try chain.batchContents(number: 2))
        let index = try #require(contents.withdrawalSources.firstIndex(of: withdrawal.hex))
        let paid = try await anyone.finalizeWithdrawal(try contents.withdrawalTree(batch: 2).proof(index: index))
        #expect(paid.withdrawal.recipient == fixture.alice.address)
        #expect(paid.withdrawal.amount == 250_000)

        // An auditor with only the L1 verifies both batches.
        let results = try await IndependentVerification.check(l1: anyone)
        #expect(results.map(\.batch) == [1, 2])
        #expect(results.allSatisfy { $0.outcome == .verified })

        // The STARK part of batch 2's proof names no member whose transfer it proves, and none
        // of the balances involved as 62-bit limbs (the deposit and withdrawal lists beside it
        // are public on the L1 anyway).
        let proofBytes = try #require(try await anyone.proof(ofBatch: 2))
        let stark = try BatchProofEnvelope(decoding: proofBytes).proof.encoded()
        for secret in [fixture.bob.address.bytes, fixture.carol.address.bytes, fixture.alice.address.bytes] {
            #expect(!Self.contains(stark, secret))
        }
        let carolsBalance = await chain.holding(token: ChainFixture.eurd, holder: fixture.carol.address).balance
        let lowLimb = carolsBalance.words.0 & (1 << 62 - 1)
        #expect(!Self.contains(stark, withUnsafeBytes(of: lowLimb.littleEndian) { Array($0) }))
    }

    @Test func aRestartedProverRebuildsTheSameRootsAndProvesAnEarlierBatchAgain() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let first = StarkBatchProofs()
        let genesis = try await first.genesisStateRoot(of: chain)
        for nonce in 0..<2 as Range<UInt64> {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: nonce))
            try await block(chain)
        }
        let one = try await first.statement(ofBatch: 1, in: chain)
        let two = try await first.statement(ofBatch: 2, in: chain)
        #expect(one.previousStateRoot == genesis)
        #expect(two.previousStateRoot == one.newStateRoot)
        #expect(one.newStateRoot != genesis)

        // A second instance (the node after a restart) on the same store: same genesis root,
        // same statements, asked out of order; its proof of batch 1 verifies against them.
        let second = StarkBatchProofs()
        #expect(try await second.statement(ofBatch: 2, in: chain) == two)
        #expect(try await second.genesisStateRoot(of: chain) == genesis)
        #expect(try await second.statement(ofBatch: 1, in: chain) == one)
        let proof = try await second.prove(batch: 1, in: chain)
        let engine = try openL1(genesis: genesis)
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: second, interval: .milliseconds(10), logger: Logger(label: "test"))
        try await driver.step()
        let onL1 = try #require(try await l1.batch(1))
        #expect(onL1.commitment.newStateRoot == one.newStateRoot)
        try StarkBatchVerifier().verify(proof: proof, commitment: onL1.commitment)

        // The same batch proved twice gives different bytes (the proof is zero-knowledge).
        #expect(try await second.prove(batch: 1, in: chain) != proof)
        // A different node (another witness seed) has other roots for the same chain.
        let otherFixture = try ChainFixture(maxBlocksPerBatch: 1)
        let otherChain = try await otherFixture.openChain()
        #expect(try await StarkBatchProofs().genesisStateRoot(of: otherChain) != genesis)
    }

    @Test func committedBatchesWaitingForTheirProofsKeepFewWitnessesInMemory() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let proofs = StarkBatchProofs()
        let batches = UInt64(StarkBatchProofs.keptWitnessLimit + 3)
        for nonce in 0..<batches {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: nonce))
            try await block(chain)
        }
        // Every batch is committed (its statement made, its witness built); none is proven yet.
        let l1 = L1MockClient(engine: try openL1(genesis: try await proofs.genesisStateRoot(of: chain)), operatorKey: operatorKey)
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: proofs, interval: .milliseconds(10), logger: Logger(label: "test"))
        try await driver.step()
        #expect(try chain.lastCommittedBatch() == batches)
        #expect(await proofs.keptWitnessCount == StarkBatchProofs.keptWitnessLimit)
        // The last batch's witness was not kept: it is rebuilt for its proof, which the L1 takes.
        let proof = try await proofs.prove(batch: batches, in: chain)
        try StarkBatchVerifier().verify(proof: proof, commitment: try #require(try await l1.batch(batches)).commitment)
        #expect(await proofs.keptWitnessCount == StarkBatchProofs.keptWitnessLimit)
    }

    @Test func aBatchThatChangesNoLeafIsProvenAndSettledLikeAnyOther() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let proofs = StarkBatchProofs()
        let genesis = try await proofs.genesisStateRoot(of: chain)
        // Batch 1 moves nothing (a zero-value transfer): no leaf changes, the root stays.
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 0, nonce: 0))
        try await block(chain)
        // Batch 2 is an ordinary transfer.
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 1))
        try await block(chain)
        let unchanged = try chain.treeUpdate(1)
        #expect(unchanged.oldRoot == unchanged.newRoot)

        let engine = try openL1(genesis: genesis)
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: proofs, interval: .milliseconds(10), logger: Logger(label: "test"))
        try await driver.step()
        for number in 1...2 as ClosedRange<UInt64> {
            let proof = try await proofs.prove(batch: number, in: chain)
            #expect(try BatchProofEnvelope(decoding: proof).version == BatchProofEnvelope.versionV3)
            let onL1 = try #require(try await l1.batch(number))
            try StarkBatchVerifier().verify(proof: proof, commitment: onL1.commitment)
        }
    }

    @Test func aRealProofAlteredInTransitIsRefusedRecordedAndProvedAgain() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let proofs = StarkBatchProofs()
        let engine = try openL1(genesis: try await proofs.genesisStateRoot(of: chain))
        // One byte in the middle of the first proof (inside the STARK openings) flips on the way.
        let l1 = AlteringL1Client(L1MockClient(engine: engine, operatorKey: operatorKey), alter: [1])
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: proofs, interval: .milliseconds(10), logger: Logger(label: "test"))
        let prover = ProverService(batches: chain, system: proofs, workers: 1, interval: .milliseconds(10), logger: Logger(label: "test"))
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0))
        try await block(chain)

        try await driver.step()
        #expect(try await prover.proveReadyBatches() == 1)
        try await driver.step()
        let refused = try #require(try chain.settlement(of: 1))
        #expect(refused.state == .failed, "\(refused)")
        #expect(refused.reason?.isEmpty == false)
        #expect(try chain.storedProof(ofBatch: 1) == nil)
        #expect(try await l1.batch(1)?.status == .committed)
        #expect(try await l1.batch(1)?.proofAttempts.map(\.accepted) == [false])

        // The node proves the batch again; the new proof goes through and the batch executes.
        #expect(try await prover.proveReadyBatches() == 1)
        try await driver.step()
        #expect(try await l1.batch(1)?.status == .executed)
        #expect(try await l1.batch(1)?.proofAttempts.map(\.accepted) == [false, true])
        #expect(try chain.settlement(of: 1)?.state == .executed)
    }

    @Test func aBackgroundProverProvesAtLowPriorityAndTheBatchExecutes() async throws {
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let proofs = StarkBatchProofs(background: true)
        let engine = try openL1(genesis: try await proofs.genesisStateRoot(of: chain))
        let l1 = L1MockClient(engine: engine, operatorKey: operatorKey)
        let driver = SettlementService(
            batches: chain, l1: l1, proofSystem: proofs, interval: .milliseconds(10), logger: Logger(label: "test"))
        let prover = ProverService(batches: chain, system: proofs, workers: 1, interval: .milliseconds(10), logger: Logger(label: "test"))
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 9, nonce: 0))
        try await block(chain)
        try await driver.step()
        #expect(try await prover.proveReadyBatches() == 1)
        try await driver.step()
        #expect(try await l1.batch(1)?.status == .executed)
        #expect(try await l1.batch(1)?.proofAttempts.map(\.accepted) == [true])
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}

/// The L1 behind a faulty relay: the first proof sent for each batch in `alter` arrives with
/// one byte in its middle flipped; everything else passes unchanged.
struct AlteringL1Client: L1Client {
    let inner: any L1Client
    let pending: Locked<Set<UInt64>>

    init(_ inner: any L1Client, alter: Set<UInt64>) {
        self.inner = inner
        pending = Locked(alter)
    }

    func prove(batchNumber: UInt64, batchHash: Hash32, proof: [UInt8]) async throws(SettlementError) -> L1Acknowledgement {
        var sent = proof
        if pending.withLock({ $0.remove(batchNumber) != nil }) { sent[sent.count / 2] ^= 0x01 }
        return try await inner.prove(batchNumber: batchNumber, batchHash: batchHash, proof: sent)
    }

    func commit(_ commitment: BatchCommitment) async throws(SettlementError) -> L1Acknowledgement {
        try await inner.commit(commitment)
    }
    func execute(batchNumber: UInt64, batchHash: Hash32) async throws(SettlementError) -> L1Acknowledgement {
        try await inner.execute(batchNumber: batchNumber, batchHash: batchHash)
    }
    func revert(toBatch: UInt64, lastCommittedBatchHash: Hash32) async throws(SettlementError) -> L1Acknowledgement {
        try await inner.revert(toBatch: toBatch, lastCommittedBatchHash: lastCommittedBatchHash)
    }
    func deposit(recipient: Address, asset: Address, amount: UInt256, sender: Address) async throws(SettlementError) -> DepositRecord {
        try await inner.deposit(recipient: recipient, asset: asset, amount: amount, sender: sender)
    }
    func finalizeWithdrawal(_ proof: WithdrawalProof) async throws(SettlementError) -> FinalizedWithdrawal {
        try await inner.finalizeWithdrawal(proof)
    }
    func status() async throws(SettlementError) -> L1Status { try await inner.status() }
    func batch(_ number: UInt64) async throws(SettlementError) -> L1BatchRecord? { try await inner.batch(number) }
    func batches(from number: UInt64, limit: Int) async throws(SettlementError) -> [L1BatchRecord] {
        try await inner.batches(from: number, limit: limit)
    }
    func proof(ofBatch number: UInt64) async throws(SettlementError) -> [UInt8]? { try await inner.proof(ofBatch: number) }
    func deposits(from index: UInt64, limit: Int) async throws(SettlementError) -> [DepositRecord] {
        try await inner.deposits(from: index, limit: limit)
    }
    func withdrawals(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [FinalizedWithdrawal] {
        try await inner.withdrawals(after: sequence, limit: limit)
    }
    func events(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [L1Event] {
        try await inner.events(after: sequence, limit: limit)
    }
}
