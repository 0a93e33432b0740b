import Foundation
import Ledger
import Locking
import Logging
import Policy
import Primitives
import Settlement
import StarkCrypto
import StateTree
import Store
import Transactions
import NodeConfiguration

/// The sequencer: owns the in-memory ledger and the mempool, admits transactions, produces
/// blocks and persists each in one storage transaction, and decides batch boundaries.
///
/// Admission does its expensive work (decode, validation, signer recovery) outside the
/// actor, so both cores recover signatures while the actor only orders nonces.
public actor Chain {
    public nonisolated let config: NodeConfig
    let store: any ChainStore
    let logger: Logger
    let validator: TransactionValidator
    /// Configured tokens by address, for mapping calls to operations during admission.
    let tokenDefinitions: [Address: TokenDefinition]
    let tracker: StateCommitmentTracker
    /// Where accepted transactions are journaled before their hashes are answered (nil with
    /// `durable_admission = false`).
    let journal: AdmissionJournal?
    let committedBlocks: AsyncStream<CommittedBlock>.Continuation
    let committedBlockStream: AsyncStream<CommittedBlock>

    var ledger: LedgerState
    var mempool: Mempool
    public internal(set) var head: SequencedBlock
    var openBatch: OpenBatch
    /// The policy in force (nil only for chains configured without one) and the rolling
    /// transfer-window usage its limits read; the usage is stored with the ledger.
    var policy: PolicyEngine?
    var windows: TransferWindows
    /// Transactions included since this process started (for /health and load measurements).
    public internal(set) var includedSinceStart: UInt64 = 0
    /// Audit entries waiting for the next storage write.
    var pendingAudit: [AuditEntry] = []
    /// A block is being written; the next waits for it.
    var committing = false
    /// A block write failed and the ledger could not be read back: it still holds that block.
    var ledgerAheadOfStore = false
    /// Hash of the newest written audit entry: the next one links to it.
    var auditHead: Hash32 = .zero
    /// Root of the newest recorded batch: what block headers carry as `stateRoot`.
    public internal(set) var latestBatch: BatchRecord
    /// Where the sequencer reports what it counts (the shell's Prometheus registry, or nothing).
    public nonisolated let metrics: any SequencerMetrics
    /// When this process opened the chain (uptime in the admin API).
    public nonisolated let startedAt = Date()
    /// Every policy put in force on this chain, oldest first (see `PolicyHistory`).
    public internal(set) var policyHistory = PolicyHistory()
    /// The open batch's operations commitment, deposits and withdrawals.
    var openContents: BatchContents
    /// What the open batch will cost to prove (`batch.max_proof_rows`).
    var openBatchCost: BatchCost
    /// The state tree's slots as of the newest recorded batch...
    var recordedTreeLeaves: Int
    /// ...and the leaves each batch closed since may have added: with the open batch's, a
    /// bound on the slots its proof's tree will have.
    var unrecordedBatchLeaves: [UInt64: Int] = [:]
    /// L1 deposits fetched by settlement and not yet in a block, in queue order.
    var pendingDeposits: [Deposit] = []
    /// At most this many deposits are applied per block.
    static let depositsPerBlock = 1_000
    /// Milliseconds since the Unix epoch: block timestamps, admission and audit times. The wall
    /// clock unless a test pins it (two chains on the same block schedule).
    nonisolated let clock: @Sendable () -> UInt64

    /// The batch being filled; persisted with every block so a restart resumes it.
    struct OpenBatch: Equatable {
        var number: UInt64
        var firstBlock: UInt64
        var startedAt: UInt64
        var transactionCount: UInt64

        var encoded: [UInt8] {
            var output = [UInt8]()
            RLP.encodeList(into: &output) { out in
                for value in [number, firstBlock, startedAt, transactionCount] { RLP.encode(value, into: &out) }
            }
            return output
        }

        init(number: UInt64, firstBlock: UInt64, startedAt: UInt64, transactionCount: UInt64) {
            self.number = number
            self.firstBlock = firstBlock
            self.startedAt = startedAt
            self.transactionCount = transactionCount
        }

        init?(encoded: [UInt8]) {
            var reader = RLPReader(encoded)
            guard var fields = try? reader.readList(), let number = try? fields.readUInt64(),
                let first = try? fields.readUInt64(), let started = try? fields.readUInt64(),
                let count = try? fields.readUInt64()
            else { return nil }
            self.init(number: number, firstBlock: first, startedAt: started, transactionCount: count)
        }

        static let key = "batch.open"
    }

    static let chainIDKey = "chain.id"

    init(
        config: NodeConfig, store: any ChainStore, logger: Logger, ledger: LedgerState,
        head: SequencedBlock, tree: AccountTree, treeHead: StoredStateTree.Head, seed: [UInt8], latestBatch: BatchRecord,
        openBatch: OpenBatch,
        policy: CompiledPolicy?, windows: TransferWindows, openContents: BatchContents,
        clock: (@Sendable () -> UInt64)?, metrics: any SequencerMetrics
    ) {
        self.metrics = metrics
        self.clock = clock ?? { Chain.nowMilliseconds() }
        self.openContents = openContents
        self.openBatchCost = BatchCost(reopenedWith: Int(openBatch.transactionCount) + openContents.deposits.count)
        self.recordedTreeLeaves = tree.count
        self.policy = policy.map(PolicyEngine.init(policy:))
        self.policyInForce.withLock { $0 = policy }
        self.windows = windows
        self.config = config
        self.store = store
        self.logger = logger
        self.validator = TransactionValidator(chainID: config.chain.chainID)
        self.tokenDefinitions = Dictionary(uniqueKeysWithValues: config.tokens.map { ($0.address, $0) })
        self.ledger = ledger
        self.head = head
        self.mempool = Mempool(limits: Mempool.Limits(total: config.chain.mempoolMaxTransactions))
        self.journal = config.chain.durableAdmission ? AdmissionJournal(store: store, clock: self.clock) : nil
        self.latestBatch = latestBatch
        self.openBatch = openBatch
        self.tracker = StateCommitmentTracker(
            tree: tree, head: treeHead, seed: seed, store: store, tokens: tokenDefinitions, latestBatch: latestBatch,
            appliedBlock: head.header.number)
        (committedBlockStream, committedBlocks) = AsyncStream.makeStream(of: CommittedBlock.self)
    }

    /// The last block stopped short because its batch was full, not because the mempool was
    /// drained or the block limits were reached: the next block should follow at once.
    public internal(set) var lastBlockFilledItsBatch = false
    /// Set while block production waits for the account tree (logged once per wait).
    var pausedForStateCommitment = false
    /// The newest block whose changes the account tree holds, with its batch (if it closed one) recorded.
    var stateCommitmentBlock: UInt64?
    nonisolated let policyInForce = Locked<CompiledPolicy?>(nil)
    /// Decoded block summaries and audit entries the read API asked for (`RecordCache`).
    nonisolated let blockSummaries = RecordCache<SequencedBlock.Summary>(capacity: 32_768)
    nonisolated let auditEntries = RecordCache<(entry: AuditEntry, hash: Hash32)>(capacity: 131_072)

    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
