import StarkCrypto
import StarkMath
import StateTree
import Testing
import TestSupport

/// A holder key for test account `n` of the native asset (keys are what the tree indexes by).
func holderKey(_ n: Int) -> Goldilocks {
    AccountLeaf.key(account: [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 19) + [UInt8(n >> 8)], asset: [UInt8](repeating: 0, count: 20))
}

let nativeAsset = AccountLeaf.assetID(of: [UInt8](repeating: 0, count: 20))

func deposit(_ n: Int, _ amount: UInt128) -> LeafOperation {
    LeafOperation(kind: .deposit, fromKey: holderKey(n), toKey: holderKey(n), asset: nativeAsset, amount: amount)
}

func transfer(_ from: Int, _ to: Int, _ amount: UInt128) -> LeafOperation {
    LeafOperation(kind: .transfer, fromKey: holderKey(from), toKey: holderKey(to), asset: nativeAsset, amount: amount)
}

@Suite struct AccountTreeTests {
    @Test func emptyTreeRootIsTheEmptySubtreeRootOfHeight31() throws {
        let roots = AccountTree.emptySubtreeRoots
        #expect(roots.count == 32)
        #expect(roots[0] == AccountLeaf.emptyDigest)
        for height in 1...31 { #expect(roots[height] == RPO256.merge(roots[height - 1], roots[height - 1])) }
        #expect(AccountTree().root == roots[31])
        #expect(try AccountTree(leaves: []).root == roots[31])
    }

    @Test func multiUpdateRootEqualsTheRootRebuiltFromItsLeavesOverManyRandomBatches() throws {
        var generator = SeededGenerator(seed: 72)
        var tree = AccountTree()
        var randomness = try WitnessRandomness.seeded(Array(repeating: 7, count: 32), label: "test")
        var funded = [Int]()
        for round in 0..<40 {
            var operations = [LeafOperation]()
            for _ in 0..<(1 + Int(generator.next() % 30)) {
                let n = Int(generator.next() % 3_000)
                operations.append(deposit(n, UInt128(1_000 + generator.next() % 1_000)))
                funded.append(n)
            }
            for _ in 0..<Int(generator.next() % 40) where !funded.isEmpty {
                let from = funded[Int(generator.next() % UInt64(funded.count))]
                operations.append(transfer(from, Int(generator.next() % 3_000), 1))
            }
            let before = tree
            let (update, written) = try tree.apply(operations, randomness: &randomness)
            #expect(update.oldRoot == before.root)
            #expect(update.newRoot == tree.root)
            #expect(Set(written.map(\.slot)).count == written.count)
            #expect(try update.oldNodes().count == AccountTree.depth, "round \(round)")
            #expect(try AccountTree(leaves: tree.leaves).root == tree.root, "round \(round)")
        }
        for slot in [0, tree.count / 2, tree.count - 1] {
            #expect(AccountTree.verify(leaf: tree.leaf(at: slot), slot: slot, siblings: tree.siblings(of: slot), root: tree.root))
            #expect(!AccountTree.verify(leaf: tree.leaf(at: slot + 1), slot: slot, siblings: tree.siblings(of: slot), root: tree.root))
        }
    }

    @Test func slotsAreAssignedInOperationOrderAndNeverTheLastSlot() throws {
        var tree = AccountTree()
        var randomness = WitnessRandomness.system
        _ = try tree.apply([deposit(5, 10), deposit(3, 10), transfer(5, 9, 4)], randomness: &randomness)
        #expect(tree.slot(ofKey: holderKey(5)) == 0)
        #expect(tree.slot(ofKey: holderKey(3)) == 1)
        #expect(tree.slot(ofKey: holderKey(9)) == 2)
        #expect(tree.leaf(forKey: holderKey(5))?.balance == 6)
        #expect(tree.leaf(forKey: holderKey(5))?.nonce == .one, "a holder debit counts in the leaf's nonce")
        #expect(tree.leaf(forKey: holderKey(9))?.balance == 4)
        #expect(tree.leaf(at: AccountTree.paddingSlot) == .empty)
    }

    @Test func aRefusedBatchLeavesTheTreeUnchanged() throws {
        var tree = AccountTree()
        var randomness = WitnessRandomness.system
        _ = try tree.apply([deposit(1, 10)], randomness: &randomness)
        let before = tree
        #expect(throws: AccountTreeError.self) { try tree.apply([deposit(2, 5), transfer(1, 2, 11)], randomness: &randomness) }
        #expect(throws: AccountTreeError.unknownHolder("the leaf with key \(holderKey(4).value)")) {
            try tree.apply([transfer(4, 1, 1)], randomness: &randomness)
        }
        #expect(throws: AccountTreeError.self) {
            try tree.apply([deposit(1, AccountLeaf.balanceBound - 5)], randomness: &randomness)
        }
        #expect(tree.root == before.root)
        #expect(tree.count == before.count)
    }

    @Test func storedUpdateRoundTripsAndRefusesTamperedLeavesOrSiblings() throws {
        var tree = AccountTree()
        var randomness = WitnessRandomness.system
        _ = try tree.apply((0..<200).map { deposit($0, 100) }, randomness: &randomness)
        let (update, _) = try tree.apply([transfer(3, 150, 7), transfer(199, 250, 1), deposit(400, 1)], randomness: &randomness)
        let decoded = try TreeCodec.decodeUpdate(TreeCodec.encode(update))
        #expect(decoded == update)
        #expect(try decoded.oldNodes()[0].count >= 3)

        var tamperedLeaf = update
        tamperedLeaf.oldLeaves[0].leaf.balanceLow += .one
        #expect(throws: AccountTreeError.self) { try tamperedLeaf.oldNodes() }
        var tamperedSibling = update
        tamperedSibling.siblings[0].digest = RPODigest(.one, .one, .one, .one)
        #expect(throws: AccountTreeError.self) { try tamperedSibling.oldNodes() }
        var droppedSibling = update
        droppedSibling.siblings.removeLast()
        #expect(throws: AccountTreeError.self) { try droppedSibling.oldNodes() }

        var bytes = TreeCodec.encode(update)
        bytes.removeLast()
        #expect(throws: AccountTreeError.self) { try TreeCodec.decodeUpdate(bytes) }
        #expect(throws: AccountTreeError.self) { try TreeCodec.decodeUpdate([2] + TreeCodec.encode(update).dropFirst()) }
    }

    @Test func storedLeafRoundTripsAndRefusesNonCanonicalElements() throws {
        let leaf = AccountLeaf(balance: 12345, nonce: 3, key: holderKey(1), asset: nativeAsset, blinding: Goldilocks(reducing: 99))
        #expect(try TreeCodec.decodeLeaf(TreeCodec.encode(leaf)) == leaf)
        #expect(throws: AccountTreeError.self) { try TreeCodec.decodeLeaf(Array(repeating: 0xFF, count: 48)) }
        #expect(throws: AccountTreeError.self) { try TreeCodec.decodeLeaf(Array(TreeCodec.encode(leaf).dropLast())) }
    }

    @Test func treeRebuiltFromLeavesRefusesAnEmptyOrDuplicatedKey() throws {
        let leaf = AccountLeaf(balance: 1, nonce: 0, key: holderKey(1), asset: nativeAsset, blinding: .one)
        #expect(throws: AccountTreeError.self) { try AccountTree(leaves: [leaf, leaf]) }
        #expect(throws: AccountTreeError.self) { try AccountTree(leaves: [leaf, .empty]) }
    }

    /// The distinct internal nodes (levels 1…31) above `slots`.
    func touchedNodes(_ slots: Set<Int>) -> Int {
        (1...AccountTree.depth).reduce(0) { total, level in total + Set(slots.map { $0 >> level }).count }
    }

    @Test func touchedNodeBoundHoldsForAnySpreadOfLeavesAndIsExactForAFullTree() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let populated = Int.random(in: 1...5_000, using: &generator)
            let touched = Set((0..<Int.random(in: 1...populated, using: &generator)).map { _ in
                Int.random(in: 0..<populated, using: &generator)
            })
            #expect(touchedNodes(touched) <= AccountTree.touchedNodeBound(leaves: touched.count, populated: populated))
        }
        // Every slot touched: every node over them, and the bound is that count.
        for populated in [1, 2, 3, 1_000, 1_024, 4_097] {
            #expect(
                AccountTree.touchedNodeBound(leaves: populated, populated: populated) == touchedNodes(Set(0..<populated)))
        }
        // A bound below the touched leaves' own count of slots is raised to it.
        #expect(AccountTree.touchedNodeBound(leaves: 8, populated: 0) == touchedNodes(Set(0..<8)))
        #expect(AccountTree.touchedNodeBound(leaves: 0, populated: 100) == 0)
    }
}
