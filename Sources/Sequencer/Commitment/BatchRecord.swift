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
