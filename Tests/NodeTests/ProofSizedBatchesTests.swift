import BatchProof
import NodeTestSupport
import Primitives
import Sequencer
import StateTree
import Testing

/// Batches are sized by what their proof costs (`batch.max_proof_rows`), not only by their
/// count of operations: the sequencer's estimate must bound the trace the prover builds.
@Suite(.serialized) struct ProofSizedBatchesTests {
    /// Produces blocks until the mempool is empty, then lets the state tree follow.
    func drain(_ chain: Chain) async throws {
        while await chain.pendingCount > 0 {
            try await chain.produceBlocks(maximumBlocks: 32)
        }
        await chain.awaitStateCommitment(through: await chain.head.header.number)
    }

    /// The trace length the batch AIR needs for sealed batch `number`, from its stored tree update.
    func traceLength(of number: UInt64, in chain: Chain) throws -> Int {
        let seed = try #require(try chain.record("proof.witness-seed"))
        let randomness = try WitnessRandomness.seeded(seed, label: "batch \(number)")
        return try BatchWitnessV3.make(number: number, update: try chain.treeUpdate(number), randomness: randomness)
            .air.traceLength
    }

    /// The leaf operations (here: transfers) of sealed batch `number`.
    func operations(of number: UInt64, in chain: Chain) throws -> Int { try chain.treeUpdate(number).operations.count }

    @Test func transfersToManyNewAccountsAreSealedBeforeTheirProofOutgrowsTheBudget() async throws {
        let budget = 1 << 16
        let fixture = try ChainFixture(maxBlocksPerBatch: 1_000, maxBatchOperations: 4_096, maxProofRows: budget)
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        // Every transfer credits an account the tree has never seen: two leaves and a fresh
        // path each, so the proof's rows, not the 4,096 operations, bound the batch.
        let senders = [fixture.alice, fixture.bob, fixture.carol, fixture.issuer]
        for nonce in 0..<750 as Range<UInt64> {
            for sender in senders {
                _ = try await chain.submit(
                    raw: fixture.nativeTransfer(from: sender, to: PrivateKey.generate().address, amount: 1, nonce: nonce))
            }
        }
        try await drain(chain)
        let sealed = await chain.latestBatch.number
        #expect(sealed >= 1, "3,000 transfers over new accounts do not fit one 2^16-row proof")
        for number in 1...sealed {
            let length = try traceLength(of: number, in: chain)
            #expect(length <= budget, "batch \(number) needs \(length) rows, more than the budget")
            #expect(try operations(of: number, in: chain) < 4_096, "batch \(number) was cut by cost, not by its count")
        }
        // The estimate is an upper bound, but not so loose that it wastes most of the budget.
        #expect(try operations(of: 1, in: chain) > 1_500)
    }

    @Test func transfersAmongAFewAccountsFillWholeBatchesWithinTheBudget() async throws {
        let budget = 1 << 16
        let fixture = try ChainFixture(maxBlocksPerBatch: 1_000, maxBatchOperations: 1_024, maxProofRows: budget)
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let pairs = [(fixture.alice, fixture.bob), (fixture.bob, fixture.carol), (fixture.carol, fixture.alice)]
        for nonce in 0..<400 as Range<UInt64> {
            for (from, to) in pairs {
                _ = try await chain.submit(raw: fixture.nativeTransfer(from: from, to: to.address, amount: 1, nonce: nonce))
            }
        }
        try await drain(chain)
        // Sealed by `max_operations` (a block is not started unless two more operations fit).
        #expect(try operations(of: 1, in: chain) >= 1_022)
        #expect(try traceLength(of: 1, in: chain) <= budget)
    }

    @Test func withoutABudgetBatchesAreCutByTheirCountAlone() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 1_000, maxBatchOperations: 2_048, maxProofRows: nil)
        let chain = try await fixture.openChain()
        let tracker = Task { try await chain.runStateCommitment() }
        defer { tracker.cancel() }
        let senders = [fixture.alice, fixture.bob, fixture.carol, fixture.issuer]
        for nonce in 0..<600 as Range<UInt64> {
            for sender in senders {
                _ = try await chain.submit(
                    raw: fixture.nativeTransfer(from: sender, to: PrivateKey.generate().address, amount: 1, nonce: nonce))
            }
        }
        try await drain(chain)
        #expect(try operations(of: 1, in: chain) >= 2_046, "a chain without a prover cuts batches by count alone")
    }
}
