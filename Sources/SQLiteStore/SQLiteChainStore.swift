import Foundation
import GRDB
import Primitives
import Store
import Synchronization

/// The embedded store: one SQLite file in WAL mode through GRDB's `DatabasePool` (one
/// writer, concurrent readers), every record sealed by `RecordCipher`.
///
/// Layout (`chain.sqlite`, schema 2): `meta` holds only the schema version, the wrapped data
/// key and how far the transaction index is written; every other table holds keyed lookup
/// ids and ciphertext, plus the plain block numbers, positions and sequence numbers needed
/// for ordering (all public on the member API anyway).
///
/// A busy block writes thousands of records, and what a write costs is the pages it dirties.
/// So the big rows go where pages are fresh: transactions are appended in block order
/// (`chain_transactions`), and their hash index (`transaction_index`) is written in sorted runs
/// of `indexRunSize` transactions, found in memory until their run is complete. Changed ledger
/// entries go to a journal, one sealed row per block (`state_journal`), folded into `state` (one
/// row per entry, newest value) every `journalBlockLimit` blocks, so a hot account is rewritten
/// once per fold rather than once per block. A run or fold that falls due is prepared (sorted,
/// its lookup ids computed) on a queue of its own, then written a slice per block (at least
/// `indexChunk` index rows or `foldChunk` entries, and twice what the block itself adds), so no
/// block pays for all of it and block times stay even. Every slice is part of some block's
/// storage transaction, and what waits in memory is rebuilt from the file on open (a run or
/// fold cut short by a stop starts again). Hot inserts bind through the C API (`RowWriter`).
public final class SQLiteChainStore: ChainStore {
    public static let fileName = "chain.sqlite"
    static let schemaVersion = 2

    public let path: String
    let pool: DatabasePool
    let cipher: RecordCipher
    /// Test hook: called at each stage of a block write, inside the storage transaction.
    let faultInjector: (@Sendable (String) throws -> Void)?
    /// Transactions held in memory before their index rows are written as one sorted run.
    let indexRunSize: Int
    /// Index rows of a run written with each block.
    let indexChunk: Int
    /// Journal rows (blocks that changed state) before the journal is folded into `state`.
    let journalBlockLimit: Int
    /// Entries of a fold written with each block.
    let foldChunk: Int
    /// Waiting entries beyond which a block folds everything at once (a genesis of a million
    /// accounts is written straight to `state`, not journaled).
    let journalEntryLimit: Int
    private let waiting = Mutex(WaitingWrites())
    /// Sorts runs and computes folds' lookup ids off the block path.
    private let preparation = PreparationThreads()
    private let checkpointer: Checkpointer

    /// One entry of a fold, with the lookup id it is stored under.
    struct FoldEntry {
        var id: Hash32
        var key: [UInt8]
        var value: [UInt8]
    }

    /// What the file holds but the compact tables do not have yet.
    struct WaitingWrites {
        /// Lookup id → sequence number of the transactions not in any run yet.
        var index: [Hash32: Int64] = [:]
        /// The run being written, sorted by id, how much of it is in the file, and its
        /// transactions by id until it is complete. Starting or finishing a run moves a whole
        /// dictionary: no block pays for touching each of its entries.
        var run: [(id: Hash32, sequence: Int64)] = []
        var runIndex: [Hash32: Int64] = [:]
        var runWritten = 0
        var preparingRun = false
        /// Encoded key → newest value of the journal rows not in a fold.
        var state: [[UInt8]: [UInt8]] = [:]
        var journalBlocks = 0
        /// The journal through `foldThrough` while its fold is being prepared.
        var foldSource: [[UInt8]: [UInt8]] = [:]
        var preparingFold = false
        /// The fold being written, in lookup-id order: the newest values through block `foldThrough`.
        var fold: [FoldEntry] = []
        var foldWritten = 0
        var foldThrough: UInt64 = 0
        /// Counts blocks that folded everything at once: a fold prepared before one is stale.
        var foldGeneration = 0

        func sequence(of id: Hash32) -> Int64? { index[id] ?? runIndex[id] }
    }

    /// Opens (or creates) the store in `directory`.
    ///
    /// An existing database is only read until the master key has opened its data key, so a
    /// wrong key leaves the file exactly as it was.
    public init(
        directory: String, masterKey: MasterKey, masterKeyPath: String,
        faultInjector: (@Sendable (String) throws -> Void)? = nil, indexRunSize: Int = 65_536, indexChunk: Int = 1_024,
        journalBlockLimit: Int = 256, foldChunk: Int = 1_024, journalEntryLimit: Int = 50_000
    ) throws(StoreError) {
        self.indexRunSize = Swift.max(1, indexRunSize)
        self.indexChunk = Swift.max(1, indexChunk)
        self.journalBlockLimit = Swift.max(1, journalBlockLimit)
        self.foldChunk = Swift.max(1, foldChunk)
        self.journalEntryLimit = Swift.max(1, journalEntryLimit)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .database("cannot create data directory \(directory): \(error.localizedDescription)")
        }
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        self.faultInjector = faultInjector
        // Check the master key on a read-only connection first: a refused start must not
        // even checkpoint the WAL into the database file.
        let wrapped: [UInt8]?
        if FileManager.default.fileExists(atPath: path) {
            do {
                var readOnly = Configuration()
                readOnly.readonly = true
                readOnly.busyMode = .timeout(5)
                let queue = try DatabaseQueue(path: path, configuration: readOnly)
                wrapped = try queue.read { db -> [UInt8]? in
                    guard try db.tableExists("meta") else { return nil }
                    return try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'data_key'").map { Array($0) }
                }
                try queue.close()
            } catch {
                throw .database("cannot read \(path): \(error)")
            }
            if let wrapped, RecordCipher.unwrap(wrapped, with: masterKey) == nil {
                throw .wrongMasterKey(path: masterKeyPath, database: path)
            }
        } else {
            wrapped = nil
        }

        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "cloister.chain"
        configuration.prepareDatabase { db in
            // A writer cache of 64 MiB keeps the index and state pages a fold or run touches in
            // memory. (No mmap: an I/O error there is a SIGBUS, not an error.)
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -8_192 : -65_536)")
            // The WAL is copied back by the `Checkpointer`, off the block path; the writer
            // checkpoints by itself only if that falls 32,768 pages (128 MiB) behind.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA wal_autocheckpoint = 32768") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            checkpointer = try Checkpointer(path: path)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
        if let wrapped {
            guard let dataKey = RecordCipher.unwrap(wrapped, with: masterKey) else {
                throw .wrongMasterKey(path: masterKeyPath, database: path)
            }
            cipher = try RecordCipher(dataKey: dataKey)
            try upgradeSchema()
            try loadWaitingWrites()
        } else {
            let dataKey = SecureRandom.bytes(32)
            cipher = try RecordCipher(dataKey: dataKey)
            let wrappedDataKey = try RecordCipher.wrap(dataKey: dataKey, with: masterKey)
            do {
                try pool.write { db in try Self.createSchema(db, wrappedDataKey: wrappedDataKey) }
            } catch {
                throw .database("cannot initialise \(path): \(error)")
            }
        }
        checkpointer.start()
    }

    deinit { checkpointer.stop() }

    static func createSchema(_ db: Database, wrappedDataKey: [UInt8]) throws {
        try db.execute(
            sql: """
                CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE blocks(number INTEGER PRIMARY KEY, hash_id BLOB NOT NULL UNIQUE, sealed BLOB NOT NULL);
                CREATE TABLE audit(seq INTEGER PRIMARY KEY, block_number INTEGER NOT NULL, sealed BLOB NOT NULL);
                CREATE TABLE state(id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE node_meta(id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
                """)
        try createSchema2Tables(db)
        try db.execute(
            sql: "INSERT INTO meta(name, value) VALUES ('schema_version', ?), ('data_key', ?), ('indexed_through', ?)",
            arguments: [Data(String(schemaVersion).utf8), Data(wrappedDataKey), Data("0".utf8)])
    }

    /// The tables schema 2 added: appended transactions, their hash index, the state journal.
    private static func createSchema2Tables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE chain_transactions(
                    seq INTEGER PRIMARY KEY, block_number INTEGER NOT NULL, position INTEGER NOT NULL, id BLOB NOT NULL,
                    sealed BLOB NOT NULL);
                CREATE INDEX chain_transactions_by_block ON chain_transactions(block_number, position);
                CREATE TABLE transaction_index(id BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE state_journal(block_number INTEGER PRIMARY KEY, sealed BLOB NOT NULL);
                """)
    }

    /// Brings a schema-1 file (transactions keyed by their lookup id) to schema 2 in one
    /// transaction; the sealed records move unchanged (they stay bound to their lookup ids).
    private func upgradeSchema() throws(StoreError) {
        do {
            try pool.write { db in
                let version = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'schema_version'")
                    .map { String(decoding: $0, as: UTF8.self) }
                switch version {
                case String(Self.schemaVersion): return
                case "1":
                    try Self.createSchema2Tables(db)
                    try db.execute(
                        sql: """
                            INSERT INTO chain_transactions(block_number, position, id, sealed)
                                SELECT block_number, position, id, sealed FROM transactions ORDER BY block_number, position;
                            INSERT INTO transaction_index(id, seq) SELECT id, seq FROM chain_transactions ORDER BY id;
                            DROP TABLE transactions;
                            INSERT INTO meta(name, value) VALUES ('indexed_through', CAST(CAST(
                                (SELECT COALESCE(MAX(seq), 0) FROM chain_transactions) AS TEXT) AS BLOB));
                            UPDATE meta SET value = CAST('2' AS BLOB) WHERE name = 'schema_version';
                            """)
                default:
                    throw StoreError.database(
                        "\(path) has schema version \(version ?? "?"), which this build cannot read (it reads 1 and \(Self.schemaVersion)); "
                            + "run the Cloister release that wrote it")
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("cannot upgrade \(path) to schema \(Self.schemaVersion): \(error)")
        }
    }

    /// Rebuilds what waits in memory: transactions after the indexed ones, and the journal.
    private func loadWaitingWrites() throws(StoreError) {
        let journal = try journalEntries()
        let index: [Hash32: Int64] = try read { db in
            let through = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'indexed_through'")
                .flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
            var index = [Hash32: Int64]()
            let rows = try Row.fetchCursor(db, sql: "SELECT id, seq FROM chain_transactions WHERE seq > ?", arguments: [through])
            while let row = try rows.next() {
                index[try Hash32(row["id"] as Data)] = row["seq"]
            }
            return index
        }
        waiting.withLock { waiting in
            waiting.index = index
            for (_, entries) in journal {
                for entry in entries { waiting.state[entry.key] = entry.value }
            }
            waiting.journalBlocks = journal.count
        }
    }

    // MARK: - Writing

    public func commit(_ block: BlockWrite) throws(StoreError) {
        // Encrypt outside the write transaction: the writer lock is held only for SQL.
        let blockID = Self.blockRowID(block.number)
        let sealedBlock = try cipher.seal(block.hash.bytes + block.payload, table: "blocks", rowID: blockID)
        let hashID = cipher.lookupID(table: "block-hash", key: block.hash.bytes)
        let cipher = self.cipher
        let transactions = try Self.concurrentMap(block.transactions.indices) { position throws(StoreError) in
            let transaction = block.transactions[position]
            let id = cipher.lookupHash(table: "transactions", key: transaction.hash.bytes)
            return SealedRow(
                id: id, position: position, sealed: try cipher.seal(transaction.payload, table: "transactions", rowID: id.bytes))
        }
        let newIDs = transactions.map(\.id)
        let entryCount = block.stateEntries.count

        // What this block writes of a run or fold, decided under the lock. Only the parts that
        // are replaced afterwards are copied out: holding on to `index` or `state` would make
        // the updates below copy the whole dictionary, every block.
        struct Plan {
            var run: [(id: Hash32, sequence: Int64)] = []
            var runWritten = 0
            var foldsAll = false
            var fold: [FoldEntry] = []
            var foldWritten = 0
            var foldThrough: UInt64 = 0
            /// Everything journaled and not yet in `state`, oldest first, when this block folds it all.
            var unfolded: [[[UInt8]: [UInt8]]] = []
        }
        let plan = waiting.withLock { waiting in
            var plan = Plan(
                run: waiting.run, runWritten: waiting.runWritten, fold: waiting.fold, foldWritten: waiting.foldWritten,
                foldThrough: waiting.foldThrough)
            // Everything at once past `journalEntryLimit` (a genesis of a million accounts).
            plan.foldsAll =
                entryCount > 0
                && waiting.state.count + waiting.foldSource.count + entryCount + waiting.fold.count - waiting.foldWritten
                    >= journalEntryLimit
            if plan.foldsAll { plan.unfolded = [waiting.foldSource, waiting.state] }
            return plan
        }
        let foldsAll = plan.foldsAll
        let run = plan.run
        // Paced by the block's own size, so runs and folds keep up with any load.
        let runSlice = plan.runWritten..<Swift.min(plan.runWritten + Swift.max(indexChunk, 2 * transactions.count), run.count)

        var fold = plan.fold
        let foldSlice: Range<Int>
        if foldsAll {
            var newest = [[UInt8]: [UInt8]]()
            for entry in plan.fold[plan.foldWritten...] { newest[entry.key] = entry.value }
            for journal in plan.unfolded { for (key, value) in journal { newest[key] = value } }
            for entry in block.stateEntries { newest[entry.key] = entry.value }
            fold = Self.foldEntries(newest, cipher: cipher, concurrently: true)
            foldSlice = 0..<fold.count
        } else {
            foldSlice = plan.foldWritten..<Swift.min(plan.foldWritten + Swift.max(foldChunk, 2 * entryCount), fold.count)
        }
        let foldEntries = fold
        let folded = try Self.concurrentMap(foldSlice) { index throws(StoreError) in
            let entry = foldEntries[index]
            return SealedRow(
                id: entry.id, position: 0,
                sealed: try cipher.seal(Self.lengthPrefixed(entry.key) + entry.value, table: "state", rowID: entry.id.bytes))
        }
        let sealedJournal =
            foldsAll || entryCount == 0
            ? nil : try cipher.seal(Self.encodeJournal(block.stateEntries), table: "state_journal", rowID: blockID)
        let completesFold = !foldsAll && !foldSlice.isEmpty && foldSlice.upperBound == fold.count
        let foldThrough = plan.foldThrough
        let metadata = try block.metadata.map { name, value throws(StoreError) in
            let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
            return (id, try cipher.seal(value, table: "node_meta", rowID: id))
        }
        let faultInjector = self.faultInjector
        let recordCipher = cipher

        let firstSequence: Int64
        do {
            firstSequence = try pool.write { db -> Int64 in
                let head = try Int64.fetchOne(db, sql: "SELECT MAX(number) FROM blocks")
                let expected = head.map { UInt64($0) + 1 } ?? 0
                guard block.number == expected else { throw StoreError.outOfOrderBlock(expected: expected, got: block.number) }

                try RowWriter(db, sql: "INSERT INTO blocks(number, hash_id, sealed) VALUES (?, ?, ?)")
                    .insert(.integer(Int64(block.number)), .blob(hashID), .blob(sealedBlock))
                try faultInjector?("block")

                // Appended after the last transaction: these pages are new, not scattered over the table.
                let first = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM chain_transactions") ?? 0) + 1
                let insertTransaction = try RowWriter(
                    db, sql: "INSERT INTO chain_transactions(seq, block_number, position, id, sealed) VALUES (?, ?, ?, ?, ?)")
                for row in transactions {
                    try insertTransaction.insert(
                        .integer(first + Int64(row.position)), .integer(Int64(block.number)), .integer(Int64(row.position)),
                        .hash(row.id), .blob(row.sealed))
                    if row.position == 0 { try faultInjector?("transactions") }
                }
                if !runSlice.isEmpty {
                    let insertIndex = try RowWriter(db, sql: "INSERT OR IGNORE INTO transaction_index(id, seq) VALUES (?, ?)")
                    for entry in run[runSlice] { try insertIndex.insert(.hash(entry.id), .integer(entry.sequence)) }
                    if runSlice.upperBound == run.count {
                        let through = run.lazy.map(\.sequence).max() ?? 0
                        try db.execute(
                            sql: "UPDATE meta SET value = ? WHERE name = 'indexed_through'", arguments: [Data(String(through).utf8)])
                    }
                    try faultInjector?("index")
                }

                if let sealedJournal {
                    try RowWriter(db, sql: "INSERT INTO state_journal(block_number, sealed) VALUES (?, ?)")
                        .insert(.integer(Int64(block.number)), .blob(sealedJournal))
                }
                if !folded.isEmpty {
                    let upsertState = try RowWriter(db, sql: "INSERT OR REPLACE INTO state(id, sealed) VALUES (?, ?)")
                    for row in folded { try upsertState.insert(.hash(row.id), .blob(row.sealed)) }
                    if foldsAll {
                        try db.execute(sql: "DELETE FROM state_journal")
                    } else if completesFold {
                        try db.execute(sql: "DELETE FROM state_journal WHERE block_number <= ?", arguments: [Int64(foldThrough)])
                    }
                }
                if !block.stateEntries.isEmpty { try faultInjector?("state") }

                try Self.insertAudit(block.auditRecords, blockNumber: block.number, db: db, cipher: recordCipher)
                try faultInjector?("audit")

                let upsertMetadata = try RowWriter(db, sql: "INSERT OR REPLACE INTO node_meta(id, sealed) VALUES (?, ?)")
                for (id, sealed) in metadata { try upsertMetadata.insert(.blob(id), .blob(sealed)) }
                try faultInjector?("commit")
                return first
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("cannot store block \(block.number): \(error)")
        }

        // Only what is now in the file changes what waits in memory.
        let (runDue, foldDue) = waiting.withLock { waiting -> ([Hash32: Int64]?, (source: [[UInt8]: [UInt8]], generation: Int)?) in
            for (position, id) in newIDs.enumerated() { waiting.index[id] = firstSequence + Int64(position) }
            if !runSlice.isEmpty {
                if runSlice.upperBound == run.count {
                    waiting.run = []
                    waiting.runIndex = [:]
                    waiting.runWritten = 0
                } else {
                    waiting.runWritten = runSlice.upperBound
                }
            }
            if foldsAll {
                waiting.state = [:]
                waiting.foldSource = [:]
                waiting.journalBlocks = 0
                waiting.fold = []
                waiting.foldWritten = 0
                waiting.preparingFold = false
                waiting.foldGeneration += 1  // a fold being prepared is now stale
            } else {
                for entry in block.stateEntries { waiting.state[entry.key] = entry.value }
                if entryCount > 0 { waiting.journalBlocks += 1 }
                if completesFold {
                    waiting.fold = []
                    waiting.foldWritten = 0
                } else if !foldSlice.isEmpty {
                    waiting.foldWritten = foldSlice.upperBound
                }
            }
            // A run or fold that is now due is prepared (sorted, its lookup ids computed) off
            // the block path; later blocks write it a slice at a time once it is ready.
            var runDue: [Hash32: Int64]?
            if waiting.run.isEmpty && !waiting.preparingRun && waiting.index.count >= indexRunSize {
                waiting.runIndex = waiting.index
                waiting.index = [:]
                waiting.preparingRun = true
                runDue = waiting.runIndex
            }
            var foldDue: (source: [[UInt8]: [UInt8]], generation: Int)?
            if waiting.fold.isEmpty && !waiting.preparingFold && waiting.journalBlocks >= journalBlockLimit {
                waiting.foldSource = waiting.state
                waiting.state = [:]
                waiting.journalBlocks = 0
                waiting.foldThrough = block.number
                waiting.preparingFold = true
                foldDue = (waiting.foldSource, waiting.foldGeneration)
            }
            return (runDue, foldDue)
        }
        if let runDue { prepareRun(runDue) }
        if let foldDue { prepareFold(foldDue.source, generation: foldDue.generation) }
    }

    /// Sorts a run on the preparation queue and hands it to the next blocks.
    private func prepareRun(_ source: [Hash32: Int64]) {
        preparation.run { [weak self] in
            var run = source.map { (id: $0.key, sequence: $0.value) }
            // Sorted, a run fills index pages in key order instead of touching each at random.
            run.sort { $0.id < $1.id }
            self?.waiting.withLock { waiting in
                waiting.run = run
                waiting.runWritten = 0
                waiting.preparingRun = false
            }
        }
    }

    /// Computes a fold's lookup ids and order on the preparation queue and hands it to the
    /// next blocks, unless a block has folded everything in the meantime.
    private func prepareFold(_ source: [[UInt8]: [UInt8]], generation: Int) {
        let cipher = self.cipher
        preparation.run { [weak self] in
            let fold = Self.foldEntries(source, cipher: cipher, concurrently: false)
            self?.waiting.withLock { waiting in
                guard waiting.foldGeneration == generation else { return }
                waiting.fold = fold
                waiting.foldWritten = 0
                waiting.foldSource = [:]
                waiting.preparingFold = false
            }
        }
    }

    /// The entries of a fold with their lookup ids, in lookup-id order: each slice of the fold
    /// then lands on its own stretch of `state`'s pages.
    static func foldEntries(_ newest: [[UInt8]: [UInt8]], cipher: RecordCipher, concurrently: Bool) -> [FoldEntry] {
        let entries = Array(newest)
        let entry: @Sendable (Int) -> FoldEntry = { index in
            let (key, value) = entries[index]
            return FoldEntry(id: cipher.lookupHash(table: "state", key: key), key: key, value: value)
        }
        var fold = concurrently ? concurrentMap(entries.indices, entry) : entries.indices.map(entry)
        fold.sort { $0.id < $1.id }
        return fold
    }

    /// Waits until the runs and folds that are due are prepared (tests; a block never waits).
    func waitForPreparedWrites() { preparation.wait() }

    /// `transform` over `indices` on every core, in order: a busy block seals thousands of
    /// records, and the sequencer waits for its write before the next block.
    /// A failure of `transform` is thrown once every chunk has finished (the first, in order).
    static func concurrentMap<Element: Sendable, Failure: Error>(
        _ indices: Range<Int>, _ transform: @Sendable (Int) throws(Failure) -> Element
    ) throws(Failure) -> [Element] {
        let chunk = 256
        guard indices.count > chunk else { return try indices.map(transform) }
        let chunks = (indices.count + chunk - 1) / chunk
        var results = [Result<[Element], Failure>](repeating: .success([]), count: chunks)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = ChunkSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { index in
                let start = indices.lowerBound + index * chunk
                // Each iteration writes its own slot only.
                slots.base[index] = Result { () throws(Failure) in
                    try (start..<min(start + chunk, indices.upperBound)).map(transform)
                }
            }
        }
        var elements = [Element]()
        elements.reserveCapacity(indices.count)
        for result in results { elements += try result.get() }
        return elements
    }

    private struct ChunkSlots<Slot>: @unchecked Sendable {
        let base: UnsafeMutablePointer<Slot>
    }

    /// An encrypted row ready to insert.
    struct SealedRow: Sendable {
        var id: Hash32
        var position: Int
        var sealed: [UInt8]
    }

    // MARK: - Reading

    public func head() throws(StoreError) -> BlockHead? {
        let row: (Int64, [UInt8])? = try read { db in
            try Row.fetchOne(db, sql: "SELECT number, sealed FROM blocks ORDER BY number DESC LIMIT 1").map {
                ($0["number"], Array($0["sealed"] as Data))
            }
        }
        guard let (number, sealed) = row else { return nil }
        let plain = try cipher.open(sealed, table: "blocks", rowID: Self.blockRowID(UInt64(number)))
        guard plain.count >= Hash32.byteCount else {
            throw .corruptRecord(table: "blocks", detail: "block \(number) is shorter than its hash")
        }
        return BlockHead(number: UInt64(number), hash: Hash32(exactly: plain.prefix(Hash32.byteCount)))
    }

    public func block(number: UInt64) throws(StoreError) -> [UInt8]? {
        guard number <= UInt64(Int64.max) else { return nil }
        let sealed: Data? = try read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM blocks WHERE number = ?", arguments: [Int64(number)])
        }
        guard let sealed else { return nil }
        return Array(try cipher.open(Array(sealed), table: "blocks", rowID: Self.blockRowID(number)).dropFirst(32))
    }

    public func derivedSecret(purpose: String) -> [UInt8] { cipher.secret(purpose: purpose) }

    public func blockNumber(hash: Hash32) throws(StoreError) -> UInt64? {
        let id = cipher.lookupID(table: "block-hash", key: hash.bytes)
        let number: Int64? = try read { db in
            try Int64.fetchOne(db, sql: "SELECT number FROM blocks WHERE hash_id = ?", arguments: [Data(id)])
        }
        return number.map(UInt64.init)
    }

    public func transaction(hash: Hash32) throws(StoreError) -> StoredTransaction? {
        let lookup = cipher.lookupHash(table: "transactions", key: hash.bytes)
        let id = lookup.bytes
        // Waiting first: an index run is written before its transactions leave memory.
        let sequence = waiting.withLock { $0.sequence(of: lookup) }
        let row: (Int64, Int, Data)? = try read { db in
            let found: Row?
            if let sequence {
                found = try Row.fetchOne(
                    db, sql: "SELECT block_number, position, sealed FROM chain_transactions WHERE seq = ?", arguments: [sequence])
            } else {
                found = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.block_number, t.position, t.sealed FROM transaction_index i
                        JOIN chain_transactions t ON t.seq = i.seq WHERE i.id = ?
                        """, arguments: [Data(id)])
            }
            return found.map { ($0["block_number"], $0["position"], $0["sealed"]) }
        }
        guard let (block, position, sealed) = row else { return nil }
        return StoredTransaction(
            blockNumber: UInt64(block), position: position,
            payload: try cipher.open(Array(sealed), table: "transactions", rowID: id))
    }

    public func transactions(blockNumber: UInt64) throws(StoreError) -> [StoredTransaction] {
        guard blockNumber <= UInt64(Int64.max) else { return [] }
        let rows: [(Data, Int, Data)] = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, position, sealed FROM chain_transactions WHERE block_number = ? ORDER BY position",
                arguments: [Int64(blockNumber)]
            ).map { ($0["id"], $0["position"], $0["sealed"]) }
        }
        var result = [StoredTransaction]()
        result.reserveCapacity(rows.count)
        for (id, position, sealed) in rows {
            result.append(
                StoredTransaction(
                    blockNumber: blockNumber, position: position,
                    payload: try cipher.open(Array(sealed), table: "transactions", rowID: Array(id))))
        }
        return result
    }

    /// The folded entries, then the journal over them in block order: the newest value of each.
    public func allStateEntries() throws(StoreError) -> [StateEntry] {
        // One read transaction for both: a fold committed in between would otherwise be missed.
        let (rows, journalRows): ([(Data, Data)], [(Int64, Data)]) = try read { db in
            (
                try Row.fetchAll(db, sql: "SELECT id, sealed FROM state").map { ($0["id"], $0["sealed"]) },
                try Self.journalRows(db)
            )
        }
        var entries = [StateEntry]()
        entries.reserveCapacity(rows.count)
        var positions = [[UInt8]: Int]()
        for (id, sealed) in rows {
            let plain = try cipher.open(Array(sealed), table: "state", rowID: Array(id))
            guard let (key, value) = Self.splitLengthPrefixed(plain) else {
                throw .corruptRecord(table: "state", detail: "malformed entry")
            }
            entries.append(StateEntry(key: key, value: value))
        }
        let journal = try openJournal(journalRows)
        guard !journal.isEmpty else { return entries }
        for (index, entry) in entries.enumerated() { positions[entry.key] = index }
        for (_, changes) in journal {
            for change in changes {
                if let index = positions[change.key] {
                    entries[index].value = change.value
                } else {
                    positions[change.key] = entries.count
                    entries.append(change)
                }
            }
        }
        return entries
    }

    /// The journal's rows in block order, opened.
    private func journalEntries() throws(StoreError) -> [(block: UInt64, entries: [StateEntry])] {
        try openJournal(try read { db in try Self.journalRows(db) })
    }

    private static func journalRows(_ db: Database) throws -> [(Int64, Data)] {
        try Row.fetchAll(db, sql: "SELECT block_number, sealed FROM state_journal ORDER BY block_number")
            .map { ($0["block_number"], $0["sealed"]) }
    }

    private func openJournal(_ rows: [(Int64, Data)]) throws(StoreError) -> [(block: UInt64, entries: [StateEntry])] {
        try rows.map { number, sealed throws(StoreError) in
            let block = UInt64(number)
            let plain = try cipher.open(Array(sealed), table: "state_journal", rowID: Self.blockRowID(block))
            guard let entries = Self.decodeJournal(plain) else {
                throw .corruptRecord(table: "state_journal", detail: "malformed entries of block \(block)")
            }
            return (block, entries)
        }
    }

    public func auditRecords(from: UInt64, limit: Int) throws(StoreError) -> [[UInt8]] {
        let rows: [(Int64, Data)] = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, sealed FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [Int64(clamping: from), limit]
            ).map { ($0["seq"], $0["sealed"]) }
        }
        var records = [[UInt8]]()
        for (sequence, sealed) in rows {
            records.append(try cipher.open(Array(sealed), table: "audit", rowID: Self.blockRowID(UInt64(sequence))))
        }
        return records
    }

    public func auditRows(from: UInt64, limit: Int) throws(StoreError) -> [AuditRow] {
        let rows: [(Int64, Data)] = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, sealed FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [Int64(clamping: from), limit]
            ).map { ($0["seq"], $0["sealed"]) }
        }
        return rows.map { sequence, sealed in
            let plaintext = Result { () throws(StoreError) in
                try cipher.open(Array(sealed), table: "audit", rowID: Self.blockRowID(UInt64(sequence)))
            }
            return AuditRow(sequence: UInt64(sequence), plaintext: plaintext)
        }
    }

    public func lastAuditRow() throws(StoreError) -> AuditRow? {
        let last: Int64? = try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit") }
        guard let last else { return nil }
        return try auditRows(from: UInt64(last), limit: 1).first
    }

    public func metadata(_ name: String) throws(StoreError) -> [UInt8]? {
        let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
        let sealed: Data? = try read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM node_meta WHERE id = ?", arguments: [Data(id)])
        }
        guard let sealed else { return nil }
        return try cipher.open(Array(sealed), table: "node_meta", rowID: id)
    }

    public func appendAuditRecords(_ records: [[UInt8]], blockNumber: UInt64) throws(StoreError) {
        guard !records.isEmpty else { return }
        let recordCipher = cipher
        do {
            try pool.write { db in try Self.insertAudit(records, blockNumber: blockNumber, db: db, cipher: recordCipher) }
        } catch {
            throw .database("cannot append audit records: \(error)")
        }
    }

    /// Appends audit records after the last sequence number; each sealed under its own sequence number.
    static func insertAudit(_ records: [[UInt8]], blockNumber: UInt64, db: Database, cipher: RecordCipher) throws {
        guard !records.isEmpty else { return }
        var sequence = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit") ?? 0
        let insert = try db.cachedStatement(sql: "INSERT INTO audit(seq, block_number, sealed) VALUES (?, ?, ?)")
        for record in records {
            let sealed = try cipher.seal(record, table: "audit", rowID: blockRowID(UInt64(sequence)))
            try insert.execute(arguments: [sequence, Int64(blockNumber), Data(sealed)])
            sequence += 1
        }
    }

    public func putMetadata(_ values: [String: [UInt8]]) throws(StoreError) {
        let rows = try values.map { name, value throws(StoreError) in
            let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
            return (id, try cipher.seal(value, table: "node_meta", rowID: id))
        }
        do {
            try pool.write { db in
                let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO node_meta(id, sealed) VALUES (?, ?)")
                for (id, sealed) in rows { try upsert.execute(arguments: [Data(id), Data(sealed)]) }
            }
        } catch {
            throw .database("cannot write metadata: \(error)")
        }
    }

    // MARK: - Helpers

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch let error as StoreError { throw error } catch {
            throw .database("cannot read \(path): \(error)")
        }
    }

    /// Row id used as associated data for rows keyed by a number (blocks, audit entries).
    static func blockRowID(_ number: UInt64) -> [UInt8] {
        withUnsafeBytes(of: number.bigEndian) { Array($0) }
    }

    /// A block's changed entries as one record: their count, then for each a length-prefixed key and value.
    static func encodeJournal(_ entries: [StateEntry]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(entries.reduce(4) { $0 + 8 + $1.key.count + $1.value.count })
        withUnsafeBytes(of: UInt32(entries.count).bigEndian) { bytes += $0 }
        for entry in entries {
            withUnsafeBytes(of: UInt32(entry.key.count).bigEndian) { bytes += $0 }
            bytes += entry.key
            withUnsafeBytes(of: UInt32(entry.value.count).bigEndian) { bytes += $0 }
            bytes += entry.value
        }
        return bytes
    }

    /// The entries of `encodeJournal`, or nil if the bytes are not exactly such a record.
    static func decodeJournal(_ bytes: [UInt8]) -> [StateEntry]? {
        var entries = [StateEntry]()
        var offset = 0
        func length() -> Int? {
            guard bytes.count - offset >= 4 else { return nil }
            defer { offset += 4 }
            return bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        func field() -> [UInt8]? {
            guard let length = length(), bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<(offset + length)])
        }
        guard let count = length() else { return nil }
        for _ in 0..<count {
            guard let key = field(), let value = field() else { return nil }
            entries.append(StateEntry(key: key, value: value))
        }
        return offset == bytes.count ? entries : nil
    }

    static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { Array($0) } + bytes
    }

    static func splitLengthPrefixed(_ bytes: [UInt8]) -> ([UInt8], [UInt8])? {
        guard bytes.count >= 4 else { return nil }
        let length = Int(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard bytes.count >= 4 + length else { return nil }
        return (Array(bytes[4..<(4 + length)]), Array(bytes[(4 + length)...]))
    }
}

/// Copies the WAL back into the database file every `interval`, on a connection and a thread
/// of its own. SQLite's default is to checkpoint inside a committing transaction: the block
/// that crosses the threshold would wait for the copy and its fsync, and so would every
/// receipt behind it. A passive checkpoint waits for no reader or writer.
final class Checkpointer: @unchecked Sendable {
    private let queue: DatabaseQueue
    private let stopped = Atomic<Bool>(false)
    /// Held while a checkpoint runs.
    private let running = NSLock()

    private let interval: Duration

    init(path: String, interval: Duration = .seconds(1)) throws {
        var configuration = Configuration()
        configuration.label = "cloister.checkpoint"
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
    }

    /// Starts the checkpoint thread; it ends within one interval of `stop()`.
    func start() {
        let interval = self.interval
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
                running.lock()
                defer { running.unlock() }
                guard !stopped.load(ordering: .relaxed) else { break }
                // A failed checkpoint loses nothing: the frames stay in the WAL for the next one.
                _ = try? queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
        }
        thread.name = "cloister-checkpoint"
        thread.start()
    }

    /// Returns once no checkpoint is running and this connection is closed (the file can then
    /// be copied whole, and the store's own last connection does SQLite's final checkpoint).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        running.lock()
        defer { running.unlock() }
        try? queue.close()
    }
}

/// Runs each piece of work on a thread of its own at lowered priority (nice 10 on Linux):
/// a run or fold is prepared while blocks go on, and under load the kernel gives the cores to
/// the block path and the API first.
final class PreparationThreads: Sendable {
    private let pending = DispatchGroup()

    func run(_ work: @escaping @Sendable () -> Void) {
        pending.enter()
        let thread = Thread { [pending] in
            #if canImport(Glibc)
            // On Linux the nice value is per thread: `who` 0 is this thread alone.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
            work()
            pending.leave()
        }
        thread.name = "cloister-store-prepare"
        thread.start()
    }

    /// Returns once every piece of work started so far has finished.
    func wait() { pending.wait() }
}
