import Foundation
import GRDB
import SequencerTestSupport
import Primitives
import SQLiteStore
import Store
import Testing
import Sequencer

/// The audit log is hash-chained: editing, deleting or swapping a record in the database file
/// is reported at the first bad record; the untouched log verifies.
@Suite struct AuditChainTests {
    /// A chain with a handful of audit records (genesis, refusals, blocks), stopped.
    func chainWithAuditLog() async throws -> ChainFixture {
        let fixture = try ChainFixture()
        let chain = try await fixture.openChain()
        for nonce in 0..<3 {
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: UInt64(nonce)))
            _ = try? await chain.submit(raw: [0x03, 0xc0])
            try await chain.produceBlock()
        }
        return fixture
    }

    /// Copies the data directory, applies `tamper` to the copy's database, and verifies it.
    func verifyTampered(_ fixture: ChainFixture, _ tamper: (Database) throws -> Void) throws -> AuditVerifier.Report {
        let copy = fixture.directory + "/tampered-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: fixture.config.dataDirectory, toPath: copy)
        let queue = try DatabaseQueue(path: copy + "/" + SQLiteChainStore.fileName)
        try queue.write(tamper)
        try queue.close()
        let store = try SQLiteChainStore(directory: copy, masterKey: try MasterKey.load(from: fixture.keyPath), masterKeyPath: fixture.keyPath)
        return try AuditVerifier.verify(store)
    }

    @Test func untouchedLogVerifiesAndSurvivesRestart() async throws {
        let fixture = try await chainWithAuditLog()
        let report = try AuditVerifier.verify(try fixture.openStore())
        #expect(report.problem == nil)
        #expect(report.records == 7)  // genesis, 3 refusals, 3 blocks
        // A restarted chain keeps linking from the stored head.
        let chain = try await fixture.openChain()
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 3))
        try await chain.produceBlock()
        let after = try AuditVerifier.verify(try fixture.openStore())
        #expect(after.problem == nil)
        #expect(after.records == 8)
    }

    @Test func editedRecordIsReported() async throws {
        let fixture = try await chainWithAuditLog()
        let report = try verifyTampered(fixture) { db in
            var sealed = try Data.fetchOne(db, sql: "SELECT sealed FROM audit WHERE seq = 2")!
            sealed[sealed.count / 2] ^= 0x01
            try db.execute(sql: "UPDATE audit SET sealed = ? WHERE seq = 2", arguments: [sealed])
        }
        #expect(report.problem?.sequence == 2)
        #expect(report.problem?.reason.contains("cannot be opened") == true)
        #expect(report.records == 2)
    }

    @Test func deletedRecordIsReported() async throws {
        let fixture = try await chainWithAuditLog()
        let report = try verifyTampered(fixture) { db in try db.execute(sql: "DELETE FROM audit WHERE seq = 3") }
        #expect(report.problem?.sequence == 3)
        #expect(report.problem?.reason.contains("missing") == true)
    }

    @Test func swappedRecordsAreReported() async throws {
        let fixture = try await chainWithAuditLog()
        let report = try verifyTampered(fixture) { db in
            let one = try Data.fetchOne(db, sql: "SELECT sealed FROM audit WHERE seq = 1")!
            let four = try Data.fetchOne(db, sql: "SELECT sealed FROM audit WHERE seq = 4")!
            try db.execute(sql: "UPDATE audit SET sealed = ? WHERE seq = 1", arguments: [four])
            try db.execute(sql: "UPDATE audit SET sealed = ? WHERE seq = 4", arguments: [one])
        }
        #expect(report.problem?.sequence == 1)
    }

    @Test func deletedAndRenumberedRecordsAreReported() async throws {
        let fixture = try await chainWithAuditLog()
        let report = try verifyTampered(fixture) { db in
            try db.execute(sql: "DELETE FROM audit WHERE seq = 2")
            try db.execute(sql: "UPDATE audit SET seq = seq - 1 WHERE seq > 2")
        }
        #expect(report.problem?.sequence == 2)
    }
}
