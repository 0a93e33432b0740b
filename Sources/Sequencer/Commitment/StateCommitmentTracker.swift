import Ledger
import Primitives
import StarkCrypto
import StarkMath
import StateTree
import Store

/// One block's changed entries, as the sequencer hands them to the tracker (which does
/// the hashing).
struct LeafUpdates: Sendable {
    struct Entry: Sendable {
        var slot: Int
        var key: StateKey
        var value: StateValue
        var blinding: UInt64
    }

    /// What the sequencer knows about a batch it closes; the tracker adds the state root.
    struct Seal: Sendable {
        var number: UInt64
        var firstBlock: UInt64
        var auditHead: Hash32
        var policyHash: Hash32
        var contents: BatchContents
    }

    var blockNumber: UInt64
    var entries: [Entry]
    /// Set when this block closes a batch.
    var sealsBatch: Seal?
    var sealedAt: UInt64
}

/// Follows committed blocks and keeps the account tree, off the sequencer's hot path:
/// leaf hashing and the 32-level path updates happen here, on their own task; the
/// sequencer only reads the newest sealed root for block headers.
actor StateCommitmentTracker {
    private var tree: AccountTree
    private let store: any ChainStore
    private(set) var latestBatch: BatchRecord?

    init(tree: AccountTree, store: any ChainStore, latestBatch: BatchRecord?, appliedBlock: UInt64) {
        self.tree = tree
        self.appliedBlock = appliedBlock
        self.store = store
        self.latestBatch = latestBatch
    }

    /// The newest block whose changes are in the tree.
    private(set) var appliedBlock: UInt64
    var leafCount: Int { tree.count }

    /// Applies a block's leaves; when the block seals a batch, records the batch and its root.
    /// Entries changed since the tree was last brought up to date, latest value per slot.
    /// A root is only needed at batch boundaries, so an entry changed in many blocks of a
    /// batch is hashed into the tree once, not once per block.
    private var pending: [Int: LeafUpdates.Entry] = [:]

    /// Records a block's changes; when the block closes a batch, brings the tree up to date
    /// and records the batch and its root.
    func apply(_ updates: LeafUpdates) async throws -> BatchRecord? {
        for entry in updates.entries { pending[entry.slot] = entry }
        guard let seal = updates.sealsBatch else {
            appliedBlock = updates.blockNumber
            return nil
        }
        try await flush()
        appliedBlock = updates.blockNumber
        var record = BatchRecord(
            number: seal.number, firstBlock: seal.firstBlock, lastBlock: updates.blockNumber,
            stateRoot: LedgerLeaf.hash(tree.root), sealedAt: updates.sealedAt, auditHead: seal.auditHead,
            policyHash: seal.policyHash)
        record.fill(from: seal.contents)
        try store.putMetadata([BatchRecord.key(record.number): record.encoded, BatchRecord.latestKey: record.encoded])
        latestBatch = record
        return record
    }

    /// Set while a flush runs on its own thread; the actor's `tree` is a placeholder meanwhile.
    private var flushing: Task<Void, Never>?

    /// Hashes the pending leaves and updates the tree (new slots appended in order).
    ///
    /// A batch's update is a burst of tens of thousands of hashes with no suspension point. On
    /// a thread of the cooperative pool (two, on two cores) it would take half the threads that
    /// answer requests and produce blocks, and every receipt would wait: so it runs on a thread
    /// of its own at lowered priority (nice 10), on one core, and the tracker waits for it.
    func flush() async throws {
        // A second caller (a root asked for while a batch closes) waits for the running flush.
        while let running = flushing { await running.value }
        guard !pending.isEmpty else { return }
        let entries = pending.values.sorted { $0.slot < $1.slot }
        pending.removeAll(keepingCapacity: true)
        // Moved out, so the background thread holds the only reference and updates it in place.
        let box = TreeBox(tree)
        tree = AccountTree()
        let (done, finished) = AsyncStream<Void>.makeStream()
        flushing = Task { for await _ in done {} }
        defer {
            tree = box.tree
            flushing = nil
            finished.finish()
        }
        try await BackgroundThread.run(name: "cloister-state-tree") { try Self.update(&box.tree, with: entries) }
    }

    private static func update(_ tree: inout AccountTree, with entries: [LeafUpdates.Entry]) throws {
        var appends = [RPODigest]()
        var changes = [(slot: Int, leaf: RPODigest)]()
        for entry in entries {
            let leaf = LedgerLeaf.digest(key: entry.key, value: entry.value, blinding: entry.blinding)
            if entry.slot < tree.count {
                changes.append((entry.slot, leaf))
            } else {
                precondition(entry.slot == tree.count + appends.count, "account-tree slots must be assigned in order")
                appends.append(leaf)
            }
        }
        if !changes.isEmpty { try tree.update(changes, parallelism: .serial) }
        if !appends.isEmpty { try tree.append(contentsOf: appends, parallelism: .serial) }
    }

    /// Carries the tree to the flushing thread and back.
    private final class TreeBox: @unchecked Sendable {
        var tree: AccountTree
        init(_ tree: AccountTree) { self.tree = tree }
    }

    /// The root over everything applied so far.
    func currentRoot() async throws -> RPODigest {
        try await flush()
        return tree.root
    }
}
