import Ledger
import Primitives
import StarkCrypto
import StarkMath
import StateTree
import Store

/// A sealed batch: a run of blocks and the state root after its last block.
public struct BatchRecord: Sendable, Equatable {
    public var number: UInt64
    public var firstBlock: UInt64
    public var lastBlock: UInt64
    /// The account-tree root after `lastBlock`, as 32 bytes (four little-endian Goldilocks elements).
    public var stateRoot: Hash32
    /// Milliseconds since the Unix epoch.
    public var sealedAt: UInt64
    /// The head of the audit hash chain when the batch was sealed: settlement commits it to
    /// the L1, so no audit record up to here can later be dropped unnoticed.
    public var auditHead: Hash32
    /// The policy in force at the batch's last block (zero when the chain runs without one).
    public var policyHash: Hash32
    /// The hiding commitment to the batch's ordered operations (`BatchContents`).
    public var operationsCommitment: Hash32 = .zero
    /// The L1 deposits consumed: queue index of the first, how many, and their rolling hash.
    public var firstDepositIndex: UInt64 = 0
    public var depositCount: UInt64 = 0
    public var depositHash: Hash32 = .zero
    /// Withdrawals (and deposit refunds) claimable on the L1 once the batch executes.
    public var withdrawalCount: UInt64 = 0
    public var withdrawalsRoot: Hash32 = .zero

    /// The next L1 deposit after this batch's.
    public var nextDepositIndex: UInt64 { firstDepositIndex + depositCount }

    public var encoded: [UInt8] {
        var output = [UInt8]()
        RLP.encodeList(into: &output) { out in
            RLP.encode(number, into: &out)
            RLP.encode(firstBlock, into: &out)
            RLP.encode(lastBlock, into: &out)
            RLP.encode(bytes: stateRoot.bytes, into: &out)
            RLP.encode(sealedAt, into: &out)
            RLP.encode(bytes: auditHead.bytes, into: &out)
            RLP.encode(bytes: policyHash.bytes, into: &out)
            RLP.encode(bytes: operationsCommitment.bytes, into: &out)
            RLP.encode(firstDepositIndex, into: &out)
            RLP.encode(depositCount, into: &out)
            RLP.encode(bytes: depositHash.bytes, into: &out)
            RLP.encode(withdrawalCount, into: &out)
            RLP.encode(bytes: withdrawalsRoot.bytes, into: &out)
        }
        return output
    }

    public init(
        number: UInt64, firstBlock: UInt64, lastBlock: UInt64, stateRoot: Hash32, sealedAt: UInt64, auditHead: Hash32 = .zero,
        policyHash: Hash32 = .zero
    ) {
        self.number = number
        self.firstBlock = firstBlock
        self.lastBlock = lastBlock
        self.stateRoot = stateRoot
        self.sealedAt = sealedAt
        self.auditHead = auditHead
        self.policyHash = policyHash
    }

    public init(encoded: [UInt8]) throws(NodeError) {
        do {
            var reader = RLPReader(encoded)
            var fields = try reader.readList()
            number = try fields.readUInt64()
            firstBlock = try fields.readUInt64()
            lastBlock = try fields.readUInt64()
            stateRoot = try Hash32(try fields.readBytes())
            sealedAt = try fields.readUInt64()
            // Records written before the audit head and policy hash were kept end here.
            auditHead = fields.isAtEnd ? .zero : try Hash32(try fields.readBytes())
            policyHash = fields.isAtEnd ? .zero : try Hash32(try fields.readBytes())
            if !fields.isAtEnd {
                operationsCommitment = try Hash32(try fields.readBytes())
                firstDepositIndex = try fields.readUInt64()
                depositCount = try fields.readUInt64()
                depositHash = try Hash32(try fields.readBytes())
                withdrawalCount = try fields.readUInt64()
                withdrawalsRoot = try Hash32(try fields.readBytes())
            }
            try fields.finish()
        } catch {
            throw .corruptRecord("batch record: \(error)")
        }
    }

    /// Takes the public fields that come from the batch's contents.
    mutating func fill(from contents: BatchContents) {
        operationsCommitment = contents.operationsCommitment
        firstDepositIndex = contents.firstDepositIndex
        depositCount = UInt64(contents.deposits.count)
        depositHash = contents.depositHash
        withdrawalCount = UInt64(contents.withdrawals.count)
        withdrawalsRoot = (try? contents.withdrawalTree(batch: number).root) ?? .zero
    }

    /// Metadata names under which batches are stored.
    static func key(_ number: UInt64) -> String { "batch.\(number)" }
    static let latestKey = "batch.latest"
}

/// How a ledger entry becomes an account-tree leaf.
///
/// leaf = RPO-256(blinding, length, key ‖ value packed 7 bytes per element). The blinding is a
/// fresh random field element on every change, so neither a leaf nor the root says
/// anything about balances. (The batch proof may later fix a more AIR-friendly layout,
/// e.g. [balance, nonce, key, blinding]; the tree and slots do not change with it.)
public enum LedgerLeaf {
    public static func digest(key: StateKey, value: StateValue, blinding: UInt64) -> RPODigest {
        let bytes = key.encoded + value.encoded
        var elements = [Goldilocks]()
        elements.reserveCapacity(2 + (bytes.count + 6) / 7)
        elements.append(Goldilocks(reducing: blinding))
        elements.append(Goldilocks(reducing: UInt64(bytes.count)))
        var index = 0
        while index < bytes.count {
            var chunk: UInt64 = 0
            for offset in 0..<7 where index + offset < bytes.count {
                chunk |= UInt64(bytes[index + offset]) << (8 * UInt64(offset))
            }
            elements.append(Goldilocks(reducing: chunk))
            index += 7
        }
        return RPO256.hashElements(elements)
    }

    public static func hash(_ digest: RPODigest) -> Hash32 { Hash32(exactly: digest.bytes) }
}

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
