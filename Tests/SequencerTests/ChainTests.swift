import Foundation
import Ledger
import SequencerTestSupport
import Primitives
import Store
import Testing
import Transactions
import Sequencer

@Suite struct ChainTests {
    @Test func genesisGivesEveryMemberItsBalances() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        #expect(await chain.head.header.number == 0)
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.alice.address).balance == 5_000_000_000)
        #expect(await chain.account(fixture.carol.address).nativeBalance == (try UInt256(decimal: "1000000000000000000000")))
        #expect(await chain.tokenState(ChainFixture.eurd).totalSupply == 8_000_000_000)
        #expect(await chain.latestBatch.number == 0)
        #expect(await chain.head.header.stateRoot == chain.latestBatch.stateRoot)
    }

    @Test func transfersExecuteInABlockWithReceiptsAndLogs() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        let hash = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1_500, nonce: 0))
        let native = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 7, nonce: 0))
        let block = try #require(try await chain.produceBlock())
        #expect(block.header.number == 1)
        #expect(block.transactionHashes == [hash, native])
        #expect(block.header.parentHash == (try chain.block(number: 0))?.hash)
        let included = try #require(try chain.transaction(hash: hash))
        #expect(included.receipt.succeeded)
        #expect(included.sender == fixture.alice.address)
        #expect(included.blockHash == block.hash)
        #expect(included.receipt.logs.count == 1)
        #expect(included.receipt.logs.first?.topics.first?.hex == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.carol.address).balance == 1_500)
        #expect(await chain.account(fixture.carol.address).nativeBalance == (try UInt256(decimal: "1000000000000000000007")))
        #expect(await chain.account(fixture.alice.address).nonce == 1)

        // The receipts root, rebuilt from the stored receipts with the generic RLP item encoder:
        // each leaf is keccak(rlp([status, cumulativeGasUsed, logs])), two leaves hash as a pair.
        func leaf(_ transaction: IncludedTransaction) -> Hash32 {
            let logs = transaction.receipt.logs.map { log in
                RLPItem.list([.bytes(log.address.bytes), .list(log.topics.map { .bytes($0.bytes) }), .bytes(log.data)])
            }
            let gas = withUnsafeBytes(of: transaction.cumulativeGasUsed.bigEndian) { Array($0) }.drop { $0 == 0 }
            return Keccak256.hash(
                RLP.encode(.list([.bytes(transaction.receipt.succeeded ? [1] : []), .bytes(Array(gas)), .list(logs)])))
        }
        let nativeIncluded = try #require(try chain.transaction(hash: native))
        #expect(block.header.receiptsRoot == Keccak256.hash(leaf(included).bytes + leaf(nativeIncluded).bytes))
        #expect(included.receiptHash == leaf(included))
    }

    @Test func aBatchNeverHoldsMoreOperationsThanItsProofMayHaveSlots() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 1_000, maxBatchOperations: 4)
        let chain = try await fixture.openChain()
        for nonce in 0..<10 {
            _ = try await chain.submit(
                raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1, nonce: UInt64(nonce)))
        }
        var sizes = [Int]()
        var filled = [Bool]()
        while let block = try await chain.produceBlock() {
            sizes.append(block.transactionHashes.count)
            filled.append(await chain.lastBlockFilledItsBatch)
        }
        // Each block takes what the open batch has room for; a full batch is sealed with its
        // block, and block production is told to go on at once.
        #expect(sizes == [4, 4, 2])
        #expect(filled == [true, true, false])
        #expect(try chain.batchContents(number: 1)?.operationCount == 4)
        #expect(try chain.batchContents(number: 2)?.operationCount == 4)
        #expect(await chain.account(fixture.alice.address).nonce == 10)
    }

    /// One tick goes on past full batches in a single call (no hop back per block), stops at a
    /// block that did not fill its batch, and never exceeds its bound.
    @Test func oneProductionTickFollowsFullBatchesAtOnceUpToItsBound() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 1_000, maxBatchOperations: 4)
        let chain = try await fixture.openChain()
        for nonce in 0..<18 {
            _ = try await chain.submit(
                raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1, nonce: UInt64(nonce)))
        }
        #expect(try await chain.produceBlocks(maximumBlocks: 2) == 2)
        #expect(await chain.head.header.number == 2)
        #expect(await chain.pendingCount == 10)
        // 10 left: blocks of 4 and 4 fill their batches, the block of 2 ends the tick.
        #expect(try await chain.produceBlocks(maximumBlocks: 32) == 3)
        #expect(await chain.pendingCount == 0)
        for sealed in 1...4 { #expect(try chain.batchContents(number: UInt64(sealed))?.operationCount == 4) }
        #expect(try await chain.produceBlocks(maximumBlocks: 32) == 0)
        #expect(await chain.account(fixture.alice.address).nonce == 18)
    }

    /// While `max_sealed_awaiting_root` sealed batches wait for the account tree, block
    /// production pauses (their changes wait in memory); it resumes once the tree catches up.
    @Test func blockProductionPausesWhileSealedBatchesAwaitTheirRoot() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 1_000, maxBatchOperations: 4, maxSealedAwaitingRoot: 2)
        let chain = try await fixture.openChain()
        for nonce in 0..<18 {
            _ = try await chain.submit(
                raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1, nonce: UInt64(nonce)))
        }
        // The account tree is not followed yet: two full batches are sealed, then production waits.
        #expect(try await chain.produceBlocks(maximumBlocks: 32) == 2)
        #expect(await chain.sealedBatchesAwaitingRoot == 2)
        #expect(try await chain.produceBlocks(maximumBlocks: 32) == 0)
        #expect(await chain.pendingCount == 10, "admitted transactions wait in the mempool")

        let commitment = Task { try await chain.runStateCommitment() }
        await chain.awaitBatch(2)
        #expect(await chain.sealedBatchesAwaitingRoot == 0)
        // 10 left: blocks of 4 and 4 seal two more batches (production may wait for their roots), then 2.
        #expect(try await chain.produceBlocks(maximumBlocks: 32) >= 2)
        await chain.awaitBatch(4)
        for _ in 0..<100 where await chain.pendingCount > 0 {
            try await chain.produceBlocks(maximumBlocks: 32)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await chain.pendingCount == 0)
        #expect(await chain.account(fixture.alice.address).nonce == 18)
        await chain.finishStateCommitment()
        try await commitment.value
    }

    @Test func failedOperationIsIncludedWithStatusZeroAndConsumesNonce() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        let hash = try await chain.submit(
            raw: fixture.tokenTransfer(from: fixture.carol, to: fixture.alice.address, amount: 1, nonce: 0))
        try await chain.produceBlock()
        let included = try #require(try chain.transaction(hash: hash))
        #expect(!included.receipt.succeeded)
        #expect(included.receipt.revertReason?.isEmpty == false)
        #expect(await chain.account(fixture.carol.address).nonce == 1)
    }

    @Test func admissionRefusesBadNoncesAndUnsupportedOperations() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        let first = fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 0)
        _ = try await chain.submit(raw: first)
        await #expect(throws: AdmissionError.alreadyKnown) { try await chain.submit(raw: first) }
        await #expect(throws: AdmissionError.nonceAlreadyPending(0)) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 2, nonce: 0))
        }
        #expect(await chain.pendingNonce(of: fixture.alice.address) == 1)
        try await chain.produceBlock()
        await #expect(throws: AdmissionError.nonceTooLow(next: 1, got: 0)) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 3, nonce: 0))
        }
        await #expect(throws: AdmissionError.self) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 3, nonce: 5_000))
        }
        let creation = TransactionCodec.sign(
            .dynamicFee(chainID: 4242, nonce: 1, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: 100_000, to: nil, value: 0, data: [0x60]),
            with: fixture.alice)
        await #expect(throws: AdmissionError.self) { try await chain.submit(raw: creation.rawBytes) }
        let wrongChain = TransactionCodec.sign(
            .legacy(chainID: 1, nonce: 1, gasPrice: 0, gasLimit: 21_000, to: fixture.bob.address, value: 1), with: fixture.alice)
        await #expect(throws: AdmissionError.invalidTransaction(.wrongChainID(expected: 4242, actual: 1))) {
            try await chain.submit(raw: wrongChain.rawBytes)
        }
        #expect(await chain.pendingCount == 0)
    }

    @Test func futureNonceWaitsForItsPredecessor() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        let second = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 2, nonce: 1))
        #expect(try await chain.produceBlock() == nil)
        let first = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 0))
        let block = try #require(try await chain.produceBlock())
        #expect(block.transactionHashes == [first, second])
    }

    /// A full pool of transactions that cannot run (each behind a nonce its sender never got
    /// in) would stop block production for good: a transaction that can run makes room by
    /// evicting them, and the eviction is audited.
    @Test func fullMempoolEvictsTransactionsStrandedBehindANonceGap() async throws {
        let fixture = try ChainFixture(mempoolMaxTransactions: 4)
        let chain = try await fixture.openChain()
        var stranded: [Hash32] = []
        for nonce in 1...3 as ClosedRange<UInt64> {  // alice's nonce 0 never arrives
            stranded.append(
                try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: nonce)))
        }
        let bobs = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: 0))
        #expect(await chain.pendingCount == 4)

        // A newcomer that would itself wait behind a gap is refused, and evicts nothing.
        await #expect(throws: AdmissionError.mempoolFull(limit: 4)) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.carol, to: fixture.bob.address, amount: 1, nonce: 1))
        }
        #expect(await chain.pendingCount == 4)

        // One that can run evicts the stranded three and is queued.
        let carols = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.carol, to: fixture.bob.address, amount: 1, nonce: 0))
        #expect(await chain.pendingCount == 2)
        let block = try #require(try await chain.produceBlock())
        #expect(Set(block.transactionHashes) == [bobs, carols])

        let evictions = try chain.auditEntries().filter { $0.kind == .mempoolEvicted }
        #expect(Set(evictions.compactMap(\.transaction)) == Set(stranded.map(\.hex)))
        #expect(evictions.allSatisfy { $0.actor == fixture.alice.address.checksummed })
        // Nor are they journaled any more: a restart would not bring them back.
        #expect(try fixture.openStore().admissionJournal().isEmpty)
        // Alice can still send her run from nonce 0.
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 0))
        #expect(await chain.pendingNonce(of: fixture.alice.address) == 1)
    }

    @Test func fullMempoolOfRunnableTransactionsRefusesMore() async throws {
        let fixture = try ChainFixture(mempoolMaxTransactions: 3)
        let chain = try await fixture.openChain()
        for nonce in 0..<3 as Range<UInt64> {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: nonce))
        }
        await #expect(throws: AdmissionError.mempoolFull(limit: 3)) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.alice.address, amount: 1, nonce: 0))
        }
        #expect(await chain.pendingCount == 3)
        #expect(try chain.auditEntries().contains { $0.kind == .mempoolEvicted } == false)
    }

    /// Blocks, stop, start again from the same data directory: same balances, receipts and
    /// state root, and the next block number continues.
    @Test func restartResumesExactlyWhereItStopped() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 2)
        var hashes = [Hash32]()
        let before: (head: SequencedBlock, root: Hash32, batch: BatchRecord, alice: HoldingState, carol: AccountState)
        do {
            let chain = try await fixture.openChain()
            let commitment = Task { try await chain.runStateCommitment() }
            for nonce in 0..<3 {
                hashes.append(
                    try await chain.submit(
                        raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 10, nonce: UInt64(nonce))))
                hashes.append(
                    try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: UInt64(nonce))))
                try await chain.produceBlock()
            }
            await chain.awaitBatch(1)
            await chain.finishStateCommitment()
            try await commitment.value
            before = (
                await chain.head, try await chain.currentStateRoot(), await chain.latestBatch,
                await chain.holding(token: ChainFixture.eurd, holder: fixture.alice.address), await chain.account(fixture.carol.address)
            )
        }
        #expect(before.head.header.number == 3)
        #expect(before.batch.number == 1 && before.batch.lastBlock == 2)

        let chain = try await fixture.openChain()
        #expect(await chain.head == before.head)
        #expect(try await chain.currentStateRoot() == before.root)
        #expect(await chain.latestBatch == before.batch)
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.alice.address) == before.alice)
        #expect(await chain.account(fixture.carol.address) == before.carol)
        for hash in hashes { #expect(try chain.transaction(hash: hash)?.receipt.succeeded == true) }

        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 3))
        let next = try #require(try await chain.produceBlock())
        #expect(next.header.number == 4)
        #expect(next.header.parentHash == before.head.hash)
        #expect(next.header.stateRoot == before.batch.stateRoot)
    }

    /// A fault in the middle of a block's storage write: the store stays at the previous
    /// block, nothing is applied in memory, the transaction waits, and the next attempt works.
    @Test(arguments: ["transactions", "state", "commit"])
    func faultDuringBlockWriteLosesNothing(_ stage: String) async throws {
        let fixture = try ChainFixture()
        let armed = Locked(false)
        let chain = try await fixture.openChain { current in
            if current == stage, armed.withLock({ $0 }) { throw StoreError.injectedFault(current) }
        }
        let hash = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 99, nonce: 0))
        armed.withLock { $0 = true }
        await #expect(throws: (any Error).self) { try await chain.produceBlock() }
        #expect(await chain.head.header.number == 0)
        #expect(try fixture.openStore().head()?.number == 0)
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.carol.address).balance == 0)
        #expect(await chain.account(fixture.alice.address).nonce == 0)
        #expect(try chain.transaction(hash: hash) == nil)
        #expect(await chain.pendingCount == 1)

        armed.withLock { $0 = false }
        let block = try #require(try await chain.produceBlock())
        #expect(block.header.number == 1)
        #expect(try chain.transaction(hash: hash)?.receipt.succeeded == true)
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.carol.address).balance == 99)
    }

    /// After a workload, neither the database nor its WAL holds a member address, an amount
    /// of the workload or a token symbol in plaintext.
    @Test func databaseAndWALHoldNoPlaintext() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 3)
        let chain = try await fixture.openChain()
        let commitment = Task { try await chain.runStateCommitment() }
        let amounts: [UInt256] = [123_457, 9_876_543, 31_415_926]
        for (nonce, amount) in amounts.enumerated() {
            _ = try await chain.submit(
                raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: amount, nonce: UInt64(nonce)))
            _ = try await chain.submit(
                raw: fixture.tokenTransfer(
                    from: fixture.alice, token: ChainFixture.zqxt, to: fixture.bob.address, amount: amount, nonce: UInt64(nonce + 3)))
            try await chain.produceBlock()
        }
        await chain.awaitBatch(1)
        await chain.finishStateCommitment()
        try await commitment.value

        var contents = Data()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: fixture.databasePath + suffix) { contents.append(data) }
        }
        #expect(contents.count > 4096)
        // Positive control: the scan does see plaintext the file really holds (SQLite's schema).
        #expect(contents.range(of: Data("CREATE TABLE".utf8)) != nil)
        var needles: [(String, [UInt8])] = []
        for key in [fixture.alice, fixture.bob, fixture.carol, fixture.issuer] {
            let address = key.address
            needles += [
                ("raw address", address.bytes), ("hex address", Array(address.hex.dropFirst(2).utf8)),
                ("upper hex address", Array(address.hex.dropFirst(2).uppercased().utf8)),
                ("checksummed address", Array(address.checksummed.dropFirst(2).utf8)),
            ]
        }
        // Balances after the workload: alice's EURD and ZQXT (only the first ZQXT transfer fits), carol's EURD.
        let balances: [UInt256] = [5_000_000_000 - 123_457 - 9_876_543 - 31_415_926, 700_001 - 123_457, 123_457 + 9_876_543 + 31_415_926]
        #expect(await chain.holding(token: ChainFixture.zqxt, holder: fixture.alice.address).balance == balances[1])
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.carol.address).balance == balances[2])
        for amount in amounts + balances {
            needles += [("amount bytes", amount.bigEndianBytes), ("amount decimal", Array(amount.decimal.utf8))]
        }
        needles += [("symbol", Array("EURD".utf8)), ("symbol", Array("ZQXT".utf8)), ("token name", Array("Test Token".utf8))]
        for (kind, needle) in needles {
            #expect(contents.range(of: Data(needle)) == nil, "found \(kind) in the database file")
        }
    }

    @Test func blocksAndRefusalsAreAudited() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        let hash = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 0))
        await #expect(throws: AdmissionError.self) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 0))
        }
        await #expect(throws: AdmissionError.self) { try await chain.submit(raw: [0x03, 0xc0]) }
        try await chain.produceBlock()
        var entries = try chain.auditEntries()
        #expect(entries.map(\.kind) == [.genesis, .admissionRefused, .admissionRefused, .block])
        #expect(entries[1].transaction == hash.hex && entries[1].detail == "already known")
        #expect(entries[1].actor == fixture.alice.address.checksummed)
        #expect(entries[3].block == 1)

        // Refusals while no block is due are written on their own.
        await #expect(throws: AdmissionError.self) { try await chain.submit(raw: [0x03, 0xc0]) }
        #expect(try await chain.produceBlock() == nil)
        entries = try chain.auditEntries()
        #expect(entries.last?.kind == .admissionRefused)
    }
}
