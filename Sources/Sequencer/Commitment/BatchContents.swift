import Foundation
import Primitives
import Settlement

/// What a batch carries besides its blocks: the running commitment to its operations, the
/// L1 deposits it consumed and the withdrawals it produced. Kept with the open batch (stored
/// with every block, so a restart resumes it) and, once sealed, with the batch record.
public struct BatchContents: Codable, Sendable, Equatable {
    /// Random and private: makes the operations commitment hiding (equal batches commit differently).
    public var salt: Hash32
    /// SHA-256 chain over the included transactions' hashes, seeded with the salt.
    public var operationsChain: Hash32
    public var operationCount: UInt64
    /// The L1 queue index of the first deposit this batch consumes.
    public var firstDepositIndex: UInt64
    /// Every deposit consumed, in queue order, whether credited or refunded.
    public var deposits: [Deposit]
    /// Member withdrawals and deposit refunds, in the order they happened.
    public private(set) var withdrawals: [Withdrawal]
    /// Where each withdrawal came from: its transaction hash, or `deposit:<queue index>` for a refund.
    public private(set) var withdrawalSources: [String]

    public init(firstDepositIndex: UInt64) {
        let salt = Hash32(exactly: SecureRandom.bytes(32))
        self.salt = salt
        self.operationsChain = salt
        self.operationCount = 0
        self.firstDepositIndex = firstDepositIndex
        self.deposits = []
        self.withdrawals = []
        self.withdrawalSources = []
    }

    /// Adds a withdrawal of batch `batch` at the next index.
    mutating func addWithdrawal(batch: UInt64, recipient: Address, asset: Address, amount: UInt256, source: String) {
        withdrawals.append(
            Withdrawal(
                batchNumber: batch, indexInBatch: UInt64(withdrawals.count), recipient: recipient, asset: asset, amount: amount))
        withdrawalSources.append(source)
    }

    /// The next L1 deposit this batch (or the next) will consume.
    public var nextDepositIndex: UInt64 { firstDepositIndex + UInt64(deposits.count) }

    mutating func recordOperation(_ transactionHash: Hash32) {
        operationsChain = SHA256.hash(operationsChain.bytes + transactionHash.bytes)
        operationCount += 1
    }

    /// The hiding commitment to the ordered operations that goes public.
    public var operationsCommitment: Hash32 {
        var bytes = Array("cloister/operations/v1".utf8)
        bytes += operationsChain.bytes
        withUnsafeBytes(of: operationCount.bigEndian) { bytes += $0 }
        return SHA256.hash(bytes)
    }

    public var depositHash: Hash32 { DepositHash.of(deposits) }

    public func withdrawalTree(batch: UInt64) throws -> WithdrawalTree {
        try WithdrawalTree(batchNumber: batch, withdrawals: withdrawals)
    }

    var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    init(encoded: [UInt8]) throws(NodeError) {
        do { self = try JSONDecoder().decode(BatchContents.self, from: Data(encoded)) } catch {
            throw .corruptRecord("batch contents: \(error)")
        }
    }

    static let openKey = "batch.open.contents"
    static func sealedKey(_ number: UInt64) -> String { "batch.\(number).contents" }
}
