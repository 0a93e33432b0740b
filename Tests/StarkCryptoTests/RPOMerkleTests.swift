import StarkCrypto
import StarkMath
import Testing
import TestSupport

@Suite struct RPOMerkleTests {
    func leaves(_ count: Int, seed: UInt64) -> [RPODigest] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            RPODigest(
                .random(using: &generator), .random(using: &generator), .random(using: &generator),
                .random(using: &generator))
        }
    }

    @Test func rootOfFourLeavesIsTwoLevelsOfMerges() throws {
        let l = leaves(4, seed: 60)
        let expected = RPO256.merge(RPO256.merge(l[0], l[1]), RPO256.merge(l[2], l[3]))
        #expect(try RPOMerkle.root(ofLeaves: l) == expected)
        #expect(throws: MerkleError.leafCountNotPowerOfTwo(3)) { try RPOMerkle.root(ofLeaves: Array(l.prefix(3))) }
    }

    @Test func everyLeafPathLeadsToTheRoot() throws {
        let l = leaves(8, seed: 61)
        let root = try RPOMerkle.root(ofLeaves: l)
        for index in 0..<8 {
            var siblings = [RPODigest]()
            var level = l
            var position = index
            while level.count > 1 {
                siblings.append(level[position ^ 1])
                level = RPOMerkle.mergePairs(level)
                position >>= 1
            }
            #expect(RPOMerkle.root(fromLeaf: l[index], index: UInt64(index), siblings: siblings) == root)
            #expect(RPOMerkle.root(fromLeaf: l[index], index: UInt64(index ^ 1), siblings: siblings) != root)
        }
    }

    @Test func emptySubtreeRootsAreRepeatedMergesOfTheZeroLeaf() {
        let roots = RPOMerkle.emptySubtreeRoots(depth: 4)
        #expect(roots.count == 5)
        #expect(roots[0] == .zero)
        #expect(roots[1] == RPO256.merge(.zero, .zero))
        #expect(roots[4] == (try? RPOMerkle.root(ofLeaves: [RPODigest](repeating: .zero, count: 16))))
    }
}
