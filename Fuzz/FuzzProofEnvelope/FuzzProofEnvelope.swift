import BatchProof
import FuzzSupport
import Primitives
import Settlement
import Stark

/// What the L1 reads from an operator's prove call: the batch proof envelope, the STARK
/// proof inside it, and the batch verifier that takes both apart.
///
/// Contract: nothing traps; `StarkProof` and `BatchProofEnvelope` decoding is strict (one
/// encoding per value), so whatever decodes re-encodes to the input; the L1's verifier,
/// given a commitment that matches the envelope's lists (so that it reaches the STARK
/// verifier) and no minimum security, refuses a forged proof with an error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    if let proof = try? StarkProof(decoding: input) {
        Fuzz.expect(proof.encoded() == input, "a decoded STARK proof re-encodes to other bytes")
    }
    guard let envelope = try? BatchProofEnvelope(decoding: input) else { return 0 }
    Fuzz.expect(envelope.encoded == input, "a decoded batch proof envelope re-encodes to other bytes")
    let commitment = matchingCommitment(envelope)
    let verifier = StarkBatchVerifier(minimum: AcceptableOptions(minimumProvenBits: 0, minimumConjecturedBits: 0))
    _ = try? verifier.verify(proof: input, commitment: commitment)
    return 0
}

/// A commitment whose deposit and withdrawal fields agree with the envelope, roots zero.
private func matchingCommitment(_ envelope: BatchProofEnvelope) -> BatchCommitment {
    let batch = envelope.withdrawals.first?.batchNumber ?? 1
    let root = (try? WithdrawalTree(batchNumber: batch, withdrawals: envelope.withdrawals).root) ?? .zero
    return BatchCommitment(
        batchNumber: batch, previousStateRoot: .zero, newStateRoot: .zero, operationsCommitment: .zero,
        depositCount: UInt64(envelope.deposits.count), firstDepositIndex: envelope.deposits.first?.queueIndex ?? 0,
        depositHash: DepositHash.of(envelope.deposits), withdrawalCount: UInt64(envelope.withdrawals.count),
        withdrawalsRoot: root, policyHash: .zero, auditLogHead: .zero, timestamp: 1, previousBatchHash: .zero)
}
