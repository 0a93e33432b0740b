import StateTree
import Primitives
import Settlement
import Stark
import StarkCrypto

/// What travels to the L1 as a batch proof: version 2 (``BatchAIR``)
/// `2 ‖ slot count (u32) ‖ deposit count (u32) ‖ deposits ‖ withdrawal count (u32) ‖
/// withdrawals ‖ STARK proof`, or version 3 (``BatchAIRv3``) with the trace length after
/// the operation count: `3 ‖ S (u32) ‖ trace length (u32) ‖ …`, integers big-endian. The
/// trace length is the only shape the v3 verifier takes from the envelope: the AIR
/// accepts any power of two in 2¹¹…2²⁴ that holds S + 1 blocks, and the bus refuses a
/// trace that leaves out, repeats or invents a block, whatever the length. A deposit is `queueIndex (u64) ‖
/// recipient (20) ‖ asset (20) ‖ amount (32) ‖ sender (20)`, a withdrawal `batchNumber (u64)
/// ‖ indexInBatch (u64) ‖ recipient (20) ‖ asset (20) ‖ amount (32)`. Both lists are public
/// anyway (the L1 holds the deposit queue and the withdrawals tree); the envelope carries
/// them so that a verifier can rebuild the proof's public inputs and check them against the
/// batch commitment's deposit hash and withdrawals root.
public struct BatchProofEnvelope: Sendable, Equatable {
    public static let version: UInt8 = 2
    public static let versionV3: UInt8 = 3
    static let depositBytes = 8 + 20 + 20 + 32 + 20
    static let withdrawalBytes = 8 + 8 + 20 + 20 + 32

    /// 2 or 3: which batch AIR the proof is for.
    public let version: UInt8
    public let slotCount: Int
    /// Version 3: the proof's trace length (0 in version 2).
    public let traceLength: Int
    public let deposits: [Deposit]
    public let withdrawals: [Withdrawal]
    public let proof: StarkProof

    public init(slotCount: Int, deposits: [Deposit] = [], withdrawals: [Withdrawal] = [], proof: StarkProof) {
        version = Self.version
        traceLength = 0
        self.slotCount = slotCount
        self.deposits = deposits
        self.withdrawals = withdrawals
        self.proof = proof
    }

    /// A version-3 envelope (AIR v3): `slotCount` operations on `traceLength` rows.
    public init(
        v3SlotCount slotCount: Int, traceLength: Int, deposits: [Deposit] = [], withdrawals: [Withdrawal] = [],
        proof: StarkProof
    ) {
        version = Self.versionV3
        self.traceLength = traceLength
        self.slotCount = slotCount
        self.deposits = deposits
        self.withdrawals = withdrawals
        self.proof = proof
    }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = [version]
        func appendU32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        func appendU64(_ value: UInt64) { bytes += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        appendU32(UInt32(slotCount))
        if version == Self.versionV3 { appendU32(UInt32(traceLength)) }
        appendU32(UInt32(deposits.count))
        for deposit in deposits {
            appendU64(deposit.queueIndex)
            bytes += deposit.recipient.bytes + deposit.asset.bytes + deposit.amount.bigEndianBytes
                + deposit.sender.bytes
        }
        appendU32(UInt32(withdrawals.count))
        for withdrawal in withdrawals {
            appendU64(withdrawal.batchNumber)
            appendU64(withdrawal.indexInBatch)
            bytes += withdrawal.recipient.bytes + withdrawal.asset.bytes + withdrawal.amount.bigEndianBytes
        }
        return bytes + proof.encoded()
    }

    /// Strict: unknown version, a slot count that is not a power of two up to 2¹⁷, list
    /// counts that do not fit the slots or the bytes, or a malformed proof are refused.
    public init(decoding bytes: [UInt8]) throws(SettlementError) {
        var reader = Reader(bytes: bytes)
        guard let version = reader.take(1)?.first else {
            throw SettlementError(.proofRejected, "the batch proof is empty")
        }
        guard version == Self.version || version == Self.versionV3 else {
            throw SettlementError(.proofRejected, "batch proof version \(version) is not supported (expected 2 or 3)")
        }
        self.version = version
        let maximumSlots = version == Self.versionV3 ? BatchAIRv3.maximumSlotCount : BatchWitness.maximumSlotCount
        guard let slots = reader.uint32(), slots >= 1, slots & (slots - 1) == 0, Int(slots) <= maximumSlots else {
            throw SettlementError(
                .proofRejected, "the batch proof's slot count is missing or not a power of two up to \(maximumSlots)")
        }
        slotCount = Int(slots)
        if version == Self.versionV3 {
            guard let length = reader.uint32(), Int(length) >= BatchAIRv3.minimumTraceLength,
                Int(length) <= BatchAIRv3.maximumTraceLength, length & (length - 1) == 0, 8 * (Int(slots) + 1) <= Int(length)
            else {
                throw SettlementError(
                    .proofRejected, "the v3 batch proof's trace length is missing, not a power of two in 2^11...2^24, "
                        + "or too short for its operations")
            }
            traceLength = Int(length)
        } else {
            traceLength = 0
        }
        guard let depositCount = reader.uint32(), Int(depositCount) < slotCount || version == Self.versionV3 && Int(depositCount) <= slotCount,
            reader.remaining >= Int(depositCount) * Self.depositBytes
        else { throw SettlementError(.proofRejected, "the batch proof's deposit list is truncated or longer than its slots") }
        var deposits = [Deposit]()
        for _ in 0..<depositCount {
            guard let index = reader.uint64(), let recipient = reader.address(), let asset = reader.address(),
                let amount = reader.amount(), let sender = reader.address()
            else { throw SettlementError(.proofRejected, "a deposit in the batch proof is malformed") }
            deposits.append(Deposit(queueIndex: index, recipient: recipient, asset: asset, amount: amount, sender: sender))
        }
        guard let withdrawalCount = reader.uint32(),
            Int(depositCount) + Int(withdrawalCount) < slotCount
                || version == Self.versionV3 && Int(depositCount) + Int(withdrawalCount) <= slotCount,
            reader.remaining >= Int(withdrawalCount) * Self.withdrawalBytes
        else {
            throw SettlementError(
                .proofRejected, "the batch proof's withdrawal list is truncated or does not fit its slots")
        }
        var withdrawals = [Withdrawal]()
        for _ in 0..<withdrawalCount {
            guard let batch = reader.uint64(), let index = reader.uint64(), let recipient = reader.address(),
                let asset = reader.address(), let amount = reader.amount()
            else { throw SettlementError(.proofRejected, "a withdrawal in the batch proof is malformed") }
            withdrawals.append(
                Withdrawal(batchNumber: batch, indexInBatch: index, recipient: recipient, asset: asset, amount: amount))
        }
        self.deposits = deposits
        self.withdrawals = withdrawals
        do { proof = try StarkProof(decoding: reader.rest) } catch {
            throw SettlementError(.proofRejected, "the STARK proof does not decode: \(error)")
        }
    }

    /// A forward-only byte reader; every read returns nil past the end.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var remaining: Int { bytes.count - offset }
        var rest: [UInt8] { Array(bytes[offset...]) }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count <= remaining else { return nil }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func uint32() -> UInt32? { take(4).map { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } } }
        mutating func uint64() -> UInt64? { take(8).map { $0.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } } }
        mutating func address() -> Address? { take(20).flatMap { try? Address($0) } }
        mutating func amount() -> UInt256? { take(32).flatMap { try? UInt256(bigEndian: $0) } }
    }
}

/// The L1's proof-system conformance for Cloister batches: checks a ``BatchProofEnvelope``
/// against the batch commitment the L1 itself stores (batch number, previous and new state
/// root, operations commitment, deposit hash and count, withdrawals root and count), with
/// the verifier's own minimum security, whatever the proof claims.
///
/// The envelope's deposits must hash to the commitment's deposit hash (and start at its
/// first queue index), its withdrawals must form the commitment's withdrawals root; then
/// the public inputs are rebuilt from them (deposit i credits the holder key of (recipient,
/// asset), withdrawal j debits the asset) and the STARK proof is verified.
public struct StarkBatchVerifier: BatchProofVerifier {
    public let minimum: AcceptableOptions

    public init(minimum: AcceptableOptions = .default) { self.minimum = minimum }

    public var name: String {
        "stark-batch-v2/v3 (transfers, deposits, withdrawals, mint, burn; at least \(minimum.minimumProvenBits) proven, "
            + "\(minimum.minimumConjecturedBits) conjectured bits)"
    }

    public func verify(proof bytes: [UInt8], commitment: BatchCommitment) throws {
        let envelope = try BatchProofEnvelope(decoding: bytes)
        let inputs = try Self.publicInputs(envelope: envelope, commitment: commitment)
        do {
            if envelope.version == BatchProofEnvelope.versionV3 {
                try BatchVerifierV3.verify(
                    proof: envelope.proof, publicInputs: inputs, traceLength: envelope.traceLength, minimum: minimum)
            } else {
                try BatchVerifier.verify(proof: envelope.proof, publicInputs: inputs, minimum: minimum)
            }
        } catch {
            throw SettlementError(.proofRejected, "batch \(commitment.batchNumber): \(error)")
        }
    }

    /// Checks the envelope's deposit and withdrawal lists against the commitment and
    /// builds the proof's public inputs.
    public static func publicInputs(
        envelope: BatchProofEnvelope, commitment: BatchCommitment
    ) throws(SettlementError) -> BatchPublicInputs {
        let batch = commitment.batchNumber
        let deposits = envelope.deposits
        guard UInt64(deposits.count) == commitment.depositCount else {
            throw SettlementError(
                .proofRejected,
                "batch \(batch): the proof carries \(deposits.count) deposits, the commitment consumes "
                    + "\(commitment.depositCount)")
        }
        for (position, deposit) in deposits.enumerated()
        where deposit.queueIndex != commitment.firstDepositIndex + UInt64(position) {
            throw SettlementError(
                .proofRejected,
                "batch \(batch): deposit \(position) of the proof has queue index \(deposit.queueIndex), the commitment's "
                    + "run starts at \(commitment.firstDepositIndex)")
        }
        guard DepositHash.of(deposits) == commitment.depositHash else {
            throw SettlementError(
                .proofRejected,
                "batch \(batch): the proof's deposits hash to \(DepositHash.of(deposits).hex), the commitment's deposit "
                    + "hash is \(commitment.depositHash.hex)")
        }
        guard UInt64(envelope.withdrawals.count) == commitment.withdrawalCount else {
            throw SettlementError(
                .proofRejected,
                "batch \(batch): the proof carries \(envelope.withdrawals.count) withdrawals, the commitment "
                    + "\(commitment.withdrawalCount)")
        }
        let tree: WithdrawalTree
        do { tree = try WithdrawalTree(batchNumber: batch, withdrawals: envelope.withdrawals) } catch {
            throw SettlementError(.proofRejected, "batch \(batch): the proof's withdrawals: \(error)")
        }
        guard tree.root == commitment.withdrawalsRoot else {
            throw SettlementError(
                .proofRejected,
                "batch \(batch): the proof's withdrawals form root \(tree.root.hex), the commitment's withdrawals root "
                    + "is \(commitment.withdrawalsRoot.hex)")
        }
        func amount(_ value: UInt256, _ what: String) throws(SettlementError) -> UInt128 {
            do { return try BatchBuilder.narrow(value) } catch {
                throw SettlementError(.proofRejected, "batch \(batch): \(what) amount \(value) does not fit 124 bits")
            }
        }
        var depositStatements = [DepositStatement]()
        for (position, deposit) in deposits.enumerated() {
            depositStatements.append(
                DepositStatement(
                    toKey: AccountLeaf.key(account: deposit.recipient.bytes, asset: deposit.asset.bytes),
                    asset: AccountLeaf.assetID(of: deposit.asset.bytes),
                    amount: try amount(deposit.amount, "deposit \(position)")))
        }
        var withdrawalStatements = [WithdrawalStatement]()
        for (position, withdrawal) in envelope.withdrawals.enumerated() {
            withdrawalStatements.append(
                WithdrawalStatement(
                    asset: AccountLeaf.assetID(of: withdrawal.asset.bytes),
                    amount: try amount(withdrawal.amount, "withdrawal \(position)")))
        }
        do {
            return BatchPublicInputs(
                batchNumber: batch, slotCount: envelope.slotCount,
                oldRoot: try RPODigest(bytes: commitment.previousStateRoot.bytes),
                newRoot: try RPODigest(bytes: commitment.newStateRoot.bytes),
                operationsCommitment: try RPODigest(bytes: commitment.operationsCommitment.bytes),
                deposits: depositStatements, withdrawals: withdrawalStatements)
        } catch {
            throw SettlementError(.proofRejected, "a committed root is not a canonical RPO digest: \(error)")
        }
    }
}

/// Independent verification of what an L1 holds (`cloister verify`): reads each batch's
/// public fields and proof from the L1 and checks them with no access to the node.
public enum IndependentVerification {
    public enum Outcome: Sendable, Equatable {
        case verified
        case noProof(status: String)
        case refused(String)
    }

    public static func check(
        l1: any L1Client, batches numbers: ClosedRange<UInt64>? = nil, verifier: StarkBatchVerifier = StarkBatchVerifier()
    ) async throws(SettlementError) -> [(batch: UInt64, outcome: Outcome)] {
        var results: [(UInt64, Outcome)] = []
        var next = numbers?.lowerBound ?? 1
        while true {
            let page = try await l1.batches(from: next, limit: 100)
            for record in page where numbers.map({ $0.contains(record.batchNumber) }) ?? true && record.status != .reverted {
                guard let proof = try await l1.proof(ofBatch: record.batchNumber) else {
                    results.append((record.batchNumber, .noProof(status: record.status.rawValue)))
                    continue
                }
                do {
                    try verifier.verify(proof: proof, commitment: record.commitment)
                    results.append((record.batchNumber, .verified))
                } catch {
                    results.append((record.batchNumber, .refused("\(error)")))
                }
            }
            guard let last = page.last, page.count == 100, numbers.map({ last.batchNumber < $0.upperBound }) ?? true else { break }
            next = last.batchNumber + 1
        }
        return results
    }
}
