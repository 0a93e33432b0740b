import Foundation
import Primitives
import Store
import StoreTestSupport
import Testing

/// The store's admission journal, on every engine: accepted transactions kept, in order,
/// sealed, until the block that includes them (or a drop) removes them.
@Suite struct AdmissionJournalContractTests {
    @Test(arguments: TestEngine.allCases)
    func journaledTransactionsReadBackInOrderAcrossReopenAndLeaveWithTheirBlock(_ engine: TestEngine) throws {
        let fixture = try EngineFixture(engine)
        do {
            let store = try fixture.open()
            try store.journalAdmissions([TestBlocks.admission(1), TestBlocks.admission(2)])
            try store.journalAdmissions([TestBlocks.admission(3), TestBlocks.admission(2)])  // a repeat is kept once
        }
        let store = try fixture.open()
        #expect(try store.admissionJournal().map(\.raw) == [1, 2, 3].map { TestBlocks.admission($0).raw })
        #expect(try store.admissionJournal().map(\.hash) == [1, 2, 3].map { TestBlocks.admission($0).hash })

        var block = TestBlocks.block(0)
        block.settledAdmissions = [TestBlocks.admission(2).hash, TestBlocks.admission(9).hash]
        try store.commit(block)
        #expect(try store.admissionJournal().map(\.hash) == [TestBlocks.admission(1).hash, TestBlocks.admission(3).hash])
        try store.dropAdmissions([TestBlocks.admission(1).hash])
        #expect(try store.admissionJournal().map(\.hash) == [TestBlocks.admission(3).hash])
    }

    @Test(arguments: TestEngine.allCases)
    func aFailedBlockWriteKeepsItsTransactionsJournaled(_ engine: TestEngine) throws {
        let fixture = try EngineFixture(engine)
        let store = try fixture.open(faultInjector: { stage in if stage == "commit" { throw StoreError.database("injected") } })
        try store.journalAdmissions([TestBlocks.admission(1)])
        var block = TestBlocks.block(0)
        block.settledAdmissions = [TestBlocks.admission(1).hash]
        #expect(throws: StoreError.self) { try store.commit(block) }
        #expect(try store.admissionJournal().map(\.hash) == [TestBlocks.admission(1).hash])
    }

    @Test(arguments: TestEngine.allCases)
    func theJournalHoldsNoPlaintextTransaction(_ engine: TestEngine) throws {
        let fixture = try EngineFixture(engine)
        do {
            let store = try fixture.open()
            try store.journalAdmissions((0..<20).map(TestBlocks.admission))
        }
        let contents = try fixture.storedBytes()
        for needle in [Array("recognisable body".utf8)] + EngineFixture.needleForms([TestBlocks.admission(3).hash.bytes]) {
            #expect(contents.range(of: Data(needle)) == nil)
        }
        #expect(try fixture.rowCount("admissions") == 20)
    }
}
