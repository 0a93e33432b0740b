import Foundation
import Primitives
import Sequencer
import SequencerTestSupport
import Store
import Synchronization
import Testing

/// A store that can go away: every call fails while `down` is set (as a database server
/// that stopped), otherwise it forwards to a real SQLite store.
final class OutageStore: ChainStore {
    let inner: any ChainStore
    let down = Mutex(false)
    init(_ inner: any ChainStore) { self.inner = inner }

    func check() throws(StoreError) {
        if down.withLock({ $0 }) { throw .unavailable(database: "test", detail: "the server is down") }
    }
    func head() throws(StoreError) -> BlockHead? { try check(); return try inner.head() }
    func commit(_ block: BlockWrite) throws(StoreError) { try check(); try inner.commit(block) }
    func block(number: UInt64) throws(StoreError) -> [UInt8]? { try check(); return try inner.block(number: number) }
    func blockNumber(hash: Hash32) throws(StoreError) -> UInt64? { try check(); return try inner.blockNumber(hash: hash) }
    func transaction(hash: Hash32) throws(StoreError) -> StoredTransaction? { try check(); return try inner.transaction(hash: hash) }
    func transactions(blockNumber: UInt64) throws(StoreError) -> [StoredTransaction] {
        try check()
        return try inner.transactions(blockNumber: blockNumber)
    }
    func transactions(blockNumber: UInt64, from position: Int, limit: Int) throws(StoreError) -> [StoredTransaction] {
        try check()
        return try inner.transactions(blockNumber: blockNumber, from: position, limit: limit)
    }
    func allStateEntries() throws(StoreError) -> [StateEntry] { try check(); return try inner.allStateEntries() }
    func auditRecords(from: UInt64, limit: Int) throws(StoreError) -> [[UInt8]] {
        try check()
        return try inner.auditRecords(from: from, limit: limit)
    }
    func auditRows(from: UInt64, limit: Int) throws(StoreError) -> [AuditRow] { try check(); return try inner.auditRows(from: from, limit: limit) }
    func lastAuditRow() throws(StoreError) -> AuditRow? { try check(); return try inner.lastAuditRow() }
    func metadata(_ name: String) throws(StoreError) -> [UInt8]? { try check(); return try inner.metadata(name) }
    func appendAuditRecords(_ records: [[UInt8]], blockNumber: UInt64) throws(StoreError) {
        try check()
        try inner.appendAuditRecords(records, blockNumber: blockNumber)
    }
    func putMetadata(_ values: [String: [UInt8]]) throws(StoreError) { try check(); try inner.putMetadata(values) }
    func derivedSecret(purpose: String) -> [UInt8] { inner.derivedSecret(purpose: purpose) }
    /// Journal writes tried (whether the store was up or not).
    let journalWrites = Mutex(0)
    func journalAdmissions(_ entries: [(hash: Hash32, raw: [UInt8])]) throws(StoreError) {
        journalWrites.withLock { $0 += 1 }
        try check()
        try inner.journalAdmissions(entries)
    }
    func admissionJournal() throws(StoreError) -> [(hash: Hash32, raw: [UInt8])] { try check(); return try inner.admissionJournal() }
    func dropAdmissions(_ hashes: [Hash32]) throws(StoreError) { try check(); try inner.dropAdmissions(hashes) }
}

@Suite struct StoreOutageTests {
    /// Once a journal write has failed, transactions are refused at once (no second wait for the
    /// store's timeout), one write tries the store again after the retry interval, and the
    /// first that succeeds ends the outage.
    @Test func afterAFailedJournalWriteTransactionsAreRefusedAtOnceUntilTheStoreAnswers() async throws {
        let fixture = try ChainFixture()
        let store = OutageStore(try fixture.openStore())
        // The chain's own clock, moved by hand: "at once" and "after the interval" do not
        // depend on how fast a loaded machine runs the test.
        let now = Mutex(UInt64(Date().timeIntervalSince1970 * 1000))
        let chain = try await Chain.open(
            config: fixture.config, store: store, logger: .init(label: "test"), clock: { now.withLock { $0 } })
        let transfer = { (nonce: UInt64) in
            fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: nonce)
        }
        store.down.withLock { $0 = true }
        let writesBefore = store.journalWrites.withLock { $0 }
        await #expect(throws: AdmissionError.self) { _ = try await chain.submit(raw: transfer(0)) }
        #expect(store.journalWrites.withLock { $0 } == writesBefore + 1)
        for _ in 0..<3 {
            await #expect {
                _ = try await chain.submit(raw: transfer(0))
            } throws: { error in
                "\(error)".contains("the server is down") && "\(error)".contains("refused at once")
            }
        }
        #expect(store.journalWrites.withLock { $0 } == writesBefore + 1, "refused without touching the store")
        #expect(await chain.pendingCount == 0, "nothing refused stays in the mempool")

        now.withLock { $0 += 999 }
        await #expect(throws: AdmissionError.self) { _ = try await chain.submit(raw: transfer(0)) }
        #expect(store.journalWrites.withLock { $0 } == writesBefore + 1, "not yet time to try again")
        store.down.withLock { $0 = false }
        now.withLock { $0 += 1 }  // the retry interval (1 s) has passed
        let accepted = try await chain.submit(raw: transfer(0))
        #expect(store.journalWrites.withLock { $0 } == writesBefore + 2)
        #expect(await chain.pendingCount == 1)
        _ = try await chain.submit(raw: transfer(1))  // the outage is over: written, not refused
        #expect(store.journalWrites.withLock { $0 } == writesBefore + 3)
        #expect(try await chain.produceBlock()?.transactionHashes.first == accepted)
    }

    /// The block write fails and so does reading the ledger back: the transaction waits in the
    /// mempool, no block is made on the unstored state, and once the store is back the
    /// transaction is included exactly once.
    @Test func aBlockWriteAndLedgerReloadFailingTogetherLoseNothingAndBuildOnNothingUnstored() async throws {
        let fixture = try ChainFixture()
        let store = OutageStore(try fixture.openStore())
        let chain = try await Chain.open(config: fixture.config, store: store, logger: .init(label: "test"))
        let before = await chain.account(fixture.bob.address).nativeBalance
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 5, nonce: 0))
        store.down.withLock { $0 = true }
        await #expect(throws: (any Error).self) { try await chain.produceBlock() }
        #expect(await chain.pendingCount == 1, "the transaction went back to the mempool")
        await #expect(throws: (any Error).self) { try await chain.produceBlock() }
        store.down.withLock { $0 = false }
        let block = try #require(try await chain.produceBlock())
        #expect(block.header.number == 1 && block.transactionHashes.count == 1)
        #expect(await chain.account(fixture.bob.address).nativeBalance == before + 5, "credited once")
        #expect(try await chain.produceBlock() == nil)
    }
}
