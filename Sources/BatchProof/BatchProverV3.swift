import Stark
import StarkMath
import StateTree

/// Proves batches with the ``BatchAIRv3`` (multi-update).
public enum BatchProverV3 {
    /// From this many rows a wide proof takes the compact options: a wide row opens 2.3
    /// times the columns at each query, so only the fewer queries keep a 2¹⁷-row wide proof
    /// within 256 KiB.
    public static let wideCompactFromTraceLength = 1 << 17

    /// Proves a witness (``BatchWitnessV3/make(number:update:randomness:minimumOperations:minimumTraceLength:layout:)``);
    /// the debug constraint check runs first (and the bus inside the pipeline). Without
    /// `options`, those ``ProofOptions/recommended(forTraceLength:)`` for the witness's
    /// trace, or in the wide layout ``ProofOptions/compact(forTraceLength:)`` from
    /// ``wideCompactFromTraceLength`` rows.
    public static func prove(
        witness: BatchWitnessV3, options: ProofOptions? = nil
    ) throws(BatchProofError) -> StarkProof {
        let length = witness.air.traceLength
        let options =
            options
            ?? (witness.air.mergeSlotsPerBlock > 0 && length >= wideCompactFromTraceLength
                ? .compact(forTraceLength: length) : .recommended(forTraceLength: length))
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
    /// The trace length and the layout are the prover's choice (the trace must hold the
    /// batch's blocks); any length and layout the AIR accepts is sound, since the bus fails
    /// unless every block is present exactly once. The layout is read from the proof's
    /// trace width (the transcript binds it by the AIR's identity); the security estimate
    /// is recomputed for it.
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
        guard let mergeSlots = BatchAIRv3.mergeSlots(forTraceWidth: proof.traceWidth, traceLength: traceLength) else {
            throw .invalidStatement(
                "a v3 batch proof of \(proof.traceWidth) columns on \(traceLength) rows is in neither layout the AIR has")
        }
        try publicInputs.checkNumberAndAmounts()
        do {
            try StarkVerifier.verify(
                proof: proof,
                air: BatchAIRv3(
                    traceLength: traceLength, slotCount: slots, depositCount: deposits, withdrawalCount: withdrawals,
                    mergeSlots: mergeSlots),
                publicInputs: publicInputs.elements, minimum: minimum)
        } catch {
            throw .proofSystem(error)
        }
    }
}
