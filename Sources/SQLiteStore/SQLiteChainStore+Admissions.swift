import Foundation
import GRDB
import Primitives
import Store

// MARK: - The admission journal: accepted transactions not yet in a block

/// The admission journal's own file (`admissions.sqlite`, WAL, synchronous FULL) beside
/// `chain.sqlite`.
///
/// Its own file because a journal write is on the answer's path: a member's
/// `eth_sendRawTransaction` waits for it. In `chain.sqlite` it queued behind block writes on
/// the one writer, and flat out that wait cost about a quarter of the executed rate
/// (docs/BENCH.md, 2026-12-07 fourth session). A block removes the entries it settles after its
/// own transaction commits; a stop in between leaves entries whose transactions are already in a
/// block, which the restart finds there and drops (`Chain.restoreJournaledAdmissions`).
final class AdmissionFile: Sendable {
    static let fileName = "admissions.sqlite"
    static let tableSQL =
        "CREATE TABLE IF NOT EXISTS admissions(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, sealed BLOB NOT NULL)"

    let path: String
    let queue: DatabaseQueue

    init(directory: String) throws(StoreError) {
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "cloister.admissions"
        configuration.prepareDatabase { db in
            // One sync per group at commit (WAL), and a commit is on the disk when it returns:
            // the journal exists to keep what the node has answered across a power cut.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = \(SQLiteChainStore.synchronous)")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.write { db in try db.execute(sql: Self.tableSQL) }
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

    func insert(_ rows: [([UInt8], [UInt8])]) throws {
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO admissions(id, sealed) VALUES (?, ?)")
            for (id, sealed) in rows { try insert.execute(arguments: [Data(id), Data(sealed)]) }
        }
    }

    func delete(_ ids: [[UInt8]]) throws {
        guard !ids.isEmpty else { return }
        try queue.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM admissions WHERE id = ?")
            for id in ids { try delete.execute(arguments: [Data(id)]) }
        }
    }

    func rows() throws -> [(id: [UInt8], sealed: [UInt8])] {
        try queue.read { db in try Self.rows(db) }
    }

    /// The `admissions` table's entries in the order they were journaled, in this file or (before
    /// the journal had its own file) in `chain.sqlite`.
    static func rows(_ db: Database) throws -> [(id: [UInt8], sealed: [UInt8])] {
        try Row.fetchAll(db, sql: "SELECT id, sealed FROM admissions ORDER BY seq").map {
            ([UInt8]($0["id"] as Data), [UInt8]($0["sealed"] as Data))
        }
    }
}

extension SQLiteChainStore {
    /// The lookup id of a journaled transaction.
    func admissionID(_ hash: Hash32) -> [UInt8] { cipher.lookupID(table: "admissions", key: hash.bytes) }

    public func journalAdmissions(_ entries: [(hash: Hash32, raw: [UInt8])]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        let rows = try entries.map { entry throws(StoreError) in
            let id = admissionID(entry.hash)
            return (id, try cipher.seal(entry.raw, table: "admissions", rowID: id))
        }
        do {
            try admissions.insert(rows)
        } catch {
            throw writeFailure("cannot journal \(entries.count) accepted transaction(s)", error)
        }
    }

    public func admissionJournal() throws(StoreError) -> [(hash: Hash32, raw: [UInt8])] {
        let rows: [(id: [UInt8], sealed: [UInt8])]
        do { rows = try admissions.rows() } catch { throw .database("cannot read \(admissions.path): \(error)") }
        return try rows.map { row throws(StoreError) in
            let raw = try cipher.open(row.sealed, table: "admissions", rowID: row.id)
            return (Keccak256.hash(raw), raw)
        }
    }

    public func dropAdmissions(_ hashes: [Hash32]) throws(StoreError) {
        guard !hashes.isEmpty else { return }
        do {
            try admissions.delete(hashes.map(admissionID))
        } catch {
            throw writeFailure("cannot drop journaled transactions", error)
        }
    }

    /// Removes the entries a stored block settled. A failure here loses nothing: the entries
    /// stay, and a restart finds their transactions in the block and drops them.
    func settleAdmissions(_ ids: [[UInt8]]) {
        try? admissions.delete(ids)
    }

    /// Moves what a file written before the journal had its own file (its `admissions`
    /// table in `chain.sqlite`) into `admissions.sqlite`, then drops that table. Copied
    /// first and dropped second, so a stop in between copies again (repeats are ignored).
    func moveAdmissionsTable() throws(StoreError) {
        do {
            let rows: [(id: [UInt8], sealed: [UInt8])] = try pool.read { db in
                guard try db.tableExists("admissions") else { return [] }
                return try AdmissionFile.rows(db)
            }
            try admissions.insert(rows.map { ($0.id, $0.sealed) })
            try pool.write { db in try db.execute(sql: "DROP TABLE IF EXISTS admissions") }
        } catch {
            throw writeFailure("cannot move the admission journal out of \(path)", error)
        }
    }
}
