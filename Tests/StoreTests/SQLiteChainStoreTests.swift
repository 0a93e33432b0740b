import Foundation
import GRDB
import Primitives
import Store
import Testing

/// A fresh data directory and master key per test.
struct StoreFixture {
    let directory: String
    let keyPath: String
    let masterKey: MasterKey

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyPath = directory + "/master.key"
        masterKey = try MasterKey.create(at: keyPath)
    }

    var databasePath: String { directory + "/data/" + SQLiteChainStore.fileName }

    func open(faultInjector: (@Sendable (String) throws -> Void)? = nil) throws -> SQLiteChainStore {
        try SQLiteChainStore(directory: directory + "/data", masterKey: masterKey, masterKeyPath: keyPath, faultInjector: faultInjector)
    }

    static func block(_ number: UInt64, entries: [StateEntry] = [], transactions: Int = 2) -> BlockWrite {
        BlockWrite(
            number: number, hash: Keccak256.hash(Array("block \(number)".utf8)), payload: Array("payload \(number)".utf8),
            transactions: (0..<transactions).map {
                TransactionWrite(hash: Keccak256.hash(Array("tx \(number).\($0)".utf8)), payload: Array("receipt \(number).\($0)".utf8))
            },
            stateEntries: entries, auditRecords: [Array("audit \(number)".utf8)], metadata: ["progress": [UInt8(number)]])
    }
}

@Suite struct SQLiteChainStoreTests {
    @Test func committedBlockReadsBack() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        #expect(try store.head() == nil)
        let entry = StateEntry(key: [1, 2, 3], value: [9, 9])
        try store.commit(StoreFixture.block(0, entries: [entry]))
        let head = try #require(try store.head())
        #expect(head.number == 0)
        #expect(head.hash == Keccak256.hash(Array("block 0".utf8)))
        #expect(try store.block(number: 0) == Array("payload 0".utf8))
        #expect(try store.blockNumber(hash: head.hash) == 0)
        let transaction = try #require(try store.transaction(hash: Keccak256.hash(Array("tx 0.1".utf8))))
        #expect(transaction.blockNumber == 0 && transaction.position == 1)
        #expect(transaction.payload == Array("receipt 0.1".utf8))
        #expect(try store.transactions(blockNumber: 0).map(\.position) == [0, 1])
        #expect(try store.allStateEntries() == [entry])
        #expect(try store.auditRecords(from: 0, limit: 10) == [Array("audit 0".utf8)])
        #expect(try store.metadata("progress") == [0])
    }

    @Test func laterStateValueReplacesEarlier() throws {
        let store = try StoreFixture().open()
        try store.commit(StoreFixture.block(0, entries: [StateEntry(key: [1], value: [1])]))
        try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [1], value: [2]), StateEntry(key: [2], value: [3])]))
        #expect(Set(try store.allStateEntries().map(\.value)) == [[2], [3]])
        #expect(try store.auditRecords(from: 1, limit: 10) == [Array("audit 1".utf8)])
    }

    @Test func refusesOutOfOrderBlock() throws {
        let store = try StoreFixture().open()
        #expect(throws: StoreError.outOfOrderBlock(expected: 0, got: 1)) { try store.commit(StoreFixture.block(1)) }
        try store.commit(StoreFixture.block(0))
        #expect(throws: StoreError.outOfOrderBlock(expected: 1, got: 0)) { try store.commit(StoreFixture.block(0)) }
    }

    @Test func reopensWithSameMasterKey() throws {
        let fixture = try StoreFixture()
        try fixture.open().commit(StoreFixture.block(0, entries: [StateEntry(key: [7], value: [8])]))
        let reopened = try fixture.open()
        #expect(try reopened.head()?.number == 0)
        #expect(try reopened.allStateEntries() == [StateEntry(key: [7], value: [8])])
    }

    /// A failure at any point inside a block's write leaves the store exactly at the previous block.
    @Test(arguments: ["block", "transactions", "state", "audit", "commit"])
    func faultMidWriteLeavesPreviousBlock(_ stage: String) throws {
        let fixture = try StoreFixture()
        let armed = Mutex(false)
        let store = try fixture.open { current in
            if current == stage, armed.withLock({ $0 }) { throw StoreError.injectedFault(current) }
        }
        try store.commit(StoreFixture.block(0, entries: [StateEntry(key: [1], value: [1])]))
        armed.withLock { $0 = true }
        #expect(throws: StoreError.injectedFault(stage)) {
            try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [1], value: [2])]))
        }
        #expect(try store.head()?.number == 0)
        #expect(try store.block(number: 1) == nil)
        #expect(try store.transaction(hash: Keccak256.hash(Array("tx 1.0".utf8))) == nil)
        #expect(try store.allStateEntries() == [StateEntry(key: [1], value: [1])])
        #expect(try store.auditRecords(from: 0, limit: 10).count == 1)
        #expect(try store.metadata("progress") == [0])

        armed.withLock { $0 = false }
        try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [1], value: [2])]))
        #expect(try store.head()?.number == 1)
        #expect(try store.allStateEntries() == [StateEntry(key: [1], value: [2])])
    }

    @Test func wrongMasterKeyIsRefusedAndDatabaseUntouched() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            try store.commit(StoreFixture.block(0))
        }
        /// The database and its WAL content (a missing WAL and an empty one hold the same: nothing).
        func files() -> [Data] {
            ["", "-wal"].map { FileManager.default.contents(atPath: fixture.databasePath + $0) ?? Data() }
        }
        let before = files()
        let otherKey = try MasterKey(bytes: SecureRandom.bytes(32))
        #expect(throws: StoreError.wrongMasterKey(path: "other.key", database: fixture.databasePath)) {
            try SQLiteChainStore(directory: fixture.directory + "/data", masterKey: otherKey, masterKeyPath: "other.key")
        }
        #expect(files() == before)
        #expect(try fixture.open().head()?.number == 0)
    }

    @Test func missingMasterKeySaysHowToCreateOne() throws {
        #expect(throws: StoreError.masterKeyMissing(path: "/nonexistent/master.key")) {
            try MasterKey.load(from: "/nonexistent/master.key")
        }
        #expect(StoreError.masterKeyMissing(path: "m.key").description.contains("cloister keys new-master m.key"))
    }

    @Test func masterKeyReadableByOthersIsRefused() throws {
        let fixture = try StoreFixture()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.keyPath)
        #expect(throws: StoreError.self) { try MasterKey.load(from: fixture.keyPath) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: fixture.keyPath)
        #expect(throws: Never.self) { try MasterKey.load(from: fixture.keyPath) }
    }

    @Test func masterKeyFileIsNeverOverwritten() throws {
        let fixture = try StoreFixture()
        #expect(throws: StoreError.self) { try MasterKey.create(at: fixture.keyPath) }
    }

    /// Swapping two ciphertexts between rows must be detected: each is bound to its row id.
    @Test func ciphertextMovedToAnotherRowFailsToOpen() throws {
        let fixture = try StoreFixture()
        try fixture.open().commit(
            StoreFixture.block(0, entries: [StateEntry(key: [1], value: [10]), StateEntry(key: [2], value: [20])]))
        let queue = try DatabaseQueue(path: fixture.databasePath)
        try queue.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, sealed FROM state")
            try db.execute(sql: "UPDATE state SET sealed = ? WHERE id = ?", arguments: [rows[1]["sealed"] as Data, rows[0]["id"] as Data])
        }
        try queue.close()
        #expect(throws: StoreError.self) { try fixture.open().allStateEntries() }
    }

    @Test func fileHoldsNoPlaintext() throws {
        let fixture = try StoreFixture()
        let address = try Address(hex: "0xb3E774e635Be510E4Af843F15dCDeaf7C5Be40bB")
        let amount = try UInt256(decimal: "123456789012345")
        let store = try fixture.open()
        try store.commit(
            BlockWrite(
                number: 0, hash: .zero, payload: address.bytes + Array("EURD".utf8),
                transactions: [TransactionWrite(hash: Keccak256.hash([1]), payload: amount.bigEndianBytes)],
                stateEntries: [StateEntry(key: address.bytes, value: amount.bigEndianBytes + Array(amount.decimal.utf8))],
                auditRecords: [Array("alice sent 123456789012345 EURD".utf8) + address.bytes]))
        var contents = Data()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: fixture.databasePath + suffix) { contents.append(data) }
        }
        #expect(!contents.isEmpty)
        let needles: [[UInt8]] = [
            address.bytes, Array(address.hex.utf8), Array(address.hex.dropFirst(2).uppercased().utf8),
            amount.bigEndianBytes, Array(amount.decimal.utf8), Array("EURD".utf8),
        ]
        for needle in needles {
            #expect(contents.range(of: Data(needle)) == nil, "found plaintext \(needle)")
        }
    }
}

/// A tiny lock for test state shared with a @Sendable closure.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
