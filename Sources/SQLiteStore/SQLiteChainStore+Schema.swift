import Foundation
import GRDB
import Primitives
import Store

// MARK: - Schema: creating a file, upgrading an older one, rebuilding what waits in memory

extension SQLiteChainStore {
    static func createSchema(_ db: Database, wrappedDataKey: [UInt8]) throws {
        try db.execute(
            sql: """
                CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE blocks(number INTEGER PRIMARY KEY, hash_id BLOB NOT NULL UNIQUE, sealed BLOB NOT NULL);
                CREATE TABLE audit(seq INTEGER PRIMARY KEY, block_number INTEGER NOT NULL, sealed BLOB NOT NULL);
                CREATE TABLE state(id BLOB PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;
                """)
        try createNodeMetadataTable(db)
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

    /// The node's records (`putMetadata`), in a rowid table: a record can be hundreds of KiB (a
    /// batch's state-tree update), and in a `WITHOUT ROWID` table every key comparison on the way
    /// to a row copies the whole overflowing row out of its pages first. Here the key search runs
    /// in the primary key's index, whose entries are the 32-byte id and a rowid. (Schema 3; before
    /// it, this copying was a tenth of a flat-out node's time.)
    private static func createNodeMetadataTable(_ db: Database, name: String = "node_meta") throws {
        try db.execute(sql: "CREATE TABLE \(name)(id BLOB PRIMARY KEY, sealed BLOB NOT NULL)")
    }

    /// Brings a schema-1 file (transactions keyed by their lookup id) or a schema-2 one
    /// (`node_meta` without rowid) to schema 3 in one transaction; the sealed records move
    /// unchanged (they stay bound to their lookup ids).
    func upgradeSchema() throws(StoreError) {
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
                            """)
                    try Self.moveNodeMetadataToRowidTable(db)
                case "2":
                    try Self.moveNodeMetadataToRowidTable(db)
                default:
                    throw StoreError.database(
                        "\(path) has schema version \(version ?? "?"), which this build cannot read (it reads 1 to \(Self.schemaVersion)); "
                            + "run the Cloister release that wrote it")
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("cannot upgrade \(path) to schema \(Self.schemaVersion): \(error)")
        }
    }

    /// Schema 2 to 3: `node_meta` becomes a rowid table (``createNodeMetadataTable(_:name:)``),
    /// its rows copied unchanged, and the file is marked schema 3.
    private static func moveNodeMetadataToRowidTable(_ db: Database) throws {
        try createNodeMetadataTable(db, name: "node_meta_rowid")
        try db.execute(
            sql: """
                INSERT INTO node_meta_rowid(id, sealed) SELECT id, sealed FROM node_meta;
                DROP TABLE node_meta;
                ALTER TABLE node_meta_rowid RENAME TO node_meta;
                UPDATE meta SET value = CAST('\(schemaVersion)' AS BLOB) WHERE name = 'schema_version';
                """)
    }

    /// Rebuilds what waits in memory: transactions after the indexed ones, and the journal.
    func loadWaitingWrites() throws(StoreError) {
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
}
