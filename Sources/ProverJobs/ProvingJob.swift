import Primitives
import Settlement
import StateTree

/// Everything a prover needs for one batch's proof, and nothing more: the batch's tree update
/// (its operations, the touched leaves before it, the untouched siblings), the batch's own
/// randomness key (its leaf blindings and operations salt derive from it; it is a one-way
/// function of the chain's seed, which never leaves the node) and the deposits and
/// withdrawals the proof envelope lists.
///
/// It is private data (balances, holders): it leaves the node only sealed with the prover key
/// (`ProverKey.seal`), never in the clear.
public struct ProvingJob: Sendable, Equatable {
    public var batch: UInt64
    /// `WitnessRandomness.derivedKey(seed, label: "batch <n>")`: this batch's randomness only.
    public var randomnessKey: [UInt8]
    public var update: TreeUpdate
    public var deposits: [Deposit]
    public var withdrawals: [Withdrawal]

    public init(batch: UInt64, randomnessKey: [UInt8], update: TreeUpdate, deposits: [Deposit], withdrawals: [Withdrawal]) {
        self.batch = batch
        self.randomnessKey = randomnessKey
        self.update = update
        self.deposits = deposits
        self.withdrawals = withdrawals
    }

    /// The codec's version (the first byte); a decoder refuses any other.
    static let version: UInt8 = 1
    static let depositBytes = 8 + 20 + 20 + 32 + 20
    static let withdrawalBytes = 8 + 8 + 20 + 20 + 32

    /// version ‖ batch (u64) ‖ randomness key (32) ‖ deposits (u32 count, 100 bytes each) ‖
    /// withdrawals (u32 count, 88 bytes each) ‖ tree update (u32 length, `TreeCodec`); big-endian.
    public var encoded: [UInt8] {
        let update = TreeCodec.encode(self.update)
        var out: [UInt8] = [Self.version]
        out.reserveCapacity(
            1 + 8 + 32 + 8 + deposits.count * Self.depositBytes + withdrawals.count * Self.withdrawalBytes + 4 + update.count)
        Self.append(batch, to: &out)
        out += randomnessKey
        Self.append(UInt32(deposits.count), to: &out)
        for deposit in deposits {
            Self.append(deposit.queueIndex, to: &out)
            out += deposit.recipient.bytes + deposit.asset.bytes + deposit.amount.bigEndianBytes + deposit.sender.bytes
        }
        Self.append(UInt32(withdrawals.count), to: &out)
        for withdrawal in withdrawals {
            Self.append(withdrawal.batchNumber, to: &out)
            Self.append(withdrawal.indexInBatch, to: &out)
            out += withdrawal.recipient.bytes + withdrawal.asset.bytes + withdrawal.amount.bigEndianBytes
        }
        Self.append(UInt32(update.count), to: &out)
        return out + update
    }

    /// Strict: another version, a count the bytes cannot hold, a withdrawal of another batch,
    /// a malformed tree update or trailing bytes are refused.
    public init(decoding bytes: [UInt8]) throws(ProverJobError) {
        var reader = Reader(bytes: bytes)
        let version = try reader.take(1)[0]
        guard version == Self.version else { throw .malformed("job codec version \(version) (this release reads \(Self.version))") }
        batch = try reader.u64()
        randomnessKey = try reader.take(WitnessRandomness.derivedKeyBytes)
        let depositCount = Int(try reader.u32())
        guard depositCount <= reader.remaining / Self.depositBytes else { throw .malformed("\(depositCount) deposits do not fit") }
        deposits = []
        for _ in 0..<depositCount {
            deposits.append(
                Deposit(
                    queueIndex: try reader.u64(), recipient: try reader.address(), asset: try reader.address(),
                    amount: try reader.amount(), sender: try reader.address()))
        }
        let withdrawalCount = Int(try reader.u32())
        guard withdrawalCount <= reader.remaining / Self.withdrawalBytes else {
            throw .malformed("\(withdrawalCount) withdrawals do not fit")
        }
        withdrawals = []
        for _ in 0..<withdrawalCount {
            let withdrawal = Withdrawal(
                batchNumber: try reader.u64(), indexInBatch: try reader.u64(), recipient: try reader.address(),
                asset: try reader.address(), amount: try reader.amount())
            guard withdrawal.batchNumber == batch else {
                throw .malformed("a withdrawal of batch \(withdrawal.batchNumber) in the job of batch \(batch)")
            }
            withdrawals.append(withdrawal)
        }
        let updateLength = Int(try reader.u32())
        guard updateLength == reader.remaining else {
            throw .malformed("the tree update is \(updateLength) bytes but \(reader.remaining) follow")
        }
        do { update = try TreeCodec.decodeUpdate(try reader.take(updateLength)) } catch {
            throw .malformed("the tree update: \(error)")
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var remaining: Int { bytes.count - offset }

        mutating func take(_ count: Int) throws(ProverJobError) -> [UInt8] {
            guard count <= remaining else { throw .malformed("it ends early (\(count) bytes wanted at offset \(offset))") }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func u64() throws(ProverJobError) -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }
        mutating func u32() throws(ProverJobError) -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }

        mutating func address() throws(ProverJobError) -> Address {
            do { return try Address(try take(20)) } catch let error as ProverJobError { throw error } catch {
                throw .malformed("an address: \(error)")
            }
        }

        mutating func amount() throws(ProverJobError) -> UInt256 {
            do { return try UInt256(bigEndian: try take(32)) } catch let error as ProverJobError { throw error } catch {
                throw .malformed("an amount: \(error)")
            }
        }
    }
}
