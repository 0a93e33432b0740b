import Stark
import StarkCrypto
import StarkMath
import StateTree

/// Proves batches with the ``BatchAIR``.
public enum BatchProver {
    /// Proves a witness (``BatchBuilder/witness(minimumSlots:)``); the debug constraint
    /// check runs first, so a witness that breaks the statement is refused here.
    /// - Parameter options: Stark's defaults (cubic extension, blowup 8, 57 queries,
    ///   20 grinding bits: ≥ 100 proven bits from 4 slots up).
    public static func prove(
        witness: BatchWitness, options: ProofOptions = .default
    ) throws(BatchProofError) -> StarkProof {
        let trace = try witness.trace
        do {
            return try StarkProver.prove(
                air: witness.air, trace: consume trace, publicInputs: witness.publicInputs.elements, options: options)
        } catch {
            throw .proofSystem(error)
        }
    }
}

/// Checks batch proofs.
public enum BatchVerifier {
    /// Returns normally only if `proof` proves the batch statement for `publicInputs` with
    /// options meeting `minimum` (by default ≥ 100 proven and conjectured bits).
    /// - Throws: ``BatchProofError/invalidStatement(_:)`` for malformed public inputs,
    ///   ``BatchProofError/proofSystem(_:)`` naming the failed check.
    public static func verify(
        proof: StarkProof, publicInputs: BatchPublicInputs, minimum: AcceptableOptions = .default
    ) throws(BatchProofError) {
        let slots = publicInputs.slotCount
        let deposits = publicInputs.deposits.count
        let withdrawals = publicInputs.withdrawals.count
        guard slots >= 1, slots & (slots - 1) == 0, slots <= BatchWitness.maximumSlotCount else {
            throw .invalidSlotCount(slots, operations: deposits + withdrawals)
        }
        guard deposits + withdrawals < slots else {
            throw .invalidStatement(
                "\(deposits) deposits and \(withdrawals) withdrawals do not fit \(slots) slots with a middle slot left")
        }
        try publicInputs.checkNumberAndAmounts()
        do {
            try StarkVerifier.verify(
                proof: proof,
                air: BatchAIR(slotCount: slots, depositCount: deposits, withdrawalCount: withdrawals),
                publicInputs: publicInputs.elements, minimum: minimum)
        } catch {
            throw .proofSystem(error)
        }
    }
}

extension BatchPublicInputs {
    /// What both AIRs' verifiers check before the proof: a batch number below 2⁶³ and every
    /// public amount below 2¹²⁴.
    func checkNumberAndAmounts() throws(BatchProofError) {
        guard batchNumber < 1 << 63 else { throw .invalidBatchNumber(batchNumber) }
        let amounts = deposits.map(\.amount) + withdrawals.map(\.amount)
        if let large = amounts.first(where: { $0 >= AccountLeaf.balanceBound }) { throw .amountOutOfRange(large) }
    }
}
