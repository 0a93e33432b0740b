import CGoldilocksVector

/// A number-theoretic transform of one power-of-two size over Goldilocks, with its
/// twiddle factors computed once.
///
/// `forward` maps the coefficients of a polynomial of degree < n to its values on the
/// subgroup ⟨ω⟩ of order n, in natural order (`values[i] = P(ωⁱ)`); `inverse` undoes it.
/// Values may be base-field or extension elements; the twiddles stay in the base field.
///
/// The transform runs in place: a bit-reversal permutation, then radix-2
/// Cooley–Tukey butterflies. Stages whose butterflies fit in a cache-sized block run
/// block by block; the remaining stages sweep the whole buffer. Both phases split the
/// work across cores for sizes of at least ``parallelThreshold`` under `.automatic`.
///
/// A plan is immutable and `Sendable`: build it once per domain size and share it.
public struct NTTPlan: Sendable {
    /// The transform size n (a power of two, 1 ... 2³²).
    public let size: Int
    /// log₂ n.
    public let logSize: Int
    /// ω: the primitive n-th root of unity the forward transform evaluates at.
    public let rootOfUnity: Goldilocks

    /// Twiddles laid out by stage: entry `h + j` is ω_{2h}^j for the stage whose
    /// butterflies are `h` apart (h = 1, 2, 4, … n/2), so every stage reads a
    /// contiguous run. Entry 0 is unused.
    @usableFromInline let forwardTwiddles: [Goldilocks]
    /// The same layout for ω⁻¹.
    @usableFromInline let inverseTwiddles: [Goldilocks]
    /// n⁻¹, applied after the inverse butterflies.
    @usableFromInline let sizeInverse: Goldilocks

    /// Sizes from this on are split across cores under `.automatic`.
    public static let parallelThreshold = 1 << 14

    /// log₂ of the block that stays in cache while its early stages run (4096 elements).
    @usableFromInline static let cacheBlockLog = 12

    /// Builds the plan for transforms of `size` elements.
    /// - Throws: ``FieldError/invalidDomainSize(_:)`` unless `size` is a power of two ≤ 2³².
    public init(size: Int, parallelism: Parallelism = .automatic) throws(FieldError) {
        guard size > 0, size & (size - 1) == 0, size <= 1 << Goldilocks.twoAdicity else {
            throw .invalidDomainSize(size)
        }
        self.size = size
        self.logSize = size.trailingZeroBitCount
        let root = try Goldilocks.rootOfUnity(order: size)
        self.rootOfUnity = root
        self.forwardTwiddles = Self.stageTwiddles(size: size, root: root, parallelism: parallelism)
        let rootInverse = root.inverseOfNonZero()
        self.inverseTwiddles = Self.stageTwiddles(size: size, root: rootInverse, parallelism: parallelism)
        self.sizeInverse = Goldilocks(unchecked: UInt64(size)).inverseOfNonZero()
    }

    /// The top stage holds ω^j for j < n/2; each lower stage is every other entry of the
    /// stage above (ω_{2h}^j = ω_{4h}^{2j}).
    static func stageTwiddles(size: Int, root: Goldilocks, parallelism: Parallelism) -> [Goldilocks] {
        guard size > 1 else { return [.one] }
        let half = size / 2
        return [Goldilocks](unsafeUninitializedCapacity: size) { table, initialized in
            table[0] = .one
            parallelism.forEachChunk(count: half, minimumChunk: 1 << 13) { range in
                var power = root.power(UInt64(range.lowerBound))
                for j in range {
                    table[half + j] = power
                    power = power * root
                }
            }
            var h = half / 2
            while h >= 1 {
                for j in 0..<h { table[h + j] = table[2 * h + 2 * j] }
                h /= 2
            }
            initialized = size
        }
    }

    // MARK: - Transforms on buffers

    /// Coefficients → evaluations on ⟨ω⟩, in place. `values.count` must equal ``size``.
    @inlinable
    public func forward<E: FieldElement>(_ values: UnsafeMutableBufferPointer<E>, parallelism: Parallelism = .automatic)
    {
        precondition(values.count == size, "NTT of size \(size) was given \(values.count) values")
        forwardTwiddles.withUnsafeBufferPointer { twiddles in
            Self.transform(values, twiddles: twiddles, parallelism: parallelism)
        }
    }

    /// Evaluations on ⟨ω⟩ → coefficients, in place. `values.count` must equal ``size``.
    @inlinable
    public func inverse<E: FieldElement>(_ values: UnsafeMutableBufferPointer<E>, parallelism: Parallelism = .automatic)
    {
        precondition(values.count == size, "inverse NTT of size \(size) was given \(values.count) values")
        inverseTwiddles.withUnsafeBufferPointer { twiddles in
            Self.transform(values, twiddles: twiddles, parallelism: parallelism)
        }
        let scale = sizeInverse
        parallelism.forEachChunk(count: size, minimumChunk: Self.parallelThreshold) { range in
            for index in range { values[index] = values[index] * scale }
        }
    }

    // MARK: - Transforms on arrays

    /// Coefficients → evaluations on ⟨ω⟩. `values.count` must equal ``size``.
    @inlinable
    public func forward<E: FieldElement>(_ values: inout [E], parallelism: Parallelism = .automatic) {
        values.withUnsafeMutableBufferPointer { forward($0, parallelism: parallelism) }
    }

    /// Evaluations on ⟨ω⟩ → coefficients. `values.count` must equal ``size``.
    @inlinable
    public func inverse<E: FieldElement>(_ values: inout [E], parallelism: Parallelism = .automatic) {
        values.withUnsafeMutableBufferPointer { inverse($0, parallelism: parallelism) }
    }

    // MARK: - Cosets and low-degree extension

    /// The values of the polynomial with these coefficients on the coset `offset · ⟨ω⟩`
    /// (`result[i] = P(offset · ωⁱ)`), zero-padding the coefficients to ``size``.
    ///
    /// A low-degree extension by blowup b is this with a plan of size b · (trace length)
    /// and the offset ``Goldilocks/multiplicativeGenerator``, so no evaluation point lies
    /// in the trace domain.
    @inlinable
    public func evaluateOnCoset<E: FieldElement>(
        coefficients: [E], offset: Goldilocks, parallelism: Parallelism = .automatic
    ) -> [E] {
        precondition(
            coefficients.count <= size,
            "\(coefficients.count) coefficients do not fit an evaluation domain of size \(size)")
        let count = coefficients.count
        let n = size
        return [E](unsafeUninitializedCapacity: n) { buffer, initialized in
            coefficients.withUnsafeBufferPointer { input in
                parallelism.forEachChunk(count: n, minimumChunk: Self.parallelThreshold) { range in
                    var power = offset.power(UInt64(range.lowerBound))
                    for k in range {
                        if k < count {
                            (buffer.baseAddress! + k).initialize(to: input[k] * power)
                            power = power * offset
                        } else {
                            (buffer.baseAddress! + k).initialize(to: .zero)
                        }
                    }
                }
            }
            initialized = n
            forward(buffer, parallelism: parallelism)
        }
    }

    /// The coefficients of the polynomial of degree < ``size`` whose values on the coset
    /// `offset · ⟨ω⟩` are `evaluations` (`evaluations[i] = P(offset · ωⁱ)`).
    @inlinable
    public func interpolateFromCoset<E: FieldElement>(
        evaluations: [E], offset: Goldilocks, parallelism: Parallelism = .automatic
    ) -> [E] {
        var coefficients = evaluations
        inverse(&coefficients, parallelism: parallelism)
        let offsetInverse = offset.inverseOfNonZero()
        coefficients.withUnsafeMutableBufferPointer { buffer in
            parallelism.forEachChunk(count: size, minimumChunk: Self.parallelThreshold) { range in
                var power = offsetInverse.power(UInt64(range.lowerBound))
                for k in range {
                    buffer[k] = buffer[k] * power
                    power = power * offsetInverse
                }
            }
        }
        return coefficients
    }

    // MARK: - The butterflies

    /// Bit-reverses (unless the caller wrote the input in bit-reversed order already),
    /// then runs log₂ n radix-2 decimation-in-time stages with the given stage-ordered
    /// twiddles (ω for forward, ω⁻¹ for inverse, unscaled).
    @inlinable
    static func transform<E: FieldElement>(
        _ values: UnsafeMutableBufferPointer<E>, twiddles: UnsafeBufferPointer<Goldilocks>, parallelism: Parallelism,
        inputIsBitReversed: Bool = false
    ) {
        let n = values.count
        guard n > 1 else { return }
        let mode: Parallelism = n >= parallelThreshold ? parallelism : .serial
        if !inputIsBitReversed { bitReversePermute(values, parallelism: mode) }

        let base = values.baseAddress!
        let table = twiddles.baseAddress!
        if GoldilocksVector.isEnabled, E.self == Goldilocks.self || E.self == CubicExtension.self {
            vectorButterflies(
                UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self), count: n,
                twiddles: UnsafeRawPointer(table).assumingMemoryBound(to: UInt64.self), cubic: E.self == CubicExtension.self,
                mode: mode)
            return
        }

        // Phase 1: every stage whose butterflies stay inside one cache block.
        let blockSize = min(n, 1 << cacheBlockLog)
        mode.forEachChunk(count: n / blockSize, minimumChunk: 1) { blocks in
            for block in blocks {
                butterflyStages(base + block * blockSize, count: blockSize, twiddles: table)
            }
        }

        // Phase 2: the wide stages, each a sweep over all n/2 butterflies.
        var half = blockSize
        while half < n {
            let stageHalf = half
            mode.forEachChunk(count: n / 2, minimumChunk: parallelThreshold / 2) { range in
                let stageTwiddles = table + stageHalf
                let halfShift = stageHalf.trailingZeroBitCount
                var t = range.lowerBound
                while t < range.upperBound {
                    let group = t >> halfShift
                    let groupEnd = min(range.upperBound, (group + 1) << halfShift)
                    let low = base + (group << (halfShift + 1))
                    let high = low + stageHalf
                    var j = t & (stageHalf - 1)
                    while t < groupEnd {
                        let u = low[j]
                        let v = high[j] * stageTwiddles[j]
                        low[j] = u + v
                        high[j] = u - v
                        j += 1
                        t += 1
                    }
                }
            }
            half <<= 1
        }
    }

    /// The same stages as the generic code, for base-field or cubic-extension values (three
    /// words each, `cubic`), in the C kernels (eight butterflies at a time with AVX-512).
    @usableFromInline
    static func vectorButterflies(
        _ base: UnsafeMutablePointer<UInt64>, count n: Int, twiddles table: UnsafePointer<UInt64>, cubic: Bool,
        mode: Parallelism
    ) {
        precondition(MemoryLayout<CubicExtension>.stride == 3 * MemoryLayout<UInt64>.stride)
        let blockSize = min(n, 1 << cacheBlockLog)
        let width = cubic ? 3 : 1
        mode.forEachChunk(count: n / blockSize, minimumChunk: 1) { blocks in
            for block in blocks {
                let start = base + block * blockSize * width
                if cubic {
                    cloister_ntt_cubic_block_stages(start, blockSize, table, 1)
                } else {
                    cloister_ntt_block_stages(start, blockSize, table, 1)
                }
            }
        }
        var half = blockSize
        while half < n {
            let stageHalf = half
            mode.forEachChunk(count: n / 2, minimumChunk: parallelThreshold / 2) { range in
                if cubic {
                    cloister_ntt_cubic_wide_stage(base, stageHalf, table + stageHalf, range.lowerBound, range.upperBound, 1)
                } else {
                    cloister_ntt_wide_stage(base, stageHalf, table + stageHalf, range.lowerBound, range.upperBound, 1)
                }
            }
            half <<= 1
        }
    }

    /// All stages with butterfly distance below `count` on one contiguous block.
    @inlinable
    static func butterflyStages<E: FieldElement>(
        _ values: UnsafeMutablePointer<E>, count: Int, twiddles: UnsafePointer<Goldilocks>
    ) {
        // Distance 1: every twiddle is 1.
        var start = 0
        while start < count {
            let u = values[start]
            let v = values[start + 1]
            values[start] = u + v
            values[start + 1] = u - v
            start += 2
        }
        var half = 2
        while half < count {
            let stageTwiddles = twiddles + half
            start = 0
            while start < count {
                let low = values + start
                let high = low + half
                var j = 0
                while j < half {
                    let u = low[j]
                    let v = high[j] * stageTwiddles[j]
                    low[j] = u + v
                    high[j] = u - v
                    j += 1
                }
                start += 2 * half
            }
            half <<= 1
        }
    }

    /// Swaps each element with the one at its bit-reversed index. Pairs are disjoint and
    /// each is handled by the chunk holding its smaller index, so chunks never collide.
    @inlinable
    static func bitReversePermute<E>(_ values: UnsafeMutableBufferPointer<E>, parallelism: Parallelism) {
        let n = values.count
        guard n > 2 else { return }
        let shift = 64 - n.trailingZeroBitCount
        parallelism.forEachChunk(count: n, minimumChunk: parallelThreshold) { range in
            for index in range {
                let reversed = Int(truncatingIfNeeded: reverseBits(UInt64(index)) >> UInt64(shift))
                if index < reversed {
                    let held = values[index]
                    values[index] = values[reversed]
                    values[reversed] = held
                }
            }
        }
    }

    @inlinable @inline(__always)
    static func reverseBits(_ word: UInt64) -> UInt64 {
        var x = word
        x = ((x >> 1) & 0x5555_5555_5555_5555) | ((x & 0x5555_5555_5555_5555) << 1)
        x = ((x >> 2) & 0x3333_3333_3333_3333) | ((x & 0x3333_3333_3333_3333) << 2)
        x = ((x >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((x & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return x.byteSwapped
    }
}
