import Foundation
import GRDB
import Primitives
import Store

// MARK: - Audit records and metadata written outside a block

extension SQLiteChainStore {
    public func appendAuditRecords(_ records: [[UInt8]], blockNumber: UInt64) throws(StoreError) {
        guard !records.isEmpty else { return }
        let recordCipher = cipher
        do {
            try pool.write { db in try Self.insertAudit(records, blockNumber: blockNumber, db: db, cipher: recordCipher) }
        } catch {
            throw writeFailure("cannot append audit records", error)
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
            throw writeFailure("cannot write metadata", error)
        }
    }
}
