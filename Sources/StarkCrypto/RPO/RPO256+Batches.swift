import CGoldilocksVector
import StarkMath

/// Many independent permutations at once: a seal hashes each level's touched nodes, a tree
/// build each level, and these go eight at a time through the AVX-512 kernel in
/// `CGoldilocksVector` where ``GoldilocksVector/isEnabled`` (one vector holds one lane of
/// eight states). Every result equals the one-at-a-time function's (tested).
extension RPO256 {
    /// Fewer states than this run one at a time: the kernel pads a group to eight.
    static let fewestForKernel = 3

    /// States filled and permuted per round trip through the kernel (on the stack).
    static let statesPerGroup = 64

    /// Permutes every state in place, each as ``permute(_:)-(RPOState)`` would.
    public static func permute(_ states: UnsafeMutableBufferPointer<RPOState>) {
        guard states.count >= fewestForKernel, GoldilocksVector.isEnabled else {
            for index in states.indices { permute(&states[index]) }
            return
        }
        permuteInKernel(states, useVectors: true)
    }

    /// The C kernel on `states`: AVX-512 where `useVectors` and the processor has it, its
    /// scalar C otherwise (tests compare both with the Swift permutation).
    static func permuteInKernel(_ states: UnsafeMutableBufferPointer<RPOState>, useVectors: Bool) {
        guard let base = states.baseAddress, !states.isEmpty else { return }
        precondition(MemoryLayout<RPOState>.stride == stateWidth * 8, "an RPO state is 12 contiguous words")
        RPOConstants.roundConstants1.withUnsafeBufferPointer { first in
            RPOConstants.roundConstants2.withUnsafeBufferPointer { second in
                first.withMemoryRebound(to: UInt64.self) { first in
                    second.withMemoryRebound(to: UInt64.self) { second in
                        base.withMemoryRebound(to: UInt64.self, capacity: states.count * stateWidth) { words in
                            cloister_rpo_permute(
                                words, states.count, first.baseAddress!, second.baseAddress!, useVectors ? 1 : 0)
                        }
                    }
                }
            }
        }
    }

    /// `output[k] = merge(pair(k))` for every k in `0..<count` (output uninitialized or trivial).
    public static func merge(
        count: Int, into output: UnsafeMutablePointer<RPODigest>, _ pair: (Int) -> (RPODigest, RPODigest)
    ) {
        permuteInGroups(count: count, into: output) { k, lanes in
            let (left, right) = pair(k)
            placeMergeInput(left, right, in: lanes)
        }
    }

    /// `output[k] = hashElements(input(k))` for every k in `0..<count`, for inputs of one to
    /// eight elements (one block, one permutation each).
    public static func hashElements(
        count: Int, into output: UnsafeMutablePointer<RPODigest>, _ input: (Int) -> [Goldilocks]
    ) {
        permuteInGroups(count: count, into: output) { k, lanes in
            let elements = input(k)
            precondition(
                !elements.isEmpty && elements.count <= rate, "a one-block input has 1 to 8 elements, not \(elements.count)")
            lanes[0] = Goldilocks(reducing: UInt64(elements.count % rate))
            for (offset, element) in elements.enumerated() { lanes[capacity + offset] = element }
        }
    }

    /// Fills zeroed states group by group (`fill(k, lanes)`), permutes each group and writes
    /// the digests.
    private static func permuteInGroups(
        count: Int, into output: UnsafeMutablePointer<RPODigest>, _ fill: (Int, UnsafeMutablePointer<Goldilocks>) -> Void
    ) {
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: RPOState.self, capacity: min(count, statesPerGroup)) { buffer in
            let states = buffer.baseAddress!
            var start = 0
            while start < count {
                let size = min(buffer.count, count - start)
                for j in 0..<size {
                    (states + j).initialize(to: RPOState())
                    states[j].withUnsafeMutableLanes { fill(start + j, $0) }
                }
                permute(UnsafeMutableBufferPointer(start: states, count: size))
                for j in 0..<size { (output + start + j).initialize(to: states[j].digest) }
                start += size
            }
        }
    }
}
