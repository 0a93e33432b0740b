import StarkMath

/// The 12-element state of the RPO permutation, held inline (no heap).
///
/// Lanes 0…3 are the capacity, 4…11 the rate, and 4…7 the digest after a permutation.
public struct RPOState: Sendable, Equatable {
    @usableFromInline
    var lanes:
        (
            Goldilocks, Goldilocks, Goldilocks, Goldilocks, Goldilocks, Goldilocks,
            Goldilocks, Goldilocks, Goldilocks, Goldilocks, Goldilocks, Goldilocks
        )

    /// The all-zero state.
    public init() {
        lanes = (.zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero)
    }

    /// A state from exactly 12 elements (lane 0 first).
    public init(_ elements: [Goldilocks]) {
        precondition(elements.count == RPO256.stateWidth, "an RPO state has 12 lanes, not \(elements.count)")
        self.init()
        withUnsafeMutableLanes { lanes in
            for index in 0..<RPO256.stateWidth { lanes[index] = elements[index] }
        }
    }

    public subscript(index: Int) -> Goldilocks {
        get {
            precondition(index >= 0 && index < RPO256.stateWidth, "RPO state lane \(index) is outside 0...11")
            return withUnsafeBytes(of: lanes) { $0.load(fromByteOffset: index * 8, as: Goldilocks.self) }
        }
        set {
            precondition(index >= 0 && index < RPO256.stateWidth, "RPO state lane \(index) is outside 0...11")
            withUnsafeMutableLanes { $0[index] = newValue }
        }
    }

    public var elements: [Goldilocks] { (0..<RPO256.stateWidth).map { self[$0] } }

    /// The digest lanes 4…7.
    public var digest: RPODigest { RPODigest(self[4], self[5], self[6], self[7]) }

    /// Runs `body` on the 12 lanes as one contiguous buffer.
    @inlinable
    public mutating func withUnsafeMutableLanes<Result>(
        _ body: (UnsafeMutablePointer<Goldilocks>) throws -> Result
    ) rethrows -> Result {
        try withUnsafeMutablePointer(to: &lanes) { tuple in
            try tuple.withMemoryRebound(to: Goldilocks.self, capacity: RPO256.stateWidth, body)
        }
    }

    public static func == (lhs: RPOState, rhs: RPOState) -> Bool { lhs.elements == rhs.elements }
}

/// Rescue-Prime Optimized over Goldilocks, in the RPO-256 instance Miden uses: state
/// width 12, capacity 4 (lanes 0…3), rate 8 (lanes 4…11), digest lanes 4…7, 7 rounds,
/// S-box x⁷ and its inverse x^(10540996611094048183).
///
/// It is the state tree's hash because it is cheap inside the AIR (each round is a
/// degree-7 relation between two rows). The permutation keeps the state and all scratch
/// on the stack: no heap allocation on any path of ``permute(_:)`` or ``merge(_:_:)``.
public enum RPO256 {
    public static let stateWidth = 12
    public static let rate = 8
    public static let capacity = 4
    public static let rounds = 7
    public static let alpha: UInt64 = 7
    /// 1/7 mod p − 1: x ↦ x^inverseAlpha undoes x ↦ x⁷.
    public static let inverseAlpha: UInt64 = 10_540_996_611_094_048_183

    // MARK: - Hashing

    /// The digest of a sequence of field elements.
    ///
    /// The first capacity lane holds the input length mod 8 (so inputs that differ only by
    /// trailing zeros differ), elements overwrite the rate eight at a time with a
    /// permutation after each full block, and a partial last block is zero-padded and
    /// permuted. The empty input (no block at all) hashes to the zero digest.
    public static func hashElements(_ elements: UnsafeBufferPointer<Goldilocks>) -> RPODigest {
        var state = RPOState()
        state.withUnsafeMutableLanes { lanes in
            lanes[0] = Goldilocks(reducing: UInt64(elements.count % rate))
            var filled = 0
            for element in elements {
                lanes[capacity + filled] = element
                filled += 1
                if filled == rate {
                    permute(lanes)
                    filled = 0
                }
            }
            if filled > 0 {
                while filled < rate {
                    lanes[capacity + filled] = .zero
                    filled += 1
                }
                permute(lanes)
            }
        }
        return state.digest
    }

    /// The digest of a sequence of field elements (see the buffer overload).
    public static func hashElements(_ elements: [Goldilocks]) -> RPODigest {
        elements.withUnsafeBufferPointer { hashElements($0) }
    }

    /// The 2-to-1 compression of Merkle trees: one permutation of `[0,0,0,0, a, b]`.
    /// Equals `hashElements(a ++ b)`, since 8 mod 8 = 0 leaves the capacity zero.
    public static func merge(_ left: RPODigest, _ right: RPODigest) -> RPODigest {
        var state = RPOState()
        state.withUnsafeMutableLanes { lanes in
            placeMergeInput(left, right, in: lanes)
            permute(lanes)
        }
        return state.digest
    }

    /// Writes `[a, b]` into the rate of a zeroed state: the input of ``merge(_:_:)``.
    @inline(__always)
    static func placeMergeInput(_ left: RPODigest, _ right: RPODigest, in lanes: UnsafeMutablePointer<Goldilocks>) {
        lanes[4] = left.e0
        lanes[5] = left.e1
        lanes[6] = left.e2
        lanes[7] = left.e3
        lanes[8] = right.e0
        lanes[9] = right.e1
        lanes[10] = right.e2
        lanes[11] = right.e3
    }

    // MARK: - The permutation

    /// Applies all seven rounds to the state.
    public static func permute(_ state: inout RPOState) {
        state.withUnsafeMutableLanes { permute($0) }
    }

    /// Applies round `round` (0…6) alone: MDS, constants, x⁷, MDS, constants, x^(1/7).
    /// An AIR trace builder records the state between rounds with this.
    public static func applyRound(_ state: inout RPOState, round: Int) {
        precondition(round >= 0 && round < rounds, "RPO has rounds 0...6, not \(round)")
        state.withUnsafeMutableLanes { lanes in
            withRoundConstants { first, second in
                withScratch { scratch, words in
                    applyRound(lanes, first + 12 * round, second + 12 * round, scratch, words)
                }
            }
        }
    }

    static func permute(_ lanes: UnsafeMutablePointer<Goldilocks>) {
        withRoundConstants { first, second in
            withScratch { scratch, words in
                var round = 0
                while round < rounds {
                    applyRound(lanes, first + 12 * round, second + 12 * round, scratch, words)
                    round += 1
                }
            }
        }
    }

    @inline(__always)
    static func withRoundConstants<Result>(
        _ body: (UnsafePointer<Goldilocks>, UnsafePointer<Goldilocks>) -> Result
    ) -> Result {
        RPOConstants.roundConstants1.withUnsafeBufferPointer { first in
            RPOConstants.roundConstants2.withUnsafeBufferPointer { second in
                body(first.baseAddress!, second.baseAddress!)
            }
        }
    }

    /// Stack scratch: 48 words for the inverse S-box chain and 48 for the split MDS
    /// product (small enough that Swift allocates them on the stack).
    @inline(__always)
    static func withScratch<Result>(
        _ body: (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>) -> Result
    ) -> Result {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 96) { scratch in
            body(scratch.baseAddress!, scratch.baseAddress! + 48)
        }
    }

    @inline(__always)
    static func applyRound(
        _ lanes: UnsafeMutablePointer<Goldilocks>,
        _ constants1: UnsafePointer<Goldilocks>,
        _ constants2: UnsafePointer<Goldilocks>,
        _ scratch: UnsafeMutablePointer<UInt64>,
        _ words: UnsafeMutablePointer<UInt64>
    ) {
        applyMDS(lanes, words)
        addConstants(lanes, constants1)
        applySBox(lanes)
        applyMDS(lanes, words)
        addConstants(lanes, constants2)
        applyInverseSBox(lanes, scratch)
    }

    @inline(__always)
    static func addConstants(_ lanes: UnsafeMutablePointer<Goldilocks>, _ constants: UnsafePointer<Goldilocks>) {
        var i = 0
        while i < 12 {
            lanes[i] = lanes[i] + constants[i]
            i += 1
        }
    }

    /// x ↦ x⁷ on every lane (x², x⁴, x³, x⁷: four products).
    @inline(__always)
    static func applySBox(_ lanes: UnsafeMutablePointer<Goldilocks>) {
        var i = 0
        while i < 12 {
            let x = lanes[i]
            let x2 = x.squared()
            let x4 = x2.squared()
            lanes[i] = x4 * (x2 * x)
            i += 1
        }
    }

    /// The circulant MDS product with small entries, without a modular reduction per
    /// term: each lane is split into 32-bit halves, each half's dot product with the row
    /// stays below 2⁴¹, and one 128-bit reduction per output recombines them. The lanes
    /// are written twice over (`words[i + 12] = words[i]`) so row i reads a straight run.
    @inline(__always)
    static func applyMDS(_ lanes: UnsafeMutablePointer<Goldilocks>, _ words: UnsafeMutablePointer<UInt64>) {
        let low = words
        let high = words + 24
        var j = 0
        while j < 12 {
            let value = lanes[j].value
            low[j] = value & 0xFFFF_FFFF
            low[j + 12] = value & 0xFFFF_FFFF
            high[j] = value >> 32
            high[j + 12] = value >> 32
            j += 1
        }
        var i = 0
        while i < 12 {
            let sumLow = mdsRowDot(low + i)
            let sumHigh = mdsRowDot(high + i)
            // sumLow + sumHigh · 2³² as a 128-bit value, then reduced.
            let (combinedLow, carry) = sumLow.addingReportingOverflow(sumHigh << 32)
            let combinedHigh = (sumHigh >> 32) &+ (carry ? 1 : 0)
            lanes[i] = Goldilocks(reducingHigh: combinedHigh, low: combinedLow)
            i += 1
        }
    }

    /// Σ firstRow[k] · v[k] for 32-bit inputs; the row sums to 160, so no overflow.
    @inline(__always)
    static func mdsRowDot(_ v: UnsafePointer<UInt64>) -> UInt64 {
        let a = 7 &* v[0] &+ 23 &* v[1] &+ 8 &* v[2] &+ 26 &* v[3]
        let b = 13 &* v[4] &+ 10 &* v[5] &+ 9 &* v[6] &+ 7 &* v[7]
        let c = 6 &* v[8] &+ 22 &* v[9] &+ 21 &* v[10] &+ 8 &* v[11]
        return a &+ b &+ c
    }

    /// x ↦ x^(1/7) on every lane by an addition chain (63 squarings, 9 products), run
    /// lane-parallel so the twelve independent chains overlap in the pipeline.
    ///
    /// 1/7 mod p − 1 = U·(2³⁶ + 48) + 7 with U = Σ_{i<10} 8ⁱ. With uₖ = x^(Σ_{i<k} 8ⁱ):
    /// u₂ = x⁸·x, u₄ = u₂^(8²)·u₂, u₈ = u₄^(8⁴)·u₄, u₁₀ = u₈^(8²)·u₂; then
    /// y = u₁₀ gives y^(2³⁶)·y⁴⁸·x⁷.
    @inline(__always)
    static func applyInverseSBox(_ lanes: UnsafeMutablePointer<Goldilocks>, _ scratch: UnsafeMutablePointer<UInt64>) {
        // Words stay below 2⁶⁴ but not always below p until the final canonicalisation.
        let x7 = scratch
        let u2 = scratch + 12
        let t = scratch + 24
        let saved = scratch + 36
        var i = 0
        while i < 12 {
            let x = lanes[i].value
            let x2 = product(x, x)
            let x4 = product(x2, x2)
            x7[i] = product(x4, product(x2, x))
            let u = product(product(x4, x4), x)
            u2[i] = u
            t[i] = u
            i += 1
        }
        squareLanes(t, times: 6)
        multiplyLanes(t, by: u2)  // u₄
        copyLanes(from: t, to: saved)
        squareLanes(t, times: 12)
        multiplyLanes(t, by: saved)  // u₈
        squareLanes(t, times: 6)
        multiplyLanes(t, by: u2)  // y = u₁₀
        squareLanes(t, times: 4)  // y¹⁶
        copyLanes(from: t, to: saved)
        squareLanes(t, times: 1)  // y³²
        multiplyLanes(saved, by: t)  // y⁴⁸
        squareLanes(t, times: 31)  // y^(2³⁶)
        multiplyLanes(t, by: saved)
        i = 0
        while i < 12 {
            lanes[i] = Goldilocks(reducing: product(t[i], x7[i]))
            i += 1
        }
    }

    @_transparent
    static func product(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
        Goldilocks.partiallyReducedProduct(lhs, rhs)
    }

    @inline(__always)
    static func squareLanes(_ t: UnsafeMutablePointer<UInt64>, times: Int) {
        var step = 0
        while step < times {
            var i = 0
            while i < 12 {
                t[i] = product(t[i], t[i])
                i += 1
            }
            step += 1
        }
    }

    @inline(__always)
    static func multiplyLanes(_ t: UnsafeMutablePointer<UInt64>, by factor: UnsafeMutablePointer<UInt64>) {
        var i = 0
        while i < 12 {
            t[i] = product(t[i], factor[i])
            i += 1
        }
    }

    @inline(__always)
    static func copyLanes(from source: UnsafeMutablePointer<UInt64>, to destination: UnsafeMutablePointer<UInt64>) {
        var i = 0
        while i < 12 {
            destination[i] = source[i]
            i += 1
        }
    }
}
