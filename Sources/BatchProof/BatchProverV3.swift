import Stark
import StarkMath
import StateTree

/// Proves batches with the ``BatchAIRv3`` (multi-update).
public enum BatchProverV3 {
    /// Proves a witness (``BatchWitnessV3/make(number:update:randomness:minimumOperations:minimumTraceLength:)``);
    /// the debug constraint check runs first (and the bus inside the pipeline). Without
    /// `options`, those ``ProofOptions/recommended(forTraceLength:)`` for the witness's trace.
    public static func prove(
        witness: BatchWitnessV3, options: ProofOptions? = nil
    ) throws(BatchProofError) -> StarkProof {
        let options = options ?? .recommended(forTraceLength: witness.air.traceLength)
        let trace = try witness.trace
        do {
            return try StarkProver.prove(
                air: witness.air, trace: consume trace, publicInputs: witness.publicInputs.elements, options: options)
        } catch {
            throw .proofSystem(error)
        }
    }
}

/// Checks v3 batch proofs.
public enum BatchVerifierV3 {
    /// Returns normally only if `proof` proves the v3 batch statement for `publicInputs` on
    /// a trace of `traceLength` rows, with options meeting `minimum`.
    ///
    /// The trace length is the prover's choice (it must hold the batch's blocks); any
    /// length the AIR accepts is sound, since the bus fails unless every block is present
    /// exactly once. The security estimate is recomputed for it.
    public static func verify(
        proof: StarkProof, publicInputs: BatchPublicInputs, traceLength: Int, minimum: AcceptableOptions = .default
    ) throws(BatchProofError) {
        let slots = publicInputs.slotCount
        let deposits = publicInputs.deposits.count
        let withdrawals = publicInputs.withdrawals.count
        guard BatchAIRv3.isValid(
            traceLength: traceLength, slotCount: slots, depositCount: deposits, withdrawalCount: withdrawals)
        else {
            throw .invalidStatement(
                "a v3 batch of \(slots) operations (\(deposits) deposits, \(withdrawals) withdrawals) on \(traceLength) "
                    + "rows is not a shape the AIR accepts")
        }
        try publicInputs.checkNumberAndAmounts()
        do {
            try StarkVerifier.verify(
                proof: proof,
                air: BatchAIRv3(
                    traceLength: traceLength, slotCount: slots, depositCount: deposits, withdrawalCount: withdrawals),
                publicInputs: publicInputs.elements, minimum: minimum)
        } catch {
            throw .proofSystem(error)
        }
    }
}
