import Primitives
import StarkCrypto

/// What a batch makes public on the L1, and nothing else.
///
/// Every field is either a digest (state roots, the hiding operations commitment, the
/// deposit hash, the withdrawals root, the policy hash, the audit-log head), a count the
/// batch's public effect on the bridge already reveals (deposits consumed, withdrawals
/// made), or a sequence number and time. No address, amount or balance of a member.
///
/// `batchHash` is SHA-256 over ``hashDomainTag`` followed by ``canonicalEncoding``; it
/// chains batches together through `previousBatchHash`. The memberwise initialiser
/// computes it; a decoded commitment keeps the hash it was sent with, so that
/// ``validate()`` can catch a sender whose hash does not match its fields.
public struct BatchCommitment: Sendable, Hashable, Codable {
    /// 1 for the first batch after genesis (the node's batch 0 is genesis and is not committed).
    public let batchNumber: UInt64
    /// The state root the batch starts from: the new root of batch `batchNumber − 1`.
    public let previousStateRoot: Hash32
    /// The state root after the batch's last block.
    public let newStateRoot: Hash32
    /// A hiding commitment to the ordered operations, computed by the node; opaque here.
    public let operationsCommitment: Hash32
    /// How many queued L1 deposits the batch consumes (priority operations).
    public let depositCount: UInt64
    /// The queue index of the first consumed deposit.
    public let firstDepositIndex: UInt64
    /// `DepositHash.of` the consumed deposits, in queue order.
    public let depositHash: Hash32
    /// How many withdrawals the batch makes claimable on the L1.
    public let withdrawalCount: UInt64
    /// `WithdrawalTree` root over the batch's withdrawals.
    public let withdrawalsRoot: Hash32
    /// Hash of the policy in force at the batch's last block.
    public let policyHash: Hash32
    /// Head of the audit-log hash chain when the batch was sealed.
    public let auditLogHead: Hash32
    /// When the batch was sealed, in milliseconds since the Unix epoch.
    public let timestamp: UInt64
    /// `batchHash` of batch `batchNumber − 1` (zero for batch 1).
    public let previousBatchHash: Hash32
    /// SHA-256 over the domain tag and the canonical encoding of all the fields above.
    public private(set) var batchHash: Hash32

    /// Prefix of the hashed bytes, so a batch hash can never equal another structure's hash.
    public static let hashDomainTag = "cloister/batch-commitment/v1"

    public init(
        batchNumber: UInt64, previousStateRoot: Hash32, newStateRoot: Hash32, operationsCommitment: Hash32,
        depositCount: UInt64, firstDepositIndex: UInt64, depositHash: Hash32, withdrawalCount: UInt64,
        withdrawalsRoot: Hash32, policyHash: Hash32, auditLogHead: Hash32, timestamp: UInt64, previousBatchHash: Hash32
    ) {
        self.batchNumber = batchNumber
        self.previousStateRoot = previousStateRoot
        self.newStateRoot = newStateRoot
        self.operationsCommitment = operationsCommitment
        self.depositCount = depositCount
        self.firstDepositIndex = firstDepositIndex
        self.depositHash = depositHash
        self.withdrawalCount = withdrawalCount
        self.withdrawalsRoot = withdrawalsRoot
        self.policyHash = policyHash
        self.auditLogHead = auditLogHead
        self.timestamp = timestamp
        self.previousBatchHash = previousBatchHash
        self.batchHash = .zero
        self.batchHash = computeHash()
    }

    /// Every field except `batchHash`, in declaration order: integers as 8 big-endian bytes,
    /// digests as their 32 bytes: 296 bytes, fixed.
    public var canonicalEncoding: [UInt8] {
        var out = CanonicalBytes(tag: "")
        out.append(batchNumber)
        out.append(previousStateRoot)
        out.append(newStateRoot)
        out.append(operationsCommitment)
        out.append(depositCount)
        out.append(firstDepositIndex)
        out.append(depositHash)
        out.append(withdrawalCount)
        out.append(withdrawalsRoot)
        out.append(policyHash)
        out.append(auditLogHead)
        out.append(timestamp)
        out.append(previousBatchHash)
        return out.bytes
    }

    /// SHA-256(`hashDomainTag` ‖ `canonicalEncoding`).
    public func computeHash() -> Hash32 {
        SHA256.hash(Array(Self.hashDomainTag.utf8) + canonicalEncoding)
    }

    /// The checks that need no L1 state: the hash matches the fields, numbers fit the
    /// store, counts fit the bridge structures, and empty runs have the empty digests.
    public func validate() throws(SettlementError) {
        let computed = computeHash()
        guard batchHash == computed else {
            throw .invalid(
                "batch \(batchNumber): batchHash \(batchHash.hex) does not match the hash of its fields \(computed.hex) "
                    + "(SHA-256 of '\(Self.hashDomainTag)' and the canonical encoding; see docs/SETTLEMENT.md)")
        }
        guard batchNumber >= 1 else {
            throw .invalid("batch numbers start at 1 (batch 0 is genesis and is never committed)")
        }
        let largest = UInt64(Int64.max)
        guard batchNumber <= largest, timestamp <= largest else {
            throw .invalid("batch \(batchNumber): batchNumber and timestamp must be at most \(largest)")
        }
        guard firstDepositIndex <= largest, depositCount <= largest - firstDepositIndex else {
            throw .invalid(
                "batch \(batchNumber): deposits \(firstDepositIndex) + \(depositCount) run past the largest queue index"
            )
        }
        guard withdrawalCount <= UInt64(WithdrawalTree.capacity) else {
            throw .invalid(
                "batch \(batchNumber): \(withdrawalCount) withdrawals exceed the withdrawal tree's capacity of "
                    + "\(WithdrawalTree.capacity) (depth \(WithdrawalTree.depth))")
        }
        if depositCount == 0 && depositHash != DepositHash.empty {
            throw .invalid(
                "batch \(batchNumber): consumes no deposits, so its depositHash must be zero, got \(depositHash.hex)")
        }
        if withdrawalCount == 0 && withdrawalsRoot != WithdrawalTree.emptyRoot {
            throw .invalid(
                "batch \(batchNumber): makes no withdrawals, so its withdrawalsRoot must be the empty tree's root "
                    + "\(WithdrawalTree.emptyRoot.hex), got \(withdrawalsRoot.hex)")
        }
        for (name, digest) in [("depositHash", depositHash), ("withdrawalsRoot", withdrawalsRoot)] {
            guard (try? RPODigest(bytes: digest.bytes)) != nil else {
                throw .invalid(
                    "batch \(batchNumber): \(name) \(digest.hex) is not an RPO digest (four canonical little-endian Goldilocks elements)"
                )
            }
        }
    }

}
