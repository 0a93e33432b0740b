import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct WitnessTests {
    @Test func sparseTreeMatchesTheRPOMerkleConventions() {
        let tree = Fixtures.tree()
        for slot in [0, 3, 5, 6, BatchWitness.paddingSlot] {
            let root = RPOMerkle.root(
                fromLeaf: tree.leaf(at: slot), index: UInt64(slot), siblings: tree.siblings(of: slot))
            #expect(root == tree.root)
        }
        #expect(SparseAccountTree().root == AccountTreeShape.emptySubtreeRoots[32])
        // Four leaves in slots 0…3: the root is the four-leaf subtree lifted through 30 empty levels.
        let leaves = Fixtures.accounts.prefix(4).map(\.digest)
        var expected = try! RPOMerkle.root(ofLeaves: leaves)
        for level in 2..<32 { expected = RPO256.merge(expected, AccountTreeShape.emptySubtreeRoots[level]) }
        var small = SparseAccountTree()
        for (slot, leaf) in leaves.enumerated() { small.setLeaf(leaf, at: slot) }
        #expect(small.root == expected)
    }

    @Test func validBatchSatisfiesTheConstraints() throws {
        let witness = try Fixtures.witness()
        try ConstraintChecker.check(air: witness.air, trace: witness.trace, publicInputs: witness.publicInputs.elements)
    }

    @Test func witnessAdvancesTheTreeToTheNewRoot() throws {
        var state = Fixtures.tree()
        let oldRoot = state.root
        let witness = try BatchWitness(batch: Fixtures.batch(), state: &state)
        #expect(witness.publicInputs.oldRoot == oldRoot)
        #expect(witness.publicInputs.newRoot == state.root)
        let sender = AccountLeaf(digest: state.leaf(at: 0))
        let original = Fixtures.accounts[0]
        #expect(sender.nonce == original.nonce + 1)
        #expect(
            sender.balance
                == original.balance - Fixtures.transfers[0].amount + Fixtures.transfers[2].amount)
        #expect(sender.key == original.key)
        #expect(sender.blinding != original.blinding)
        let untouched = AccountLeaf(digest: state.leaf(at: 4))
        #expect(untouched == Fixtures.accounts[4])
    }

    @Test func operationsCommitmentMatchesTheAuditorsRecomputation() throws {
        let witness = try Fixtures.witness()
        let recomputed = OperationsCommitment.compute(
            batchNumber: witness.publicInputs.batchNumber, slotCount: witness.publicInputs.slotCount,
            salt: witness.salt, operations: witness.operations)
        #expect(recomputed == witness.publicInputs.operationsCommitment)
        #expect(witness.operations.count == 4)
        #expect(witness.operations[3].kind == BatchOperation.paddingKind)
    }

    @Test func onlyPaddingLeavesTheRootUnchanged() throws {
        let witness = try Fixtures.witness([], slots: 2)
        #expect(witness.publicInputs.newRoot == witness.publicInputs.oldRoot)
        try ConstraintChecker.check(air: witness.air, trace: witness.trace, publicInputs: witness.publicInputs.elements)
    }

    @Test func selfTransferKeepsTheBalanceAndBumpsTheNonce() throws {
        var state = Fixtures.tree()
        let witness = try BatchWitness(
            batch: Fixtures.batch([Transfer(from: 2, to: 2, amount: 1_000_000)], slots: 1), state: &state)
        try ConstraintChecker.check(air: witness.air, trace: witness.trace, publicInputs: witness.publicInputs.elements)
        let leaf = AccountLeaf(digest: state.leaf(at: 2))
        #expect(leaf.balance == Fixtures.accounts[2].balance)
        #expect(leaf.nonce == Fixtures.accounts[2].nonce + 1)
    }

    @Test func invalidTransfersAreRefusedBeforeProving() {
        let balance = Fixtures.accounts[0].balance
        let cases: [(Batch, BatchProofError)] = [
            (
                Fixtures.batch([Transfer(from: 0, to: 1, amount: balance + 1)]),
                .insufficientBalance(slot: 0, balance: balance, amount: balance + 1)
            ),
            (Fixtures.batch([Transfer(from: 0, to: 1, amount: 1 << 62)]), .amountOutOfRange(1 << 62)),
            (Fixtures.batch([Transfer(from: 0, to: 9, amount: 1)]), .unknownAccount(slot: 9)),
            (Fixtures.batch([Transfer(from: 9, to: 0, amount: 0)]), .unknownAccount(slot: 9)),
            (Fixtures.batch([Transfer(from: 0, to: 1 << 32, amount: 1)]), .slotOutOfRange(1 << 32)),
            (Fixtures.batch(Fixtures.transfers, slots: 2), .invalidSlotCount(2, transfers: 3)),
            (Fixtures.batch(Fixtures.transfers, slots: 6), .invalidSlotCount(6, transfers: 3)),
        ]
        for (batch, expected) in cases {
            var state = Fixtures.tree()
            let before = state.root
            #expect(throws: expected) { try BatchWitness(batch: batch, state: &state) }
            #expect(state.root == before)
        }
    }

    @Test func receiverOverflowIsRefused() {
        var leaves = [Int: RPODigest]()
        leaves[0] = AccountLeaf(balance: 1 << 61, nonce: 0, key: 7, blinding: 1).digest
        leaves[1] = AccountLeaf(balance: (1 << 63) - 5, nonce: 0, key: 8, blinding: 2).digest
        var state = SparseAccountTree(leaves: leaves)
        #expect(throws: BatchProofError.balanceOverflow(slot: 1)) {
            try BatchWitness(
                batch: Batch(number: 1, slotCount: 1, transfers: [Transfer(from: 0, to: 1, amount: 5)]), state: &state)
        }
    }
}
