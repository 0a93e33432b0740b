import Foundation
import Logging
import PostgresStore
import Primitives
import Store
import StoreTestSupport
import Testing

/// The PostgreSQL engine's own behaviour: its URL, migrations and schema versions, refusals at
/// open, records moved between rows. What every engine guarantees is StoreTests' `ChainStoreContractTests`.
@Suite struct PostgresChainStoreTests {
    @Test func locationReadsTCPAndSocketURLs() throws {
        let tcp = try PostgresLocation(url: "postgresql://cloister@db.example:6432/chain?sslmode=require", password: "secret")
        #expect(tcp.host == "db.example" && tcp.port == 6432 && tcp.user == "cloister" && tcp.database == "chain")
        #expect(tcp.tls == .require && tcp.socketPath == nil)
        #expect(!tcp.description.contains("secret"))
        let socket = try PostgresLocation(url: "postgres://node@/chain?host=/run/postgresql", password: nil)
        #expect(socket.socketPath == "/run/postgresql/.s.PGSQL.5432" && socket.database == "chain")
        #expect(try PostgresLocation(url: "postgresql://cloister@localhost/chain", password: nil).tls == .prefer)
    }

    @Test(arguments: [
        "postgresql://cloister:hunter2@db.example/chain", "mysql://cloister@db.example/chain", "postgresql://db.example/chain",
        "postgresql://cloister@db.example/", "postgresql://cloister@db.example/chain?sslmode=sometimes",
        "postgresql://cloister@db.example/chain?application_name=x", "postgresql://cloister@/chain?host=relative",
    ])
    func locationRefusesBadURLs(_ url: String) {
        #expect {
            try PostgresLocation(url: url, password: nil)
        } throws: { error in
            // A password given in the URL is never repeated in the message.
            guard case StoreError.database(let message) = error else { return false }
            return !message.contains("hunter2") && message.contains("PostgreSQL URL")
        }
    }

    /// Nothing listens: the open fails at once with an error naming the server, not a hang.
    @Test func unreachableServerIsAClearError() throws {
        let port = try closedPort()
        let location = try PostgresLocation(url: "postgresql://cloister@127.0.0.1:\(port)/chain?sslmode=disable", password: nil)
        let key = try MasterKey(bytes: SecureRandom.bytes(32))
        #expect {
            try PostgresChainStore(location: location, masterKey: key, masterKeyPath: "master.key", operationTimeout: .seconds(30))
        } throws: { error in
            guard case StoreError.unavailable(let database, _) = error else { return false }
            return database == "postgresql://cloister@127.0.0.1:\(port)/chain"
                && (error as? StoreError)?.description.contains("reconnects by itself") == true
        }
    }

    @Test func wrongPasswordIsRefusedWithTheServersReason() throws {
        let database = try TestPostgres.createDatabase()
        let location = try PostgresLocation(url: try TestPostgres.url(database: database), password: "not the password")
        let key = try MasterKey(bytes: SecureRandom.bytes(32))
        #expect {
            try PostgresChainStore(location: location, masterKey: key, masterKeyPath: "master.key")
        } throws: { error in
            guard case StoreError.database(let message) = error else { return false }
            return message.contains("password authentication failed") && !message.contains("not the password")
        }
    }

    /// Each migration is recorded once; opening again applies nothing.
    @Test func migrationsAreRecordedOnceInSchemaVersion() throws {
        let fixture = try EngineFixture(.postgres)
        let database = try #require(fixture.database)
        _ = try fixture.open()
        _ = try fixture.open()
        #expect(try TestPostgres.sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", database: database) == "1,2")
        #expect(try TestPostgres.sql("SELECT COUNT(*) FROM meta", database: database) == "1")
    }

    /// A database a newer release migrated is refused before anything in it changes.
    @Test func newerSchemaIsRefusedAndDatabaseUntouched() throws {
        let fixture = try EngineFixture(.postgres)
        let database = try #require(fixture.database)
        try fixture.open().commit(TestBlocks.block(0))
        try TestPostgres.sql("INSERT INTO schema_version(version) VALUES (3), (4)", database: database)
        let before = try fixture.storedBytes()
        let refusal = StoreError.schemaTooNew(database: try TestPostgres.location(database: database).description, found: 4, supported: 2)
        #expect(throws: refusal) { try fixture.open() }
        #expect(try fixture.storedBytes() == before)
    }

    /// A state record copied over another row's fails to open: each is bound to its lookup id.
    @Test func ciphertextMovedToAnotherRowFailsToOpen() throws {
        let fixture = try EngineFixture(.postgres)
        let database = try #require(fixture.database)
        let store = try fixture.open()
        try store.commit(TestBlocks.block(0, entries: [StateEntry(key: [1], value: [10]), StateEntry(key: [2], value: [20])]))
        #expect(try store.allStateEntries().count == 2)
        try TestPostgres.sql(
            "UPDATE state SET sealed = (SELECT sealed FROM state ORDER BY id DESC LIMIT 1) WHERE id = (SELECT id FROM state ORDER BY id LIMIT 1)",
            database: database)
        #expect {
            try store.allStateEntries()
        } throws: { error in
            guard case StoreError.corruptRecord(table: "state", _) = error else { return false }
            return true
        }
    }

    /// A busy block (thousands of transactions and entries) is one transaction and reads back whole.
    @Test func largeBlockIsWrittenInOneTransaction() throws {
        let store = try EngineFixture(.postgres).open()
        let entries = (0..<3_000).map { StateEntry(key: Array("key \($0)".utf8), value: [UInt8($0 % 256)]) }
        try store.commit(TestBlocks.block(0, entries: entries, transactions: 2_000))
        #expect(try store.transactions(blockNumber: 0).count == 2_000)
        #expect(try store.transaction(hash: TestBlocks.transactionHash(0, 1_999))?.position == 1_999)
        #expect(try store.allStateEntries().count == 3_000)
    }

    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else { throw TestPostgresError(problem: "bind") }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
