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
    private let leafUpdates: AsyncStream<LeafUpdates>.Continuation
    private let leafUpdateStream: AsyncStream<LeafUpdates>

    private(set) var ledger: LedgerState
    private var mempool: Mempool
    private var slots: [StateKey: UInt64]
    public private(set) var head: SequencedBlock
    private var openBatch: OpenBatch
    /// The policy in force (nil only for chains configured without one) and the rolling
    /// transfer-window usage its limits read; the usage is stored with the ledger.
    private var policy: PolicyEngine?
    private var windows: TransferWindows
    /// Transactions included since this process started (for /health and load measurements).
    public private(set) var includedSinceStart: UInt64 = 0
    /// Audit entries waiting for the next storage write.
    private var pendingAudit: [AuditEntry] = []
    /// A block is being written; the next waits for it.
    private var committing = false
    /// Hash of the newest written audit entry: the next one links to it.
    private var auditHead: Hash32 = .zero
    /// Root of the newest recorded batch: what block headers carry as `stateRoot`.
    public private(set) var latestBatch: BatchRecord
    /// Where the sequencer reports what it counts (the shell's Prometheus registry, or nothing).
    public nonisolated let metrics: any SequencerMetrics
    /// When this process opened the chain (uptime in the admin API).
    public nonisolated let startedAt = Date()
    /// Every policy put in force on this chain, oldest first (see `PolicyHistory`).
    public private(set) var policyHistory = PolicyHistory()
    /// The open batch's operations commitment, deposits and withdrawals.
    private var openContents: BatchContents
    /// L1 deposits fetched by settlement and not yet in a block, in queue order.
    private var pendingDeposits: [Deposit] = []
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

    private init(
        config: NodeConfig, store: any ChainStore, logger: Logger, ledger: LedgerState, slots: [StateKey: UInt64],
        head: SequencedBlock, tree: AccountTree, latestBatch: BatchRecord, openBatch: OpenBatch,
        policy: CompiledPolicy?, windows: TransferWindows, openContents: BatchContents,
        clock: (@Sendable () -> UInt64)?, metrics: any SequencerMetrics
    ) {
        self.metrics = metrics
        self.clock = clock ?? { Chain.nowMilliseconds() }
        self.openContents = openContents
        self.policy = policy.map(PolicyEngine.init(policy:))
        self.policyInForce.withLock { $0 = policy }
        self.windows = windows
        self.config = config
        self.store = store
        self.logger = logger
        self.validator = TransactionValidator(chainID: config.chain.chainID)
        self.tokenDefinitions = Dictionary(uniqueKeysWithValues: config.tokens.map { ($0.address, $0) })
        self.ledger = ledger
        self.slots = slots
        self.head = head
        self.mempool = Mempool(limits: Mempool.Limits(total: config.chain.mempoolMaxTransactions))
        self.latestBatch = latestBatch
        self.openBatch = openBatch
        self.tracker = StateCommitmentTracker(
            tree: tree, store: store, latestBatch: latestBatch, appliedBlock: head.header.number)
        (leafUpdateStream, leafUpdates) = AsyncStream.makeStream(of: LeafUpdates.self)
    }

    // MARK: - Opening

    /// Opens the chain in `store`: writes genesis on an empty store, otherwise restores the
    /// ledger, slots, account tree and batch progress from it.
    /// - Parameters:
    ///   - clock: milliseconds since the Unix epoch; nil for the wall clock.
    ///   - metrics: where admissions, blocks and seals are counted.
    public static func open(
        config: NodeConfig, store: any ChainStore, logger: Logger, policy: CompiledPolicy? = nil,
        clock: (@Sendable () -> UInt64)? = nil, metrics: any SequencerMetrics = UncountedSequencerMetrics()
    ) async throws -> Chain {
        if let storedID = try store.metadata(chainIDKey) {
            let id = storedID.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard id == config.chain.chainID else {
                throw NodeError.chainMismatch(
                    "the data directory \(config.dataDirectory) holds chain \(id), but \(config.file) configures chain "
                        + "\(config.chain.chainID): use the matching config or another data directory")
            }
        }
        guard let storedHead = try store.head() else {
            return try await genesis(config: config, store: store, logger: logger, policy: policy, clock: clock, metrics: metrics)
        }

        let started = ContinuousClock.now
        guard let headPayload = try store.block(number: storedHead.number) else {
            throw NodeError.corruptRecord("head block \(storedHead.number) is missing")
        }
        let head = try SequencedBlock(encoded: headPayload)
        var ledger: LedgerState
        do { ledger = try LedgerState(tokens: config.tokens) } catch { throw NodeError.genesis(error.description) }
        var slots = [StateKey: UInt64]()
        var leaves = [(slot: UInt64, leaf: RPODigest)]()
        var windows = TransferWindows()
        for entry in try store.allStateEntries() {
            if entry.key.first == TransferWindows.keyTag {
                do { try windows.load(key: entry.key, value: entry.value) } catch {
                    throw NodeError.corruptRecord("transfer-window entry: \(error)")
                }
                continue
            }
            let key: StateKey
            do { key = try StateKey(encoded: entry.key) } catch { throw NodeError.corruptRecord("ledger key: \(error)") }
            let stored = try StoredLedgerEntry(encoded: entry.value)
            ledger.load(StateChange(key: key, value: stored.value))
            slots[key] = stored.slot
            leaves.append((stored.slot, LedgerLeaf.digest(key: key, value: stored.value, blinding: stored.blinding)))
        }
        leaves.sort { $0.slot < $1.slot }
        guard leaves.enumerated().allSatisfy({ UInt64($0.offset) == $0.element.slot }) else {
            throw NodeError.corruptRecord("account-tree slots are not contiguous")
        }
        let tree = try AccountTree.rebuilt(from: leaves.map(\.leaf))

        guard let latestBytes = try store.metadata(BatchRecord.latestKey) else {
            throw NodeError.corruptRecord("no batch record (the genesis batch is always written)")
        }
        let latestBatch = try BatchRecord(encoded: latestBytes)
        var openBatch =
            try store.metadata(OpenBatch.key).flatMap(OpenBatch.init(encoded:))
            ?? OpenBatch(number: latestBatch.number + 1, firstBlock: latestBatch.lastBlock + 1, startedAt: clock?() ?? nowMilliseconds(), transactionCount: 0)
        var openContents =
            try store.metadata(BatchContents.openKey).map { try BatchContents(encoded: $0) }
            ?? BatchContents(firstDepositIndex: latestBatch.nextDepositIndex)
        if openBatch.number != latestBatch.number + 1 {
            // A batch was sealed but its root not recorded before the node stopped: nothing about
            // it left the node, so it is reopened and sealed again, covering the blocks since.
            let reopened = latestBatch.number + 1
            if let sealedBytes = try store.metadata(BatchContents.sealedKey(reopened)) {
                var merged = try BatchContents(encoded: sealedBytes)
                for number in openBatch.firstBlock..<(head.header.number + 1) {
                    for transaction in try store.transactions(blockNumber: number) {
                        let included = try IncludedTransaction(encoded: transaction.payload)
                        merged.recordOperation(included.hash)
                    }
                }
                merged.deposits += openContents.deposits
                for (withdrawal, source) in zip(openContents.withdrawals, openContents.withdrawalSources) {
                    merged.addWithdrawal(
                        batch: reopened, recipient: withdrawal.recipient, asset: withdrawal.asset, amount: withdrawal.amount,
                        source: source)
                }
                openContents = merged
            }
            openBatch = OpenBatch(
                number: reopened, firstBlock: latestBatch.lastBlock + 1, startedAt: openBatch.startedAt,
                transactionCount: max(openBatch.transactionCount, 1))
        }
        logger.info(
            "chain restored",
            metadata: [
                "head": "\(head.header.number)", "entries": "\(slots.count)", "batch": "\(latestBatch.number)",
                "restore": "\(ContinuousClock.now - started)",
            ])
        let chain = Chain(
            config: config, store: store, logger: logger, ledger: ledger, slots: slots, head: head, tree: tree,
            latestBatch: latestBatch, openBatch: openBatch, policy: policy, windows: windows, openContents: openContents,
            clock: clock, metrics: metrics)
        if let last = try store.lastAuditRow() {
            await chain.setAuditHead(AuditEntry.link(of: try last.plaintext.get()))
        }
        let history = try store.metadata(PolicyHistory.key).map { try PolicyHistory(encoded: $0) } ?? PolicyHistory()
        await chain.setPolicyHistory(history)
        if let policy, history.current?.hash != policy.hash.hex {
            // The policy files changed while the node was stopped: the new policy governs from the next block.
            try await chain.recordPolicyInForce(policy, replacing: history.current?.hash)
        }
        return chain
    }

    private func setAuditHead(_ head: Hash32) { auditHead = head }
    private func setPolicyHistory(_ history: PolicyHistory) { policyHistory = history }

    /// Records `policy` as governing from the next block: its history entry, its overview and an audit entry.
    private func recordPolicyInForce(_ policy: CompiledPolicy, replacing previous: String?) throws {
        let now = clock()
        var history = policyHistory
        history.append(.init(hash: policy.hash.hex, fromBlock: head.header.number + 1, since: now))
        try store.putMetadata([PolicyHistory.key: history.encoded, PolicyHistory.overviewKey(policy.hash): policy.overview.encoded])
        policyHistory = history
        pendingAudit.append(
            AuditEntry(
                kind: .policyLoaded, time: now, outcome: "applied",
                detail: "policy \(policy.hash.hex) in force from block \(head.header.number + 1)"
                    + (previous.map { " (replaces \($0))" } ?? "")))
    }

    /// Links entries into the audit hash chain; the head advances only once they are stored.
    private func linkAudit(_ entries: [AuditEntry]) -> (records: [[UInt8]], head: Hash32) {
        Self.link(entries, after: auditHead)
    }

    private static func link(_ entries: [AuditEntry], after previous: Hash32) -> (records: [[UInt8]], head: Hash32) {
        var head = previous
        var records = [[UInt8]]()
        records.reserveCapacity(entries.count)
        for var entry in entries {
            entry.previous = head.hex
            let bytes = entry.encoded
            records.append(bytes)
            head = AuditEntry.link(of: bytes)
        }
        return (records, head)
    }

    /// Block 0 holds the genesis state; batch 0 is that block alone.
    private static func genesis(
        config: NodeConfig, store: any ChainStore, logger: Logger, policy: CompiledPolicy?,
        clock: (@Sendable () -> UInt64)?, metrics: any SequencerMetrics
    ) async throws -> Chain {
        var ledger: LedgerState
        do { ledger = try config.genesisState() } catch { throw NodeError.genesis(error.description) }
        var slots = [StateKey: UInt64]()
        var entries = [StateEntry]()
        var leaves = [RPODigest]()
        let changes = ledger.takeChanges()
        for (change, blinding) in zip(changes, SecureRandom.uint64s(changes.count)) {
            let slot = UInt64(slots.count)
            slots[change.key] = slot
            let stored = StoredLedgerEntry(slot: slot, blinding: blinding, value: change.value)
            entries.append(StateEntry(key: change.key.encoded, value: stored.encoded))
            leaves.append(LedgerLeaf.digest(key: change.key, value: change.value, blinding: stored.blinding))
        }
        let tree = try AccountTree.rebuilt(from: leaves)
        let root = LedgerLeaf.hash(tree.root)
        let timestamp = clock?() ?? nowMilliseconds()
        var header = BlockHeader(
            parentHash: .zero, beneficiary: .zero, stateRoot: root, transactionsRoot: KeccakMerkle.root([]),
            receiptsRoot: KeccakMerkle.root([]), logsBloom: .empty, number: 0, gasLimit: config.chain.blockGasLimit,
            gasUsed: 0, timestamp: timestamp / 1000, extraData: policy?.hash.bytes ?? [],
            baseFeePerGas: config.chain.gasPrice)
        header.mixHash = BlockHeader.freshSalt()
        let block = SequencedBlock(header: header, transactionHashes: [])
        var genesisEntry = AuditEntry(kind: .genesis, time: timestamp, block: 0, detail: "genesis of chain \(config.chain.chainID)")
        genesisEntry.previous = Hash32.zero.hex
        let genesisAudit = genesisEntry.encoded
        let batch = BatchRecord(
            number: 0, firstBlock: 0, lastBlock: 0, stateRoot: root, sealedAt: timestamp,
            auditHead: AuditEntry.link(of: genesisAudit), policyHash: policy?.hash ?? .zero)
        var history = PolicyHistory()
        var policyMetadata: [String: [UInt8]] = [:]
        if let policy {
            history.append(.init(hash: policy.hash.hex, fromBlock: 0, since: timestamp))
            policyMetadata = [PolicyHistory.key: history.encoded, PolicyHistory.overviewKey(policy.hash): policy.overview.encoded]
        }
        let open = OpenBatch(number: 1, firstBlock: 1, startedAt: timestamp, transactionCount: 0)
        try store.commit(
            BlockWrite(
                number: 0, hash: block.hash, payload: block.encoded, transactions: [], stateEntries: entries,
                auditRecords: [genesisAudit],
                metadata: [
                    chainIDKey: withUnsafeBytes(of: config.chain.chainID.bigEndian) { Array($0) },
                    BatchRecord.key(0): batch.encoded, BatchRecord.latestKey: batch.encoded, OpenBatch.key: open.encoded,
                ].merging(policyMetadata) { a, _ in a }))
        logger.info("genesis written", metadata: ["chainId": "\(config.chain.chainID)", "stateRoot": "\(root)"])
        let chain = Chain(
            config: config, store: store, logger: logger, ledger: ledger, slots: slots, head: block, tree: tree,
            latestBatch: batch, openBatch: open, policy: policy, windows: TransferWindows(),
            openContents: BatchContents(firstDepositIndex: 0), clock: clock, metrics: metrics)
        await chain.setAuditHead(AuditEntry.link(of: genesisAudit))
        await chain.setPolicyHistory(history)
        return chain
    }

    // MARK: - Admission

    /// Decodes, validates, recovers the signer and maps the operation (outside the actor), then
    /// queues the transaction if its nonce fits. Returns the transaction hash.
    public nonisolated func submit(raw: [UInt8]) async throws(AdmissionError) -> Hash32 {
        let admitted: AdmittedTransaction
        do {
            admitted = try admit(raw: raw)
        } catch {
            await recordAdmissionRefusal(raw: raw, error)
            throw error
        }
        try await enqueue(admitted)
        return admitted.hash
    }

    /// Audits and counts a transaction refused before it could be decoded or validated.
    public func recordAdmissionRefusal(raw: [UInt8], _ error: AdmissionError) {
        recordRefusal(hash: Keccak256.hash(raw), sender: nil, error)
    }

    private func recordRefusal(hash: Hash32, sender: Address?, _ error: AdmissionError) {
        metrics.transactionRefused(reason: error.metricReason)
        pendingAudit.append(
            AuditEntry(
                kind: .admissionRefused, time: clock(), transaction: hash.hex, actor: sender?.checksummed,
                outcome: "refused", detail: error.description))
    }

    /// Audits and counts transactions a full mempool dropped because they were stranded behind
    /// a nonce gap: each was admitted, so its sender (and the auditor) can see why it never ran.
    private func recordEvictions(_ evicted: [AdmittedTransaction]) {
        metrics.transactionsEvicted(evicted.count)
        let now = clock()
        for transaction in evicted {
            pendingAudit.append(
                AuditEntry(
                    kind: .mempoolEvicted, time: now, transaction: transaction.hash.hex, actor: transaction.sender.checksummed,
                    outcome: "evicted",
                    detail: "dropped from the full mempool: nonce \(transaction.nonce) waited behind a nonce this sender has not sent"))
        }
        logger.warning(
            "full mempool dropped transactions stranded behind nonce gaps", metadata: ["count": "\(evicted.count)"])
    }

    /// The stateless half of admission; safe to run on any thread.
    public nonisolated func admit(raw: [UInt8]) throws(AdmissionError) -> AdmittedTransaction {
        let signed: SignedTransaction
        let sender: Address
        do {
            signed = try TransactionCodec.decode(raw)
            try validator.validate(signed)
            sender = try signed.recoverSender()
        } catch {
            throw .invalidTransaction(error)
        }
        let operation: Ledger.Operation
        do {
            operation = try OperationDecoder.operation(for: signed.transaction, tokens: tokenDefinitions)
        } catch {
            throw .unsupportedOperation(error)
        }
        return AdmittedTransaction(signed: signed, sender: sender, operation: operation)
    }


    /// The stateful half: nonce ordering and pool bounds.
    public func enqueue(_ transaction: AdmittedTransaction) throws(AdmissionError) {
        try enqueue(transaction, timestamp: clock() / 1000)
    }

    /// The stateful half for many transactions at once (a JSON-RPC batch): one hop onto the
    /// actor instead of one per transaction, so request handlers keep recovering signatures
    /// while a block is produced. Each transaction is decided on its own, in the order given;
    /// the result holds nil where it was queued and the refusal where it was not.
    public func enqueue(contentsOf transactions: [AdmittedTransaction]) -> [AdmissionError?] {
        let timestamp = clock() / 1000
        return transactions.map { transaction -> AdmissionError? in
            do throws(AdmissionError) {
                try enqueue(transaction, timestamp: timestamp)
                return nil
            } catch {
                return error
            }
        }
    }

    /// Audits and counts transactions refused before they could be decoded or validated.
    public func recordAdmissionRefusals(_ refusals: [(raw: [UInt8], error: AdmissionError)]) {
        for refusal in refusals { recordAdmissionRefusal(raw: refusal.raw, refusal.error) }
    }

    private func enqueue(_ transaction: AdmittedTransaction, timestamp: UInt64) throws(AdmissionError) {
        do throws(AdmissionError) {
            // Fast refusal at admission; the sequencer decides again, authoritatively, at execution.
            if let policy {
                // On the sender's view of the ledger: the answer must not depend on other
                // members' holdings (docs/PRIVACY.md); execution decides on the real state.
                let decision = policy.evaluate(
                    transaction.operation, sender: transaction.sender, timestamp: timestamp,
                    ledger: MemberLedgerView(ledger, owner: transaction.sender),
                    windows: windowsSeen(by: transaction.sender, others: [], for: transaction.operation))
                if !decision.isAllowed {
                    pendingAudit.append(Self.auditDecision(decision, transaction: transaction, block: nil, stage: "admission"))
                    metrics.transactionRefused(reason: "policy:\(decision.ruleID)")
                    throw AdmissionError.policyRefused(rule: decision.ruleID, message: decision.message)
                }
            }
            let evicted = try mempool.insert(
                transaction, stateNonce: ledger.account(transaction.sender).nonce, stateNonceOf: { self.ledger.account($0).nonce })
            metrics.transactionAdmitted()
            if !evicted.isEmpty { recordEvictions(evicted) }
        } catch {
            if case .policyRefused = error { throw error }  // audited above with the rule's inputs
            recordRefusal(hash: transaction.hash, sender: transaction.sender, error)
            throw error
        }
    }

    /// What policy would decide for `operation` by `sender` now (eth_estimateGas, eth_call),
    /// without queueing anything.
    /// - Parameter visible: the caller's addresses: the decision is taken on the part of the
    ///   ledger they may see (`MemberLedgerView`); nil for `read_all` callers (the real state).
    public func checkPolicy(_ operation: Ledger.Operation, sender: Address, visible: Set<Address>?) -> PolicyDecision {
        guard let policy else { return .allow }
        let timestamp = clock() / 1000
        guard let visible else {
            return policy.evaluate(operation, sender: sender, timestamp: timestamp, ledger: ledger, windows: windows)
        }
        return policy.evaluate(
            operation, sender: sender, timestamp: timestamp, ledger: MemberLedgerView(ledger, owner: sender, others: visible),
            windows: windowsSeen(by: sender, others: visible, for: operation))
    }

    /// The transfer-window usage a member's view may count: a `transferFrom` of another
    /// holder's tokens must not reveal that holder's recent volume to the spender.
    private func windowsSeen(by sender: Address, others: Set<Address>, for operation: Ledger.Operation) -> TransferWindows {
        if case .transferFrom(_, let from, _, _) = operation, from != sender, !others.contains(from) { return TransferWindows() }
        return windows
    }

    /// Audits a policy refusal answered to a member before anything was queued (`eth_estimateGas`,
    /// `eth_call`): every refusal a member provokes leaves a trace, wherever it was asked.
    public func recordPolicyProbe(_ decision: PolicyDecision, sender: Address, member: String, method: String) {
        metrics.policyRefusalProvoked(member: member, entry: method)
        let inputs = decision.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        pendingAudit.append(
            AuditEntry(
                kind: .policyDecision, time: clock(), actor: sender.checksummed, rule: decision.ruleID,
                asset: decision.inputs["asset"], outcome: "deny",
                detail: "\(method) by member \(member): \(decision.message)" + (inputs.isEmpty ? "" : " [\(inputs)]")))
    }

    /// A dry run of `operation` by `sender` on the state `sender`'s member may see (`eth_call`
    /// of a state-changing call): its receipt, or why it would fail. Nothing is kept.
    /// - Parameter visible: the caller's addresses; nil for `read_all` callers (the real state).
    public func simulate(_ operation: Ledger.Operation, sender: Address, visible: Set<Address>?) -> ExecutionReceipt {
        var state: LedgerState
        if let visible {
            state = ledger.restricted(to: visible.union([sender]))
        } else {
            state = ledger
        }
        let nonce = state.account(sender).nonce
        guard let receipt = try? StateTransition.execute(operation, sender: sender, nonce: nonce, state: &state) else {
            return ExecutionReceipt(succeeded: false, gasUsed: operation.gasCost, logs: [], revertReason: "the sender's nonce is exhausted")
        }
        return receipt
    }

    /// The compiled policy in force, if any (the API reads membership and permissions from it
    /// on every request, so it is readable without waiting for the actor, e.g. during a block write).
    public nonisolated var currentPolicy: CompiledPolicy? { policyInForce.withLock { $0 } }
    private nonisolated let policyInForce = Mutex<CompiledPolicy?>(nil)

    /// Puts a new policy in force from the next block on (the actor runs blocks one at a time,
    /// so a policy never changes in the middle of one).
    public func applyPolicy(_ compiled: CompiledPolicy) throws {
        try recordPolicyInForce(compiled, replacing: policy?.policy.hash.hex)
        policy = PolicyEngine(policy: compiled)
        policyInForce.withLock { $0 = compiled }
        logger.info("policy in force", metadata: ["hash": "\(compiled.hash.hex)", "fromBlock": "\(head.header.number + 1)"])
    }

    /// Adds an audit entry from another part of the node (logins, API decisions); it is
    /// written with the next block, or on its own if none is due.
    public func audit(_ entry: AuditEntry) { pendingAudit.append(entry) }

    /// Records a refused reload: the old policy stays.
    public func recordPolicyRejected(_ reason: String) {
        pendingAudit.append(AuditEntry(kind: .policyRejected, time: clock(), outcome: "rejected", detail: reason))
    }

    static func auditDecision(_ decision: PolicyDecision, transaction: AdmittedTransaction, block: UInt64?, stage: String) -> AuditEntry {
        let inputs = decision.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return AuditEntry(
            kind: .policyDecision, time: nowMilliseconds(), block: block, transaction: transaction.hash.hex,
            actor: transaction.sender.checksummed, rule: decision.ruleID,
            asset: transaction.operation.token?.checksummed ?? "native", outcome: decision.isAllowed ? "allow" : "deny",
            detail: "\(stage): \(decision.message)" + (inputs.isEmpty ? "" : " [\(inputs)]"))
    }

    public var pendingCount: Int { mempool.count }

    /// The nonce the sender's next transaction should use, counting pending ones.
    public func pendingNonce(of address: Address) -> UInt64 {
        mempool.pendingNonce(for: address, stateNonce: ledger.account(address).nonce)
    }

    // MARK: - L1 deposits

    /// The last block stopped short because its batch was full, not because the mempool was
    /// drained or the block limits were reached: the next block should follow at once.
    public private(set) var lastBlockFilledItsBatch = false

    /// At most this many proof operations in the open batch: every transaction and deposit
    /// counted once, and deposits once more for a possible refund.
    private var openBatchOperationBound: Int { Int(openBatch.transactionCount) + openContents.deposits.count }

    /// The L1 queue index of the next deposit the chain has not yet received.
    public var nextDepositToReceive: UInt64 { openContents.nextDepositIndex + UInt64(pendingDeposits.count) }

    /// Takes deposits fetched from the L1 queue; only the next ones in queue order are kept
    /// (a repeated or out-of-order fetch changes nothing). They are applied in the next block.
    public func receiveDeposits(_ deposits: [Deposit]) {
        for deposit in deposits where deposit.queueIndex == nextDepositToReceive {
            pendingDeposits.append(deposit)
        }
    }

    /// Credits each deposit the policy admits; refunds the others to their L1 sender as a
    /// withdrawal of the same batch (claimable once it executes). Both are audited.
    private func applyDeposits(_ deposits: [Deposit], block: UInt64, batch: UInt64, contents: inout BatchContents) -> [AuditEntry] {
        var audit = [AuditEntry]()
        let now = clock()
        for deposit in deposits {
            let asset = deposit.asset == .zero ? "native" : deposit.asset.checksummed
            var refusal = policy.flatMap { Self.depositRefusal(deposit, policy: $0.policy) }
            if refusal == nil {
                refusal = StateTransition.creditDeposit(
                    to: deposit.recipient, asset: deposit.asset, amount: deposit.amount, state: &ledger)
            }
            if let refusal {
                contents.addWithdrawal(
                    batch: batch, recipient: deposit.sender, asset: deposit.asset, amount: deposit.amount,
                    source: "deposit:\(deposit.queueIndex)")
                audit.append(
                    AuditEntry(
                        kind: .depositRefunded, time: now, block: block, actor: deposit.recipient.checksummed, asset: asset,
                        outcome: "refunded",
                        detail: "L1 deposit \(deposit.queueIndex) of \(deposit.amount) refunded to \(deposit.sender.checksummed) "
                            + "in batch \(batch): \(refusal)"))
            } else {
                audit.append(
                    AuditEntry(
                        kind: .depositCredited, time: now, block: block, actor: deposit.recipient.checksummed, asset: asset,
                        outcome: "credited", detail: "L1 deposit \(deposit.queueIndex) of \(deposit.amount) credited"))
            }
            contents.deposits.append(deposit)
        }
        return audit
    }

    /// Why policy refuses a deposit: the recipient must be an active, unsanctioned member
    /// that may hold the asset (a `read` or `transfer` grant on it).
    static func depositRefusal(_ deposit: Deposit, policy: CompiledPolicy) -> String? {
        let recipient = deposit.recipient
        if policy.isSanctioned(recipient) { return "the recipient is sanctioned" }
        guard let member = policy.member(recipient) else { return "the recipient is not a member of this chain" }
        guard member.status == .active else { return "member \(member.name) is suspended" }
        guard policy.mayRead(recipient, asset: deposit.asset) || policy.isGranted(recipient, .transfer, asset: deposit.asset) else {
            return "member \(member.name) may not hold this asset"
        }
        return nil
    }

    // MARK: - Block production

    /// Executes the executable pending transactions as the next block and persists it in one
    /// storage transaction. Returns nil when nothing is pending.
    ///
    /// If the write fails, the in-memory ledger is restored from the store and the
    /// transactions return to the mempool: nothing acknowledged is lost.
    @discardableResult
    public func produceBlock() async throws -> SequencedBlock? {
        // One block at a time: the store write below runs off the actor, and admissions go on meanwhile.
        guard !committing else { return nil }
        // The block fits the open batch's remaining operation slots (a deposit may take two:
        // its credit and, if policy refuses it, the refund).
        let room = Swift.max(0, config.batch.maxOperations - openBatchOperationBound)
        lastBlockFilledItsBatch = false
        let selected = mempool.takeExecutable(
            limit: Swift.min(config.chain.maxBlockTransactions, room), gasLimit: config.chain.blockGasLimit,
            stateNonce: { ledger.account($0).nonce })
        let deposits = Array(pendingDeposits.prefix(Swift.min(Self.depositsPerBlock, (room - selected.count) / 2)))
        guard !selected.isEmpty || !deposits.isEmpty else {
            try flushAudit()
            return nil
        }
        // (flushAudit above runs only when no block is being written: guarded at the top.)

        let started = ContinuousClock.now
        let number = head.header.number + 1
        var receipts = [ExecutionReceipt]()
        receipts.reserveCapacity(selected.count)
        var gasUsed: UInt64 = 0
        var bloom = LogsBloom()
        var bloomedAddresses = Set<Address>()
        var bloomedTopics = Set<Hash32>()
        let blockTime = Swift.max(clock(), head.header.timestamp * 1000) / 1000
        var denials = [AuditEntry]()
        var allowed = 0
        let windowsBefore = windows
        var contents = openContents
        let depositAudit = applyDeposits(deposits, block: number, batch: openBatch.number, contents: &contents)
        for transaction in selected {
            let receipt: ExecutionReceipt
            do {
                // The authoritative decision: against the state and window usage of this very point in the block.
                let decision =
                    policy?.evaluate(
                        transaction.operation, sender: transaction.sender, timestamp: blockTime, ledger: ledger, windows: windows)
                    ?? .allow
                if decision.isAllowed {
                    receipt = try StateTransition.execute(
                        transaction.operation, sender: transaction.sender, nonce: transaction.nonce, state: &ledger)
                    if receipt.succeeded, let policy {
                        windows.record(transaction.operation, sender: transaction.sender, at: blockTime, policy: policy.policy)
                    }
                    allowed += 1
                } else {
                    receipt = try StateTransition.reject(
                        transaction.operation, sender: transaction.sender, nonce: transaction.nonce,
                        reason: "policy rule \(decision.ruleID): \(decision.message)", state: &ledger)
                    denials.append(Self.auditDecision(decision, transaction: transaction, block: number, stage: "execution"))
                    metrics.transactionRefusedAtExecution(rule: decision.ruleID)
                }
            } catch {
                preconditionFailure("the mempool released a transaction out of nonce order: \(error)")
            }
            contents.recordOperation(transaction.hash)
            if receipt.succeeded, case .withdraw(let token, let amount) = transaction.operation {
                contents.addWithdrawal(
                    batch: openBatch.number, recipient: transaction.sender, asset: token ?? .zero, amount: amount,
                    source: transaction.hash.hex)
            }
            gasUsed += receipt.gasUsed
            // A value already in the bloom sets no new bits: the token and the event
            // signature of every transfer are hashed once per block, not once per log.
            for log in receipt.logs {
                if bloomedAddresses.insert(log.address).inserted { bloom.insert(log.address) }
                for topic in log.topics where bloomedTopics.insert(topic).inserted { bloom.insert(topic) }
            }
            receipts.append(receipt)
        }

        // Slots and blindings for the changed entries: assigned now, stored with the block.
        let changes = ledger.takeChanges()
        let windowEntries = windows.takeChanges().map { StateEntry(key: $0.key, value: $0.value) }
        var assigned = [StateKey: UInt64]()
        var nextSlot = UInt64(slots.count)
        var entries = [StateEntry]()
        var leafEntries = [LeafUpdates.Entry]()
        entries.reserveCapacity(changes.count)
        leafEntries.reserveCapacity(changes.count)
        // One call to the CSPRNG for the whole block's blindings.
        let blindings = SecureRandom.uint64s(changes.count)
        for (change, blinding) in zip(changes, blindings) {
            let slot: UInt64
            if let existing = slots[change.key] {
                slot = existing
            } else {
                slot = nextSlot
                nextSlot += 1
                assigned[change.key] = slot
            }
            let stored = StoredLedgerEntry(slot: slot, blinding: blinding, value: change.value)
            entries.append(StateEntry(key: change.key.encoded, value: stored.encoded))
            leafEntries.append(.init(slot: Int(slot), key: change.key, value: change.value, blinding: stored.blinding))
        }

        let timestampMs = Swift.max(clock(), head.header.timestamp * 1000)
        var batch = openBatch
        // Deposits count as operations: a batch holding only deposits is sealed by time like any other.
        batch.transactionCount += UInt64(selected.count + deposits.count)
        let blocksInBatch = number - batch.firstBlock + 1
        var sealsBatch = false
        var filledBatch = false
        var nextBatch = batch
        // A batch also closes before its withdrawals could outgrow the fixed-depth withdrawals tree.
        let withdrawalRoom = WithdrawalTree.capacity - config.chain.maxBlockTransactions - Self.depositsPerBlock
        // And before the next block could not add a transaction or a deposit (two slots).
        let operationBound = Int(batch.transactionCount) + contents.deposits.count
        if blocksInBatch >= UInt64(config.batch.maxBlocks) || contents.withdrawals.count >= withdrawalRoom
            || operationBound + 2 > config.batch.maxOperations
        {
            filledBatch = operationBound + 2 > config.batch.maxOperations && selected.count < config.chain.maxBlockTransactions
            sealsBatch = true
            nextBatch = OpenBatch(number: batch.number + 1, firstBlock: number + 1, startedAt: timestampMs, transactionCount: 0)
        }

        var compactAllows = [AuditEntry]()
        if let policy, allowed > 0 {
            compactAllows.append(
                AuditEntry(
                    kind: .policyDecision, time: timestampMs, block: number, rule: PolicyDecision.allow.ruleID, outcome: "allow",
                    detail: "\(allowed) transactions allowed under policy \(policy.policy.hash.hex)"))
        }
        let failed = receipts.count(where: { !$0.succeeded })
        let writtenAudit = pendingAudit.count
        let nextContents = sealsBatch ? BatchContents(firstDepositIndex: contents.nextDepositIndex) : contents
        var batchMetadata = [OpenBatch.key: nextBatch.encoded, BatchContents.openKey: nextContents.encoded]
        if sealsBatch { batchMetadata[BatchContents.sealedKey(batch.number)] = contents.encoded }
        let assembly = BlockAssembly(
            number: number, parentHash: head.hash, stateRoot: latestBatch.stateRoot, logsBloom: bloom,
            gasLimit: config.chain.blockGasLimit, gasUsed: gasUsed, timestampMs: timestampMs,
            extraData: policy?.policy.hash.bytes ?? [], baseFeePerGas: config.chain.gasPrice, transactions: selected,
            receipts: receipts, audit: pendingAudit + depositAudit + denials + compactAllows,
            blockAuditSuffix: "with \(selected.count) transactions, \(failed) failed"
                + (deposits.isEmpty ? "" : ", \(deposits.count) L1 deposits"),
            auditHead: auditHead, stateEntries: entries + windowEntries, metadata: batchMetadata)
        committing = true
        defer { committing = false }
        let written: (block: SequencedBlock, auditHead: Hash32)
        do {
            // Encoded and written off the actor: admissions and reads carry on against the
            // executed state, which is what this block makes durable.
            written = try await Self.assembleAndWrite(assembly, to: store)
        } catch {
            logger.error("block \(number) could not be stored; its transactions return to the mempool: \(error)")
            windows = windowsBefore
            try reloadLedger()
            mempool.restore(selected)
            throw error
        }
        let block = written.block
        pendingAudit.removeFirst(writtenAudit)
        pendingDeposits.removeFirst(deposits.count)
        openContents = nextContents
        auditHead = written.auditHead
        for (key, slot) in assigned { slots[key] = slot }
        includedSinceStart += UInt64(selected.count)
        metrics.blockProduced(
            transactions: selected.count, failed: failed, duration: ContinuousClock.now - started, mempoolSize: mempool.count)
        head = block
        openBatch = nextBatch
        lastBlockFilledItsBatch = filledBatch
        let seal = sealsBatch ? LeafUpdates.Seal(
            number: batch.number, firstBlock: batch.firstBlock, auditHead: auditHead, policyHash: policy?.policy.hash ?? .zero,
            contents: contents) : nil
        leafUpdates.yield(LeafUpdates(blockNumber: number, entries: leafEntries, sealsBatch: seal, sealedAt: timestampMs))
        return block
    }

    /// An executed block before it is encoded: everything `assembleAndWrite` needs, taken from
    /// the actor's state when the block was executed.
    struct BlockAssembly: Sendable {
        var number: UInt64
        var parentHash: Hash32
        var stateRoot: Hash32
        var logsBloom: LogsBloom
        var gasLimit: UInt64
        var gasUsed: UInt64
        var timestampMs: UInt64
        var extraData: [UInt8]
        var baseFeePerGas: UInt256
        var transactions: [AdmittedTransaction]
        var receipts: [ExecutionReceipt]
        /// Audit entries written with the block, before its own entry.
        var audit: [AuditEntry]
        /// The block's own audit entry says "block N <hash> " and then this.
        var blockAuditSuffix: String
        var auditHead: Hash32
        var stateEntries: [StateEntry]
        var metadata: [String: [UInt8]]
    }

    /// Encodes the block (receipts, roots, header, stored records), links its audit entries and
    /// writes it, all on the global executor: this is most of a block's cost, and the actor
    /// stays free for admissions meanwhile. Returns the block and the new audit head.
    private nonisolated static func assembleAndWrite(
        _ assembly: BlockAssembly, to store: any ChainStore
    ) async throws -> (block: SequencedBlock, auditHead: Hash32) {
        let number = assembly.number
        let transactionHashes = assembly.transactions.map(\.hash)
        var included = [IncludedTransaction]()
        included.reserveCapacity(assembly.transactions.count)
        var cumulative: UInt64 = 0
        var logIndex = 0
        for (position, (transaction, receipt)) in zip(assembly.transactions, assembly.receipts).enumerated() {
            cumulative += receipt.gasUsed
            included.append(
                IncludedTransaction(
                    signed: transaction.signed, sender: transaction.sender, blockNumber: number, blockHash: .zero,
                    position: position, receipt: receipt, cumulativeGasUsed: cumulative, firstLogIndex: logIndex))
            logIndex += receipt.logs.count
        }
        let logEncodings = included.map { IncludedTransaction.encodedLogs($0.receipt.logs) }
        let receiptHashes = zip(included, logEncodings).map { $0.receiptHash(encodedLogs: $1) }
        var header = BlockHeader(
            parentHash: assembly.parentHash, beneficiary: .zero, stateRoot: assembly.stateRoot,
            transactionsRoot: KeccakMerkle.root(transactionHashes), receiptsRoot: KeccakMerkle.root(receiptHashes),
            logsBloom: assembly.logsBloom, number: number, gasLimit: assembly.gasLimit, gasUsed: assembly.gasUsed,
            timestamp: assembly.timestampMs / 1000, extraData: assembly.extraData, baseFeePerGas: assembly.baseFeePerGas)
        // The salt makes the real hash a hiding commitment: without it, every root (and so the
        // hash) could be recomputed from guessed amounts.
        header.mixHash = BlockHeader.freshSalt()
        let block = SequencedBlock(header: header, transactionHashes: transactionHashes)
        for index in included.indices { included[index].blockHash = block.hash }
        let transactions = zip(included, logEncodings).map { TransactionWrite(hash: $0.hash, payload: $0.encoded(encodedLogs: $1)) }
        let audit = assembly.audit + [
            AuditEntry(
                kind: .block, time: assembly.timestampMs, block: number, transaction: nil, actor: nil, outcome: "produced",
                detail: "block \(number) \(block.hash.hex) \(assembly.blockAuditSuffix)")
        ]
        let linked = link(audit, after: assembly.auditHead)
        let write = BlockWrite(
            number: number, hash: block.hash, payload: block.encoded, transactions: transactions,
            stateEntries: assembly.stateEntries, auditRecords: linked.records, metadata: assembly.metadata)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            blockWriter.async { continuation.resume(with: Result { try store.commit(write) }) }
        }
        return (block, linked.head)
    }

    /// Block writes run on a thread of their own, not on the cooperative pool: SQLite holds
    /// its thread through locks and the WAL's fsync, and with one pool thread per core that
    /// idled a core the API could have used for admissions.
    private static let blockWriter = DispatchQueue(label: "cloister.block-writer", qos: .userInitiated)

    /// One tick of block production: a block, then at once the next while each fills its
    /// batch (at most `maximumBlocks`), then the time-based seal. All in one actor call: under
    /// load every hop back onto the actor waits behind admissions, and with
    /// `batch.max_operations` cutting blocks short those waits, not the work, bounded the
    /// chain's rate (measured: 6,604 transfers/s with 1,024-operation batches against 14,935
    /// with 4,096).
    /// - Returns: the blocks produced.
    @discardableResult
    public func produceBlocks(maximumBlocks: Int) async throws -> Int {
        var produced = 0
        while produced < maximumBlocks, !waitingForStateCommitment(), try await produceBlock() != nil {
            produced += 1
            if !lastBlockFilledItsBatch { break }
        }
        try sealBatchIfDue()
        return produced
    }

    /// Sealed batches whose account-tree root is not recorded yet.
    public var sealedBatchesAwaitingRoot: Int { Int(openBatch.number - 1 - Swift.min(openBatch.number - 1, latestBatch.number)) }

    /// Set while block production waits for the account tree (logged once per wait).
    private var pausedForStateCommitment = false

    /// True when `batch.max_sealed_awaiting_root` sealed batches wait for their root: block
    /// production pauses (admissions go on until the mempool is full) until the tree catches up.
    private func waitingForStateCommitment() -> Bool {
        let waiting = sealedBatchesAwaitingRoot
        let paused = waiting >= config.batch.maxSealedAwaitingRoot
        if paused != pausedForStateCommitment {
            pausedForStateCommitment = paused
            if paused {
                logger.warning(
                    "block production paused: sealed batches wait for the account tree",
                    metadata: ["waiting": "\(waiting)", "max_sealed_awaiting_root": "\(config.batch.maxSealedAwaitingRoot)"])
            } else {
                logger.notice("block production resumed: the account tree caught up", metadata: ["waiting": "\(waiting)"])
            }
        }
        return paused
    }

    /// Seals the open batch at the head when its time is up and it holds transactions.
    public func sealBatchIfDue() throws {
        let now = clock()
        guard openBatch.transactionCount > 0, head.header.number >= openBatch.firstBlock,
            now - openBatch.startedAt >= UInt64(config.batch.maxInterval.components.seconds * 1000)
                + UInt64(config.batch.maxInterval.components.attoseconds / 1_000_000_000_000_000)
        else { return }
        let next = OpenBatch(number: openBatch.number + 1, firstBlock: head.header.number + 1, startedAt: now, transactionCount: 0)
        let sealed = openContents
        let nextContents = BatchContents(firstDepositIndex: sealed.nextDepositIndex)
        try store.putMetadata([
            OpenBatch.key: next.encoded, BatchContents.sealedKey(openBatch.number): sealed.encoded,
            BatchContents.openKey: nextContents.encoded,
        ])
        openContents = nextContents
        let seal = LeafUpdates.Seal(
            number: openBatch.number, firstBlock: openBatch.firstBlock, auditHead: auditHead,
            policyHash: policy?.policy.hash ?? .zero, contents: sealed)
        leafUpdates.yield(LeafUpdates(blockNumber: head.header.number, entries: [], sealsBatch: seal, sealedAt: now))
        openBatch = next
    }

    /// Feeds committed blocks to the account tree, in order, until cancelled or finished.
    public nonisolated func runStateCommitment() async throws {
        for await updates in leafUpdateStream {
            if let record = try await tracker.apply(updates) {
                await recordSealed(record)
            }
            await followedStateCommitment(through: updates.blockNumber)
        }
    }

    /// The newest block whose changes the account tree holds, with its batch (if it closed one) recorded.
    private var stateCommitmentBlock: UInt64?

    private func followedStateCommitment(through block: UInt64) { stateCommitmentBlock = block }

    /// Ends the commitment stream once everything queued has been applied (for shutdown and tests).
    public func finishStateCommitment() { leafUpdates.finish() }

    private func recordSealed(_ record: BatchRecord) {
        latestBatch = record
        metrics.batchSealed()
        logger.info(
            "batch sealed",
            metadata: [
                "batch": "\(record.number)", "blocks": "\(record.firstBlock)-\(record.lastBlock)", "stateRoot": "\(record.stateRoot)",
            ])
    }

    /// Waits until the tracker has recorded batch `number` (tests, shutdown).
    public func awaitBatch(_ number: UInt64) async {
        while latestBatch.number < number {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the account tree has followed the chain through `block`.
    public nonisolated func awaitStateCommitment(through block: UInt64) async {
        while true {
            // Before the first block is followed, the tree is at the head it was opened on.
            let followed = await stateCommitmentBlock
            let through: UInt64
            if let followed { through = followed } else { through = await tracker.appliedBlock }
            if through >= block { return }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Writes waiting audit entries when no block is due to carry them.
    private func flushAudit() throws {
        guard !pendingAudit.isEmpty else { return }
        let linked = linkAudit(pendingAudit)
        try store.appendAuditRecords(linked.records, blockNumber: head.header.number)
        pendingAudit.removeAll(keepingCapacity: true)
        auditHead = linked.head
    }

    /// Audit entries in commit order, decoded (for the node's own tests and tools).
    public nonisolated func auditEntries(from: UInt64 = 0, limit: Int = 1_000) throws -> [AuditEntry] {
        try store.auditRecords(from: from, limit: limit).map { try AuditEntry(encoded: $0) }
    }

    private func reloadLedger() throws {
        var restored = try LedgerState(tokens: config.tokens)
        for entry in try store.allStateEntries() where entry.key.first != TransferWindows.keyTag {
            let key = try StateKey(encoded: entry.key)
            restored.load(StateChange(key: key, value: try StoredLedgerEntry(encoded: entry.value).value))
        }
        ledger = restored
    }

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
    public nonisolated func auditLog(from: UInt64, limit: Int) throws -> [(sequence: UInt64, entry: AuditEntry, hash: Hash32)] {
        try store.auditRows(from: from, limit: limit).map { row in
            let bytes = try row.plaintext.get()
            return (row.sequence, try AuditEntry(encoded: bytes), AuditEntry.link(of: bytes))
        }
    }

    /// The first block whose timestamp (seconds) is at or after `time`, searching blocks 0...`head`;
    /// `head + 1` when every block is older.
    public nonisolated func firstBlock(atOrAfter time: UInt64, head: UInt64) throws -> UInt64 {
        var low: UInt64 = 0
        var high = head + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let block = try block(number: middle) else { throw NodeError.corruptRecord("block \(middle) is missing") }
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
    public func currentStateRoot() async throws -> Hash32 { LedgerLeaf.hash(try await tracker.currentRoot()) }

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

    public nonisolated func block(number: UInt64) throws -> SequencedBlock? {
        guard let payload = try store.block(number: number) else { return nil }
        return try SequencedBlock(encoded: payload)
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

    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
