import Foundation
import Primitives
@testable import SQLiteStore
import Store
import Testing

/// The store's admission journal: accepted transactions kept, in order, sealed, until the
/// block that includes them (or a drop) removes them.
@Suite struct AdmissionJournalStoreTests {
    static func entry(_ n: Int) -> (hash: Hash32, raw: [UInt8]) {
        let raw = Array("raw transaction number \(n) with a recognisable body".utf8)
        return (Keccak256.hash(raw), raw)
    }

    @Test func journaledTransactionsReadBackInOrderAcrossReopenAndLeaveWithTheirBlock() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            try store.journalAdmissions([Self.entry(1), Self.entry(2)])
            try store.journalAdmissions([Self.entry(3), Self.entry(2)])  // a repeat is kept once
        }
        let store = try fixture.open()
        #expect(try store.admissionJournal().map(\.raw) == [1, 2, 3].map { Self.entry($0).raw })
        #expect(try store.admissionJournal().map(\.hash) == [1, 2, 3].map { Self.entry($0).hash })

        var block = StoreFixture.block(0)
        block.settledAdmissions = [Self.entry(2).hash, Self.entry(9).hash]
        try store.commit(block)
        #expect(try store.admissionJournal().map(\.hash) == [Self.entry(1).hash, Self.entry(3).hash])
        try store.dropAdmissions([Self.entry(1).hash])
        #expect(try store.admissionJournal().map(\.hash) == [Self.entry(3).hash])
    }

    @Test func aFailedBlockWriteKeepsItsTransactionsJournaled() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open(faultInjector: { stage in if stage == "commit" { throw StoreError.database("injected") } })
        try store.journalAdmissions([Self.entry(1)])
        var block = StoreFixture.block(0)
        block.settledAdmissions = [Self.entry(1).hash]
        #expect(throws: StoreError.self) { try store.commit(block) }
        #expect(try store.admissionJournal().map(\.hash) == [Self.entry(1).hash])
    }

    @Test func theJournalHoldsNoPlaintextTransaction() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            try store.journalAdmissions((0..<20).map(Self.entry))
        }
        let file = try Data(contentsOf: URL(fileURLWithPath: fixture.databasePath))
            + ((try? Data(contentsOf: URL(fileURLWithPath: fixture.databasePath + "-wal"))) ?? Data())
        let needle = Data("recognisable body".utf8)
        #expect(file.range(of: needle) == nil)
        #expect(file.range(of: Data(Self.entry(3).hash.bytes)) == nil)
        #expect(try fixture.rowCount("admissions") == 20)
    }
}
