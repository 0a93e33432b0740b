import Primitives

/// Where a committed batch stands on the L1.
public enum BatchStatus: String, Sendable, Codable {
    /// Public data stored; no accepted proof yet.
    case committed
    /// A proof was verified; waiting to execute.
    case proven
    /// Final: consumed deposits left the queue, withdrawals are claimable.
    case executed
    /// Undone by the operator before execution; kept for the record, no longer in the chain.
    case reverted
}

/// One prove call for a batch, accepted or not.
public struct ProofAttempt: Sendable, Equatable, Codable {
    /// 1 for the batch's first attempt.
    public var attempt: Int
    /// L1 time of the attempt, milliseconds since the Unix epoch.
    public var submittedAt: UInt64
    /// `BatchProofVerifier.name` of the verifier that judged it.
    public var verifier: String
    public var accepted: Bool
    /// Why the verifier refused the proof (nil when accepted).
    public var reason: String?
    public var proofSHA256: Hash32
    public var proofSize: Int

    package init(
        attempt: Int, submittedAt: UInt64, verifier: String, accepted: Bool, reason: String?, proofSHA256: Hash32,
        proofSize: Int
    ) {
        self.attempt = attempt
        self.submittedAt = submittedAt
        self.verifier = verifier
        self.accepted = accepted
        self.reason = reason
        self.proofSHA256 = proofSHA256
        self.proofSize = proofSize
    }

}

/// A batch as the L1 holds it: the public commitment, where it stands, and its proof attempts.
public struct L1BatchRecord: Sendable, Equatable, Codable {
    public var commitment: BatchCommitment
    public var status: BatchStatus
    public var committedAt: UInt64
    public var provenAt: UInt64?
    public var executedAt: UInt64?
    public var revertedAt: UInt64?
    /// Every prove call, in order.
    public var proofAttempts: [ProofAttempt]

    public var batchNumber: UInt64 { commitment.batchNumber }
    public var batchHash: Hash32 { commitment.batchHash }

    package init(
        commitment: BatchCommitment, status: BatchStatus, committedAt: UInt64, provenAt: UInt64? = nil, executedAt: UInt64? = nil, revertedAt: UInt64? = nil, proofAttempts: [ProofAttempt]
    ) {
        self.commitment = commitment
        self.status = status
        self.committedAt = committedAt
        self.provenAt = provenAt
        self.executedAt = executedAt
        self.revertedAt = revertedAt
        self.proofAttempts = proofAttempts
    }
}

/// A deposit in the L1's priority queue.
public struct DepositRecord: Sendable, Equatable, Codable {
    public var deposit: Deposit
    /// `deposit.leaf`, as 32 bytes.
    public var leaf: Hash32
    /// The rolling hash of the whole queue from index 0 up to and including this deposit.
    public var queueHash: Hash32
    public var queuedAt: UInt64
    /// The executed batch that consumed it; nil while it is still in the queue.
    public var executedInBatch: UInt64?

    package init(deposit: Deposit, leaf: Hash32, queueHash: Hash32, queuedAt: UInt64, executedInBatch: UInt64?) {
        self.deposit = deposit
        self.leaf = leaf
        self.queueHash = queueHash
        self.queuedAt = queuedAt
        self.executedInBatch = executedInBatch
    }

}

/// A withdrawal paid out on the L1 (once only).
public struct FinalizedWithdrawal: Sendable, Equatable, Codable {
    public var withdrawal: Withdrawal
    public var leaf: Hash32
    public var finalizedAt: UInt64
    /// The `withdrawal-finalized` event that recorded it.
    public var eventSequence: UInt64

    package init(withdrawal: Withdrawal, leaf: Hash32, finalizedAt: UInt64, eventSequence: UInt64) {
        self.withdrawal = withdrawal
        self.leaf = leaf
        self.finalizedAt = finalizedAt
        self.eventSequence = eventSequence
    }

}

/// What happened on the L1, in order. Sequence numbers start at 1 and never repeat.
public struct L1Event: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case committed
        case proofRejected = "proof-rejected"
        case proven
        case executed
        case reverted
        case depositQueued = "deposit-queued"
        case withdrawalFinalized = "withdrawal-finalized"
    }

    public var sequence: UInt64
    public var kind: Kind
    public var at: UInt64
    public var batchNumber: UInt64?
    public var batchHash: Hash32?
    public var depositIndex: UInt64?
    public var withdrawalIndex: UInt64?
    /// A short human-readable note (the rejection reason, the revert target, …).
    public var detail: String?

    package init(
        sequence: UInt64, kind: Kind, at: UInt64, batchNumber: UInt64?, batchHash: Hash32?, depositIndex: UInt64?,
        withdrawalIndex: UInt64?, detail: String?
    ) {
        self.sequence = sequence
        self.kind = kind
        self.at = at
        self.batchNumber = batchNumber
        self.batchHash = batchHash
        self.depositIndex = depositIndex
        self.withdrawalIndex = withdrawalIndex
        self.detail = detail
    }

}

/// The L1's summary: how far the chain of batches got, and the state of the queue.
public struct L1Status: Sendable, Equatable, Codable {
    public var operatorAddress: Address
    public var verifier: String
    /// The state root batch 1 must start from (nil until configured or adopted at the first commit).
    public var genesisStateRoot: Hash32?
    /// 0 when nothing is committed (likewise for proven and executed).
    public var lastCommitted: UInt64
    public var lastProven: UInt64
    public var lastExecuted: UInt64
    /// Hash of the last committed batch (zero when none): what the next commit names as previous.
    public var lastCommittedBatchHash: Hash32
    /// The state root the next commit must start from.
    public var lastCommittedStateRoot: Hash32?
    /// Root of the last executed batch: the state the L1 considers final.
    public var lastExecutedStateRoot: Hash32?
    /// Number of deposits ever queued (the next deposit gets this index).
    public var depositsQueued: UInt64
    /// First deposit not consumed by an executed batch: the head of the priority queue.
    public var depositQueueHead: UInt64
    /// First deposit not consumed by a committed batch: where the next commit must start.
    public var nextDepositToCommit: UInt64
    /// Rolling hash of all deposits ever queued.
    public var depositQueueHash: Hash32
    public var depositDeadlineSeconds: UInt64?
    public var lastEventSequence: UInt64

    package init(
        operatorAddress: Address, verifier: String, genesisStateRoot: Hash32?, lastCommitted: UInt64,
        lastProven: UInt64,
        lastExecuted: UInt64, lastCommittedBatchHash: Hash32, lastCommittedStateRoot: Hash32?,
        lastExecutedStateRoot: Hash32?, depositsQueued: UInt64, depositQueueHead: UInt64, nextDepositToCommit: UInt64,
        depositQueueHash: Hash32, depositDeadlineSeconds: UInt64?, lastEventSequence: UInt64
    ) {
        self.operatorAddress = operatorAddress
        self.verifier = verifier
        self.genesisStateRoot = genesisStateRoot
        self.lastCommitted = lastCommitted
        self.lastProven = lastProven
        self.lastExecuted = lastExecuted
        self.lastCommittedBatchHash = lastCommittedBatchHash
        self.lastCommittedStateRoot = lastCommittedStateRoot
        self.lastExecutedStateRoot = lastExecutedStateRoot
        self.depositsQueued = depositsQueued
        self.depositQueueHead = depositQueueHead
        self.nextDepositToCommit = nextDepositToCommit
        self.depositQueueHash = depositQueueHash
        self.depositDeadlineSeconds = depositDeadlineSeconds
        self.lastEventSequence = lastEventSequence
    }

}

/// The L1's answer to an operator call that it accepted.
public struct L1Acknowledgement: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// The call changed the L1's state.
        case applied
        /// An identical resend of a call already applied: nothing changed, no new event.
        case alreadyApplied = "already-applied"
    }

    public var call: String
    public var batchNumber: UInt64
    public var outcome: Outcome
    /// The batch's status after the call (for a revert: nil).
    public var status: BatchStatus?
    /// The event the call added (nil for `alreadyApplied`; a revert's last event).
    public var eventSequence: UInt64?

    package init(
        call: String, batchNumber: UInt64, outcome: Outcome, status: BatchStatus? = nil, eventSequence: UInt64? = nil
    ) {
        self.call = call
        self.batchNumber = batchNumber
        self.outcome = outcome
        self.status = status
        self.eventSequence = eventSequence
    }
}
