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
import Dispatch

extension Chain {
    // MARK: - L1 deposits


    /// At most this many proof operations in the open batch: every transaction and deposit
    /// counted once, and deposits once more for a possible refund.
    var openBatchOperationBound: Int { Int(openBatch.transactionCount) + openContents.deposits.count }

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
    func applyDeposits(_ deposits: [Deposit], block: UInt64, batch: UInt64, contents: inout BatchContents) -> [AuditEntry] {
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
    /// If the write fails, the transactions return to the mempool and the in-memory ledger is
    /// restored from the store (if the store cannot be read either, no block is produced until
    /// it can): nothing acknowledged is lost and no block builds on an unstored one.
    @discardableResult
    public func produceBlock() async throws -> SequencedBlock? {
        // One block at a time: the store write below runs off the actor, and admissions go on meanwhile.
        guard !committing else { return nil }
        if ledgerAheadOfStore { try reloadLedger() }  // throws while the store is still away
        // The block fits the open batch's remaining operation slots (a deposit may take two:
        // its credit and, if policy refuses it, the refund) and its proof budget.
        lastBlockFilledItsBatch = false
        let slotRoom = Swift.max(0, config.batch.maxOperations - openBatchOperationBound)
        if openBatch.transactionCount > 0, proofBudgetExhausted(openBatchCost, operations: openBatchOperationBound) {
            // Only after a restart, whose reopened batch's leaves are not known.
            try sealOpenBatch(at: clock())
        }
        let room = proofRoom(openBatchCost, operations: openBatchOperationBound, limit: slotRoom)
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
        let blockTime = Swift.max(clock(), head.header.timestamp * 1000) / 1000
        let windowsBefore = windows
        var contents = openContents
        let depositAudit = applyDeposits(deposits, block: number, batch: openBatch.number, contents: &contents)
        let execution = execute(selected, block: number, at: blockTime, contents: &contents)
        let receipts = execution.receipts
        let entries = stageChanges()
        let windowEntries = windows.takeChanges().map { StateEntry(key: $0.key, value: $0.value) }

        let timestampMs = Swift.max(clock(), head.header.timestamp * 1000)
        let movements = BlockMovements.of(
            deposits: deposits, executed: selected, receipts: receipts, withdrawalsOf: contents, from: openContents.withdrawals.count)
        let cost = openBatchCost.adding(movements)
        let proofFull = proofBudgetExhausted(cost, operations: openBatchOperationBound + selected.count + 2 * deposits.count)
        let boundary = batchBoundary(
            block: number, operations: selected.count + deposits.count, fullBlock: selected.count >= config.chain.maxBlockTransactions,
            proofFull: proofFull, contents: contents, at: timestampMs)
        let batch = boundary.batch
        let sealsBatch = boundary.seals
        let nextBatch = boundary.next

        var compactAllows = [AuditEntry]()
        if let policy, execution.allowed > 0 {
            compactAllows.append(
                AuditEntry(
                    kind: .policyDecision, time: timestampMs, block: number, rule: PolicyDecision.allow.ruleID, outcome: "allow",
                    detail: "\(execution.allowed) transactions allowed under policy \(policy.policy.hash.hex)"))
        }
        let failed = receipts.count(where: { !$0.succeeded })
        let writtenAudit = pendingAudit.count
        let nextContents = sealsBatch ? BatchContents(firstDepositIndex: contents.nextDepositIndex) : contents
        var batchMetadata = [OpenBatch.key: nextBatch.encoded, BatchContents.openKey: nextContents.encoded]
        if sealsBatch { batchMetadata[BatchContents.sealedKey(batch.number)] = contents.encoded }
        let assembly = BlockAssembly(
            number: number, parentHash: head.hash, stateRoot: latestBatch.stateRoot, logsBloom: execution.bloom,
            gasLimit: config.chain.blockGasLimit, gasUsed: execution.gasUsed, timestampMs: timestampMs,
            extraData: policy?.policy.hash.bytes ?? [], baseFeePerGas: config.chain.gasPrice, transactions: selected,
            receipts: receipts, audit: pendingAudit + depositAudit + execution.denials + compactAllows,
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
            takeBack(block: number, selected, windows: windowsBefore, failure: error)
            throw error
        }
        let block = written.block
        pendingAudit.removeFirst(writtenAudit)
        pendingDeposits.removeFirst(deposits.count)
        openContents = nextContents
        auditHead = written.auditHead
        includedSinceStart += UInt64(selected.count)
        metrics.blockProduced(
            transactions: selected.count, failed: failed, duration: ContinuousClock.now - started, mempoolSize: mempool.count)
        head = block
        openBatch = nextBatch
        openBatchCost = cost
        if sealsBatch { closeBatchCost(batch.number) }
        // A block the proof budget cut short is followed at once too, sealing or not.
        lastBlockFilledItsBatch = boundary.filled || (room < slotRoom && selected.count + 2 * deposits.count >= room)
        let seal = sealsBatch ? BatchSeal(
            number: batch.number, firstBlock: batch.firstBlock, lastBlock: number, auditHead: auditHead,
            policyHash: policy?.policy.hash ?? .zero, contents: contents, sealedAt: timestampMs) : nil
        committedBlocks.yield(CommittedBlock(number: number, seal: seal, movements: movements))
        if seal != nil { metrics.batchClosed() }
        return block
    }

    /// Undoes a block whose write failed: its transactions return to the mempool and the
    /// ledger is read back from the store, or, if it cannot be, marked as ahead of it so that
    /// no block builds on the unstored one.
    func takeBack(block number: UInt64, _ selected: [AdmittedTransaction], windows before: TransferWindows, failure: any Error) {
        logger.error("block \(number) could not be stored; its transactions return to the mempool: \(failure)")
        windows = before
        mempool.restore(selected)
        do { try reloadLedger() } catch {
            ledgerAheadOfStore = true
            logger.error("the ledger cannot be read back from the store either; blocks wait until it can: \(error)")
        }
    }

    /// What executing a block's transactions produced.
    struct BlockExecution {
        var receipts: [ExecutionReceipt] = []
        var gasUsed: UInt64 = 0
        var bloom = LogsBloom()
        /// Policy refusals at execution, audited with the block.
        var denials: [AuditEntry] = []
        /// Transactions policy allowed (audited as one compact entry).
        var allowed = 0
    }

    /// Executes `selected` in order on the ledger: policy decides each authoritatively, against
    /// the state and window usage of that very point in the block; a refusal becomes a failed
    /// receipt that consumes the nonce. Every transaction extends the batch's operations chain.
    func execute(
        _ selected: [AdmittedTransaction], block number: UInt64, at blockTime: UInt64, contents: inout BatchContents
    ) -> BlockExecution {
        var execution = BlockExecution()
        execution.receipts.reserveCapacity(selected.count)
        var bloomedAddresses = Set<Address>()
        var bloomedTopics = Set<Hash32>()
        for transaction in selected {
            let receipt: ExecutionReceipt
            do {
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
                    execution.allowed += 1
                } else {
                    receipt = try StateTransition.reject(
                        transaction.operation, sender: transaction.sender, nonce: transaction.nonce,
                        reason: "policy rule \(decision.ruleID): \(decision.message)", state: &ledger)
                    execution.denials.append(
                        Self.auditDecision(decision, transaction: transaction, block: number, stage: "execution"))
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
            execution.gasUsed += receipt.gasUsed
            // A value already in the bloom sets no new bits: the token and the event
            // signature of every transfer are hashed once per block, not once per log.
            for log in receipt.logs {
                if bloomedAddresses.insert(log.address).inserted { execution.bloom.insert(log.address) }
                for topic in log.topics where bloomedTopics.insert(topic).inserted { execution.bloom.insert(topic) }
            }
            execution.receipts.append(receipt)
        }
        return execution
    }

    /// The ledger's changed entries as the store keeps them.
    func stageChanges() -> [StateEntry] {
        ledger.takeChanges().map { change in
            StateEntry(key: change.key.encoded, value: StoredLedgerEntry(value: change.value).encoded)
        }
    }

    /// Where block `number`, holding `operations` transactions and deposits, leaves the open
    /// batch: the batch with the block counted, the batch that follows, whether the block
    /// seals it (block count, withdrawal room, operation bound) and whether it was the full
    /// batch, not an exhausted mempool, that cut the block short.
    func batchBoundary(
        block number: UInt64, operations: Int, fullBlock: Bool, proofFull: Bool, contents: BatchContents, at timestampMs: UInt64
    ) -> (batch: OpenBatch, next: OpenBatch, seals: Bool, filled: Bool) {
        var batch = openBatch
        // Deposits count as operations: a batch holding only deposits is sealed by time like any other.
        batch.transactionCount += UInt64(operations)
        let blocksInBatch = number - batch.firstBlock + 1
        // A batch also closes before its withdrawals could outgrow the fixed-depth withdrawals tree.
        let withdrawalRoom = WithdrawalTree.capacity - config.chain.maxBlockTransactions - Self.depositsPerBlock
        // And before the next block could not add a transaction or a deposit (two slots).
        let operationBound = Int(batch.transactionCount) + contents.deposits.count
        let full = operationBound + 2 > config.batch.maxOperations || proofFull
        guard blocksInBatch >= UInt64(config.batch.maxBlocks) || contents.withdrawals.count >= withdrawalRoom || full
        else { return (batch, batch, false, false) }
        let filled = full && !fullBlock
        let next = OpenBatch(number: batch.number + 1, firstBlock: number + 1, startedAt: timestampMs, transactionCount: 0)
        return (batch, next, true, filled)
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
    nonisolated static func assembleAndWrite(
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
            stateEntries: assembly.stateEntries, auditRecords: linked.records, metadata: assembly.metadata,
            settledAdmissions: assembly.transactions.map(\.hash))
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            blockWriter.async { continuation.resume(with: Result { try store.commit(write) }) }
        }
        return (block, linked.head)
    }

    /// Block writes run on a thread of their own, not on the cooperative pool: SQLite holds
    /// its thread through locks and the WAL's fsync, and with one pool thread per core that
    /// idled a core the API could have used for admissions.
    static let blockWriter = DispatchQueue(label: "cloister.block-writer", qos: .userInitiated)

    /// One tick of block production: a block, then at once the next while each fills its
    /// batch (at most `maximumBlocks`), then the time-based seal. All in one actor call: under
    /// load every hop back onto the actor waits behind admissions, and with
    /// `batch.max_operations` cutting blocks short those waits, not the work, bounded the
    /// chain's rate (figures in docs/BENCH.md).
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
}
