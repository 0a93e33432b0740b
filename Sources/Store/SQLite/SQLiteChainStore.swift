import Foundation
import GRDB
import Primitives

/// The embedded store: one SQLite file in WAL mode through GRDB's `DatabasePool` (one
/// writer, concurrent readers), every record sealed by `RecordCipher`.
///
/// Layout (`chain.sqlite`): `meta` holds only the schema version and the wrapped data key;
/// every other table holds keyed lookup ids and ciphertext, plus the plain block number and
/// audit sequence needed for ordering (both public on the member API anyway).
public final class SQLiteChainStore: ChainStore {
    public static let fileName = "chain.sqlite"
    static let schemaVersion = 1

    public let path: String
    let pool: DatabasePool
    let cipher: RecordCipher
    /// Test hook: called at each stage of a block write, inside the storage transaction.
    let faultInjector: (@Sendable (String) throws -> Void)?

    /// Opens (or creates) the store in `directory`.
    ///
    /// An existing database is only read until the master key has opened its data key, so a
    /// wrong key leaves the file exactly as it was.
    public init(
        directory: String, masterKey: MasterKey, masterKeyPath: String,
        faultInjector: (@Sendable (String) throws -> Void)? = nil
    ) throws(StoreError) {
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
            // Transactions are keyed by a keyed hash, so each block's inserts land on pages
            // all over the table: a writer cache of 64 MiB keeps them in memory instead of
            // re-reading them for every block. (No mmap: an I/O error there is a SIGBUS, not an error.)
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -8_192 : -65_536)")
            // Checkpoint every 8,192 WAL pages (32 MiB) rather than 1,000: the state pages a busy
            // chain rewrites in every block are then copied back to the database once per
            // checkpoint, not once per block.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
        if let wrapped {
            guard let dataKey = RecordCipher.unwrap(wrapped, with: masterKey) else {
                throw .wrongMasterKey(path: masterKeyPath, database: path)
            }
            cipher = RecordCipher(dataKey: dataKey)
        } else {
            let dataKey = SecureRandom.bytes(32)
            cipher = RecordCipher(dataKey: dataKey)
            do {
                try pool.write { db in try Self.createSchema(db, wrappedDataKey: RecordCipher.wrap(dataKey: dataKey, with: masterKey)) }
            } catch {
                throw .database("cannot initialise \(path): \(error)")
            }
        }
    }

    static func createSchema(_ db: Database, wrappedDataKey: [UInt8]) throws {
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
            arguments: [Data(String(schemaVersion).utf8), Data(wrappedDataKey)])
    }

    // MARK: - Writing

    public func commit(_ block: BlockWrite) throws(StoreError) {
        // Encrypt outside the write transaction: the writer lock is held only for SQL.
        let blockID = Self.blockRowID(block.number)
        let sealedBlock = cipher.seal(block.hash.bytes + block.payload, table: "blocks", rowID: blockID)
        let hashID = cipher.lookupID(table: "block-hash", key: block.hash.bytes)
        let cipher = self.cipher
        let transactions = Self.concurrentMap(block.transactions.indices) { position in
            let transaction = block.transactions[position]
            let id = cipher.lookupID(table: "transactions", key: transaction.hash.bytes)
            return SealedRow(id: id, position: position, sealed: cipher.seal(transaction.payload, table: "transactions", rowID: id))
        }
        let state = Self.concurrentMap(block.stateEntries.indices) { index in
            let entry = block.stateEntries[index]
            let id = cipher.lookupID(table: "state", key: entry.key)
            return SealedRow(
                id: id, position: 0, sealed: cipher.seal(Self.lengthPrefixed(entry.key) + entry.value, table: "state", rowID: id))
        }
        let metadata = block.metadata.map { name, value in
            let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
            return (id, cipher.seal(value, table: "node_meta", rowID: id))
        }
        let faultInjector = self.faultInjector
        let recordCipher = cipher

        do {
            try pool.write { db in
                let head = try Int64.fetchOne(db, sql: "SELECT MAX(number) FROM blocks")
                let expected = head.map { UInt64($0) + 1 } ?? 0
                guard block.number == expected else { throw StoreError.outOfOrderBlock(expected: expected, got: block.number) }

                try db.cachedStatement(sql: "INSERT INTO blocks(number, hash_id, sealed) VALUES (?, ?, ?)")
                    .execute(arguments: [Int64(block.number), Data(hashID), Data(sealedBlock)])
                try faultInjector?("block")

                let insertTransaction = try db.cachedStatement(
                    sql: "INSERT INTO transactions(id, block_number, position, sealed) VALUES (?, ?, ?, ?)")
                for row in transactions {
                    try insertTransaction.execute(arguments: [Data(row.id), Int64(block.number), row.position, Data(row.sealed)])
                    if row.position == 0 { try faultInjector?("transactions") }
                }

                let upsertState = try db.cachedStatement(sql: "INSERT OR REPLACE INTO state(id, sealed) VALUES (?, ?)")
                for (index, row) in state.enumerated() {
                    try upsertState.execute(arguments: [Data(row.id), Data(row.sealed)])
                    if index == 0 { try faultInjector?("state") }
                }

                try Self.insertAudit(block.auditRecords, blockNumber: block.number, db: db, cipher: recordCipher)
                try faultInjector?("audit")

                let upsertMetadata = try db.cachedStatement(sql: "INSERT OR REPLACE INTO node_meta(id, sealed) VALUES (?, ?)")
                for (id, sealed) in metadata { try upsertMetadata.execute(arguments: [Data(id), Data(sealed)]) }
                try faultInjector?("commit")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("cannot store block \(block.number): \(error)")
        }
    }

    /// `transform` over `indices` on every core, in order: a busy block seals thousands of
    /// records, and the sequencer waits for its write before the next block.
    static func concurrentMap<Element: Sendable>(_ indices: Range<Int>, _ transform: @Sendable (Int) -> Element) -> [Element] {
        let chunk = 256
        guard indices.count > chunk else { return indices.map(transform) }
        let chunks = (indices.count + chunk - 1) / chunk
        var results = [[Element]](repeating: [], count: chunks)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = ChunkSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { index in
                let start = indices.lowerBound + index * chunk
                // Each iteration writes its own slot only.
                slots.base[index] = (start..<min(start + chunk, indices.upperBound)).map(transform)
            }
        }
        return results.flatMap { $0 }
    }

    private struct ChunkSlots<Element>: @unchecked Sendable {
        let base: UnsafeMutablePointer<[Element]>
    }

    /// An encrypted row ready to insert.
    struct SealedRow: Sendable {
        var id: [UInt8]
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
        return BlockHead(number: UInt64(number), hash: try! Hash32(plain[0..<32]))
    }

    public func block(number: UInt64) throws(StoreError) -> [UInt8]? {
        guard number <= UInt64(Int64.max) else { return nil }
        let sealed: Data? = try read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM blocks WHERE number = ?", arguments: [Int64(number)])
        }
        guard let sealed else { return nil }
        return Array(try cipher.open(Array(sealed), table: "blocks", rowID: Self.blockRowID(number)).dropFirst(32))
    }

    public func blockNumber(hash: Hash32) throws(StoreError) -> UInt64? {
        let id = cipher.lookupID(table: "block-hash", key: hash.bytes)
        let number: Int64? = try read { db in
            try Int64.fetchOne(db, sql: "SELECT number FROM blocks WHERE hash_id = ?", arguments: [Data(id)])
        }
        return number.map(UInt64.init)
    }

    public func transaction(hash: Hash32) throws(StoreError) -> StoredTransaction? {
        let id = cipher.lookupID(table: "transactions", key: hash.bytes)
        let row: (Int64, Int, Data)? = try read { db in
            try Row.fetchOne(db, sql: "SELECT block_number, position, sealed FROM transactions WHERE id = ?", arguments: [Data(id)])
                .map { ($0["block_number"], $0["position"], $0["sealed"]) }
        }
        guard let (block, position, sealed) = row else { return nil }
        return StoredTransaction(
            blockNumber: UInt64(block), position: position,
            payload: try cipher.open(Array(sealed), table: "transactions", rowID: id))
    }

    public func transactions(blockNumber: UInt64) throws(StoreError) -> [StoredTransaction] {
        let rows: [(Data, Int, Data)] = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, position, sealed FROM transactions WHERE block_number = ? ORDER BY position",
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

    public func allStateEntries() throws(StoreError) -> [StateEntry] {
        let rows: [(Data, Data)] = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, sealed FROM state").map { ($0["id"], $0["sealed"]) }
        }
        var entries = [StateEntry]()
        entries.reserveCapacity(rows.count)
        for (id, sealed) in rows {
            let plain = try cipher.open(Array(sealed), table: "state", rowID: Array(id))
            guard let (key, value) = Self.splitLengthPrefixed(plain) else {
                throw .corruptRecord(table: "state", detail: "malformed entry")
            }
            entries.append(StateEntry(key: key, value: value))
        }
        return entries
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
            let sealed = cipher.seal(record, table: "audit", rowID: blockRowID(UInt64(sequence)))
            try insert.execute(arguments: [sequence, Int64(blockNumber), Data(sealed)])
            sequence += 1
        }
    }

    public func putMetadata(_ values: [String: [UInt8]]) throws(StoreError) {
        let rows = values.map { name, value in
            let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
            return (id, cipher.seal(value, table: "node_meta", rowID: id))
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
