import Logging
import NIOCore
import PostgresNIO
import Primitives
import Store

// MARK: - Reading: blocks, transactions, state, audit records, metadata, the admission journal

extension PostgresChainStore {
    /// The rows of one query, each decoded by `decode`, on a pooled connection.
    func rows<T: Sendable>(
        _ doing: String, _ query: PostgresQuery, _ decode: @escaping @Sendable (PostgresRow) throws -> T
    ) throws(StoreError) -> [T] {
        let logger = self.logger
        return try perform(doing) { connection in
            var result = [T]()
            for try await row in try await connection.query(query, logger: logger) { result.append(try decode(row)) }
            return result
        }
    }

    public func head() throws(StoreError) -> BlockHead? {
        let found = try rows("cannot read the head", "SELECT number, sealed FROM blocks ORDER BY number DESC LIMIT 1") {
            try $0.decode((Int64, ByteBuffer).self)
        }
        guard let (number, sealed) = found.first else { return nil }
        let plain = try cipher.open(Array(buffer: sealed), table: "blocks", rowID: RecordLayout.numberRowID(UInt64(number)))
        guard plain.count >= Hash32.byteCount else {
            throw .corruptRecord(table: "blocks", detail: "block \(number) is shorter than its hash")
        }
        return BlockHead(number: UInt64(number), hash: Hash32(exactly: plain.prefix(Hash32.byteCount)))
    }

    public func block(number: UInt64) throws(StoreError) -> [UInt8]? {
        guard number <= UInt64(Int64.max) else { return nil }
        let found = try rows("cannot read block \(number)", "SELECT sealed FROM blocks WHERE number = \(Int64(number))") {
            try $0.decode(ByteBuffer.self)
        }
        guard let sealed = found.first else { return nil }
        return Array(try cipher.open(Array(buffer: sealed), table: "blocks", rowID: RecordLayout.numberRowID(number)).dropFirst(32))
    }

    public func blockNumber(hash: Hash32) throws(StoreError) -> UInt64? {
        let id = ByteBuffer(bytes: cipher.lookupID(table: "block-hash", key: hash.bytes))
        return try rows("cannot find a block by hash", "SELECT number FROM blocks WHERE hash_id = \(id)") {
            UInt64(try $0.decode(Int64.self))
        }.first
    }

    /// The rows stored under a transaction's lookup id, in no particular order.
    ///
    /// No `ORDER BY … LIMIT 1` here: with one, the planner may walk the `(block_number, position)`
    /// primary key in order and test every row's id until one matches, which reads the whole table
    /// for a recent transaction (a receipt's usual case); without one, the `transactions_by_id`
    /// index is the only good plan. The earliest row is chosen by the caller.
    static func transactionLookup(id: [UInt8]) -> PostgresQuery {
        "SELECT block_number, position, sealed FROM transactions WHERE id = \(ByteBuffer(bytes: id))"
    }

    public func transaction(hash: Hash32) throws(StoreError) -> StoredTransaction? {
        let id = cipher.lookupID(table: "transactions", key: hash.bytes)
        let found = try rows("cannot find a transaction", Self.transactionLookup(id: id)) {
            try $0.decode((Int64, Int32, ByteBuffer).self)
        }
        // A hash stored twice (never, on a valid chain): its earliest row.
        guard let (block, position, sealed) = found.min(by: { ($0.0, $0.1) < ($1.0, $1.1) }) else { return nil }
        return StoredTransaction(
            blockNumber: UInt64(block), position: Int(position),
            payload: try cipher.open(Array(buffer: sealed), table: "transactions", rowID: id))
    }

    /// A block's transactions in order: a range of the primary key (what every sealed batch reads).
    static func blockTransactions(_ blockNumber: Int64, from position: Int32 = 0, limit: Int64 = Int64.max) -> PostgresQuery {
        """
        SELECT id, position, sealed FROM transactions WHERE block_number = \(blockNumber) AND position >= \(position) \
        ORDER BY position LIMIT \(limit)
        """
    }

    public func transactions(blockNumber: UInt64) throws(StoreError) -> [StoredTransaction] {
        try transactions(blockNumber: blockNumber, from: 0, limit: Int.max)
    }

    public func transactions(blockNumber: UInt64, from position: Int, limit: Int) throws(StoreError) -> [StoredTransaction] {
        guard blockNumber <= UInt64(Int64.max), limit > 0 else { return [] }
        let query = Self.blockTransactions(
            Int64(blockNumber), from: Int32(clamping: max(position, 0)), limit: Int64(limit))
        let found = try rows("cannot read the transactions of block \(blockNumber)", query) {
            try $0.decode((ByteBuffer, Int32, ByteBuffer).self)
        }
        var result = [StoredTransaction]()
        result.reserveCapacity(found.count)
        for (id, position, sealed) in found {
            result.append(
                StoredTransaction(
                    blockNumber: blockNumber, position: Int(position),
                    payload: try cipher.open(Array(buffer: sealed), table: "transactions", rowID: Array(buffer: id))))
        }
        return result
    }

    public func allStateEntries() throws(StoreError) -> [StateEntry] {
        let found = try rows("cannot read the state", "SELECT id, sealed FROM state") { try $0.decode((ByteBuffer, ByteBuffer).self) }
        var entries = [StateEntry]()
        entries.reserveCapacity(found.count)
        for (id, sealed) in found {
            let plain = try cipher.open(Array(buffer: sealed), table: "state", rowID: Array(buffer: id))
            guard let (key, value) = RecordLayout.splitStateRecord(plain) else {
                throw .corruptRecord(table: "state", detail: "malformed entry")
            }
            entries.append(StateEntry(key: key, value: value))
        }
        return entries
    }

    private func sealedAudit(from: UInt64, limit: Int) throws(StoreError) -> [(Int64, ByteBuffer)] {
        try rows(
            "cannot read audit records",
            "SELECT seq, sealed FROM audit WHERE seq >= \(Int64(clamping: from)) ORDER BY seq LIMIT \(Int64(max(0, limit)))"
        ) { try $0.decode((Int64, ByteBuffer).self) }
    }

    public func auditRecords(from: UInt64, limit: Int) throws(StoreError) -> [[UInt8]] {
        var records = [[UInt8]]()
        for (sequence, sealed) in try sealedAudit(from: from, limit: limit) {
            records.append(try cipher.open(Array(buffer: sealed), table: "audit", rowID: RecordLayout.numberRowID(UInt64(sequence))))
        }
        return records
    }

    public func auditRows(from: UInt64, limit: Int) throws(StoreError) -> [AuditRow] {
        try sealedAudit(from: from, limit: limit).map { sequence, sealed in
            let plaintext = Result { () throws(StoreError) in
                try cipher.open(Array(buffer: sealed), table: "audit", rowID: RecordLayout.numberRowID(UInt64(sequence)))
            }
            return AuditRow(sequence: UInt64(sequence), plaintext: plaintext)
        }
    }

    public func lastAuditRow() throws(StoreError) -> AuditRow? {
        let last = try rows("cannot read the last audit record", "SELECT MAX(seq) FROM audit") { try $0.decode(Int64?.self) }
        guard let last = last.first ?? nil else { return nil }
        return try auditRows(from: UInt64(last), limit: 1).first
    }

    public func metadata(_ name: String) throws(StoreError) -> [UInt8]? {
        let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
        let found = try rows("cannot read metadata", "SELECT sealed FROM node_meta WHERE id = \(ByteBuffer(bytes: id))") {
            try $0.decode(ByteBuffer.self)
        }
        guard let sealed = found.first else { return nil }
        return try cipher.open(Array(buffer: sealed), table: "node_meta", rowID: id)
    }

    public func admissionJournal() throws(StoreError) -> [(hash: Hash32, raw: [UInt8])] {
        let found = try rows("cannot read the admission journal", "SELECT id, sealed FROM admissions ORDER BY seq") {
            try $0.decode((ByteBuffer, ByteBuffer).self)
        }
        return try found.map { id, sealed throws(StoreError) in
            let raw = try cipher.open(Array(buffer: sealed), table: "admissions", rowID: Array(buffer: id))
            return (Keccak256.hash(raw), raw)
        }
    }
}
