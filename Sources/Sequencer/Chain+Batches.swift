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
    /// Sealed batches whose account-tree root is not recorded yet.
    public var sealedBatchesAwaitingRoot: Int { Int(openBatch.number - 1 - Swift.min(openBatch.number - 1, latestBatch.number)) }


    /// True when `batch.max_sealed_awaiting_root` sealed batches wait for their root: block
    /// production pauses (admissions go on until the mempool is full) until the tree catches up.
    func waitingForStateCommitment() -> Bool {
        let waiting = sealedBatchesAwaitingRoot
        let paused = waiting >= config.batch.maxSealedAwaitingRoot
        if paused != pausedForStateCommitment {
            pausedForStateCommitment = paused
            if paused {
                metrics.blockProductionPausedForStateTree()
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
        try sealOpenBatch(at: now)
    }

    /// Seals the open batch at the head now (it holds transactions): its time is up, or its
    /// proof has no room for another transaction.
    func sealOpenBatch(at now: UInt64) throws {
        let next = OpenBatch(number: openBatch.number + 1, firstBlock: head.header.number + 1, startedAt: now, transactionCount: 0)
        let sealed = openContents
        let nextContents = BatchContents(firstDepositIndex: sealed.nextDepositIndex)
        try store.putMetadata([
            OpenBatch.key: next.encoded, BatchContents.sealedKey(openBatch.number): sealed.encoded,
            BatchContents.openKey: nextContents.encoded,
        ])
        openContents = nextContents
        let seal = BatchSeal(
            number: openBatch.number, firstBlock: openBatch.firstBlock, lastBlock: head.header.number, auditHead: auditHead,
            policyHash: policy?.policy.hash ?? .zero, contents: sealed, sealedAt: now)
        committedBlocks.yield(CommittedBlock(number: head.header.number, seal: seal))
        metrics.batchClosed()
        closeBatchCost(openBatch.number)
        openBatch = next
    }

    // MARK: - Batch cost (`batch.max_proof_rows`)

    /// A bound on the state tree's slots once a batch of `cost` is applied after those closed.
    func treeLeavesBound(_ cost: BatchCost) -> Int {
        recordedTreeLeaves + unrecordedBatchLeaves.values.reduce(0, +) + cost.leafCount
    }

    /// How many operations (≤ `limit`) a block may add to a batch of `cost` and `operations`
    /// within its proof budget (`limit` without a prover).
    func proofRoom(_ cost: BatchCost, operations: Int, limit: Int) -> Int {
        guard let budget = config.batch.maxProofRows else { return limit }
        return cost.room(operations: operations, budget: budget, populated: treeLeavesBound(cost), limit: limit)
    }

    /// A batch is sealed by cost once its proof has no room for a block worth making: a 32nd
    /// of `max_operations` (at least two operations, a deposit and its refund).
    func proofBudgetExhausted(_ cost: BatchCost, operations: Int) -> Bool {
        let worthwhile = Swift.max(2, config.batch.maxOperations / 32)
        return config.batch.maxProofRows != nil && proofRoom(cost, operations: operations, limit: worthwhile) < worthwhile
    }

    /// The open batch closed as `number`: its leaves count toward the tree's bound until its
    /// record arrives.
    func closeBatchCost(_ number: UInt64) {
        unrecordedBatchLeaves[number] = openBatchCost.leafCount
        openBatchCost = BatchCost()
    }

    /// Feeds committed blocks to the state tree, in order, until cancelled or finished.
    public nonisolated func runStateCommitment() async throws {
        for await block in committedBlockStream {
            if let (record, timing) = try await tracker.apply(block: block.number, sealing: block.seal, movements: block.movements) {
                await recordSealed(record, timing: timing)
            }
            await followedStateCommitment(through: block.number)
        }
    }

    func followedStateCommitment(through block: UInt64) { stateCommitmentBlock = block }

    /// Ends the commitment stream once everything queued has been applied (for shutdown and tests).
    public func finishStateCommitment() { committedBlocks.finish() }

    func recordSealed(_ record: BatchRecord, timing: SealTiming) {
        latestBatch = record
        recordedTreeLeaves = timing.treeLeaves
        unrecordedBatchLeaves = unrecordedBatchLeaves.filter { $0.key > record.number }
        metrics.batchSealed()
        logger.info(
            "batch sealed",
            metadata: [
                "batch": "\(record.number)", "blocks": "\(record.firstBlock)-\(record.lastBlock)", "stateRoot": "\(record.stateRoot)",
                "leaves": "\(timing.leaves)", "read": "\(timing.reading)", "hashed": "\(timing.hashing)",
                "movements": "\(timing.readFromStore ? "read from the store" : "handed over")",
            ])
    }

    /// The newest block whose changes the account tree holds (and whose batch, if it closed
    /// one, is recorded); before the first block is followed, the head the tree was opened on.
    public func stateCommitmentFollowed() async -> UInt64 {
        if let stateCommitmentBlock { return stateCommitmentBlock }
        return await tracker.appliedBlock
    }

    /// Writes waiting audit entries when no block is due to carry them.
    func flushAudit() throws {
        guard !pendingAudit.isEmpty else { return }
        let linked = linkAudit(pendingAudit)
        try store.appendAuditRecords(linked.records, blockNumber: head.header.number)
        pendingAudit.removeAll(keepingCapacity: true)
        auditHead = linked.head
    }

    func reloadLedger() throws {
        var restored = try LedgerState(tokens: config.tokens)
        for entry in try store.allStateEntries() where entry.key.first != TransferWindows.keyTag {
            let key = try StateKey(encoded: entry.key)
            restored.load(StateChange(key: key, value: try StoredLedgerEntry(encoded: entry.value).value))
        }
        ledger = restored
        ledgerAheadOfStore = false
    }
}
