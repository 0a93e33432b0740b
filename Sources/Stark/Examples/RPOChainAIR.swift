import StarkCrypto
import StarkMath

/// A chain of RPO-256 permutations: the building block of the batch AIR.
///
/// Trace: 12 columns (the RPO state), 8 rows per permutation. Row 8j + r holds
/// permutation j's state after r rounds (r = 0…7); the transition from row 8j + 7 to
/// 8j + 8 copies the state, so permutation j + 1 starts from permutation j's output.
///
/// Round r maps s to s' with s'⁷ = MDS((MDS(s) + c1ᵣ)⁷) + c2ᵣ (the inverse S-box is
/// checked forwards, so each round is a degree-7 relation between two rows). Periodic
/// columns carry a round flag (1 on the 7 round rows, 0 on the copy row) and the round
/// constants, both of period 8.
///
/// Statement: public inputs are the input digest and the output digest. The first row is
/// [0, 0, 0, 0 ‖ input ‖ seed]: the capacity is zero, the first rate half is the input,
/// and the second rate half is a secret seed that only the prover knows. The output
/// digest (lanes 4…7) is asserted on the last row.
public struct RPOChainAIR: AIR {
    public let permutationCount: Int

    /// Rows per permutation: 7 rounds and a copy.
    public static let rowsPerPermutation = 8

    /// - Parameter permutationCount: a power of two (the trace length is 8 times it).
    public init(permutationCount: Int) { self.permutationCount = permutationCount }

    public var identity: String { "cloister.example.rpo-chain.v1" }
    public var traceWidth: Int { RPO256.stateWidth }
    public var traceLength: Int { permutationCount * Self.rowsPerPermutation }
    public var publicInputCount: Int { 8 }
    public var transitionConstraintDegrees: [TransitionConstraintDegree] {
        Array(repeating: TransitionConstraintDegree(7, cycles: [8]), count: RPO256.stateWidth)
    }

    /// [round flag] ++ 12 columns of first constants ++ 12 columns of second constants.
    public var periodicColumns: [[Goldilocks]] { Self.periodic }

    static let periodic: [[Goldilocks]] = {
        let width = RPO256.stateWidth
        var columns = [[Goldilocks]]()
        columns.append((0..<8).map { $0 < RPO256.rounds ? Goldilocks.one : .zero })
        for table in [RPOConstants.roundConstants1, RPOConstants.roundConstants2] {
            for lane in 0..<width {
                columns.append((0..<8).map { $0 < RPO256.rounds ? table[$0 * width + lane] : .zero })
            }
        }
        return columns
    }()

    public func boundaryAssertions(publicInputs: [Goldilocks]) throws(StarkError) -> [BoundaryAssertion] {
        guard publicInputs.count == 8 else {
            throw .invalidPublicInputs(
                "an RPO chain takes [input digest, output digest], got \(publicInputs.count) values")
        }
        var assertions = [BoundaryAssertion]()
        for lane in 0..<RPO256.capacity { assertions.append(.init(column: lane, row: 0, value: .zero)) }
        for k in 0..<4 { assertions.append(.init(column: 4 + k, row: 0, value: publicInputs[k])) }
        for k in 0..<4 { assertions.append(.init(column: 4 + k, row: traceLength - 1, value: publicInputs[4 + k])) }
        return assertions
    }

    /// The prover's path: the same constraints, with each MDS row summed in 128 bits and
    /// reduced once (entries are below 32, so twelve products stay far below 2¹²⁸).
    public func evaluateTransitionOnBaseField(
        current: UnsafeBufferPointer<Goldilocks>, next: UnsafeBufferPointer<Goldilocks>,
        periodicValues: UnsafeBufferPointer<Goldilocks>, result: UnsafeMutableBufferPointer<Goldilocks>
    ) {
        let flag = periodicValues[0]
        let copyFlag = Goldilocks.one - flag
        withUnsafeTemporaryAllocation(of: Goldilocks.self, capacity: 24) { scratch in
            let mixed = scratch.baseAddress!
            let powered = scratch.baseAddress! + 12
            Self.multiplyMDSBase(current.baseAddress!, into: mixed)
            for lane in 0..<12 {
                let x = mixed[lane] + periodicValues[1 + lane]
                let x2 = x * x
                let x4 = x2 * x2
                powered[lane] = x4 * (x2 * x)
            }
            Self.multiplyMDSBase(UnsafePointer(powered), into: mixed)
            for lane in 0..<12 {
                let y = next[lane]
                let y2 = y * y
                let y4 = y2 * y2
                let round = y4 * (y2 * y) - mixed[lane] - periodicValues[13 + lane]
                result[lane] = flag * round + copyFlag * (y - current[lane])
            }
        }
    }

    @inline(__always)
    static func multiplyMDSBase(_ input: UnsafePointer<Goldilocks>, into output: UnsafeMutablePointer<Goldilocks>) {
        let row: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8)
        withUnsafeBytes(of: row) { raw in
            let entries = raw.assumingMemoryBound(to: UInt64.self).baseAddress!
            for i in 0..<12 {
                var low: UInt64 = 0
                var high: UInt64 = 0
                for j in 0..<12 {
                    let (productHigh, productLow) = input[j].value.multipliedFullWidth(by: entries[(j + 12 - i) % 12])
                    let (sum, carry) = low.addingReportingOverflow(productLow)
                    low = sum
                    high &+= productHigh &+ (carry ? 1 : 0)
                }
                output[i] = Goldilocks(reducingHigh: high, low: low)
            }
        }
    }

    public func evaluateTransition<E: FieldElement>(
        current: UnsafeBufferPointer<E>, next: UnsafeBufferPointer<E>, periodicValues: UnsafeBufferPointer<E>,
        result: UnsafeMutableBufferPointer<E>
    ) {
        let width = 12
        let flag = periodicValues[0]
        withUnsafeTemporaryAllocation(of: E.self, capacity: 2 * width) { scratch in
            let mixed = scratch.baseAddress!
            let powered = scratch.baseAddress! + width
            Self.multiplyMDS(current.baseAddress!, into: mixed)
            for lane in 0..<width {
                let x = mixed[lane] + periodicValues[1 + lane]
                let x2 = x.squared()
                powered[lane] = x2.squared() * x2 * x
            }
            Self.multiplyMDS(UnsafePointer(powered), into: mixed)
            let copyFlag = E.one - flag
            for lane in 0..<width {
                let y = next[lane]
                let y2 = y.squared()
                let round = y2.squared() * y2 * y - mixed[lane] - periodicValues[1 + width + lane]
                result[lane] = flag * round + copyFlag * (y - current[lane])
            }
        }
    }

    public func transitionConstraintName(_ index: Int) -> String { "RPO round, lane \(index)" }

    /// out[i] = Σⱼ M[(j − i) mod 12]·in[j], M the first row of RPO's circulant MDS matrix
    /// (7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8; a test checks it against RPOConstants).
    @inline(__always)
    static func multiplyMDS<E: FieldElement>(_ input: UnsafePointer<E>, into output: UnsafeMutablePointer<E>) {
        withUnsafeTemporaryAllocation(of: Goldilocks.self, capacity: 24) { entries in
            let row: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
                (7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8)
            withUnsafeBytes(of: row) { raw in
                for k in 0..<12 {
                    let entry = Goldilocks(reducing: raw.load(fromByteOffset: 8 * k, as: UInt64.self))
                    entries[k] = entry
                    entries[k + 12] = entry
                }
            }
            // Row i reads entries[(j − i) mod 12] = entries[12 − i + j] for j = 0…11.
            let base = entries.baseAddress!
            for i in 0..<12 {
                let shifted = base + (12 - i) % 12
                var sum = E.zero
                for j in 0..<12 { sum += input[j] * shifted[j] }
                output[i] = sum
            }
        }
    }

    /// The MDS row the constraints hard-code (a test checks it against ``RPOConstants``).
    static let mdsFirstRow: [UInt64] = [7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8]

    /// The trace of `permutationCount` chained permutations from [0 ‖ input ‖ seed], with
    /// the public inputs [input, output digest].
    public func trace(
        input: RPODigest, seed: RPODigest
    ) throws(StarkError)
        -> (trace: ExecutionTrace, publicInputs: [Goldilocks])
    {
        let length = traceLength
        var columns = [[Goldilocks]](repeating: [Goldilocks](repeating: .zero, count: length), count: 12)
        var state = RPOState([.zero, .zero, .zero, .zero] + input.elements + seed.elements)
        for permutation in 0..<permutationCount {
            for step in 0..<Self.rowsPerPermutation {
                let row = permutation * Self.rowsPerPermutation + step
                for lane in 0..<12 { columns[lane][row] = state[lane] }
                if step < RPO256.rounds { RPO256.applyRound(&state, round: step) }
            }
        }
        return (try ExecutionTrace(columns: columns), input.elements + state.digest.elements)
    }
}
