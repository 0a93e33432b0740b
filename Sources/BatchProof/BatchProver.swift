import Stark
import StarkCrypto
import StarkMath

/// A proved batch: the proof, its public inputs, and the secret opening of the
/// operations commitment (operations and salt) for the node's records and auditors.
public struct ProvenBatch: Sendable {
    public let proof: StarkProof
    public let publicInputs: BatchPublicInputs
    /// Secret: the operations in order, padding included.
    public let operations: [BatchOperation]
    /// Secret: the commitment's salt.
    public let salt: [Goldilocks]
}

/// Proves batches of transfers with the ``BatchTransferAIR``.
public enum BatchProver {
    /// Builds the witness from `state` (advanced to the state after the batch on
    /// success) and proves it.
    /// - Parameter options: Stark's defaults (cubic extension, blowup 8, 57 queries,
    ///   20 grinding bits: ≥ 100 proven bits from 4 slots up).
    /// - Throws: ``BatchProofError`` for a transfer that cannot be applied (then `state`
    ///   is unchanged) or a proof-system failure.
    public static func prove(
        batch: Batch, state: inout some BatchStateTree, options: ProofOptions = .default
    ) throws(BatchProofError) -> ProvenBatch {
        var working = state
        let witness = try BatchWitness(batch: batch, state: &working)
        let proof = try prove(witness: witness, options: options)
        state = working
        return ProvenBatch(
            proof: proof, publicInputs: witness.publicInputs, operations: witness.operations, salt: witness.salt)
    }

    /// Proves a witness (the debug constraint check runs first).
    public static func prove(
        witness: BatchWitness, options: ProofOptions = .default
    ) throws(BatchProofError)
        -> StarkProof
    {
        do {
            return try StarkProver.prove(
                air: witness.air, trace: witness.trace, publicInputs: witness.publicInputs.elements, options: options)
        } catch {
            throw .proofSystem(error)
        }
    }
}

/// Checks batch proofs.
public enum BatchVerifier {
    /// Returns normally only if `proof` proves the batch statement for `publicInputs` with
    /// options meeting `minimum` (by default ≥ 100 proven and conjectured bits).
    /// - Throws: ``BatchProofError/proofSystem(_:)`` naming the failed check.
    public static func verify(
        proof: StarkProof, publicInputs: BatchPublicInputs, minimum: AcceptableOptions = .default
    ) throws(BatchProofError) {
        guard publicInputs.slotCount >= 1, publicInputs.slotCount & (publicInputs.slotCount - 1) == 0,
            publicInputs.slotCount <= (1 << 26) / BatchTraceLayout.rowsPerOperation
        else { throw .invalidSlotCount(publicInputs.slotCount, transfers: 0) }
        guard publicInputs.batchNumber < AccountLeaf.valueBound else {
            throw .invalidBatchNumber(publicInputs.batchNumber)
        }
        do {
            try StarkVerifier.verify(
                proof: proof, air: BatchTransferAIR(slotCount: publicInputs.slotCount),
                publicInputs: publicInputs.elements, minimum: minimum)
        } catch {
            throw .proofSystem(error)
        }
    }
}
