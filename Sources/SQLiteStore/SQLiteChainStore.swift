import Foundation
import GRDB
import Primitives
import Store
import Locking

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
    /// The admission journal's own file beside it (`AdmissionFile`).
    public static let admissionFileName = AdmissionFile.fileName
    /// SQLite's durability level for the writer (`PRAGMA synchronous`): 2, FULL.
    static let synchronous = 2
    static let schemaVersion = 3

    public let path: String
    let pool: DatabasePool
    /// The admission journal's own file (`AdmissionFile`).
    let admissions: AdmissionFile
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
    let waiting = Locked(WaitingWrites())
    /// Sorts runs and computes folds' lookup ids off the block path.
    let preparation = PreparationThreads()
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
            // GRDB sets `synchronous = NORMAL` when it puts the writer in WAL mode: a commit then
            // reaches the WAL but not the disk, and a power cut can take back blocks, receipts and
            // journaled admissions the node has already answered. FULL syncs the WAL at every
            // commit: one sync per block and one per admission group (docs/ARCHITECTURE.md,
            // "What a crash can lose").
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(Self.synchronous)") }
            checkpointer = try Checkpointer(path: path)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
        admissions = try AdmissionFile(directory: directory)
        if let wrapped {
            guard let dataKey = RecordCipher.unwrap(wrapped, with: masterKey) else {
                throw .wrongMasterKey(path: masterKeyPath, database: path)
            }
            cipher = try RecordCipher(dataKey: dataKey)
            try upgradeSchema()
            try moveAdmissionsTable()
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

    /// A read transaction; any failure of it becomes a `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch let error as StoreError { throw error } catch {
            throw .database("cannot read \(path): \(error)")
        }
    }
}
