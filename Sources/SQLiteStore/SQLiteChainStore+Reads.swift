import Foundation
import GRDB
import Primitives
import Store

// MARK: - Reading: blocks, transactions, state, audit records, metadata

extension SQLiteChainStore {
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
        try transactions(blockNumber: blockNumber, from: 0, limit: Int.max)
    }

    public func transactions(blockNumber: UInt64, from position: Int, limit: Int) throws(StoreError) -> [StoredTransaction] {
        guard blockNumber <= UInt64(Int64.max), limit > 0 else { return [] }
        let rows: [(Data, Int, Data)] = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, position, sealed FROM chain_transactions
                    WHERE block_number = ? AND position >= ? ORDER BY position LIMIT ?
                    """,
                arguments: [Int64(blockNumber), max(position, 0), Int64(limit)]
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
    func journalEntries() throws(StoreError) -> [(block: UInt64, entries: [StateEntry])] {
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
}
