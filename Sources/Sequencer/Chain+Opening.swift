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
            ledger.load(StateChange(key: key, value: try StoredLedgerEntry(encoded: entry.value).value))
        }

        guard let latestBytes = try store.metadata(BatchRecord.latestKey) else {
            throw NodeError.corruptRecord("no batch record (the genesis batch is always written)")
        }
        let latestBatch = try BatchRecord(encoded: latestBytes)
        let (tree, treeHead, seed) = try restoreStateTree(config: config, store: store, latestBatch: latestBatch, logger: logger)
        let (openBatch, openContents) = try reopen(
            store: store, latestBatch: latestBatch, head: head, now: clock?() ?? nowMilliseconds())
        logger.info(
            "chain restored",
            metadata: [
                "head": "\(head.header.number)", "leaves": "\(tree.count)", "batch": "\(latestBatch.number)",
                "restore": "\(ContinuousClock.now - started)",
            ])
        let chain = Chain(
            config: config, store: store, logger: logger, ledger: ledger, head: head, tree: tree, treeHead: treeHead,
            seed: seed, latestBatch: latestBatch, openBatch: openBatch, policy: policy, windows: windows, openContents: openContents,
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
        _ = try await chain.restoreJournaledAdmissions()
        return chain
    }

    /// The state tree as of the latest recorded batch: read from its stored leaves, or, on a
    /// chain written before the one state tree, built once by replaying every recorded batch
    /// (the same roots the batch proofs already put on the L1) and stored.
    static func restoreStateTree(
        config: NodeConfig, store: any ChainStore, latestBatch: BatchRecord, logger: Logger
    ) throws -> (AccountTree, StoredStateTree.Head, [UInt8]) {
        let seed = try StoredStateTree.seed(in: store)
        if let (tree, head) = try StoredStateTree.load(from: store) {
            guard head.batch == latestBatch.number else {
                throw NodeError.corruptRecord(
                    "the state tree is at batch \(head.batch) but the chain recorded batch \(latestBatch.number): "
                        + "was an older version of Cloister run on this data directory?")
            }
            return (tree, head, seed)
        }
        let started = ContinuousClock.now
        let (tree, head, records) = try replayStateTree(config: config, store: store, through: latestBatch.number, seed: seed)
        try store.putMetadata(records)
        logger.notice(
            "state tree built from the recorded batches (once, on upgrade)",
            metadata: ["batches": "\(latestBatch.number)", "leaves": "\(tree.count)", "took": "\(ContinuousClock.now - started)"])
        return (tree, head, seed)
    }

    /// The state tree after batch `last`, built from genesis by applying every recorded batch
    /// again, with the records that store it (the leaves, the head and each batch's update;
    /// records of earlier batches are written as it goes, to bound memory).
    static func replayStateTree(
        config: NodeConfig, store: any ChainStore, through last: UInt64, seed: [UInt8]
    ) throws -> (AccountTree, StoredStateTree.Head, [String: [UInt8]]) {
        var ledger: LedgerState
        do { ledger = try config.genesisState() } catch { throw NodeError.genesis(error.description) }
        var tree = try StoredStateTree.genesis(of: ledger, seed: seed)
        let genesisRoot = tree.root
        let tokens = Dictionary(uniqueKeysWithValues: config.tokens.map { ($0.address, $0) })
        var records = [String: [UInt8]]()
        var number: UInt64 = 1
        while number <= last {
            guard let recordBytes = try store.metadata(BatchRecord.key(number)),
                let contentsBytes = try store.metadata(BatchContents.sealedKey(number))
            else { throw NodeError.corruptRecord("batch \(number) or its contents are not stored") }
            let record = try BatchRecord(encoded: recordBytes)
            let seal = BatchSeal(
                number: number, firstBlock: record.firstBlock, lastBlock: record.lastBlock, auditHead: record.auditHead,
                policyHash: record.policyHash, contents: try BatchContents(encoded: contentsBytes), sealedAt: record.sealedAt)
            let operations = try TreeOperations.of(try StateCommitmentTracker.movements(of: seal, in: store, tokens: tokens))
            var randomness = try StoredStateTree.randomness(seed: seed, batch: number)
            do {
                records[StoredStateTree.updateKey(number)] = TreeCodec.encode(
                    try tree.apply(operations, randomness: &randomness).update)
            } catch {
                throw NodeError.corruptRecord("batch \(number) does not apply to the state tree: \(error)")
            }
            if records.count >= 256 {
                try store.putMetadata(records)
                records.removeAll(keepingCapacity: true)
            }
            number += 1
        }
        let head = StoredStateTree.Head(count: tree.count, batch: last, root: tree.root, genesisRoot: genesisRoot)
        records.merge(StoredStateTree.records(written: tree.leaves.enumerated().map { ($0.offset, $0.element) }, head: head)) { a, _ in a }
        return (tree, head, records)
    }

    /// The batch being filled after a restart, with its contents. A batch that was sealed but
    /// whose root was not recorded before the node stopped is reopened (nothing about it left
    /// the node) and will be sealed again, covering the blocks since.
    static func reopen(
        store: any ChainStore, latestBatch: BatchRecord, head: SequencedBlock, now: UInt64
    ) throws -> (OpenBatch, BatchContents) {
        var openBatch =
            try store.metadata(OpenBatch.key).flatMap(OpenBatch.init(encoded:))
            ?? OpenBatch(number: latestBatch.number + 1, firstBlock: latestBatch.lastBlock + 1, startedAt: now, transactionCount: 0)
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
        return (openBatch, openContents)
    }

    func setAuditHead(_ head: Hash32) { auditHead = head }
    func setPolicyHistory(_ history: PolicyHistory) { policyHistory = history }

    /// Records `policy` as governing from the next block: its history entry, its overview and an audit entry.
    func recordPolicyInForce(_ policy: CompiledPolicy, replacing previous: String?) throws {
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
    func linkAudit(_ entries: [AuditEntry]) -> (records: [[UInt8]], head: Hash32) {
        Self.link(entries, after: auditHead)
    }

    static func link(_ entries: [AuditEntry], after previous: Hash32) -> (records: [[UInt8]], head: Hash32) {
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
    static func genesis(
        config: NodeConfig, store: any ChainStore, logger: Logger, policy: CompiledPolicy?,
        clock: (@Sendable () -> UInt64)?, metrics: any SequencerMetrics
    ) async throws -> Chain {
        var ledger: LedgerState
        do { ledger = try config.genesisState() } catch { throw NodeError.genesis(error.description) }
        let entries = ledger.takeChanges().map { change in
            StateEntry(key: change.key.encoded, value: StoredLedgerEntry(value: change.value).encoded)
        }
        let seed = SecureRandom.bytes(32)
        let tree = try StoredStateTree.genesis(of: ledger, seed: seed)
        let treeHead = StoredStateTree.Head(count: tree.count, batch: 0, root: tree.root, genesisRoot: tree.root)
        let root = Hash32(rpo: tree.root)
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
                    StoredStateTree.seedKey: seed,
                ].merging(policyMetadata) { a, _ in a }.merging(
                    StoredStateTree.records(written: tree.leaves.enumerated().map { ($0.offset, $0.element) }, head: treeHead)
                ) { a, _ in a }))
        logger.info("genesis written", metadata: ["chainId": "\(config.chain.chainID)", "stateRoot": "\(root)"])
        let chain = Chain(
            config: config, store: store, logger: logger, ledger: ledger, head: block, tree: tree, treeHead: treeHead,
            seed: seed, latestBatch: batch, openBatch: open, policy: policy, windows: TransferWindows(),
            openContents: BatchContents(firstDepositIndex: 0), clock: clock, metrics: metrics)
        await chain.setAuditHead(AuditEntry.link(of: genesisAudit))
        await chain.setPolicyHistory(history)
        return chain
    }
}
