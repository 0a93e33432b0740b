import Foundation
import PostgresStore
import Primitives
import Store
import StoreTestSupport
import Testing

/// The server goes away and comes back, on a cluster of this test's own (scripts/pg-test-cluster.sh
/// halt/resume): a block write holds and completes when the server is back, other calls fail with
/// `StoreError.unavailable` meanwhile, and nothing acknowledged is lost.
@Suite struct PostgresOutageTests {
    /// Runs scripts/pg-test-cluster.sh with a state folder of this test's own.
    struct OwnCluster {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-pg-\(UUID().uuidString)").path
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/pg-test-cluster.sh").path

        /// Through the shell and `waitpid`: Foundation's `Process.waitUntilExit` does not return here
        /// once the server the script started outlives it.
        func run(_ command: String) throws {
            let status = system("/bin/bash '\(Self.script)' \(command) '\(state)' </dev/null >/dev/null 2>&1")
            guard status == 0 else { throw TestPostgresError(problem: "pg-test-cluster.sh \(command) failed (\(status))") }
        }

        func variables() throws -> [String: String] {
            let text = try String(contentsOfFile: state + "/env", encoding: .utf8)
            return Dictionary(uniqueKeysWithValues: text.split(separator: "\n").compactMap { line -> (String, String)? in
                guard let equals = line.firstIndex(of: "=") else { return nil }
                return (String(line[..<equals]), String(line[line.index(after: equals)...]))
            })
        }
    }

    @Test func blockWriteHoldsThroughAnOutageAndOtherCallsFailClearly() throws {
        _ = try TestPostgres.requireCluster()  // the machine has PostgreSQL's programs
        let cluster = OwnCluster()
        try cluster.run("start")
        defer { try? cluster.run("stop") }
        let variables = try cluster.variables()
        let location = try PostgresLocation(
            url: try #require(variables["CLOISTER_TEST_POSTGRES_URL"]), password: variables["CLOISTER_TEST_POSTGRES_PASSWORD"])
        let key = try MasterKey(bytes: SecureRandom.bytes(32))
        let store = try PostgresChainStore(
            location: location, masterKey: key, masterKeyPath: "master.key", operationTimeout: .seconds(3),
            blockWriteHold: .seconds(300))
        try store.commit(TestBlocks.block(0))
        try store.journalAdmissions([TestBlocks.admission(1)])

        try cluster.run("halt")
        #expect {
            try store.journalAdmissions([TestBlocks.admission(2)])
        } throws: { error in
            guard case StoreError.unavailable(let database, _) = error else { return false }
            return database == location.description
        }
        #expect(throws: StoreError.self) { try store.head() }

        // Block 1 (settling admission 1) is written while the server is away: it holds.
        let written = Locked<Result<Void, StoreError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        var block = TestBlocks.block(1)
        block.settledAdmissions = [TestBlocks.admission(1).hash]
        let write = block
        Thread.detachNewThread {
            let result = Result { () throws(StoreError) in try store.commit(write) }
            written.withLock { $0 = result }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 2)
        #expect(written.withLock { $0 } == nil, "a block cannot be written while the server is down")

        try cluster.run("resume")
        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(throws: Never.self) { try written.withLock { $0 }?.get() }
        #expect(try store.head()?.number == 1)
        #expect(try store.admissionJournal().isEmpty)
        try store.journalAdmissions([TestBlocks.admission(2)])
        #expect(try store.admissionJournal().map(\.hash) == [TestBlocks.admission(2).hash])
        #expect(try store.auditRecords(from: 0, limit: 10).count == 2)
    }
}
