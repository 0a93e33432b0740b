import BatchProof
import Settlement
import Stark
import StateTree

extension ProvingJob {
    /// The batch's proof envelope (version 3, `cloister.batch.v3`), as the L1's verifier takes it.
    /// Pure and CPU-bound (seconds to minutes, every core): run it on a thread of its own.
    ///
    /// The witness is rebuilt from the tree update with the batch's randomness, so it reaches the
    /// roots and operations commitment the node committed to the L1; one that does not is refused
    /// (a node bug or a job of another chain), never proven. Without `options`, those the batch
    /// prover recommends for the trace's length.
    public func prove(options: ProofOptions? = nil) throws(ProverJobError) -> [UInt8] {
        do {
            let randomness = try WitnessRandomness.derived(fromKey: randomnessKey)
            let witness = try BatchWitnessV3.make(number: batch, update: update, randomness: randomness)
            guard witness.publicInputs.newRoot == update.newRoot else {
                throw ProverJobError.unprovable(batch: batch, reason: "the witness does not reach the update's new root")
            }
            let proof = try BatchProverV3.prove(witness: witness, options: options)
            return BatchProofEnvelope(
                v3SlotCount: witness.publicInputs.slotCount, traceLength: witness.air.traceLength, deposits: deposits,
                withdrawals: withdrawals, proof: proof
            ).encoded
        } catch let error as ProverJobError {
            throw error
        } catch {
            throw .unprovable(batch: batch, reason: "\(error)")
        }
    }
}
