import Foundation
import Sequencer
import SequencerTestSupport
import Testing

/// Settlement and proving reach the sequencer only through `SealedBatches`: they keep their
/// own records beside the chain's, and cannot read or overwrite the sequencer's.
@Suite struct SealedBatchesTests {
    @Test(arguments: ["batch.open", "batch.latest", "batch.open.contents", "batch.3.contents", "chain.id", "policy.history",
                      "batch..proof", "batch.x.proof", "batch.1.proof.extra", "settlement", ""])
    func refusesKeysOutsideTheCallersNamespaces(_ key: String) async throws {
        let chain = try await ChainFixture().openChain()
        let batches: any SealedBatches = chain
        #expect(throws: NodeError.self) { try batches.record(key) }
        #expect(throws: NodeError.self) { try batches.keepRecords([key: [1]]) }
    }

    @Test func keepsSettlementAndProofRecordsAndWritesNothingWhenOneKeyIsRefused() async throws {
        let chain = try await ChainFixture().openChain()
        let batches: any SealedBatches = chain
        let before = try #require(try chain.batch(number: 0))
        try batches.keepRecords(["settlement.batch.1": [1], "proof.worker": [2], "batch.7.proof": [3]])
        #expect(try batches.record("settlement.batch.1") == [1])
        #expect(try batches.record("proof.worker") == [2])
        // The state tree's seed is readable by the prover (its witnesses derive blindings from it), never writable.
        let seed = try #require(try batches.record("proof.witness-seed"))
        #expect(seed.count == 32)
        #expect(throws: NodeError.self) { try batches.keepRecords(["proof.witness-seed": [0]]) }
        #expect(try batches.record("proof.witness-seed") == seed)
        #expect(try batches.record("batch.7.proof") == [3])

        // A batch of records with one foreign key is refused whole: the good key is not written either.
        #expect(throws: NodeError.self) {
            try batches.keepRecords(["settlement.batch.2": [9], "batch.latest": [0]])
        }
        #expect(try batches.record("settlement.batch.2") == nil)
        #expect(try chain.batch(number: 0) == before)
    }
}
