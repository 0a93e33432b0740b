import Foundation
import Ledger
import Logging
import StarkMath
import Primitives
import SequencerTestSupport
import StateTree
import Store
import Testing
import Transactions

@testable import Sequencer

/// The one state tree as the sequencer keeps it: roots in headers and batch records, stored
/// leaves and per-batch updates, restored without replay.
@Suite struct StateTreeCommitmentTests {
    /// Three batches of native and token transfers (new recipients included), tree followed.
    static func chainWithBatches(_ fixture: ChainFixture) async throws -> Chain {
        let chain = try await fixture.openChain()
        let commitment = Task { try await chain.runStateCommitment() }
        let newcomer = try PrivateKey(bytes: Array(repeating: 0x5A, count: 32)).address
        for nonce in 0..<6 {
            _ = try await chain.submit(
                raw: fixture.tokenTransfer(from: fixture.alice, to: nonce % 2 == 0 ? fixture.carol.address : newcomer, amount: 10, nonce: UInt64(nonce)))
            _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: UInt64(nonce)))
            try await chain.produceBlock()
        }
        await chain.awaitBatch(3)
        // One more block, made once batch 3's root is recorded.
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 5, nonce: 6))
        try await chain.produceBlock()
        await chain.finishStateCommitment()
        try await commitment.value
        return chain
    }

    @Test func batchRootsChainThroughTheirStoredUpdatesAndHeadersCarryTheLatestRecordedRoot() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 2)
        let chain = try await Self.chainWithBatches(fixture)
        let latest = await chain.latestBatch
        #expect(latest.number == 3)
        var roots = [try #require(try chain.batch(number: 0)).stateRoot]
        for number in 1...latest.number {
            let record = try #require(try chain.batch(number: number))
            let update = try chain.treeUpdate(number)
            #expect(Hash32(rpo: update.oldRoot) == roots.last, "batch \(number) starts where the previous ended")
            #expect(Hash32(rpo: update.newRoot) == record.stateRoot)
            #expect(!update.operations.isEmpty)
            _ = try update.oldNodes()
            roots.append(record.stateRoot)
        }
        #expect(Set(roots).count == roots.count, "every batch moved value, so every root differs")
        #expect(await chain.genesisStateRoot == roots[0])
        // A header carries the newest root recorded when its block was made: one of the batch roots, never going back.
        var lastIndex = 0
        for number in 0...(await chain.head.header.number) {
            let header = try #require(try chain.block(number: number)).header
            let index = try #require(roots.firstIndex(of: header.stateRoot), "block \(number) carries a batch root")
            #expect(index >= lastIndex)
            lastIndex = index
        }
        #expect(lastIndex == 3, "the block made after batch 3 was recorded carries its root")
        #expect(throws: NodeError.self) { try chain.treeUpdate(4) }
    }

    @Test func restartReadsTheStoredTreeAndAReplayFromGenesisReachesTheSameTree() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 2)
        let before = try await Self.chainWithBatches(fixture)
        let root = await before.currentStateRoot()
        let latest = await before.latestBatch

        let store = try fixture.openStore()
        let (stored, head) = try #require(try StoredStateTree.load(from: store))
        #expect(Hash32(rpo: stored.root) == latest.stateRoot)
        #expect(head.batch == latest.number)
        let seed = try StoredStateTree.seed(in: store)
        let (replayed, replayedHead, records) = try Chain.replayStateTree(
            config: fixture.config, store: store, through: latest.number, seed: seed)
        #expect(replayed.root == stored.root, "the one-time upgrade replay reproduces the stored tree")
        #expect(replayed.leaves == stored.leaves)
        #expect(replayedHead == head)
        #expect(records[StoredStateTree.updateKey(3)] == (try store.metadata(StoredStateTree.updateKey(3))))

        let reopened = try await fixture.openChain()
        #expect(await reopened.currentStateRoot() == root)
        #expect(await reopened.latestBatch == latest)
    }

    @Test func aDiscardedTreeUpdateIsRefusedWithItsReasonAndOthersStay() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 2)
        let chain = try await Self.chainWithBatches(fixture)
        try chain.discardTreeUpdate(1)
        try chain.discardTreeUpdate(9)  // not sealed: nothing to drop
        let refusal = #expect(throws: NodeError.self) { try chain.treeUpdate(1) }
        #expect(refusal?.description.contains("discarded: the batch is executed on the L1") == true)
        #expect(try chain.treeUpdate(2).oldRoot != chain.treeUpdate(3).oldRoot)
        #expect(throws: NodeError.self) { try chain.treeUpdate(9) }
    }

    @Test func aDamagedStoredLeafStopsTheChainFromOpening() async throws {
        let fixture = try ChainFixture(maxBlocksPerBatch: 2)
        _ = try await Self.chainWithBatches(fixture)
        let store = try fixture.openStore()
        var leaf = try TreeCodec.decodeLeaf(try #require(try store.metadata(StoredStateTree.leafKey(1))))
        leaf.balanceLow += .one
        try store.putMetadata([StoredStateTree.leafKey(1): TreeCodec.encode(leaf)])
        await #expect(throws: NodeError.self) { try await fixture.openChain() }
    }
}
