import Foundation
import GRDB
import Primitives
import Store

// MARK: - Writing a block: sealed off the writer lock, then one storage transaction

extension SQLiteChainStore {
    public func commit(_ block: BlockWrite) throws(StoreError) {
        // Encrypt outside the write transaction: the writer lock is held only for SQL.
        let sealed = try seal(block)
        let firstSequence = try write(block, sealed)
        // Only what is now in the file changes what waits in memory.
        settleWaitingWrites(after: block, sealed, firstSequence: firstSequence)
        settleAdmissions(sealed.settledAdmissions)
    }

    /// A block's records sealed and its lookup ids computed, with the slices of a run or fold
    /// it writes: everything its storage transaction needs.
    struct SealedBlock {
        var blockID: [UInt8]
        var hashID: [UInt8]
        var sealedBlock: [UInt8]
        var transactions: [SealedRow]
        var slices: RunAndFoldSlices
        /// The block's changed entries as one journal row (nil when it changed none or folds everything).
        var sealedJournal: [UInt8]?
        /// (lookup id, sealed value) of each metadata value.
        var metadata: [([UInt8], [UInt8])]
        /// Lookup ids of the admission-journal entries the block settles.
        var settledAdmissions: [[UInt8]]
    }

    /// An encrypted row ready to insert.
    struct SealedRow: Sendable {
        var id: Hash32
        var position: Int
        var sealed: [UInt8]
    }

    /// Seals every record of `block` and plans its run and fold slices.
    func seal(_ block: BlockWrite) throws(StoreError) -> SealedBlock {
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
        let slices = try runAndFoldSlices(for: block, transactionCount: transactions.count)
        let sealedJournal =
            slices.foldsAll || block.stateEntries.isEmpty
            ? nil : try cipher.seal(Self.encodeJournal(block.stateEntries), table: "state_journal", rowID: blockID)
        let metadata = try block.metadata.map { name, value throws(StoreError) in
            let id = cipher.lookupID(table: "node_meta", key: Array(name.utf8))
            return (id, try cipher.seal(value, table: "node_meta", rowID: id))
        }
        return SealedBlock(
            blockID: blockID, hashID: hashID, sealedBlock: sealedBlock, transactions: transactions, slices: slices,
            sealedJournal: sealedJournal, metadata: metadata, settledAdmissions: block.settledAdmissions.map(admissionID))
    }

    /// The block's storage transaction; returns the sequence number of its first transaction.
    /// The fault injector runs at each stage, inside the transaction.
    private func write(_ block: BlockWrite, _ sealed: SealedBlock) throws(StoreError) -> Int64 {
        let faultInjector = self.faultInjector
        let recordCipher = cipher
        do {
            return try pool.write { db -> Int64 in
                let head = try Int64.fetchOne(db, sql: "SELECT MAX(number) FROM blocks")
                let expected = head.map { UInt64($0) + 1 } ?? 0
                guard block.number == expected else { throw StoreError.outOfOrderBlock(expected: expected, got: block.number) }

                try RowWriter(db, sql: "INSERT INTO blocks(number, hash_id, sealed) VALUES (?, ?, ?)")
                    .insert(.integer(Int64(block.number)), .blob(sealed.hashID), .blob(sealed.sealedBlock))
                try faultInjector?("block")

                // Appended after the last transaction: these pages are new, not scattered over the table.
                let first = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM chain_transactions") ?? 0) + 1
                let insertTransaction = try RowWriter(
                    db, sql: "INSERT INTO chain_transactions(seq, block_number, position, id, sealed) VALUES (?, ?, ?, ?, ?)")
                for row in sealed.transactions {
                    try insertTransaction.insert(
                        .integer(first + Int64(row.position)), .integer(Int64(block.number)), .integer(Int64(row.position)),
                        .hash(row.id), .blob(row.sealed))
                    if row.position == 0 { try faultInjector?("transactions") }
                }
                try Self.writeRunSlice(sealed.slices, db: db, faultInjector: faultInjector)

                if let sealedJournal = sealed.sealedJournal {
                    try RowWriter(db, sql: "INSERT INTO state_journal(block_number, sealed) VALUES (?, ?)")
                        .insert(.integer(Int64(block.number)), .blob(sealedJournal))
                }
                try Self.writeFoldSlice(sealed.slices, db: db)
                if !block.stateEntries.isEmpty { try faultInjector?("state") }

                try Self.insertAudit(block.auditRecords, blockNumber: block.number, db: db, cipher: recordCipher)
                try faultInjector?("audit")

                let upsertMetadata = try RowWriter(db, sql: "INSERT OR REPLACE INTO node_meta(id, sealed) VALUES (?, ?)")
                for (id, value) in sealed.metadata { try upsertMetadata.insert(.blob(id), .blob(value)) }
                try faultInjector?("commit")
                return first
            }
        } catch {
            throw writeFailure("cannot store block \(block.number)", error)
        }
    }

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
}
