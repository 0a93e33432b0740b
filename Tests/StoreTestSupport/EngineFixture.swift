import Foundation
import GRDB
import PostgresStore
import Primitives
import SQLiteStore
import Store
import Testing

/// The store engines a parameterised suite runs against.
public enum TestEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    public var testDescription: String { rawValue }
}

/// The throwaway PostgreSQL cluster the tests use: `make test` starts one
/// (scripts/pg-test-cluster.sh) and exports its URL and password.
public enum TestPostgres {
    public static let urlVariable = "CLOISTER_TEST_POSTGRES_URL"
    public static let passwordVariable = "CLOISTER_TEST_POSTGRES_PASSWORD"
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The server URL (no password), or nil on a machine without the test cluster.
    public static var url: String? { environment[urlVariable].flatMap { $0.isEmpty ? nil : $0 } }
    public static var password: String? { environment[passwordVariable] }

    /// Stops the current test case when no cluster is configured: a developer's machine says so
    /// clearly (the case is reported cancelled with the reason); under CI (CI=true) it fails.
    public static func requireCluster() throws -> String {
        if let url { return url }
        let reason =
            "the PostgreSQL cases need a test cluster: run `make test`, or `scripts/pg-test-cluster.sh start` and export the "
            + "variables of .build/pg-test-cluster/env (\(urlVariable), \(passwordVariable))"
        if environment["CI"] == "true" {
            Issue.record(Comment(rawValue: "CI=true but \(urlVariable) is not set: \(reason)"))
        }
        // The console shows a cancelled case like a passed one: say it where a person reads.
        let name = Test.current?.name ?? "a test"
        FileHandle.standardError.write(Data("⚠️ \(name): PostgreSQL case not run: \(reason)\n".utf8))
        try Test.cancel(Comment(rawValue: reason))
    }

    /// A client program of the cluster's release (psql, pg_dump).
    public static func tool(_ name: String) -> String {
        if let bin = environment["CLOISTER_TEST_POSTGRES_BIN"] { return bin + "/" + name }
        return "/usr/bin/" + name
    }

    /// `url` with its database replaced.
    public static func url(database: String) throws -> String {
        var components = try #require(URLComponents(string: try requireCluster()))
        components.path = "/" + database
        return try #require(components.string)
    }

    /// Runs a client program against `url`; returns its standard output, fails on a non-zero exit.
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.tool(tool))
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password ?? ""
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestPostgresError(problem: "\(tool) \(arguments.joined(separator: " ")): " + String(decoding: problem, as: UTF8.self))
        }
        return data
    }

    /// Runs SQL in `database` with psql; returns its unaligned, tuples-only output.
    @discardableResult
    public static func sql(_ statement: String, database: String) throws -> String {
        let output = try run("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", try url(database: database), "-c", statement])
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A new, empty database on the test cluster.
    public static func createDatabase() throws -> String {
        let name = "cloister_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let url = try requireCluster()
        try sql("CREATE DATABASE \(name)", database: try #require(URLComponents(string: url)).path.trimmingCharacters(in: ["/"]))
        return name
    }

    /// A plain-text dump of `database`, as a backup would hold it, without the random
    /// `\restrict` key lines recent pg_dump releases add (so that equal databases dump equal).
    public static func dump(database: String) throws -> Data {
        let dump = try run("pg_dump", ["--no-owner", "-d", try url(database: database)])
        let lines = dump.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).filter {
            !$0.starts(with: Array("\\restrict ".utf8)) && !$0.starts(with: Array("\\unrestrict ".utf8))
        }
        return Data(lines.joined(separator: [UInt8(ascii: "\n")]))
    }

    public static func location(database: String) throws -> PostgresLocation {
        try PostgresLocation(url: try url(database: database), password: password)
    }

    /// A prover-queue client on `database`. Its calls wait up to a minute, not the product's 10 s:
    /// in the whole suite under ThreadSanitizer, a pool connection's first answer took longer
    /// than 10 s while every other test ran, and a test's timeout is there to end a hang, not
    /// to judge speed (tests of the timeout itself pass their own).
    public static func queue(database: String) async throws -> PostgresProverQueue {
        try await PostgresProverQueue.connect(location: try location(database: database), operationTimeout: .seconds(60))
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { problem }
}

/// A fresh chain for one engine: a data directory and master key, and for PostgreSQL a new
/// database on the test cluster.
public final class EngineFixture: Sendable {
    public let engine: TestEngine
    public let directory: String
    public let keyPath: String
    public let masterKey: MasterKey
    /// The PostgreSQL database (nil for SQLite).
    public let database: String?

    public init(_ engine: TestEngine) throws {
        self.engine = engine
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyPath = directory + "/master.key"
        masterKey = try MasterKey.create(at: keyPath)
        database = engine == .postgres ? try TestPostgres.createDatabase() : nil
    }

    public var sqlitePath: String { directory + "/data/" + SQLiteChainStore.fileName }
    /// The SQLite engine's admission journal (its own file).
    public var admissionsPath: String { directory + "/data/" + SQLiteChainStore.admissionFileName }

    public func open(
        masterKey: MasterKey? = nil, masterKeyPath: String? = nil, faultInjector: (@Sendable (String) throws -> Void)? = nil
    ) throws -> any ChainStore {
        switch engine {
        case .sqlite:
            return try SQLiteChainStore(
                directory: directory + "/data", masterKey: masterKey ?? self.masterKey, masterKeyPath: masterKeyPath ?? keyPath,
                faultInjector: faultInjector)
        case .postgres:
            return try PostgresChainStore(
                location: try TestPostgres.location(database: database!), masterKey: masterKey ?? self.masterKey,
                masterKeyPath: masterKeyPath ?? keyPath, faultInjector: faultInjector)
        }
    }

    /// What the engine keeps, as an attacker with the files or a backup would see it: the SQLite
    /// files (chain and admission journal) and their WALs, or a plain `pg_dump` of the database.
    public func storedBytes() throws -> Data {
        switch engine {
        case .sqlite:
            var contents = Data()
            for path in [sqlitePath, admissionsPath] {
                for suffix in ["", "-wal"] {
                    if let data = FileManager.default.contents(atPath: path + suffix) { contents.append(data) }
                }
            }
            return contents
        case .postgres:
            return try TestPostgres.dump(database: database!)
        }
    }

    /// SQLite only: puts the admission journal back where releases before its own file kept it,
    /// an `admissions` table in chain.sqlite, as such a release would have left it.
    public func moveAdmissionJournalIntoChainFile() throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let journal = try DatabaseQueue(path: admissionsPath, configuration: configuration)
        let rows = try journal.read { db in try Row.fetchAll(db, sql: "SELECT id, sealed FROM admissions ORDER BY seq") }
        try journal.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: admissionsPath + suffix) }
        let chain = try DatabaseQueue(path: sqlitePath, configuration: configuration)
        defer { try? chain.close() }
        try chain.write { db in
            try db.execute(sql: "CREATE TABLE admissions(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, sealed BLOB NOT NULL)")
            for row in rows {
                try db.execute(sql: "INSERT INTO admissions(id, sealed) VALUES (?, ?)", arguments: [row["id"], row["sealed"]])
            }
        }
    }

    /// SQLite only: whether chain.sqlite has a table of this name.
    public func chainFileHasTable(_ name: String) throws -> Bool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let chain = try DatabaseQueue(path: sqlitePath, configuration: configuration)
        defer { try? chain.close() }
        return try chain.read { db in try db.tableExists(name) }
    }

    /// Rows in a table both engines name alike (`blocks`, `audit`, `admissions`, `node_meta`).
    public func rowCount(_ table: String) throws -> Int {
        switch engine {
        case .sqlite:
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let queue = try DatabaseQueue(path: table == "admissions" ? admissionsPath : sqlitePath, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        case .postgres:
            return try #require(Int(try TestPostgres.sql("SELECT COUNT(*) FROM \(table)", database: database!)))
        }
    }

    /// The byte strings to look for in stored bytes: each as raw bytes and, since a dump shows
    /// byte columns as hex, as lowercase hex.
    public static func needleForms(_ needles: [[UInt8]]) -> [[UInt8]] {
        needles.flatMap { [$0, Array(Hex.encode($0, prefix: false).utf8)] }
    }
}

/// Blocks and transactions the store suites write.
public enum TestBlocks {
    public static func transactionHash(_ block: UInt64, _ position: Int) -> Hash32 {
        Keccak256.hash(Array("tx \(block).\(position)".utf8))
    }

    public static func block(_ number: UInt64, entries: [StateEntry] = [], transactions: Int = 2) -> BlockWrite {
        BlockWrite(
            number: number, hash: Keccak256.hash(Array("block \(number)".utf8)), payload: Array("payload \(number)".utf8),
            transactions: (0..<transactions).map {
                TransactionWrite(hash: transactionHash(number, $0), payload: Array("receipt \(number).\($0)".utf8))
            },
            stateEntries: entries, auditRecords: [Array("audit \(number)".utf8)], metadata: ["progress": [UInt8(number)]])
    }

    /// An accepted transaction for the admission journal.
    public static func admission(_ n: Int) -> (hash: Hash32, raw: [UInt8]) {
        let raw = Array("raw transaction number \(n) with a recognisable body".utf8)
        return (Keccak256.hash(raw), raw)
    }
}

/// A value shared with `@Sendable` closures and other threads in tests, behind a lock.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
