import Foundation
import GRDB
import Primitives
import Store

// MARK: - The admission journal: accepted transactions not yet in a block

extension SQLiteChainStore {
    /// Created on open when missing (files written before the journal simply gain it; older
    /// releases ignore it).
    static let admissionsTableSQL =
        "CREATE TABLE IF NOT EXISTS admissions(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, sealed BLOB NOT NULL)"

    /// The lookup id of a journaled transaction.
    func admissionID(_ hash: Hash32) -> [UInt8] { cipher.lookupID(table: "admissions", key: hash.bytes) }

    public func journalAdmissions(_ entries: [(hash: Hash32, raw: [UInt8])]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        let rows = try entries.map { entry throws(StoreError) in
            let id = admissionID(entry.hash)
            return (id, try cipher.seal(entry.raw, table: "admissions", rowID: id))
        }
        do {
            try pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO admissions(id, sealed) VALUES (?, ?)")
                for (id, sealed) in rows { try insert.execute(arguments: [Data(id), Data(sealed)]) }
            }
        } catch {
            throw writeFailure("cannot journal \(entries.count) accepted transaction(s)", error)
        }
    }

    public func admissionJournal() throws(StoreError) -> [(hash: Hash32, raw: [UInt8])] {
        let rows: [(id: [UInt8], sealed: [UInt8])] = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, sealed FROM admissions ORDER BY seq").map {
                ([UInt8]($0["id"] as Data), [UInt8]($0["sealed"] as Data))
            }
        }
        return try rows.map { row throws(StoreError) in
            let raw = try cipher.open(row.sealed, table: "admissions", rowID: row.id)
            return (Keccak256.hash(raw), raw)
        }
    }

    public func dropAdmissions(_ hashes: [Hash32]) throws(StoreError) {
        guard !hashes.isEmpty else { return }
        let ids = hashes.map(admissionID)
        do {
            try pool.write { db in try Self.deleteAdmissions(ids, db: db) }
        } catch {
            throw writeFailure("cannot drop journaled transactions", error)
        }
    }

    static func deleteAdmissions(_ ids: [[UInt8]], db: Database) throws {
        guard !ids.isEmpty else { return }
        let delete = try db.cachedStatement(sql: "DELETE FROM admissions WHERE id = ?")
        for id in ids { try delete.execute(arguments: [Data(id)]) }
    }
}
