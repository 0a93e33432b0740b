import Dispatch
import Foundation
import Primitives
import Store
import StoreTestSupport
import Testing

/// The SQLite engine keeps its admission journal in a file of its own, so a member's answer
/// never waits for a block write (docs/ARCHITECTURE.md, "What a crash can lose").
@Suite struct SQLiteAdmissionFileTests {
    @Test func aJournalWriteCompletesWhileABlockWriteHoldsTheChainWriter() throws {
        let fixture = try EngineFixture(.sqlite)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let store = try fixture.open(faultInjector: { stage in
            guard stage == "block" else { return }
            entered.signal()
            _ = release.wait(timeout: .now() + 60)
        })
        let blockStored = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? store.commit(TestBlocks.block(0))
            blockStored.signal()
        }
        entered.wait()
        let journaled = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? store.journalAdmissions([TestBlocks.admission(1)])
            journaled.signal()
        }
        // Immediate with the journal in its own file; behind the block (here: forever) in chain.sqlite.
        let completedWhileHeld = journaled.wait(timeout: .now() + 10) == .success
        release.signal()
        blockStored.wait()
        if !completedWhileHeld { journaled.wait() }
        #expect(completedWhileHeld)
        #expect(try store.head()?.number == 0)
        #expect(try store.admissionJournal().map(\.hash) == [TestBlocks.admission(1).hash])
    }

    @Test func aJournalKeptInChainSqliteByAnEarlierReleaseMovesToItsOwnFileInOrder() throws {
        let fixture = try EngineFixture(.sqlite)
        do {
            let store = try fixture.open()
            try store.journalAdmissions([3, 1, 2].map(TestBlocks.admission))
        }
        try fixture.moveAdmissionJournalIntoChainFile()
        #expect(try fixture.chainFileHasTable("admissions"))

        let store = try fixture.open()
        #expect(try store.admissionJournal().map(\.hash) == [3, 1, 2].map { TestBlocks.admission($0).hash })
        #expect(try !fixture.chainFileHasTable("admissions"))
        #expect(try fixture.rowCount("admissions") == 3)
    }
}
