import Foundation
import Ledger
import Synchronization
import Logging
import Policy
import Primitives
import Settlement
import StarkCrypto
import StateTree
import Store
import Transactions
import NodeConfiguration

extension Chain {
    // MARK: - Reads

    /// Every address holding a ledger record (an account or a token holding), sorted: the
    /// admin API's account listing.
    public func knownAddresses() -> [Address] {
        var addresses = Set<Address>()
        for change in ledger.entries() {
            switch change.key {
            case .account(let address): addresses.insert(address)
            case .holding(_, let holder): addresses.insert(holder)
            case .allowance, .token: break
            }
        }
        return addresses.sorted()
    }

    /// The number of the batch being filled.
    public var openBatchNumber: UInt64 { openBatch.number }

    /// The newest link of the audit hash chain written so far.
    public var writtenAuditHead: Hash32 { auditHead }

    /// Audit rows with their sequence numbers and decoded entries, in commit order.
    /// Entries decoded before come from `auditEntries`; the store is read from the first one
    /// not cached.
    public nonisolated func auditLog(from: UInt64, limit: Int) throws -> [(sequence: UInt64, entry: AuditEntry, hash: Hash32)] {
        guard limit > 0 else { return [] }
        let end = from.addingReportingOverflow(UInt64(limit))
        let cached = auditEntries.prefix(from..<(end.overflow ? .max : end.partialValue)).map {
            (sequence: $0.0, entry: $0.1.entry, hash: $0.1.hash)
        }
        guard cached.count < limit else { return cached }
        let rest = try store.auditRows(from: from + UInt64(cached.count), limit: limit - cached.count).map { row in
            let bytes = try row.plaintext.get()
            let entry = try AuditEntry(encoded: bytes)
            let hash = AuditEntry.link(of: bytes)
            auditEntries.insert((entry, hash), at: row.sequence)
            return (sequence: row.sequence, entry: entry, hash: hash)
        }
        return cached + rest
    }

    /// The first audit sequence number whose entry is at or after `time` (milliseconds; entries
    /// are appended in time order): an exponential probe for the end of the log, then a binary
    /// search.
    public nonisolated func firstAuditSequence(atOrAfterMilliseconds time: UInt64) throws -> UInt64 {
        func entry(_ sequence: UInt64) throws -> (sequence: UInt64, time: UInt64)? {
            try auditLog(from: sequence, limit: 1).first.map { ($0.sequence, $0.entry.time) }
        }
        var high: UInt64 = 1
        while let found = try entry(high), found.time < time { high = found.sequence * 2 + 1 }
        var low: UInt64 = 0
        while low < high {
            let middle = low + (high - low) / 2
            if let found = try entry(middle), found.time < time { low = found.sequence + 1 } else { high = middle }
        }
        return low
    }

    /// Reads the block summaries of the last `blockSeconds` and the audit entries of the last
    /// `auditSeconds` into the read caches: what the console's overview reads on every view, so
    /// that the first view after a start is as quick as the next. Run in the background at start.
    /// At most the newest half of each cache's capacity is read: the cache keeps no more.
    public nonisolated func warmReadCaches(nowSeconds: UInt64, blockSeconds: UInt64 = 600, auditSeconds: UInt64 = 3600) async {
        do {
            let head = await self.head.header.number
            var number = try firstBlock(atOrAfter: nowSeconds - min(nowSeconds, blockSeconds), head: head)
            number = max(number, Self.newestHalf(of: blockSummaries.capacity, before: head + 1))
            while number <= head, try blockSummary(number: number) != nil { number += 1 }
            var sequence = try firstAuditSequence(atOrAfterMilliseconds: (nowSeconds - min(nowSeconds, auditSeconds)) * 1000)
            let auditEnd = try firstAuditSequence(atOrAfterMilliseconds: .max)
            sequence = max(sequence, Self.newestHalf(of: auditEntries.capacity, before: auditEnd))
            while true {
                let read = try auditLog(from: sequence, limit: 1_000)
                guard let last = read.last else { break }
                sequence = last.sequence + 1
            }
        } catch {
            logger.notice("read caches not warmed", metadata: ["reason": "\(error)"])
        }
    }

    /// The first number of the newest `capacity / 2` numbers below `end`.
    static func newestHalf(of capacity: Int, before end: UInt64) -> UInt64 { end - min(end, UInt64(capacity / 2)) }

    /// The first block whose timestamp (seconds) is at or after `time`, searching blocks 0...`head`;
    /// `head + 1` when every block is older.
    public nonisolated func firstBlock(atOrAfter time: UInt64, head: UInt64) throws -> UInt64 {
        var low: UInt64 = 0
        var high = head + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let block = try blockSummary(number: middle) else { throw NodeError.corruptRecord("block \(middle) is missing") }
            if block.header.timestamp < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    public func account(_ address: Address) -> AccountState { ledger.account(address) }
    public func holding(token: Address, holder: Address) -> HoldingState { ledger.holding(token: token, holder: holder) }
    public func tokenState(_ token: Address) -> TokenState { ledger.tokenState(token) }

    /// A view call (`eth_call`) against the current state.
    public func call(to: Address, data: [UInt8]) throws(LedgerError) -> [UInt8] {
        try TokenView.call(to: to, data: data, state: ledger)
    }

    /// A view call (`eth_call`) against the part of the current state the owner of `visible`
    /// may see (`LedgerState.restricted`): another holder reads as empty, by construction.
    public func call(to: Address, data: [UInt8], visible: Set<Address>) throws(LedgerError) -> [UInt8] {
        try TokenView.call(to: to, data: data, state: ledger.restricted(to: visible))
    }

    /// The account-tree root over the state as far as the tracker has followed it.
    public func currentStateRoot() async -> Hash32 { Hash32(rpo: await tracker.currentRoot()) }

    public nonisolated func transaction(hash: Hash32) throws -> IncludedTransaction? {
        guard let stored = try store.transaction(hash: hash) else { return nil }
        return try IncludedTransaction(encoded: stored.payload)
    }

    public nonisolated func blockNumber(hash: Hash32) throws -> UInt64? { try store.blockNumber(hash: hash) }

    /// A secret of this chain for one purpose (see `ChainStore.derivedSecret`): survives restarts.
    public nonisolated func secret(purpose: String) -> [UInt8] { store.derivedSecret(purpose: purpose) }

    /// The transactions of a block, in order, with their receipts.
    public nonisolated func transactions(blockNumber: UInt64) throws -> [IncludedTransaction] {
        try store.transactions(blockNumber: blockNumber).map { try IncludedTransaction(encoded: $0.payload) }
    }

    /// At most `limit` of a block's transactions, from position `from` on: a scan that opens a
    /// bounded number of records, however many transactions the block holds.
    public nonisolated func transactions(blockNumber: UInt64, from position: Int, limit: Int) throws -> [IncludedTransaction] {
        try store.transactions(blockNumber: blockNumber, from: position, limit: limit).map {
            try IncludedTransaction(encoded: $0.payload)
        }
    }

    public nonisolated func block(number: UInt64) throws -> SequencedBlock? {
        guard let payload = try store.block(number: number) else { return nil }
        return try SequencedBlock(encoded: payload)
    }

    /// A stored block's header, hash and transaction count, without its transaction hashes.
    public nonisolated func blockSummary(number: UInt64) throws -> SequencedBlock.Summary? {
        if let cached = blockSummaries[number] { return cached }
        guard let payload = try store.block(number: number) else { return nil }
        let summary = try SequencedBlock.summary(encoded: payload)
        blockSummaries.insert(summary, at: number)
        return summary
    }

    /// The full policy with this hash, as it was put in force on this chain.
    public nonisolated func policyOverview(hash: Hash32) throws -> PolicyOverview? {
        guard let bytes = try store.metadata(PolicyHistory.overviewKey(hash)) else { return nil }
        do { return try PolicyOverview(decoding: bytes) } catch { throw NodeError.corruptRecord("policy \(hash.hex): \(error)") }
    }

    /// The sealed batch that holds `block`, if that batch is sealed (batches are contiguous runs of blocks).
    public nonisolated func sealedBatch(containing block: UInt64, latest: UInt64) throws -> BatchRecord? {
        var low: UInt64 = 0
        var high = latest
        while low <= high {
            let middle = low + (high - low) / 2
            guard let record = try batch(number: middle) else { return nil }
            if block < record.firstBlock {
                guard middle > 0 else { return nil }
                high = middle - 1
            } else if block > record.lastBlock {
                low = middle + 1
            } else {
                return record
            }
        }
        return nil
    }

    /// The contents of a sealed batch (its deposits and withdrawals), for withdrawal proofs.
    public nonisolated func batchContents(number: UInt64) throws -> BatchContents? {
        try store.metadata(BatchContents.sealedKey(number)).map { try BatchContents(encoded: $0) }
    }

    public nonisolated func batch(number: UInt64) throws -> BatchRecord? {
        try store.metadata(BatchRecord.key(number)).map { try BatchRecord(encoded: $0) }
    }
}
