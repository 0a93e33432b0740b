import Primitives
import StarkCrypto
import StarkMath
import Testing
import TestSupport

@Suite struct MerkleTreeTests {
    let rowWidth = 5
    let leafCount = 16

    func randomRows(count: Int, width: Int, seed: UInt64) -> [Goldilocks] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count * width).map { _ in Goldilocks.random(using: &generator) }
    }

    func smallTree() throws -> (tree: MerkleTree, rows: [Goldilocks]) {
        let rows = randomRows(count: leafCount, width: rowWidth, seed: 50)
        return (try MerkleTree(rows: rows, rowWidth: rowWidth), rows)
    }

    func row(_ rows: [Goldilocks], _ index: Int) -> [Goldilocks] {
        Array(rows[(index * rowWidth)..<((index + 1) * rowWidth)])
    }

    func flipped(_ digest: Hash32) -> Hash32 {
        var bytes = digest.bytes
        bytes[7] ^= 0x40
        return try! Hash32(bytes)
    }

    // MARK: - Single paths

    @Test func everyLeafOfASmallTreeHasAVerifyingPath() throws {
        let (tree, rows) = try smallTree()
        #expect(tree.depth == 4)
        for index in 0..<leafCount {
            let leaf = MerkleTree.hashLeaf(row(rows, index))
            #expect(try tree.leaf(at: index) == leaf)
            let path = try tree.path(for: index)
            #expect(path.siblings.count == 4)
            try path.verify(leaf: leaf, root: tree.root, leafCount: leafCount)
        }
    }

    @Test func leavesWrittenInPlaceGiveTheSameTreeAsALeafArray() throws {
        let rows = randomRows(count: leafCount, width: rowWidth, seed: 31)
        let reference = try MerkleTree(rows: rows, rowWidth: rowWidth)
        let leaves = (0..<leafCount).map { try! reference.leaf(at: $0) }
        let inPlace = try MerkleTree(leafCount: leafCount) { output in
            // Written out of order, as a coset-by-coset commitment writes them.
            for k in 0..<4 { for i in stride(from: k, to: leafCount, by: 4) { output[i] = leaves[i] } }
        }
        #expect(inPlace.root == reference.root)
        #expect(try inPlace.multiProof(for: [1, 6, 13]) == reference.multiProof(for: [1, 6, 13]))
        #expect(throws: MerkleError.leafCountNotPowerOfTwo(12)) { try MerkleTree(leafCount: 12) { _ in } }
    }

    @Test func rejectsChangedLeaf() throws {
        let (tree, rows) = try smallTree()
        var changed = row(rows, 3)
        changed[0] = changed[0] + .one
        let path = try tree.path(for: 3)
        #expect(throws: MerkleError.rootMismatch) {
            try path.verify(leaf: MerkleTree.hashLeaf(changed), root: tree.root, leafCount: leafCount)
        }
    }

    @Test func rejectsTamperedSibling() throws {
        let (tree, rows) = try smallTree()
        let leaf = MerkleTree.hashLeaf(row(rows, 6))
        let path = try tree.path(for: 6)
        for level in 0..<path.siblings.count {
            var siblings = path.siblings
            siblings[level] = flipped(siblings[level])
            #expect(throws: MerkleError.rootMismatch) {
                try MerklePath(index: 6, siblings: siblings).verify(leaf: leaf, root: tree.root, leafCount: leafCount)
            }
        }
    }

    @Test func rejectsWrongIndex() throws {
        let (tree, rows) = try smallTree()
        let leaf = MerkleTree.hashLeaf(row(rows, 6))
        let path = try tree.path(for: 6)
        for index in [7, 4, 14] {
            #expect(throws: MerkleError.rootMismatch) {
                try MerklePath(index: index, siblings: path.siblings).verify(
                    leaf: leaf, root: tree.root, leafCount: leafCount)
            }
        }
        for index in [leafCount, leafCount + 6, -1] {
            #expect(throws: MerkleError.indexOutOfRange(index: index, leafCount: leafCount)) {
                try MerklePath(index: index, siblings: path.siblings).verify(
                    leaf: leaf, root: tree.root, leafCount: leafCount)
            }
        }
        #expect(throws: MerkleError.indexOutOfRange(index: leafCount, leafCount: leafCount)) {
            try tree.path(for: leafCount)
        }
    }

    @Test func rejectsWrongPathLength() throws {
        let (tree, rows) = try smallTree()
        let leaf = MerkleTree.hashLeaf(row(rows, 2))
        let path = try tree.path(for: 2)
        let shorter = MerklePath(index: 2, siblings: Array(path.siblings.dropLast()))
        #expect(throws: MerkleError.wrongPathLength(expected: 4, actual: 3)) {
            try shorter.verify(leaf: leaf, root: tree.root, leafCount: leafCount)
        }
        let longer = MerklePath(index: 2, siblings: path.siblings + [tree.root])
        #expect(throws: MerkleError.wrongPathLength(expected: 4, actual: 5)) {
            try longer.verify(leaf: leaf, root: tree.root, leafCount: leafCount)
        }
        #expect(throws: MerkleError.leafCountNotPowerOfTwo(12)) {
            try path.verify(leaf: leaf, root: tree.root, leafCount: 12)
        }
    }

    // MARK: - Domain separation

    @Test func leafAndNodeHashesAreDomainSeparated() throws {
        let rows = randomRows(count: 1, width: 8, seed: 51)
        var leafBytes: [UInt8] = [0x00]
        for element in rows { leafBytes += element.littleEndianBytes }
        #expect(MerkleTree.hashLeaf(rows) == SHA256.hash(leafBytes))

        let left = SHA256.hash([UInt8]("left".utf8))
        let right = SHA256.hash([UInt8]("right".utf8))
        #expect(MerkleTree.hashNode(left, right) == SHA256.hash([0x01] + left.bytes + right.bytes))

        // The same 64 bytes hashed as a leaf and as a node give different digests.
        let childBytes = rows.flatMap(\.littleEndianBytes)
        let asLeft = try Hash32(childBytes[0..<32])
        let asRight = try Hash32(childBytes[32..<64])
        #expect(MerkleTree.hashLeaf(rows) != MerkleTree.hashNode(asLeft, asRight))
    }

    @Test func innerNodeCannotBeOpenedAsALeaf() throws {
        let (tree, _) = try smallTree()
        // The parent of leaves 0 and 1, presented as leaf 0 of a tree with half as many
        // leaves, with the upper part of leaf 0's path.
        let fullPath = try tree.path(for: 0)
        let innerNode = MerkleTree.hashNode(try tree.leaf(at: 0), fullPath.siblings[0])
        let upperPath = MerklePath(index: 0, siblings: Array(fullPath.siblings.dropFirst()))
        // The arithmetic of the tree closes…
        #expect(throws: Never.self) { try upperPath.verify(leaf: innerNode, root: tree.root, leafCount: leafCount / 2) }
        // …but the verifier's own leaf count fixes the depth, so the shortened path fails.
        #expect(throws: MerkleError.wrongPathLength(expected: 4, actual: 3)) {
            try upperPath.verify(leaf: innerNode, root: tree.root, leafCount: leafCount)
        }
    }

    // MARK: - Salts and layouts

    @Test func saltedLeavesChangeTheRootAndStillVerify() throws {
        let rows = randomRows(count: leafCount, width: rowWidth, seed: 52)
        var generator = SeededGenerator(seed: 53)
        let salts = (0..<leafCount).map { _ in
            try! Hash32((0..<32).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        let plain = try MerkleTree(rows: rows, rowWidth: rowWidth)
        let salted = try MerkleTree(rows: rows, rowWidth: rowWidth, salts: salts)
        #expect(plain.root != salted.root)
        let leaf = MerkleTree.hashLeaf(row(rows, 9), salt: salts[9])
        #expect(leaf != MerkleTree.hashLeaf(row(rows, 9)))
        try salted.path(for: 9).verify(leaf: leaf, root: salted.root, leafCount: leafCount)
        #expect(throws: MerkleError.wrongSaltCount(expected: leafCount, actual: 3)) {
            try MerkleTree(rows: rows, rowWidth: rowWidth, salts: Array(salts.prefix(3)))
        }
    }

    @Test func columnMajorAndRowMajorInputsCommitToTheSameRows() throws {
        let rows = randomRows(count: leafCount, width: rowWidth, seed: 54)
        let columns = (0..<rowWidth).map { column in (0..<leafCount).map { rows[$0 * rowWidth + column] } }
        #expect(try MerkleTree(columns: columns).root == MerkleTree(rows: rows, rowWidth: rowWidth).root)
    }

    @Test func parallelAndSerialBuildsGiveTheSameRoot() throws {
        let rows = randomRows(count: 2048, width: 3, seed: 55)
        let serial = try MerkleTree(rows: rows, rowWidth: 3, parallelism: .serial)
        let parallel = try MerkleTree(rows: rows, rowWidth: 3, parallelism: .automatic)
        #expect(serial.root == parallel.root)
    }

    @Test func refusesMalformedShapes() throws {
        #expect(throws: MerkleError.leafCountNotPowerOfTwo(3)) {
            try MerkleTree(leaves: [Hash32](repeating: .zero, count: 3))
        }
        #expect(throws: MerkleError.leafCountNotPowerOfTwo(0)) { try MerkleTree(leaves: []) }
        #expect(throws: MerkleError.ragged(elements: 7, rowWidth: 2)) {
            try MerkleTree(rows: [Goldilocks](repeating: 1, count: 7), rowWidth: 2)
        }
        let single = try MerkleTree(leaves: [SHA256.hash([UInt8]([1]))])
        #expect(single.depth == 0 && single.root == SHA256.hash([UInt8]([1])))
        try single.path(for: 0).verify(leaf: single.root, root: single.root, leafCount: 1)
    }

    // MARK: - Batched openings

    @Test func multiProofsVerifyForManyIndexSets() throws {
        let (tree, rows) = try smallTree()
        var generator = SeededGenerator(seed: 56)
        var sets: [[Int]] = [[0], [15], [0, 1], [1, 2], Array(0..<16), [3, 3, 9], [12, 4, 8, 0]]
        for _ in 0..<20 {
            sets.append((0..<Int(generator.next() % 8 + 1)).map { _ in Int(generator.next() % 16) })
        }
        for indices in sets {
            let proof = try tree.multiProof(for: indices)
            let leaves = indices.map { MerkleTree.hashLeaf(row(rows, $0)) }
            try proof.verify(root: tree.root, leafCount: leafCount, indices: indices, leaves: leaves)
        }
    }

    @Test func multiProofSharesSiblings() throws {
        let (tree, _) = try smallTree()
        #expect(try tree.multiProof(for: [0]).siblings.count == 4)
        #expect(try tree.multiProof(for: [0, 1]).siblings.count == 3)
        #expect(try tree.multiProof(for: [0, 1, 2, 3]).siblings.count == 2)
        #expect(try tree.multiProof(for: Array(0..<16)).siblings.isEmpty)
        // Opposite halves share only the root: three siblings each below the top pair.
        #expect(try tree.multiProof(for: [0, 15]).siblings.count == 6)
        #expect(try tree.multiProof(for: [5, 5, 5]) == tree.multiProof(for: [5]))
    }

    @Test func multiProofRejectsEveryTampering() throws {
        let (tree, rows) = try smallTree()
        let indices = [2, 5, 11]
        let leaves = indices.map { MerkleTree.hashLeaf(row(rows, $0)) }
        let proof = try tree.multiProof(for: indices)
        let root = tree.root

        for k in proof.siblings.indices {
            var siblings = proof.siblings
            siblings[k] = flipped(siblings[k])
            #expect(throws: MerkleError.rootMismatch) {
                try MerkleMultiProof(siblings: siblings).verify(
                    root: root, leafCount: leafCount, indices: indices, leaves: leaves)
            }
        }
        var changedLeaves = leaves
        changedLeaves[1] = flipped(changedLeaves[1])
        #expect(throws: MerkleError.rootMismatch) {
            try proof.verify(root: root, leafCount: leafCount, indices: indices, leaves: changedLeaves)
        }
        #expect(throws: MerkleError.rootMismatch) {
            try proof.verify(root: root, leafCount: leafCount, indices: [2, 5, 10], leaves: leaves)
        }
        #expect(throws: MerkleError.missingSiblings(supplied: proof.siblings.count - 1)) {
            try MerkleMultiProof(siblings: Array(proof.siblings.dropLast()))
                .verify(root: root, leafCount: leafCount, indices: indices, leaves: leaves)
        }
        #expect(throws: MerkleError.unusedSiblings(used: proof.siblings.count, supplied: proof.siblings.count + 1)) {
            try MerkleMultiProof(siblings: proof.siblings + [root])
                .verify(root: root, leafCount: leafCount, indices: indices, leaves: leaves)
        }
        #expect(throws: MerkleError.indexOutOfRange(index: 16, leafCount: leafCount)) {
            try proof.verify(root: root, leafCount: leafCount, indices: [2, 5, 16], leaves: leaves)
        }
        #expect(throws: MerkleError.conflictingLeaves(index: 5)) {
            try proof.verify(
                root: root, leafCount: leafCount, indices: indices + [5], leaves: leaves + [flipped(leaves[1])])
        }
        #expect(throws: MerkleError.leafCountMismatch(indices: 3, leaves: 2)) {
            try proof.verify(root: root, leafCount: leafCount, indices: indices, leaves: Array(leaves.prefix(2)))
        }
        #expect(throws: MerkleError.noLeavesOpened) {
            try proof.verify(root: root, leafCount: leafCount, indices: [], leaves: [])
        }
        // A verifier that believes in a different tree size rejects the same proof.
        #expect(throws: MerkleError.self) {
            try proof.verify(root: root, leafCount: leafCount * 2, indices: indices, leaves: leaves)
        }
        #expect(throws: MerkleError.noLeavesOpened) { try tree.multiProof(for: []) }
    }
}
