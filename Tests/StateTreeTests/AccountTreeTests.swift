import StarkCrypto
import StarkMath
import StateTree
import Testing
import TestSupport


func randomLeaf(_ generator: inout SeededGenerator) -> RPODigest {
    RPODigest(
        .random(using: &generator), .random(using: &generator), .random(using: &generator), .random(using: &generator))
}

func altered(_ digest: RPODigest) -> RPODigest {
    RPODigest(digest.e0, digest.e1 + .one, digest.e2, digest.e3)
}

@Suite struct AccountTreeTests {
    func tree(leafCount: Int, seed: UInt64) throws -> (AccountTree, [RPODigest]) {
        var generator = SeededGenerator(seed: seed)
        let leaves = (0..<leafCount).map { _ in randomLeaf(&generator) }
        var tree = AccountTree()
        for leaf in leaves { try tree.append(leaf) }
        return (tree, leaves)
    }

    @Test func emptyTreeRootIsTheEmptySubtreeRootOfHeight32() throws {
        let roots = AccountTree.emptySubtreeRoots
        #expect(roots.count == 33)
        #expect(roots[0] == .zero)
        for height in 1...32 { #expect(roots[height] == RPO256.merge(roots[height - 1], roots[height - 1])) }
        #expect(AccountTree().root == roots[32])
        #expect(AccountTree().count == 0)
        #expect(try AccountTree.rebuilt(from: []).root == roots[32])
    }

    @Test func incrementalRootEqualsRebuiltRootAfterTenThousandRandomInsertsAndUpdates() throws {
        var generator = SeededGenerator(seed: 70)
        var tree = AccountTree()
        var leaves = [RPODigest]()
        for _ in 0..<10_000 {
            let leaf = randomLeaf(&generator)
            if leaves.isEmpty || generator.next() & 1 == 0 {
                let slot = try tree.append(leaf)
                #expect(slot == leaves.count)
                leaves.append(leaf)
            } else {
                let slot = Int(generator.next() % UInt64(leaves.count))
                try tree.update(slot: slot, to: leaf)
                leaves[slot] = leaf
            }
        }
        let rebuilt = try AccountTree.rebuilt(from: leaves)
        #expect(tree.count == leaves.count)
        #expect(tree.root == rebuilt.root)
        for slot in [0, leaves.count / 2, leaves.count - 1] {
            let proof = try tree.proof(for: slot)
            #expect(proof == (try rebuilt.proof(for: slot)))
            #expect(proof.verify(leaf: leaves[slot], root: tree.root))
        }
    }

    @Test func slotsAreAssignedSequentially() throws {
        var tree = AccountTree()
        var generator = SeededGenerator(seed: 71)
        for expected in 0..<5 { #expect(try tree.append(randomLeaf(&generator)) == expected) }
        #expect(try tree.append(contentsOf: [randomLeaf(&generator), randomLeaf(&generator)]) == 5..<7)
        #expect(tree.count == 7)
    }

    @Test func membershipProofsVerifyForEveryLeaf() throws {
        let (tree, leaves) = try tree(leafCount: 37, seed: 72)
        for (slot, leaf) in leaves.enumerated() {
            let proof = try tree.proof(for: slot)
            #expect(proof.index == slot)
            #expect(proof.siblings.count == 32)
            #expect(proof.verify(leaf: leaf, root: tree.root))
            #expect(try tree.leaf(at: slot) == leaf)
        }
    }

    @Test func tamperedProofsFail() throws {
        let (tree, leaves) = try tree(leafCount: 11, seed: 73)
        let slot = 6
        let proof = try tree.proof(for: slot)
        let root = tree.root
        #expect(proof.verify(leaf: leaves[slot], root: root))

        #expect(!proof.verify(leaf: altered(leaves[slot]), root: root), "changed leaf")
        #expect(!proof.verify(leaf: leaves[slot], root: altered(root)), "changed root")
        for level in 0..<32 {
            var siblings = proof.siblings
            siblings[level] = altered(siblings[level])
            #expect(
                !AccountTreeProof(index: slot, siblings: siblings).verify(leaf: leaves[slot], root: root),
                "sibling \(level)")
        }
        for index in [slot ^ 1, slot + 1, slot | (1 << 20), slot | (1 << 31)] {
            #expect(
                !AccountTreeProof(index: index, siblings: proof.siblings).verify(leaf: leaves[slot], root: root),
                "index \(index)")
        }
        let outOfRange = [slot + (1 << 32), -1]
        for index in outOfRange {
            let forged = AccountTreeProof(index: index, siblings: proof.siblings)
            #expect(forged.root(forLeaf: leaves[slot]) == nil, "index \(index)")
            #expect(!forged.verify(leaf: leaves[slot], root: root))
        }
        let shorter = AccountTreeProof(index: slot, siblings: Array(proof.siblings.dropLast()))
        #expect(shorter.root(forLeaf: leaves[slot]) == nil)
        #expect(!shorter.verify(leaf: leaves[slot], root: root), "31 siblings")
        let longer = AccountTreeProof(index: slot, siblings: proof.siblings + [AccountTree.emptySubtreeRoots[32]])
        #expect(!longer.verify(leaf: leaves[slot], root: root), "33 siblings")
        // The proof of one leaf does not prove another leaf.
        #expect(!proof.verify(leaf: leaves[slot + 1], root: root))
    }

    @Test func aPathProvesTheLeafBeforeAndAfterItsUpdate() throws {
        var (tree, leaves) = try tree(leafCount: 9, seed: 74)
        let oldRoot = tree.root
        let proof = try tree.proof(for: 4)
        let newLeaf = altered(leaves[4])
        try tree.update(slot: 4, to: newLeaf)
        leaves[4] = newLeaf
        #expect(tree.root != oldRoot)
        #expect(proof.root(forLeaf: newLeaf) == tree.root)
        #expect(try tree.proof(for: 4) == proof)
    }

    @Test func batchUpdateEqualsOneByOneUpdates() throws {
        var (batched, leaves) = try tree(leafCount: 70, seed: 75)
        var sequential = batched
        var generator = SeededGenerator(seed: 76)
        var changes = [(slot: Int, leaf: RPODigest)]()
        for _ in 0..<25 { changes.append((Int(generator.next() % 70), randomLeaf(&generator))) }
        changes.append((changes[0].slot, randomLeaf(&generator)))  // a repeated slot: the later leaf wins
        for change in changes {
            try sequential.update(slot: change.slot, to: change.leaf)
            leaves[change.slot] = change.leaf
        }
        try batched.update(changes)
        #expect(batched.root == sequential.root)
        #expect(batched.root == (try AccountTree.rebuilt(from: leaves).root))
        let appended = (0..<5).map { _ in randomLeaf(&generator) }
        try batched.append(contentsOf: appended)
        for leaf in appended { try sequential.append(leaf) }
        #expect(batched.root == sequential.root)
    }

    @Test func refusesUnassignedSlotsWithoutChangingTheTree() throws {
        var (tree, _) = try tree(leafCount: 3, seed: 77)
        let root = tree.root
        #expect(throws: AccountTreeError.unknownSlot(3, assigned: 3)) { try tree.update(slot: 3, to: .zero) }
        #expect(throws: AccountTreeError.unknownSlot(-1, assigned: 3)) { try tree.proof(for: -1) }
        #expect(throws: AccountTreeError.unknownSlot(9, assigned: 3)) { try tree.leaf(at: 9) }
        #expect(throws: AccountTreeError.unknownSlot(5, assigned: 3)) { try tree.update([(0, .zero), (5, .zero)]) }
        #expect(tree.root == root)
        #expect(try tree.leaf(at: 0) != .zero)
        #expect(AccountTreeError.unknownSlot(5, assigned: 3).description.contains("append"))
        #expect(AccountTreeError.full.description.contains("2^32"))
    }

    @Test func storesAboutTwoDigestsPerLeaf() throws {
        var generator = SeededGenerator(seed: 78)
        let leaves = (0..<4096).map { _ in randomLeaf(&generator) }
        let tree = try AccountTree.rebuilt(from: leaves)
        let digestBytes = MemoryLayout<RPODigest>.stride
        #expect(digestBytes == 32)
        #expect(tree.memoryFootprint >= 2 * 4095 * digestBytes)
        #expect(tree.memoryFootprint < 3 * 4096 * digestBytes)
    }

    @Test func parallelAndSerialRebuildsAgree() throws {
        var generator = SeededGenerator(seed: 79)
        let leaves = (0..<600).map { _ in randomLeaf(&generator) }
        let serial = try AccountTree.rebuilt(from: leaves, parallelism: .serial)
        let parallel = try AccountTree.rebuilt(from: leaves, parallelism: .automatic)
        #expect(serial.root == parallel.root)
    }
}
