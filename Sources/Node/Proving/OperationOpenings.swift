import BatchProof
import Sequencer

/// The batches' operations openings (every operation and its salt), kept for transaction
/// disclosures (docs/DISCLOSURE.md).
///
/// The salts are drawn from the batch's witness randomness after the tree's blindings, so
/// rebuilding them needs the batch's tree update, which settlement discards once the L1
/// executes the batch. The opening is therefore kept as soon as a witness is built (for the
/// batch's statement, before it is committed, or for its proof after a restart): a record
/// through the store like every record (sealed), never discarded. A batch committed by a node
/// that did not keep one (an older version, or settlement without proofs) has none.
public enum OperationOpenings {
    /// Under proving's own namespace (`proof.`), so the sequencer's records are out of reach.
    static func key(_ number: UInt64) -> String { "proof.operations-opening.\(number)" }

    /// Keeps the opening of `witness`'s batch (a batch's witness is deterministic: keeping it
    /// again writes the same record).
    static func keep(_ witness: BatchWitnessV3, in batches: any SealedBatches) throws {
        let opening = OperationsOpening(witness: witness)
        try batches.keepRecords([key(opening.batchNumber): opening.encoded])
    }

    /// The kept opening of batch `number`, or nil if none was kept.
    public static func opening(ofBatch number: UInt64, in batches: any SealedBatches) throws -> OperationsOpening? {
        guard let bytes = try batches.record(key(number)) else { return nil }
        do {
            let opening = try OperationsOpening(decoding: bytes)
            guard opening.batchNumber == number else {
                throw NodeError.corruptRecord(
                    "the operations opening kept for batch \(number) is batch \(opening.batchNumber)'s")
            }
            return opening
        } catch let error as BatchProofError {
            throw NodeError.corruptRecord("the operations opening of batch \(number): \(error)")
        }
    }
}
