import Foundation
import GRDB
import Primitives
@testable import SQLiteStore
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

    func open(
        faultInjector: (@Sendable (String) throws -> Void)? = nil, indexRunSize: Int = 65_536, indexChunk: Int = 1_024,
        journalBlockLimit: Int = 256, foldChunk: Int = 1_024
    ) throws -> SQLiteChainStore {
        try SQLiteChainStore(
            directory: directory + "/data", masterKey: masterKey, masterKeyPath: keyPath, faultInjector: faultInjector,
            indexRunSize: indexRunSize, indexChunk: indexChunk, journalBlockLimit: journalBlockLimit, foldChunk: foldChunk)
    }

    static func transactionHash(_ block: UInt64, _ position: Int) -> Hash32 { Keccak256.hash(Array("tx \(block).\(position)".utf8)) }

    /// A plain connection to the file, waiting out the store's own (its checkpointer runs every second).
    func rawQueue() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: databasePath, configuration: configuration)
    }

    /// Rows in `table`, read straight from the file.
    func rowCount(_ table: String) throws -> Int {
        let queue = try rawQueue()
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// The `CREATE TABLE` statement of `node_meta`, read straight from the file.
    func nodeMetadataTableSQL() throws -> String {
        let queue = try rawQueue()
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'node_meta'") ?? ""
        }
    }

    /// The file's `schema_version`.
    func schemaVersion() throws -> String? {
        let queue = try rawQueue()
        defer { try? queue.close() }
        return try queue.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'schema_version'").map { String(decoding: $0, as: UTF8.self) }
        }
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

/// SQLite's own internals: index runs and state folds, the WAL checkpointer, schema 1 files,
/// records moved between rows. What every engine guarantees is StoreTests' `ChainStoreContractTests`.
@Suite struct SQLiteChainStoreTests {
    /// A failure at any point inside a block's write that folds the journal and writes an index run
    /// leaves the store exactly at the previous block (the plain case, on every engine, is in
    /// StoreTests' `ChainStoreContractTests`).
    @Test(arguments: ["block", "transactions", "index", "state", "audit", "commit"])
    func faultMidFoldingWriteLeavesPreviousBlock(_ stage: String) throws {
        let fixture = try StoreFixture()
        let armed = Mutex(false)
        let open = {
            try fixture.open(
                faultInjector: { current in
                    if current == stage, armed.withLock({ $0 }) { throw StoreError.injectedFault(current) }
                }, indexRunSize: 2, journalBlockLimit: 1)
        }
        let store = try open()
        try store.commit(StoreFixture.block(0, entries: [StateEntry(key: [1], value: [1])]))
        // Block 1 starts writing the index run and the fold block 0 made due.
        store.waitForPreparedWrites()
        armed.withLock { $0 = true }
        #expect(throws: StoreError.injectedFault(stage)) {
            try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [1], value: [2])]))
        }
        for view in [store, try open()] {
            #expect(try view.head()?.number == 0)
            #expect(try view.block(number: 1) == nil)
            #expect(try view.transaction(hash: StoreFixture.transactionHash(1, 0)) == nil)
            #expect(try view.transaction(hash: StoreFixture.transactionHash(0, 1))?.payload == Array("receipt 0.1".utf8))
            #expect(try view.allStateEntries() == [StateEntry(key: [1], value: [1])])
            #expect(try view.auditRecords(from: 0, limit: 10).count == 1)
            #expect(try view.metadata("progress") == [0])
        }

        armed.withLock { $0 = false }
        try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [1], value: [2])]))
        try store.commit(StoreFixture.block(2, entries: [StateEntry(key: [2], value: [3])]))
        for view in [store, try open()] {
            #expect(try view.head()?.number == 2)
            #expect(Set(try view.allStateEntries().map(\.value)) == [[2], [3]])
            for block in 0...2 as ClosedRange<UInt64> {
                for position in 0..<2 {
                    let found = try view.transaction(hash: StoreFixture.transactionHash(block, position))
                    #expect(found?.blockNumber == block && found?.position == position)
                }
            }
        }
    }

    /// Index rows are written in sorted runs; until then, and after a reopen, a transaction is
    /// still found by its hash, and a block's transactions read back in order.
    @Test func transactionsAreFoundByHashBeforeAndAfterTheirIndexRun() throws {
        let fixture = try StoreFixture()
        var store = try fixture.open(indexRunSize: 5)
        for number in 0..<7 as Range<UInt64> {
            try store.commit(StoreFixture.block(number, transactions: 2))
            store.waitForPreparedWrites()
            if number == 3 { store = try fixture.open(indexRunSize: 5) }
            for block in 0...number {
                for position in 0..<2 {
                    let found = try #require(try store.transaction(hash: StoreFixture.transactionHash(block, position)))
                    #expect(found.blockNumber == block && found.position == position)
                    #expect(found.payload == Array("receipt \(block).\(position)".utf8))
                }
                #expect(try store.transactions(blockNumber: block).map(\.payload)
                    == [Array("receipt \(block).0".utf8), Array("receipt \(block).1".utf8)])
            }
        }
        // Runs with blocks 3 (the 6 of blocks 0–2) and 6 (the 6 of blocks 3–5); block 6's two still wait in memory.
        #expect(try fixture.rowCount("transaction_index") == 12)
        #expect(try fixture.rowCount("chain_transactions") == 14)
        #expect(try store.transaction(hash: Keccak256.hash(Array("never sent".utf8))) == nil)
    }

    /// Changed entries go to the journal, one row per block, and are folded into `state`;
    /// reading back always gives the newest value of every entry, across reopens.
    @Test func stateJournalFoldsIntoStateAndReadsBackNewest() throws {
        let fixture = try StoreFixture()
        var store = try fixture.open(journalBlockLimit: 3)
        var expected = [[UInt8]: [UInt8]]()
        for number in 0..<8 as Range<UInt64> {
            // Block 4 changes nothing.
            let entries =
                number == 4
                ? []
                : [
                    StateEntry(key: [1], value: [UInt8(number)]),
                    StateEntry(key: [2, UInt8(number % 3)], value: [UInt8(100 + number)]),
                ]
            for entry in entries { expected[entry.key] = entry.value }
            try store.commit(StoreFixture.block(number, entries: entries))
            store.waitForPreparedWrites()
            if number == 5 { store = try fixture.open(journalBlockLimit: 3) }
            let read = try store.allStateEntries()
            #expect(read.count == Set(read.map(\.key)).count, "one value per key")
            #expect(Dictionary(uniqueKeysWithValues: read.map { ($0.key, $0.value) }) == expected)
        }
        // Blocks 0–1 journaled, 2 folds; 3 journaled, 4 changes nothing, 5 journaled, 6 folds; 7 journaled.
        #expect(try fixture.rowCount("state_journal") == 1)
        #expect(try fixture.rowCount("state") == 4)
    }

    /// Runs and folds are written a slice per block. Whatever the slice a block carries, a
    /// stop, or a failed write in the middle of one, every transaction is found by its hash and
    /// every entry reads back at its newest value, and the journal is eventually emptied.
    @Test(arguments: [nil, "index", "state"] as [String?])
    func slicedRunsAndFoldsKeepEveryRecordReadable(failingStage: String?) throws {
        let fixture = try StoreFixture()
        let failAt = Mutex<UInt64?>(nil)
        let current = Mutex<UInt64>(0)
        let open = {
            try fixture.open(
                faultInjector: { stage in
                    if stage == failingStage, let block = failAt.withLock({ $0 }), block == current.withLock({ $0 }) {
                        throw StoreError.injectedFault(stage)
                    }
                }, indexRunSize: 5, indexChunk: 2, journalBlockLimit: 3, foldChunk: 2)
        }
        var store = try open()
        var expected = [[UInt8]: [UInt8]]()
        func check(through last: UInt64) throws {
            for block in 0...last {
                for position in 0..<2 {
                    let found = try store.transaction(hash: StoreFixture.transactionHash(block, position))
                    #expect(found?.blockNumber == block && found?.position == position, "block \(block) position \(position)")
                }
            }
            let read = try store.allStateEntries()
            #expect(read.count == Set(read.map(\.key)).count)
            #expect(Dictionary(uniqueKeysWithValues: read.map { ($0.key, $0.value) }) == expected)
        }
        for number in 0..<24 as Range<UInt64> {
            // Six keys, three changed per block: folds overlap later changes of the same keys.
            let entries = (0..<3).map { StateEntry(key: [UInt8((number + UInt64($0) * 2) % 6)], value: [UInt8(number), UInt8($0)]) }
            let write = StoreFixture.block(number, entries: entries, transactions: 2)
            current.withLock { $0 = number }
            if number == 9 || number == 16 {
                // A failed write mid-slice leaves everything as it was; the retry succeeds.
                failAt.withLock { $0 = number }
                if failingStage != nil {
                    #expect(throws: StoreError.self) { try store.commit(write) }
                    if number > 0 { try check(through: number - 1) }
                }
                failAt.withLock { $0 = nil }
            }
            try store.commit(write)
            // Runs and folds are prepared before the next block, so that blocks 9 and 16 fail in
            // the middle of writing one.
            store.waitForPreparedWrites()
            for entry in entries { expected[entry.key] = entry.value }
            try check(through: number)
            if number == 7 || number == 13 {
                store = try open()
                try check(through: number)
            }
        }
        #expect(try fixture.rowCount("state_journal") < 6)
        #expect(try fixture.rowCount("transaction_index") >= 30)
    }

    /// Runs and folds are prepared off the block path: blocks that follow at once, before a
    /// run is sorted or a fold's lookup ids are computed, lose nothing, and what they wrote
    /// reads back the same after a reopen.
    @Test func blocksGoOnWhileRunsAndFoldsArePrepared() throws {
        let fixture = try StoreFixture()
        var store = try fixture.open(indexRunSize: 3, indexChunk: 1, journalBlockLimit: 2, foldChunk: 1)
        var expected = [[UInt8]: [UInt8]]()
        for number in 0..<60 as Range<UInt64> {
            let entries = (0..<3).map { StateEntry(key: [UInt8((number * 5 + UInt64($0) * 7) % 11)], value: [UInt8(number), UInt8($0)]) }
            try store.commit(StoreFixture.block(number, entries: entries, transactions: 2))
            for entry in entries { expected[entry.key] = entry.value }
            if number == 30 { store = try fixture.open(indexRunSize: 3, indexChunk: 1, journalBlockLimit: 2, foldChunk: 1) }
        }
        store.waitForPreparedWrites()
        for view in [store, try fixture.open()] {
            for block in 0..<60 as Range<UInt64> {
                for position in 0..<2 {
                    let found = try view.transaction(hash: StoreFixture.transactionHash(block, position))
                    #expect(found?.blockNumber == block && found?.position == position, "block \(block) position \(position)")
                }
            }
            let read = try view.allStateEntries()
            #expect(read.count == Set(read.map(\.key)).count)
            #expect(Dictionary(uniqueKeysWithValues: read.map { ($0.key, $0.value) }) == expected)
        }
        #expect(try fixture.rowCount("transaction_index") > 0)
        #expect(try fixture.rowCount("state") > 0)
    }

    /// Power loss: the writer syncs the WAL at every commit (`synchronous = FULL`, not GRDB's
    /// NORMAL for WAL), so a block or journaled admission that was answered survives a power cut.
    @Test func writerSyncsEveryCommitToDisk() throws {
        let fixture = try StoreFixture()
        for number in 0..<2 as Range<UInt64> {  // a new file, then the same file reopened
            let store = try fixture.open()
            try store.commit(StoreFixture.block(number))
            let (level, mode) = try store.pool.write { db in
                (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try String.fetchOne(db, sql: "PRAGMA journal_mode"))
            }
            #expect(level == 2, "synchronous must be FULL (2)")
            #expect(mode == "wal")
        }
    }

    /// Blocks are committed to the WAL; the checkpointer copies them into the database file
    /// on its own, with no block write crossing a checkpoint threshold.
    @Test func walIsCopiedIntoTheDatabaseFileInTheBackground() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        func size() -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: fixture.databasePath))?[.size] as? Int) ?? 0
        }
        let before = size()
        for number in 0..<20 as Range<UInt64> {
            try store.commit(StoreFixture.block(number, entries: [StateEntry(key: [UInt8(number)], value: [1])], transactions: 50))
        }
        var grown = false
        for _ in 0..<100 where !grown {
            try await Task.sleep(for: .milliseconds(50))
            grown = size() > before + 100_000
        }
        #expect(grown, "the database file stayed at \(size()) bytes")
        #expect(try store.head()?.number == 19)
    }

    /// A file written by schema 1 (transactions keyed by their lookup id) opens, upgraded in place.
    @Test func schemaOneFileIsUpgradedAndReadsBack() throws {
        let fixture = try StoreFixture()
        let dataKey = SecureRandom.bytes(32)
        let cipher = try RecordCipher(dataKey: dataKey)
        try FileManager.default.createDirectory(atPath: fixture.directory + "/data", withIntermediateDirectories: true)
        let queue = try fixture.rawQueue()
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
                    CREATE TABLE blocks(number INTEGER PRIMARY KEY, hash_id BLOB NOT NULL UNIQUE, sealed BLOB NOT NULL);
                    CREATE TABLE transactions(
                        id BLOB PRIMARY KEY, block_number INTEGER NOT NULL, position INTEGER NOT NULL, sealed BLOB NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX transactions_by_block ON transactions(block_number, position);
                    CREATE TABLE state(id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE audit(seq INTEGER PRIMARY KEY, block_number INTEGER NOT NULL, sealed BLOB NOT NULL);
                    CREATE TABLE node_meta(id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
                    """)
            try db.execute(
                sql: "INSERT INTO meta(name, value) VALUES ('schema_version', ?), ('data_key', ?)",
                arguments: [Data("1".utf8), Data(try RecordCipher.wrap(dataKey: dataKey, with: fixture.masterKey))])
            let hash = Keccak256.hash(Array("block 0".utf8))
            try db.execute(
                sql: "INSERT INTO blocks(number, hash_id, sealed) VALUES (0, ?, ?)",
                arguments: [
                    Data(cipher.lookupID(table: "block-hash", key: hash.bytes)),
                    Data(try cipher.seal(hash.bytes + Array("payload 0".utf8), table: "blocks", rowID: SQLiteChainStore.blockRowID(0))),
                ])
            for position in 0..<2 {
                let id = cipher.lookupID(table: "transactions", key: StoreFixture.transactionHash(0, position).bytes)
                try db.execute(
                    sql: "INSERT INTO transactions(id, block_number, position, sealed) VALUES (?, 0, ?, ?)",
                    arguments: [
                        Data(id), position, Data(try cipher.seal(Array("receipt 0.\(position)".utf8), table: "transactions", rowID: id)),
                    ])
            }
            let stateID = cipher.lookupID(table: "state", key: [7])
            try db.execute(
                sql: "INSERT INTO state(id, sealed) VALUES (?, ?)",
                arguments: [Data(stateID), Data(try cipher.seal(SQLiteChainStore.lengthPrefixed([7]) + [8], table: "state", rowID: stateID))])
        }
        try queue.close()

        let store = try fixture.open()
        #expect(try store.head()?.number == 0)
        #expect(try store.transaction(hash: StoreFixture.transactionHash(0, 1))?.payload == Array("receipt 0.1".utf8))
        #expect(try store.transactions(blockNumber: 0).map(\.position) == [0, 1])
        #expect(try store.allStateEntries() == [StateEntry(key: [7], value: [8])])
        try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [7], value: [9])]))
        let reopened = try fixture.open()
        #expect(try reopened.transaction(hash: StoreFixture.transactionHash(1, 0))?.blockNumber == 1)
        #expect(try reopened.allStateEntries() == [StateEntry(key: [7], value: [9])])
        #expect(try fixture.rowCount("transaction_index") == 2)
        #expect(try fixture.schemaVersion() == "3")
        #expect(try fixture.nodeMetadataTableSQL().contains("WITHOUT ROWID") == false)
    }

    /// A schema-2 file keeps the node's records in a `WITHOUT ROWID` table; opening it moves them
    /// unchanged into the rowid table of schema 3, where a large record is not copied out of its
    /// pages by every key comparison that passes it.
    @Test func schemaTwoFileMovesNodeRecordsIntoARowidTable() throws {
        let fixture = try StoreFixture()
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        do {
            let store = try fixture.open()
            try store.commit(StoreFixture.block(0))
            try store.putMetadata(["batch.1.tree-update": large, "small": [1, 2, 3]])
        }
        #expect(try fixture.nodeMetadataTableSQL().contains("WITHOUT ROWID") == false)
        let rows = try fixture.rowCount("node_meta")
        // Rewrite the file as schema 2 wrote it.
        let queue = try fixture.rawQueue()
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE node_meta_old(id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
                    INSERT INTO node_meta_old SELECT id, sealed FROM node_meta;
                    DROP TABLE node_meta;
                    ALTER TABLE node_meta_old RENAME TO node_meta;
                    UPDATE meta SET value = CAST('2' AS BLOB) WHERE name = 'schema_version';
                    """)
        }
        try queue.close()
        #expect(try fixture.nodeMetadataTableSQL().contains("WITHOUT ROWID"))

        let store = try fixture.open()
        #expect(try fixture.nodeMetadataTableSQL().contains("WITHOUT ROWID") == false)
        #expect(try fixture.schemaVersion() == "3")
        #expect(try store.metadata("batch.1.tree-update") == large)
        #expect(try store.metadata("small") == [1, 2, 3])
        try store.putMetadata(["small": [4]])
        #expect(try fixture.open().metadata("small") == [4])
        #expect(try fixture.rowCount("node_meta") == rows)
    }

    /// A file of a later schema than this build knows is refused with a message naming it, not
    /// read as if it were ours.
    @Test func laterSchemaIsRefusedByName() throws {
        let fixture = try StoreFixture()
        do { _ = try fixture.open() }
        let queue = try fixture.rawQueue()
        try queue.write { db in
            try db.execute(sql: "UPDATE meta SET value = CAST('4' AS BLOB) WHERE name = 'schema_version'")
        }
        try queue.close()
        #expect {
            _ = try fixture.open()
        } throws: { error in
            "\(error)".contains("schema version 4") && "\(error)".contains("reads 1 to 3")
        }
    }

    @Test func journalRecordRoundTripsAndRefusesTruncation() {
        let entries = [StateEntry(key: [1, 2], value: []), StateEntry(key: [], value: [3, 4, 5])]
        let encoded = SQLiteChainStore.encodeJournal(entries)
        #expect(SQLiteChainStore.decodeJournal(encoded) == entries)
        #expect(SQLiteChainStore.decodeJournal(SQLiteChainStore.encodeJournal([])) == [])
        #expect(SQLiteChainStore.decodeJournal([]) == nil)
        #expect(SQLiteChainStore.decodeJournal(encoded + [0]) == nil)
        for cut in 1..<encoded.count { #expect(SQLiteChainStore.decodeJournal(Array(encoded.prefix(cut))) == nil) }
    }

    /// Swapping two ciphertexts between rows must be detected: each is bound to its row id.
    @Test func ciphertextMovedToAnotherRowFailsToOpen() throws {
        let fixture = try StoreFixture()
        // Journaled with block 0, folded with block 1: the entries are rows of `state`.
        let store = try fixture.open(journalBlockLimit: 1)
        try store.commit(StoreFixture.block(0, entries: [StateEntry(key: [1], value: [10]), StateEntry(key: [2], value: [20])]))
        store.waitForPreparedWrites()
        try store.commit(StoreFixture.block(1))
        #expect(try fixture.rowCount("state") == 2)
        let queue = try fixture.rawQueue()
        try queue.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, sealed FROM state")
            try db.execute(sql: "UPDATE state SET sealed = ? WHERE id = ?", arguments: [rows[1]["sealed"] as Data, rows[0]["id"] as Data])
        }
        try queue.close()
        #expect(throws: StoreError.self) { try fixture.open().allStateEntries() }
    }

    /// A journal row is bound to its block: moved to another block's row, it fails to open.
    @Test func journalRecordMovedToAnotherBlockFailsToOpen() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        try store.commit(StoreFixture.block(0, entries: [StateEntry(key: [1], value: [10])]))
        try store.commit(StoreFixture.block(1, entries: [StateEntry(key: [1], value: [11])]))
        #expect(try fixture.rowCount("state_journal") == 2)
        let queue = try fixture.rawQueue()
        try queue.write { db in
            let first = try Data.fetchOne(db, sql: "SELECT sealed FROM state_journal WHERE block_number = 0")
            try db.execute(sql: "UPDATE state_journal SET sealed = ? WHERE block_number = 1", arguments: [first])
        }
        try queue.close()
        #expect(throws: StoreError.self) { try fixture.open() }
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
