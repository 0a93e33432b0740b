import Stark
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

    /// out = MDS·in over Goldilocks, unrolled with the constant entries. The entries are
    /// below 32, so each input is split into 32-bit halves whose row sums stay below 2⁴¹
    /// in plain 64-bit arithmetic (no 128-bit products); lowSum + highSum·2³² is then
    /// formed in 128 bits and reduced once.
    ///
    /// Deliberately unrolled, hence over 100 lines: it runs twice per point of the
    /// evaluation domain in the prover's hot loop, and with every matrix entry a literal
    /// no loop counter, rotated index or table load is left.
    /// ``multiplyMDS(_:into:)`` is the readable form of the same product, and
    /// `baseFieldAndGenericConstraintPathsAgree` checks that the two paths agree.
    @inline(__always)
    static func multiplyMDSBase(_ input: UnsafePointer<Goldilocks>, into output: UnsafeMutablePointer<Goldilocks>) {
        let mask: UInt64 = 0xFFFF_FFFF
        let l0: UInt64 = input[0].value & mask
        let h0: UInt64 = input[0].value >> 32
        let l1: UInt64 = input[1].value & mask
        let h1: UInt64 = input[1].value >> 32
        let l2: UInt64 = input[2].value & mask
        let h2: UInt64 = input[2].value >> 32
        let l3: UInt64 = input[3].value & mask
        let h3: UInt64 = input[3].value >> 32
        let l4: UInt64 = input[4].value & mask
        let h4: UInt64 = input[4].value >> 32
        let l5: UInt64 = input[5].value & mask
        let h5: UInt64 = input[5].value >> 32
        let l6: UInt64 = input[6].value & mask
        let h6: UInt64 = input[6].value >> 32
        let l7: UInt64 = input[7].value & mask
        let h7: UInt64 = input[7].value >> 32
        let l8: UInt64 = input[8].value & mask
        let h8: UInt64 = input[8].value >> 32
        let l9: UInt64 = input[9].value & mask
        let h9: UInt64 = input[9].value >> 32
        let l10: UInt64 = input[10].value & mask
        let h10: UInt64 = input[10].value >> 32
        let l11: UInt64 = input[11].value & mask
        let h11: UInt64 = input[11].value >> 32
        var lowSum: UInt64
        var highSum: UInt64
        lowSum = 7 &* l0
        lowSum &+= 23 &* l1
        lowSum &+= 8 &* l2
        lowSum &+= 26 &* l3
        lowSum &+= 13 &* l4
        lowSum &+= 10 &* l5
        lowSum &+= 9 &* l6
        lowSum &+= 7 &* l7
        lowSum &+= 6 &* l8
        lowSum &+= 22 &* l9
        lowSum &+= 21 &* l10
        lowSum &+= 8 &* l11
        highSum = 7 &* h0
        highSum &+= 23 &* h1
        highSum &+= 8 &* h2
        highSum &+= 26 &* h3
        highSum &+= 13 &* h4
        highSum &+= 10 &* h5
        highSum &+= 9 &* h6
        highSum &+= 7 &* h7
        highSum &+= 6 &* h8
        highSum &+= 22 &* h9
        highSum &+= 21 &* h10
        highSum &+= 8 &* h11
        output[0] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 8 &* l0
        lowSum &+= 7 &* l1
        lowSum &+= 23 &* l2
        lowSum &+= 8 &* l3
        lowSum &+= 26 &* l4
        lowSum &+= 13 &* l5
        lowSum &+= 10 &* l6
        lowSum &+= 9 &* l7
        lowSum &+= 7 &* l8
        lowSum &+= 6 &* l9
        lowSum &+= 22 &* l10
        lowSum &+= 21 &* l11
        highSum = 8 &* h0
        highSum &+= 7 &* h1
        highSum &+= 23 &* h2
        highSum &+= 8 &* h3
        highSum &+= 26 &* h4
        highSum &+= 13 &* h5
        highSum &+= 10 &* h6
        highSum &+= 9 &* h7
        highSum &+= 7 &* h8
        highSum &+= 6 &* h9
        highSum &+= 22 &* h10
        highSum &+= 21 &* h11
        output[1] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 21 &* l0
        lowSum &+= 8 &* l1
        lowSum &+= 7 &* l2
        lowSum &+= 23 &* l3
        lowSum &+= 8 &* l4
        lowSum &+= 26 &* l5
        lowSum &+= 13 &* l6
        lowSum &+= 10 &* l7
        lowSum &+= 9 &* l8
        lowSum &+= 7 &* l9
        lowSum &+= 6 &* l10
        lowSum &+= 22 &* l11
        highSum = 21 &* h0
        highSum &+= 8 &* h1
        highSum &+= 7 &* h2
        highSum &+= 23 &* h3
        highSum &+= 8 &* h4
        highSum &+= 26 &* h5
        highSum &+= 13 &* h6
        highSum &+= 10 &* h7
        highSum &+= 9 &* h8
        highSum &+= 7 &* h9
        highSum &+= 6 &* h10
        highSum &+= 22 &* h11
        output[2] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 22 &* l0
        lowSum &+= 21 &* l1
        lowSum &+= 8 &* l2
        lowSum &+= 7 &* l3
        lowSum &+= 23 &* l4
        lowSum &+= 8 &* l5
        lowSum &+= 26 &* l6
        lowSum &+= 13 &* l7
        lowSum &+= 10 &* l8
        lowSum &+= 9 &* l9
        lowSum &+= 7 &* l10
        lowSum &+= 6 &* l11
        highSum = 22 &* h0
        highSum &+= 21 &* h1
        highSum &+= 8 &* h2
        highSum &+= 7 &* h3
        highSum &+= 23 &* h4
        highSum &+= 8 &* h5
        highSum &+= 26 &* h6
        highSum &+= 13 &* h7
        highSum &+= 10 &* h8
        highSum &+= 9 &* h9
        highSum &+= 7 &* h10
        highSum &+= 6 &* h11
        output[3] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 6 &* l0
        lowSum &+= 22 &* l1
        lowSum &+= 21 &* l2
        lowSum &+= 8 &* l3
        lowSum &+= 7 &* l4
        lowSum &+= 23 &* l5
        lowSum &+= 8 &* l6
        lowSum &+= 26 &* l7
        lowSum &+= 13 &* l8
        lowSum &+= 10 &* l9
        lowSum &+= 9 &* l10
        lowSum &+= 7 &* l11
        highSum = 6 &* h0
        highSum &+= 22 &* h1
        highSum &+= 21 &* h2
        highSum &+= 8 &* h3
        highSum &+= 7 &* h4
        highSum &+= 23 &* h5
        highSum &+= 8 &* h6
        highSum &+= 26 &* h7
        highSum &+= 13 &* h8
        highSum &+= 10 &* h9
        highSum &+= 9 &* h10
        highSum &+= 7 &* h11
        output[4] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 7 &* l0
        lowSum &+= 6 &* l1
        lowSum &+= 22 &* l2
        lowSum &+= 21 &* l3
        lowSum &+= 8 &* l4
        lowSum &+= 7 &* l5
        lowSum &+= 23 &* l6
        lowSum &+= 8 &* l7
        lowSum &+= 26 &* l8
        lowSum &+= 13 &* l9
        lowSum &+= 10 &* l10
        lowSum &+= 9 &* l11
        highSum = 7 &* h0
        highSum &+= 6 &* h1
        highSum &+= 22 &* h2
        highSum &+= 21 &* h3
        highSum &+= 8 &* h4
        highSum &+= 7 &* h5
        highSum &+= 23 &* h6
        highSum &+= 8 &* h7
        highSum &+= 26 &* h8
        highSum &+= 13 &* h9
        highSum &+= 10 &* h10
        highSum &+= 9 &* h11
        output[5] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 9 &* l0
        lowSum &+= 7 &* l1
        lowSum &+= 6 &* l2
        lowSum &+= 22 &* l3
        lowSum &+= 21 &* l4
        lowSum &+= 8 &* l5
        lowSum &+= 7 &* l6
        lowSum &+= 23 &* l7
        lowSum &+= 8 &* l8
        lowSum &+= 26 &* l9
        lowSum &+= 13 &* l10
        lowSum &+= 10 &* l11
        highSum = 9 &* h0
        highSum &+= 7 &* h1
        highSum &+= 6 &* h2
        highSum &+= 22 &* h3
        highSum &+= 21 &* h4
        highSum &+= 8 &* h5
        highSum &+= 7 &* h6
        highSum &+= 23 &* h7
        highSum &+= 8 &* h8
        highSum &+= 26 &* h9
        highSum &+= 13 &* h10
        highSum &+= 10 &* h11
        output[6] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 10 &* l0
        lowSum &+= 9 &* l1
        lowSum &+= 7 &* l2
        lowSum &+= 6 &* l3
        lowSum &+= 22 &* l4
        lowSum &+= 21 &* l5
        lowSum &+= 8 &* l6
        lowSum &+= 7 &* l7
        lowSum &+= 23 &* l8
        lowSum &+= 8 &* l9
        lowSum &+= 26 &* l10
        lowSum &+= 13 &* l11
        highSum = 10 &* h0
        highSum &+= 9 &* h1
        highSum &+= 7 &* h2
        highSum &+= 6 &* h3
        highSum &+= 22 &* h4
        highSum &+= 21 &* h5
        highSum &+= 8 &* h6
        highSum &+= 7 &* h7
        highSum &+= 23 &* h8
        highSum &+= 8 &* h9
        highSum &+= 26 &* h10
        highSum &+= 13 &* h11
        output[7] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 13 &* l0
        lowSum &+= 10 &* l1
        lowSum &+= 9 &* l2
        lowSum &+= 7 &* l3
        lowSum &+= 6 &* l4
        lowSum &+= 22 &* l5
        lowSum &+= 21 &* l6
        lowSum &+= 8 &* l7
        lowSum &+= 7 &* l8
        lowSum &+= 23 &* l9
        lowSum &+= 8 &* l10
        lowSum &+= 26 &* l11
        highSum = 13 &* h0
        highSum &+= 10 &* h1
        highSum &+= 9 &* h2
        highSum &+= 7 &* h3
        highSum &+= 6 &* h4
        highSum &+= 22 &* h5
        highSum &+= 21 &* h6
        highSum &+= 8 &* h7
        highSum &+= 7 &* h8
        highSum &+= 23 &* h9
        highSum &+= 8 &* h10
        highSum &+= 26 &* h11
        output[8] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 26 &* l0
        lowSum &+= 13 &* l1
        lowSum &+= 10 &* l2
        lowSum &+= 9 &* l3
        lowSum &+= 7 &* l4
        lowSum &+= 6 &* l5
        lowSum &+= 22 &* l6
        lowSum &+= 21 &* l7
        lowSum &+= 8 &* l8
        lowSum &+= 7 &* l9
        lowSum &+= 23 &* l10
        lowSum &+= 8 &* l11
        highSum = 26 &* h0
        highSum &+= 13 &* h1
        highSum &+= 10 &* h2
        highSum &+= 9 &* h3
        highSum &+= 7 &* h4
        highSum &+= 6 &* h5
        highSum &+= 22 &* h6
        highSum &+= 21 &* h7
        highSum &+= 8 &* h8
        highSum &+= 7 &* h9
        highSum &+= 23 &* h10
        highSum &+= 8 &* h11
        output[9] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 8 &* l0
        lowSum &+= 26 &* l1
        lowSum &+= 13 &* l2
        lowSum &+= 10 &* l3
        lowSum &+= 9 &* l4
        lowSum &+= 7 &* l5
        lowSum &+= 6 &* l6
        lowSum &+= 22 &* l7
        lowSum &+= 21 &* l8
        lowSum &+= 8 &* l9
        lowSum &+= 7 &* l10
        lowSum &+= 23 &* l11
        highSum = 8 &* h0
        highSum &+= 26 &* h1
        highSum &+= 13 &* h2
        highSum &+= 10 &* h3
        highSum &+= 9 &* h4
        highSum &+= 7 &* h5
        highSum &+= 6 &* h6
        highSum &+= 22 &* h7
        highSum &+= 21 &* h8
        highSum &+= 8 &* h9
        highSum &+= 7 &* h10
        highSum &+= 23 &* h11
        output[10] = Self.combineMDSSums(lowSum, highSum)
        lowSum = 23 &* l0
        lowSum &+= 8 &* l1
        lowSum &+= 26 &* l2
        lowSum &+= 13 &* l3
        lowSum &+= 10 &* l4
        lowSum &+= 9 &* l5
        lowSum &+= 7 &* l6
        lowSum &+= 6 &* l7
        lowSum &+= 22 &* l8
        lowSum &+= 21 &* l9
        lowSum &+= 8 &* l10
        lowSum &+= 7 &* l11
        highSum = 23 &* h0
        highSum &+= 8 &* h1
        highSum &+= 26 &* h2
        highSum &+= 13 &* h3
        highSum &+= 10 &* h4
        highSum &+= 9 &* h5
        highSum &+= 7 &* h6
        highSum &+= 6 &* h7
        highSum &+= 22 &* h8
        highSum &+= 21 &* h9
        highSum &+= 8 &* h10
        highSum &+= 7 &* h11
        output[11] = Self.combineMDSSums(lowSum, highSum)
    }

    /// lowSum + highSum·2³² reduced (highSum·2³² taken as a 128-bit value).
    @inline(__always)
    static func combineMDSSums(_ lowSum: UInt64, _ highSum: UInt64) -> Goldilocks {
        let (sum, carry) = lowSum.addingReportingOverflow(highSum << 32)
        return Goldilocks(reducingHigh: (highSum >> 32) &+ (carry ? 1 : 0), low: sum)
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
    public static let mdsFirstRow: [UInt64] = [7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8]

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
