import Ledger
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Store

/// Where a seal's time went: reading and decoding the batch's transactions into leaf
/// operations, and the multi-update (leaf digests and merges).
struct SealTiming: Sendable {
    var reading: Duration
    var hashing: Duration
    var leaves: Int
    /// The tree's assigned slots after the batch.
    var treeLeaves = 0
    /// Whether the batch's transactions were read back from the store (after a restart) or
    /// handed over by block production.
    var readFromStore = false
}

/// A committed block as the tracker follows it: its number, and the batch it closes, if any.
struct CommittedBlock: Sendable {
    var number: UInt64
    var seal: BatchSeal?
    /// What the block moved (nil: no new block, only a seal by time of the blocks before).
    var movements: BlockMovements? = nil
}

/// The movements of the open batch's blocks as they were committed, so that its seal does
/// not read them back from the store (after a restart the batch's first blocks are missing
/// here, and the seal reads them).
struct PendingMovements {
    var firstBlock: UInt64?
    var lastBlock: UInt64 = 0
    var runs = BlockMovements()

    mutating func add(_ movements: BlockMovements, block: UInt64) {
        if firstBlock == nil { firstBlock = block } else if block != lastBlock + 1 { return }
        lastBlock = block
        runs.deposits += movements.deposits
        runs.transfers += movements.transfers
        runs.withdrawals += movements.withdrawals
    }

    /// The batch's movements in proof order, if every block of `seal` was added.
    func movements(of seal: BatchSeal) -> [ValueMovement]? {
        guard firstBlock == seal.firstBlock, lastBlock == seal.lastBlock else { return nil }
        return runs.deposits + runs.transfers + runs.withdrawals
    }
}

/// What the sequencer knows about a batch it closes; the tracker adds the state root.
struct BatchSeal: Sendable {
    var number: UInt64
    var firstBlock: UInt64
    var lastBlock: UInt64
    var auditHead: Hash32
    var policyHash: Hash32
    var contents: BatchContents
    var sealedAt: UInt64
}

/// Keeps the one state tree, off the sequencer's hot path: at each seal it reads the batch's
/// value movements, applies them as one multi-update (each touched node hashed once, on
/// every core) and records the batch, its root, the changed leaves and the batch's tree
/// update in one storage transaction. Block headers carry the newest recorded root.
actor StateCommitmentTracker {
    private var tree: AccountTree
    private let store: any ChainStore
    private let tokens: [Address: TokenDefinition]
    private let seed: [UInt8]
    private var head: StoredStateTree.Head
    private(set) var latestBatch: BatchRecord?
    /// The newest block whose batch, if it closed one, is recorded.
    private(set) var appliedBlock: UInt64

    init(
        tree: AccountTree, head: StoredStateTree.Head, seed: [UInt8], store: any ChainStore,
        tokens: [Address: TokenDefinition], latestBatch: BatchRecord?, appliedBlock: UInt64
    ) {
        self.tree = tree
        self.head = head
        self.seed = seed
        self.store = store
        self.tokens = tokens
        self.latestBatch = latestBatch
        self.appliedBlock = appliedBlock
    }

    var leafCount: Int { tree.count }
    /// The open batch's movements, block by block.
    private var pending = PendingMovements()
    /// Set while a seal's update runs on its thread (``tree`` is then a placeholder).
    private var applying = false
    /// Readers of the tree waiting for the running seal to hand it back.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Records that a block was committed; when it closes a batch, updates the tree and
    /// records the batch with its root.
    func apply(
        block number: UInt64, sealing seal: BatchSeal?, movements blockMovements: BlockMovements? = nil
    ) async throws -> (BatchRecord, SealTiming)? {
        if let blockMovements { pending.add(blockMovements, block: number) }
        guard let seal else {
            appliedBlock = number
            return nil
        }
        let known = pending.movements(of: seal)
        pending = PendingMovements()
        let randomness = try StoredStateTree.randomness(seed: seed, batch: seal.number)
        let (store, tokens, keyCache) = (self.store, self.tokens, self.keyCache)
        // Moved out, so the background thread holds the only reference and updates it in place.
        let box = TreeBox(tree)
        tree = AccountTree()
        applying = true
        defer {
            tree = box.tree
            applying = false
            // Readers waiting for the tree go before the next seal (their jobs are queued first).
            for waiter in waiters { waiter.resume() }
            waiters.removeAll()
        }
        // Reading the batch's transactions, decoding them and hashing the tree all happen on a
        // thread of lowered priority, not on the cooperative pool that serves requests and blocks.
        let (update, written, timing) = try await BackgroundThread.run(name: "cloister-state-tree") {
            () throws -> (TreeUpdate, [(slot: Int, leaf: AccountLeaf)], SealTiming) in
            let clock = ContinuousClock()
            let started = clock.now
            // Debug builds check the handed-over movements against the stored transactions.
            assert(known == nil || known == (try? Self.movements(of: seal, in: store, tokens: tokens)), "batch \(seal.number)'s movements")
            let operations = try TreeOperations.of(try known ?? Self.movements(of: seal, in: store, tokens: tokens), keys: &keyCache.keys)
            let read = clock.now
            var randomness = randomness
            do {
                let (update, written) = try box.tree.apply(operations, randomness: &randomness)
                return (
                    update, written,
                    SealTiming(
                        reading: read - started, hashing: clock.now - read, leaves: written.count, treeLeaves: box.tree.count,
                        readFromStore: known == nil)
                )
            } catch {
                throw NodeError.corruptRecord("batch \(seal.number) does not apply to the state tree: \(error)")
            }
        }
        var record = BatchRecord(
            number: seal.number, firstBlock: seal.firstBlock, lastBlock: seal.lastBlock,
            stateRoot: Hash32(rpo: update.newRoot), sealedAt: seal.sealedAt, auditHead: seal.auditHead,
            policyHash: seal.policyHash)
        record.fill(from: seal.contents)
        let newHead = StoredStateTree.Head(
            count: box.tree.count, batch: seal.number, root: update.newRoot, genesisRoot: head.genesisRoot)
        var records = StoredStateTree.records(written: written, head: newHead)
        records[StoredStateTree.updateKey(seal.number)] = TreeCodec.encode(update)
        records[BatchRecord.key(record.number)] = record.encoded
        records[BatchRecord.latestKey] = record.encoded
        try store.putMetadata(records)
        head = newHead
        latestBatch = record
        appliedBlock = number
        return (record, timing)
    }

    /// The value movements of a sealed batch, read from its stored blocks.
    static func movements(
        of seal: BatchSeal, in store: any ChainStore, tokens: [Address: TokenDefinition]
    ) throws -> [ValueMovement] {
        var transactions = [IncludedTransaction]()
        if seal.firstBlock <= seal.lastBlock {
            for block in seal.firstBlock...seal.lastBlock {
                for stored in try store.transactions(blockNumber: block) {
                    transactions.append(try IncludedTransaction(encoded: stored.payload))
                }
            }
        }
        return try BatchMovements.of(contents: seal.contents, transactions: transactions, tokens: tokens)
    }

    /// The path of the leaf holding `key` as batch `batch` recorded it, or nil if no leaf held
    /// the key then. The tree is the newest batch's; the updates of the batches after `batch`
    /// undo their changes along the path, so the batch must be one whose later updates are still
    /// kept (the latest executed on the L1, or newer).
    func path(ofKey key: Goldilocks, batch: UInt64) async throws -> LeafPath? {
        while applying { await withCheckedContinuation { waiters.append($0) } }
        guard batch <= head.batch else {
            throw NodeError.disclosureUnavailable("batch \(batch) has no recorded state root yet (the newest is \(head.batch))")
        }
        var updates = [TreeUpdate]()
        if batch < head.batch {
            for number in (batch + 1)...head.batch {
                guard let bytes = try store.metadata(StoredStateTree.updateKey(number)), !bytes.isEmpty else {
                    throw NodeError.disclosureUnavailable(
                        "the node no longer keeps the state tree as of batch \(batch): ask for the latest executed batch or a newer one")
                }
                do { updates.append(try TreeCodec.decodeUpdate(bytes)) } catch {
                    throw NodeError.corruptRecord("batch \(number): \(error)")
                }
            }
        }
        guard let slot = tree.slot(ofKey: key) else { return nil }
        let path = tree.path(of: slot, before: updates)
        return path.leaf.isEmpty ? nil : path
    }

    /// Carries the tree to the hashing thread and back.
    private final class TreeBox: @unchecked Sendable {
        var tree: AccountTree
        init(_ tree: AccountTree) { self.tree = tree }
    }

    /// The leaf-key cache, used only on the tree's thread, one seal at a time (the actor
    /// awaits each seal before the next).
    private final class KeyCache: @unchecked Sendable {
        var keys = TreeOperations.Keys()
    }
    private let keyCache = KeyCache()

    /// The root of the newest recorded batch.
    func currentRoot() -> RPODigest { head.root }
    /// The root before the first batch (what the L1 starts from).
    var genesisRoot: RPODigest { head.genesisRoot }
}
