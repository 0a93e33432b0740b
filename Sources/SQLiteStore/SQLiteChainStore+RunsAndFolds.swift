import Foundation
import GRDB
import Primitives
import Store

// MARK: - Index runs and state folds: planned per block, written a slice per block, prepared off the block path

extension SQLiteChainStore {
    /// What one block writes of the index run and the fold in progress.
    struct RunAndFoldSlices {
        /// The run being written, sorted by id, and the part of it this block writes.
        var run: [(id: Hash32, sequence: Int64)]
        var runSlice: Range<Int>
        /// This block folds everything journaled, and its own entries, straight into `state`.
        var foldsAll: Bool
        /// The part of the fold this block writes, and its rows, sealed.
        var foldSlice: Range<Int>
        var folded: [SealedRow]
        /// `folded` ends a prepared fold: the journal through `foldThrough` can go.
        var completesFold: Bool
        var foldThrough: UInt64

        /// This block writes the last rows of the run.
        var completesRun: Bool { !runSlice.isEmpty && runSlice.upperBound == run.count }
    }

    /// Decides, under the lock, what `block` writes of a run or fold, and seals its fold rows.
    func runAndFoldSlices(for block: BlockWrite, transactionCount: Int) throws(StoreError) -> RunAndFoldSlices {
        let entryCount = block.stateEntries.count
        // Only the parts that are replaced afterwards are copied out: holding on to `index` or
        // `state` would make the updates after the write copy the whole dictionary, every block.
        struct Plan {
            var run: [(id: Hash32, sequence: Int64)] = []
            var runWritten = 0
            var foldsAll = false
            var fold: [FoldEntry] = []
            var foldWritten = 0
            var foldThrough: UInt64 = 0
            /// Everything journaled and not yet in `state`, oldest first, when this block folds it all.
            var unfolded: [[[UInt8]: [UInt8]]] = []
        }
        let plan = waiting.withLock { waiting in
            var plan = Plan(
                run: waiting.run, runWritten: waiting.runWritten, fold: waiting.fold, foldWritten: waiting.foldWritten,
                foldThrough: waiting.foldThrough)
            // Everything at once past `journalEntryLimit` (a genesis of a million accounts).
            plan.foldsAll =
                entryCount > 0
                && waiting.state.count + waiting.foldSource.count + entryCount + waiting.fold.count - waiting.foldWritten
                    >= journalEntryLimit
            if plan.foldsAll { plan.unfolded = [waiting.foldSource, waiting.state] }
            return plan
        }
        // Paced by the block's own size, so runs and folds keep up with any load.
        let runSlice =
            plan.runWritten..<Swift.min(plan.runWritten + Swift.max(indexChunk, 2 * transactionCount), plan.run.count)

        let cipher = self.cipher
        var fold = plan.fold
        let foldSlice: Range<Int>
        if plan.foldsAll {
            var newest = [[UInt8]: [UInt8]]()
            for entry in plan.fold[plan.foldWritten...] { newest[entry.key] = entry.value }
            for journal in plan.unfolded { for (key, value) in journal { newest[key] = value } }
            for entry in block.stateEntries { newest[entry.key] = entry.value }
            fold = Self.foldEntries(newest, cipher: cipher, concurrently: true)
            foldSlice = 0..<fold.count
        } else {
            foldSlice = plan.foldWritten..<Swift.min(plan.foldWritten + Swift.max(foldChunk, 2 * entryCount), fold.count)
        }
        let foldEntries = fold
        let folded = try Self.concurrentMap(foldSlice) { index throws(StoreError) in
            let entry = foldEntries[index]
            return SealedRow(
                id: entry.id, position: 0,
                sealed: try cipher.seal(Self.lengthPrefixed(entry.key) + entry.value, table: "state", rowID: entry.id.bytes))
        }
        return RunAndFoldSlices(
            run: plan.run, runSlice: runSlice, foldsAll: plan.foldsAll, foldSlice: foldSlice, folded: folded,
            completesFold: !plan.foldsAll && !foldSlice.isEmpty && foldSlice.upperBound == fold.count,
            foldThrough: plan.foldThrough)
    }

    /// Writes the block's slice of the index run; with the run's last rows, how far the index reaches.
    static func writeRunSlice(
        _ slices: RunAndFoldSlices, db: Database, faultInjector: (@Sendable (String) throws -> Void)?
    ) throws {
        guard !slices.runSlice.isEmpty else { return }
        let insertIndex = try RowWriter(db, sql: "INSERT OR IGNORE INTO transaction_index(id, seq) VALUES (?, ?)")
        for entry in slices.run[slices.runSlice] { try insertIndex.insert(.hash(entry.id), .integer(entry.sequence)) }
        if slices.completesRun {
            let through = slices.run.lazy.map(\.sequence).max() ?? 0
            try db.execute(
                sql: "UPDATE meta SET value = ? WHERE name = 'indexed_through'", arguments: [Data(String(through).utf8)])
        }
        try faultInjector?("index")
    }

    /// Writes the block's slice of the fold into `state`; the journal rows it covers go with its last slice.
    static func writeFoldSlice(_ slices: RunAndFoldSlices, db: Database) throws {
        guard !slices.folded.isEmpty else { return }
        let upsertState = try RowWriter(db, sql: "INSERT OR REPLACE INTO state(id, sealed) VALUES (?, ?)")
        for row in slices.folded { try upsertState.insert(.hash(row.id), .blob(row.sealed)) }
        if slices.foldsAll {
            try db.execute(sql: "DELETE FROM state_journal")
        } else if slices.completesFold {
            try db.execute(
                sql: "DELETE FROM state_journal WHERE block_number <= ?", arguments: [Int64(slices.foldThrough)])
        }
    }

    /// After the block is in the file: its transactions wait for a run, its entries for a fold,
    /// the slices it wrote are done, and a run or fold that is now due starts being prepared.
    func settleWaitingWrites(after block: BlockWrite, _ sealed: SealedBlock, firstSequence: Int64) {
        let slices = sealed.slices
        typealias FoldDue = (source: [[UInt8]: [UInt8]], generation: Int)
        let (runDue, foldDue) = waiting.withLock { waiting -> ([Hash32: Int64]?, FoldDue?) in
            for row in sealed.transactions { waiting.index[row.id] = firstSequence + Int64(row.position) }
            if !slices.runSlice.isEmpty {
                if slices.completesRun {
                    waiting.run = []
                    waiting.runIndex = [:]
                    waiting.runWritten = 0
                } else {
                    waiting.runWritten = slices.runSlice.upperBound
                }
            }
            if slices.foldsAll {
                waiting.state = [:]
                waiting.foldSource = [:]
                waiting.journalBlocks = 0
                waiting.fold = []
                waiting.foldWritten = 0
                waiting.preparingFold = false
                waiting.foldGeneration += 1  // a fold being prepared is now stale
            } else {
                for entry in block.stateEntries { waiting.state[entry.key] = entry.value }
                if !block.stateEntries.isEmpty { waiting.journalBlocks += 1 }
                if slices.completesFold {
                    waiting.fold = []
                    waiting.foldWritten = 0
                } else if !slices.foldSlice.isEmpty {
                    waiting.foldWritten = slices.foldSlice.upperBound
                }
            }
            // A run or fold that is now due is prepared (sorted, its lookup ids computed) off
            // the block path; later blocks write it a slice at a time once it is ready.
            var runDue: [Hash32: Int64]?
            if waiting.run.isEmpty && !waiting.preparingRun && waiting.index.count >= indexRunSize {
                waiting.runIndex = waiting.index
                waiting.index = [:]
                waiting.preparingRun = true
                runDue = waiting.runIndex
            }
            var foldDue: FoldDue?
            if waiting.fold.isEmpty && !waiting.preparingFold && waiting.journalBlocks >= journalBlockLimit {
                waiting.foldSource = waiting.state
                waiting.state = [:]
                waiting.journalBlocks = 0
                waiting.foldThrough = block.number
                waiting.preparingFold = true
                foldDue = (waiting.foldSource, waiting.foldGeneration)
            }
            return (runDue, foldDue)
        }
        if let runDue { prepareRun(runDue) }
        if let foldDue { prepareFold(foldDue.source, generation: foldDue.generation) }
    }

    /// Sorts a run on the preparation queue and hands it to the next blocks.
    private func prepareRun(_ source: [Hash32: Int64]) {
        preparation.run { [weak self] in
            var run = source.map { (id: $0.key, sequence: $0.value) }
            // Sorted, a run fills index pages in key order instead of touching each at random.
            run.sort { $0.id < $1.id }
            self?.waiting.withLock { waiting in
                waiting.run = run
                waiting.runWritten = 0
                waiting.preparingRun = false
            }
        }
    }

    /// Computes a fold's lookup ids and order on the preparation queue and hands it to the
    /// next blocks, unless a block has folded everything in the meantime.
    private func prepareFold(_ source: [[UInt8]: [UInt8]], generation: Int) {
        let cipher = self.cipher
        preparation.run { [weak self] in
            let fold = Self.foldEntries(source, cipher: cipher, concurrently: false)
            self?.waiting.withLock { waiting in
                guard waiting.foldGeneration == generation else { return }
                waiting.fold = fold
                waiting.foldWritten = 0
                waiting.foldSource = [:]
                waiting.preparingFold = false
            }
        }
    }

    /// The entries of a fold with their lookup ids, in lookup-id order: each slice of the fold
    /// then lands on its own stretch of `state`'s pages.
    static func foldEntries(_ newest: [[UInt8]: [UInt8]], cipher: RecordCipher, concurrently: Bool) -> [FoldEntry] {
        let entries = Array(newest)
        let entry: @Sendable (Int) -> FoldEntry = { index in
            let (key, value) = entries[index]
            return FoldEntry(id: cipher.lookupHash(table: "state", key: key), key: key, value: value)
        }
        var fold = concurrently ? concurrentMap(entries.indices, entry) : entries.indices.map(entry)
        fold.sort { $0.id < $1.id }
        return fold
    }

    /// Waits until the runs and folds that are due are prepared (tests; a block never waits).
    func waitForPreparedWrites() { preparation.wait() }
}
