import Foundation
import GRDB
import Ledger
import Primitives
import SequencerTestSupport
import Store
import Synchronization
import Testing
import Transactions

@testable import Sequencer

/// An accepted transaction (its hash answered) survives a crash: it is journaled before the
/// answer and put back in the mempool when the chain opens again.
@Suite struct DurableAdmissionTests {
    @Test func acceptedTransactionsSurviveACrashAndRunAfterTheRestart() async throws {
        let fixture = try ChainFixture()
        var hashes = [Hash32]()
        do {
            let chain = try await fixture.openChain()
            hashes.append(try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0)))
            hashes.append(try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 6, nonce: 1)))
            let admitted = try [fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 7, nonce: 0)].map {
                try chain.admit(raw: $0)
            }
            #expect(await chain.enqueue(contentsOf: admitted) == [nil])
            hashes.append(admitted[0].hash)
            // The process dies here: no block was made, the mempool is gone.
        }
        let chain = try await fixture.openChain()
        #expect(await chain.pendingCount == 3)
        let block = try #require(try await chain.produceBlock())
        #expect(block.transactionHashes == hashes)
        for hash in hashes { #expect(try chain.transaction(hash: hash)?.receipt.succeeded == true) }

        // Included: the journal is empty, and a further restart restores nothing.
        #expect(try fixture.openStore().admissionJournal().isEmpty)
        let again = try await fixture.openChain()
        #expect(await again.pendingCount == 0)
    }

    @Test func withoutTheJournalAnAcceptedTransactionIsLostInACrash() async throws {
        let fixture = try ChainFixture(durableAdmission: false)
        do {
            let chain = try await fixture.openChain()
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0))
        }
        let chain = try await fixture.openChain()
        #expect(await chain.pendingCount == 0)
    }

    @Test func aJournaledTransactionThatCanNoLongerRunLeavesTheJournalOnRestart() async throws {
        let fixture = try ChainFixture()
        let stale = fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0)
        let replaced = fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 9, nonce: 0)
        do {
            let chain = try await fixture.openChain()
            _ = try await chain.submit(raw: replaced)
            try await chain.produceBlock()
        }
        // A journal entry whose nonce a block already used (e.g. written after a crash window).
        try fixture.openStore().journalAdmissions([(Keccak256.hash(stale), stale)])
        let chain = try await fixture.openChain()
        #expect(await chain.pendingCount == 0)
        #expect(try fixture.openStore().admissionJournal().isEmpty)
    }

    @Test func aTransactionThatCannotBeJournaledIsRefusedAndNotQueued() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        // Make the journal fail: its table is gone.
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let raw = try DatabaseQueue(path: fixture.admissionJournalPath, configuration: configuration)
        try await raw.write { db in try db.execute(sql: "DROP TABLE admissions") }
        try raw.close()
        await #expect(throws: AdmissionError.self) {
            try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0))
        }
        #expect(await chain.pendingCount == 0)
    }

    /// Every accepted answer reports where it waited: for the mempool, and for the journal
    /// write only when there is a journal; a request the mempool refused reports nothing.
    @Test(arguments: [true, false])
    func anAcceptedAnswerReportsItsMempoolWaitAndItsJournalWaitOnlyWithAJournal(durable: Bool) async throws {
        let fixture = try ChainFixture(durableAdmission: durable)
        let waits = AdmissionWaits()
        let chain = try await fixture.openChain(metrics: waits)
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0))
        let admitted = try chain.admit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 1))
        #expect(await chain.enqueue(contentsOf: [admitted]) == [nil])
        await #expect(throws: AdmissionError.self) {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 0))
        }
        let refused = try chain.admit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 1))
        #expect(await chain.enqueue(contentsOf: [refused]) == [.alreadyKnown])
        let reported = waits.reported.withLock { $0 }
        #expect(reported.count == 2)
        #expect(reported.allSatisfy { ($0.journal != nil) == durable })
        if durable { #expect(reported.allSatisfy { ($0.journal ?? .zero) > .zero }) }
    }
}

/// Records what the chain reports of its answers' waits.
final class AdmissionWaits: SequencerMetrics {
    let reported = Mutex<[(mempool: Duration, journal: Duration?)]>([])
    func admissionWaited(forMempool: Duration, forJournal: Duration?) {
        reported.withLock { $0.append((forMempool, forJournal)) }
    }
    func transactionAdmitted() {}
    func transactionRefused(reason: String) {}
    func transactionsEvicted(_ count: Int) {}
    func transactionRefusedAtExecution(rule: String) {}
    func blockProduced(transactions: Int, failed: Int, duration: Duration, mempoolSize: Int) {}
    func batchClosed() {}
    func batchSealed() {}
    func blockProductionPausedForStateTree() {}
    func policyRefusalProvoked(member: String, entry: String) {}
}
