import Primitives
import Settlement
import Stark
import StarkCrypto

/// What travels to the L1 as a batch proof: a version byte, the number of operation slots
/// (the AIR's size, public anyway through the proof's length) and the STARK proof.
public struct BatchProofEnvelope: Sendable, Equatable {
    public static let version: UInt8 = 1
    public let slotCount: Int
    public let proof: StarkProof

    public init(slotCount: Int, proof: StarkProof) {
        self.slotCount = slotCount
        self.proof = proof
    }

    public var encoded: [UInt8] {
        let count = UInt32(slotCount)
        return [Self.version] + withUnsafeBytes(of: count.bigEndian) { Array($0) } + proof.encoded()
    }

    /// Strict: unknown version, short input or a malformed proof are refused.
    public init(decoding bytes: [UInt8]) throws(SettlementError) {
        guard bytes.count > 5 else { throw SettlementError(.proofRejected, "the batch proof is \(bytes.count) bytes: too short") }
        guard bytes[0] == Self.version else {
            throw SettlementError(.proofRejected, "batch proof version \(bytes[0]) is not supported (expected \(Self.version))")
        }
        slotCount = Int(bytes[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        do { proof = try StarkProof(decoding: Array(bytes[5...])) } catch {
            throw SettlementError(.proofRejected, "the STARK proof does not decode: \(error)")
        }
    }
}

/// The L1's proof-system conformance for Cloister batches: checks a `BatchProofEnvelope`
/// against the public inputs the L1 itself stores for the batch (batch number, previous and
/// new state root, operations commitment), with the verifier's own minimum security, whatever
/// the proof claims.
///
/// The batch AIR proves transfers; deposits and withdrawals are not in the statement yet, so
/// a batch that consumes deposits or carries withdrawals is refused with that reason rather
/// than accepted on a proof that does not cover them.
public struct StarkBatchVerifier: BatchProofVerifier {
    public let minimum: AcceptableOptions

    public init(minimum: AcceptableOptions = .default) { self.minimum = minimum }

    public var name: String {
        "stark-batch-v1 (transfers; at least \(minimum.minimumProvenBits) proven, \(minimum.minimumConjecturedBits) conjectured bits)"
    }

    public func verify(proof bytes: [UInt8], commitment: BatchCommitment) throws {
        guard commitment.depositCount == 0, commitment.withdrawalCount == 0 else {
            throw SettlementError(
                .proofRejected,
                "batch \(commitment.batchNumber) consumes \(commitment.depositCount) deposits and carries "
                    + "\(commitment.withdrawalCount) withdrawals: the batch proof system proves transfers only so far")
        }
        let envelope = try BatchProofEnvelope(decoding: bytes)
        let inputs: BatchPublicInputs
        do {
            inputs = BatchPublicInputs(
                batchNumber: commitment.batchNumber, slotCount: envelope.slotCount,
                oldRoot: try RPODigest(bytes: commitment.previousStateRoot.bytes),
                newRoot: try RPODigest(bytes: commitment.newStateRoot.bytes),
                operationsCommitment: try RPODigest(bytes: commitment.operationsCommitment.bytes))
        } catch {
            throw SettlementError(.proofRejected, "a committed root is not a canonical RPO digest: \(error)")
        }
        do { try BatchVerifier.verify(proof: envelope.proof, publicInputs: inputs, minimum: minimum) } catch {
            throw SettlementError(.proofRejected, "batch \(commitment.batchNumber): \(error)")
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
