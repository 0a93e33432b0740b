import Foundation
import Logging
import NIOCore
import PostgresNIO
import Primitives
import Store

// MARK: - Writing: a block in one transaction, the admission journal, audit records and metadata

extension PostgresChainStore {
    /// A block's records sealed, with their lookup ids (audit records are sealed in the
    /// transaction, under the sequence numbers it gives them).
    struct SealedBlock: Sendable {
        var number: Int64
        var hashID: ByteBuffer
        var sealedBlock: ByteBuffer
        var transactionIDs: [ByteBuffer]
        var transactionPositions: [Int32]
        var sealedTransactions: [ByteBuffer]
        var stateIDs: [ByteBuffer]
        var sealedState: [ByteBuffer]
        var metadataIDs: [ByteBuffer]
        var sealedMetadata: [ByteBuffer]
        var settledAdmissions: [ByteBuffer]
        var auditRecords: [[UInt8]]
    }

    public func commit(_ block: BlockWrite) throws(StoreError) {
        let sealed = try seal(block)
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            do {
                try writeBlock(sealed, retry: attempt > 0)
                if attempt > 0 { logger.notice("PostgreSQL is back: block \(block.number) stored") }
                return
            } catch let error where PostgresErrors.isTransient(error) && ContinuousClock.now - started < blockWriteHold {
                // The transaction either did not commit or committed and lost its answer: the retry tells
                // which (a block already stored with this hash counts as written).
                attempt += 1
                logger.warning("block \(block.number) waits for PostgreSQL (attempt \(attempt)): \(error)")
                Thread.sleep(forTimeInterval: min(0.1 * pow(1.5, Double(attempt - 1)), 2))
            }
        }
    }

    func seal(_ block: BlockWrite) throws(StoreError) -> SealedBlock {
        let blockID = RecordLayout.numberRowID(block.number)
        let cipher = self.cipher
        var transactionIDs = [ByteBuffer]()
        var sealedTransactions = [ByteBuffer]()
        for transaction in block.transactions {
            let id = cipher.lookupID(table: "transactions", key: transaction.hash.bytes)
            transactionIDs.append(ByteBuffer(bytes: id))
            sealedTransactions.append(ByteBuffer(bytes: try cipher.seal(transaction.payload, table: "transactions", rowID: id)))
        }
        // One row per key, its last value: an upsert may not touch a row twice.
        var newest = [[UInt8]: [UInt8]]()
        var order = [[UInt8]]()
        for entry in block.stateEntries {
            if newest.updateValue(entry.value, forKey: entry.key) == nil { order.append(entry.key) }
        }
        var stateIDs = [ByteBuffer]()
        var sealedState = [ByteBuffer]()
        for key in order {
            let id = cipher.lookupID(table: "state", key: key)
            stateIDs.append(ByteBuffer(bytes: id))
            sealedState.append(
                ByteBuffer(bytes: try cipher.seal(RecordLayout.stateRecord(key: key, value: newest[key]!), table: "state", rowID: id)))
        }
        let metadata = try sealMetadata(block.metadata)
        return SealedBlock(
            number: Int64(block.number),
            hashID: ByteBuffer(bytes: cipher.lookupID(table: "block-hash", key: block.hash.bytes)),
            sealedBlock: ByteBuffer(bytes: try cipher.seal(block.hash.bytes + block.payload, table: "blocks", rowID: blockID)),
            transactionIDs: transactionIDs, transactionPositions: block.transactions.indices.map { Int32($0) },
            sealedTransactions: sealedTransactions, stateIDs: stateIDs, sealedState: sealedState, metadataIDs: metadata.ids,
            sealedMetadata: metadata.sealed, settledAdmissions: block.settledAdmissions.map { ByteBuffer(bytes: admissionID($0)) },
            auditRecords: block.auditRecords)
    }

    private func sealMetadata(_ values: [String: [UInt8]]) throws(StoreError) -> (ids: [ByteBuffer], sealed: [ByteBuffer]) {
        var ids = [ByteBuffer]()
        var sealed = [ByteBuffer]()
        for (name, value) in values {
            let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
            ids.append(ByteBuffer(bytes: id))
            sealed.append(ByteBuffer(bytes: try cipher.seal(value, table: "node_meta", rowID: id)))
        }
        return (ids, sealed)
    }

    /// The block's transaction. The fault injector runs at each stage, inside it.
    /// A `retry` accepts the block already stored with the same hash (an earlier attempt committed and lost its answer).
    private func writeBlock(_ sealed: SealedBlock, retry: Bool) throws(StoreError) {
        let logger = self.logger
        let faultInjector = self.faultInjector
        let cipher = self.cipher
        try write("cannot store block \(sealed.number)") { connection in
            var head: Int64?
            for try await value in try await connection.query("SELECT MAX(number) FROM blocks", logger: logger).decode(Int64?.self) {
                head = value
            }
            let expected = head.map { $0 + 1 } ?? 0
            guard sealed.number == expected else {
                if retry, sealed.number < expected,
                    try await Self.storedHashID(of: sealed.number, connection, logger: logger) == sealed.hashID
                {
                    return
                }
                throw StoreError.outOfOrderBlock(expected: UInt64(expected), got: UInt64(sealed.number))
            }
            try await connection.query(
                "INSERT INTO blocks(number, hash_id, sealed) VALUES (\(sealed.number), \(sealed.hashID), \(sealed.sealedBlock))",
                logger: logger)
            try faultInjector?("block")
            if !sealed.transactionIDs.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO transactions(block_number, position, id, sealed)
                    SELECT \(sealed.number), * FROM UNNEST(\(sealed.transactionPositions)::int4[], \(sealed.transactionIDs)::bytea[],
                        \(sealed.sealedTransactions)::bytea[])
                    """, logger: logger)
                try faultInjector?("transactions")
            }
            if !sealed.stateIDs.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO state(id, sealed) SELECT * FROM UNNEST(\(sealed.stateIDs)::bytea[], \(sealed.sealedState)::bytea[])
                    ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed
                    """, logger: logger)
                try faultInjector?("state")
            }
            try await Self.insertAudit(sealed.auditRecords, blockNumber: sealed.number, connection, cipher: cipher, logger: logger)
            try faultInjector?("audit")
            try await Self.upsertMetadata(ids: sealed.metadataIDs, sealed: sealed.sealedMetadata, connection, logger: logger)
            try await Self.deleteAdmissions(sealed.settledAdmissions, connection, logger: logger)
            try faultInjector?("commit")
        }
    }

    private static func storedHashID(
        of number: Int64, _ connection: PostgresConnection, logger: Logger
    ) async throws -> ByteBuffer? {
        for try await value in try await connection.query("SELECT hash_id FROM blocks WHERE number = \(number)", logger: logger)
            .decode(ByteBuffer.self)
        {
            return value
        }
        return nil
    }

    /// Appends audit records after the last sequence number, each sealed under its own sequence number.
    static func insertAudit(
        _ records: [[UInt8]], blockNumber: Int64, _ connection: PostgresConnection, cipher: RecordCipher, logger: Logger
    ) async throws {
        guard !records.isEmpty else { return }
        var next: Int64 = 0
        for try await value in try await connection.query("SELECT COALESCE(MAX(seq) + 1, 0) FROM audit", logger: logger)
            .decode(Int64.self)
        {
            next = value
        }
        var sequences = [Int64]()
        var sealed = [ByteBuffer]()
        for (offset, record) in records.enumerated() {
            let sequence = next + Int64(offset)
            sequences.append(sequence)
            sealed.append(ByteBuffer(bytes: try cipher.seal(record, table: "audit", rowID: RecordLayout.numberRowID(UInt64(sequence)))))
        }
        try await connection.query(
            """
            INSERT INTO audit(seq, block_number, sealed)
            SELECT seq, \(blockNumber), sealed FROM UNNEST(\(sequences)::int8[], \(sealed)::bytea[]) AS t(seq, sealed)
            """, logger: logger)
    }

    static func upsertMetadata(
        ids: [ByteBuffer], sealed: [ByteBuffer], _ connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO node_meta(id, sealed) SELECT * FROM UNNEST(\(ids)::bytea[], \(sealed)::bytea[])
            ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed
            """, logger: logger)
    }

    static func deleteAdmissions(_ ids: [ByteBuffer], _ connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query("DELETE FROM admissions WHERE id = ANY(\(ids)::bytea[])", logger: logger)
    }

    public func appendAuditRecords(_ records: [[UInt8]], blockNumber: UInt64) throws(StoreError) {
        guard !records.isEmpty else { return }
        let logger = self.logger
        let cipher = self.cipher
        try write("cannot append audit records") { connection in
            try await Self.insertAudit(records, blockNumber: Int64(blockNumber), connection, cipher: cipher, logger: logger)
        }
    }

    public func putMetadata(_ values: [String: [UInt8]]) throws(StoreError) {
        guard !values.isEmpty else { return }
        let metadata = try sealMetadata(values)
        let ids = metadata.ids
        let sealed = metadata.sealed
        let logger = self.logger
        try write("cannot write metadata") { connection in
            try await Self.upsertMetadata(ids: ids, sealed: sealed, connection, logger: logger)
        }
    }

    // MARK: The admission journal

    /// The lookup id of a journaled transaction.
    func admissionID(_ hash: Hash32) -> [UInt8] { cipher.lookupID(table: "admissions", key: hash.bytes) }

    public func journalAdmissions(_ entries: [(hash: Hash32, raw: [UInt8])]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        var rows = [(id: ByteBuffer, sealed: ByteBuffer)]()
        for entry in entries {
            let id = admissionID(entry.hash)
            rows.append((ByteBuffer(bytes: id), ByteBuffer(bytes: try cipher.seal(entry.raw, table: "admissions", rowID: id))))
        }
        let ids = rows.map(\.id)
        let sealed = rows.map(\.sealed)
        let logger = self.logger
        // Not under the write lock: journaling does not wait behind a block write. In an explicit
        // transaction although it is one statement: postgres-nio answers a statement at its
        // CommandComplete, which for an implicit transaction comes before the commit (at Sync); the
        // answer to COMMIT comes only once the commit is done, and an accepted transaction is
        // acknowledged only then.
        try performTransaction("cannot journal \(entries.count) accepted transaction(s)") { connection in
            _ = try await connection.query(
                """
                INSERT INTO admissions(id, sealed)
                SELECT id, sealed FROM UNNEST(\(ids)::bytea[], \(sealed)::bytea[]) WITH ORDINALITY AS t(id, sealed, n) ORDER BY n
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
        }
    }

    public func dropAdmissions(_ hashes: [Hash32]) throws(StoreError) {
        guard !hashes.isEmpty else { return }
        let ids = hashes.map { ByteBuffer(bytes: admissionID($0)) }
        let logger = self.logger
        try performTransaction("cannot drop journaled transactions") { connection in
            try await Self.deleteAdmissions(ids, connection, logger: logger)
        }
    }
}
