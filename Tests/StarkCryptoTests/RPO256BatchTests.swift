import StarkMath
import Testing
import TestSupport

@testable import StarkCrypto

/// The batched permutations (`RPO256+Batches.swift`): the AVX-512 kernel, its scalar C
/// fallback, and the merge and hash helpers built on them give exactly the one-at-a-time
/// Swift permutation's results.
@Suite struct RPO256BatchTests {
    /// Random states, with the field's edge values in the first ones.
    func states(_ count: Int, seed: UInt64) -> [RPOState] {
        var generator = SeededGenerator(seed: seed)
        let edges: [Goldilocks] = [
            .zero, Goldilocks(reducing: 1), Goldilocks(reducing: Goldilocks.modulus - 1),
            Goldilocks(reducing: 0xFFFF_FFFF), Goldilocks(reducing: 1 << 32), Goldilocks(reducing: Goldilocks.modulus - 2),
        ]
        return (0..<count).map { index in
            RPOState(
                (0..<RPO256.stateWidth).map { lane in
                    index < 3 ? edges[(index + lane) % edges.count] : Goldilocks.random(using: &generator)
                })
        }
    }

    func swiftPermuted(_ states: [RPOState]) -> [RPOState] {
        states.map { state in
            var state = state
            RPO256.permute(&state)
            return state
        }
    }

    @Test(arguments: [1, 2, 3, 7, 8, 9, 16, 17, 64, 71])
    func kernelPermutesAsTheSwiftPermutation(count: Int) {
        let input = states(count, seed: UInt64(count))
        let expected = swiftPermuted(input)
        for useVectors in [true, false] {
            var permuted = input
            permuted.withUnsafeMutableBufferPointer { RPO256.permuteInKernel($0, useVectors: useVectors) }
            #expect(permuted == expected, "\(count) states, vectors \(useVectors)")
        }
        var batched = input
        batched.withUnsafeMutableBufferPointer { RPO256.permute($0) }
        #expect(batched == expected)
    }

    @Test func batchedMergesEqualMergesOneAtATime() {
        var generator = SeededGenerator(seed: 7)
        let digests = (0..<200).map { _ in
            RPODigest(.random(using: &generator), .random(using: &generator), .random(using: &generator), .random(using: &generator))
        }
        for count in [0, 1, 2, 5, 64, 65, 100] {
            var merged = [RPODigest](repeating: .zero, count: count)
            merged.withUnsafeMutableBufferPointer { output in
                RPO256.merge(count: count, into: output.baseAddress!) { (digests[2 * $0], digests[2 * $0 + 1]) }
            }
            #expect(merged == (0..<count).map { RPO256.merge(digests[2 * $0], digests[2 * $0 + 1]) }, "\(count) merges")
        }
    }

    @Test func batchedOneBlockHashesEqualHashElements() {
        var generator = SeededGenerator(seed: 8)
        let inputs = (0..<70).map { index in (0...(index % 8)).map { _ in Goldilocks.random(using: &generator) } }
        var hashed = [RPODigest](repeating: .zero, count: inputs.count)
        hashed.withUnsafeMutableBufferPointer { output in
            RPO256.hashElements(count: inputs.count, into: output.baseAddress!) { inputs[$0] }
        }
        #expect(hashed == inputs.map { RPO256.hashElements($0) })
        // Lengths 1 and 8 differ from their zero-padded neighbours only through the capacity.
        #expect(inputs.allSatisfy { (1...8).contains($0.count) })
    }

    @Test func merkleLevelsAndRootsAreUnchangedByBatching() throws {
        var generator = SeededGenerator(seed: 9)
        let leaves = (0..<1024).map { _ in
            RPODigest(.random(using: &generator), .random(using: &generator), .random(using: &generator), .random(using: &generator))
        }
        var level = leaves
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { RPO256.merge(level[$0], level[$0 + 1]) }
        }
        #expect(try RPOMerkle.root(ofLeaves: leaves, parallelism: .automatic) == level[0])
        #expect(try RPOMerkle.root(ofLeaves: leaves, parallelism: .serial) == level[0])
        let odd = Array(leaves.prefix(9))
        #expect(
            RPOMerkle.mergePairs(odd, padding: leaves[100])
                == (0..<5).map { RPO256.merge(odd[2 * $0], 2 * $0 + 1 < 9 ? odd[2 * $0 + 1] : leaves[100]) })
    }
}
