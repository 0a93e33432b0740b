/// Coset evaluation and interpolation on a domain `blowup` times the plan's size, by
/// splitting the domain into `blowup` cosets of the plan's subgroup (a four-step
/// transform with a first factor of `blowup`).
///
/// With N = b·n (n = ``NTTPlan/size``, b = blowup), ω = ω_N and offset c, the point with
/// natural index j = b·i + k is c·ωᵏ·ω_nⁱ: for each k the values form an n-point
/// transform on the coset sₖ·⟨ω_n⟩, sₖ = c·ωᵏ, of the residue P mod (xⁿ − aₖ) with
/// aₖ = sₖⁿ = cⁿ·ω_bᵏ. So
///
/// * forward: Rₖ[t] = Σₘ P[t + m·n]·aₖᵐ, scaled by sₖᵗ, then b transforms of size n, and
///   the b results interleaved into natural order;
/// * inverse: the same steps backwards, the residues combined by an inverse b-point DFT
///   per t (P[t + m·n]·c^(n·m) = b⁻¹·Σₖ Rₖ[t]·ω_b^(−k·m)).
///
/// For a low-degree extension the polynomial has little more than n coefficients, so
/// most of the first step is a copy, the transforms are b times smaller than one of
/// size N (three fewer stages for b = 8, and each fits far better in cache), and no
/// work is spent on the zero padding. The arithmetic is exact, so the values are the
/// same as ``NTTPlan/evaluateOnCoset(coefficients:offset:parallelism:)`` on a plan of
/// size N, element for element.
extension NTTPlan {
    /// Writes `P(offset·ω_N^j)` for j < N = `blowup`·``size`` into `output` (natural
    /// order), where P has the given coefficients (at most N of them). `scratch` must
    /// hold N elements; its contents on return are unspecified.
    ///
    /// - Parameter parallelism: `.automatic` spreads the b sub-transforms and the
    ///   copies over the cores; `.serial` (for callers that already run one column per
    ///   core) keeps everything on the calling thread.
    @inlinable
    public func evaluateOnCoset<E: FieldElement>(
        coefficients: UnsafeBufferPointer<E>, offset: Goldilocks, blowup: Int,
        into output: UnsafeMutableBufferPointer<E>, scratch: UnsafeMutableBufferPointer<E>,
        parallelism: Parallelism = .automatic
    ) {
        let n = size
        let b = blowup
        precondition(b > 0 && b & (b - 1) == 0, "the blowup must be a power of two")
        let total = n * b
        precondition(output.count == total && scratch.count >= total, "output and scratch must hold blowup × size")
        let count = coefficients.count
        precondition(count <= total, "\(count) coefficients do not fit an evaluation domain of size \(total)")
        if b == 1 {
            Self.copyScaled(coefficients, offset: offset, into: output.baseAddress!, size: n)
            forward(output, parallelism: parallelism)
            return
        }
        guard coefficients.baseAddress != nil, count > 0 else {
            output.initialize(repeating: .zero)
            return
        }
        let sub = scratch.baseAddress!
        let mode: Parallelism = n >= Self.parallelThreshold ? parallelism : .serial

        // Residues, scaled, then the b transforms of size n.
        mode.forEachChunk(count: b, minimumChunk: 1) { cosets in
            for k in cosets {
                evaluateOnCoset(
                    coefficients: coefficients, offset: offset, blowup: b, coset: k,
                    into: UnsafeMutableBufferPointer(start: sub + k * n, count: n), parallelism: .serial)
            }
        }

        // Interleave: value j = b·i + k is coset k's value i.
        let out = output.baseAddress!
        mode.forEachChunk(count: n, minimumChunk: 1 << 12) { range in
            for i in range {
                let row = out + i * b
                for k in 0..<b { (row + k).initialize(to: sub[k * n + i]) }
            }
        }
    }

    /// Writes coset `coset` of the domain `offset·⟨ω_N⟩` (N = `blowup`·``size``) into
    /// `output` (n = ``size`` values): `output[i] = P(offset·ω_N^(b·i + coset))`, the
    /// values at natural indices `coset`, `coset + b`, `coset + 2b`, …
    ///
    /// One transform of size n from the coefficients (at most N of them): what a prover
    /// uses to extend a polynomial one coset at a time, keeping n values instead of N.
    /// The values are exactly those of the whole extension at those indices. The scaled
    /// residues are written straight to their bit-reversed slots, tile by tile
    /// (``forEachBitReversedPair(logSize:_:)``), so the transform skips its permutation pass.
    /// - Parameter shiftPowers: sᵗ for t < n, s = offset·ω_N^coset
    ///   (``cosetShiftPowers(offset:blowup:coset:)``), when the caller extends many
    ///   columns on the same coset; computed here if nil.
    @inlinable
    public func evaluateOnCoset<E: FieldElement>(
        coefficients: UnsafeBufferPointer<E>, offset: Goldilocks, blowup: Int, coset k: Int,
        into output: UnsafeMutableBufferPointer<E>, shiftPowers: UnsafeBufferPointer<Goldilocks>? = nil,
        parallelism: Parallelism = .automatic
    ) {
        let n = size
        let b = blowup
        precondition(b > 0 && b & (b - 1) == 0, "the blowup must be a power of two")
        precondition(k >= 0 && k < b, "coset \(k) is not one of the \(b) cosets")
        precondition(output.count == n, "a coset holds \(n) values, the output \(output.count)")
        precondition(shiftPowers == nil || shiftPowers!.count == n, "one shift power per point of the coset")
        let count = coefficients.count
        precondition(count <= n * b, "\(count) coefficients do not fit an evaluation domain of size \(n * b)")
        let target = output.baseAddress!
        guard let input = coefficients.baseAddress, count > 0 else {
            output.initialize(repeating: .zero)
            return
        }
        guard let powers = shiftPowers else {
            let powers = cosetShiftPowers(offset: offset, blowup: b, coset: k, parallelism: .serial)
            powers.withUnsafeBufferPointer { powers in
                evaluateOnCoset(
                    coefficients: coefficients, offset: offset, blowup: b, coset: k, into: output, shiftPowers: powers,
                    parallelism: parallelism)
            }
            return
        }
        let a = offset.power(UInt64(n)) * (try! Goldilocks.rootOfUnity(order: b)).power(UInt64(k))
        let blocks = (count + n - 1) / n
        if count < n { output.initialize(repeating: .zero) }
        withUnsafeTemporaryAllocation(of: Goldilocks.self, capacity: blocks) { aPowers in
            var power = Goldilocks.one
            for m in 0..<blocks {
                aPowers[m] = power
                power = power * a
            }
            // Residue t, scaled, written to slot bitrev(t).
            @inline(__always) func write(_ t: Int, to slot: Int) {
                guard t < count else { return }
                var sum = input[t]
                var m = 1
                var index = t + n
                while index < count {
                    sum += input[index] * aPowers[m]
                    m += 1
                    index += n
                }
                (target + slot).initialize(to: sum * powers[t])
            }
            Self.forEachBitReversedPair(logSize: logSize, write)
        }
        forwardTwiddles.withUnsafeBufferPointer { twiddles in
            Self.transform(output, twiddles: twiddles, parallelism: parallelism, inputIsBitReversed: true)
        }
    }

    /// Calls `body(t, bitrev(t))` for every t < 2^`logSize` (bitrev over `logSize` bits),
    /// in tiles that keep both sides in cache.
    ///
    /// With t = (hi, mid, lo), hi and lo of 5 bits, bitrev(t) = (rev lo, rev mid, rev hi):
    /// for one mid, the 32 × 32 tile reads 32 runs of 32 consecutive t and writes 32 runs
    /// of 32 consecutive slots, 8 KiB of Goldilocks each way. Scattering element by
    /// element instead missed the cache on every write once a coset outgrew a core's
    /// cache (2²⁰ rows), and cost more than the permutation pass it replaced.
    @inlinable
    static func forEachBitReversedPair(logSize: Int, _ body: (Int, Int) -> Void) {
        let edgeBits = 5
        guard logSize >= 2 * edgeBits else {
            let shift = UInt64(64 - logSize)
            for t in 0..<(1 << logSize) { body(t, Int(truncatingIfNeeded: reverseBits(UInt64(t)) >> shift)) }
            return
        }
        let edge = 1 << edgeBits
        let midBits = logSize - 2 * edgeBits
        let highShift = logSize - edgeBits
        withUnsafeTemporaryAllocation(of: Int.self, capacity: edge) { reversedEdge in
            for x in 0..<edge {
                reversedEdge[x] = Int(truncatingIfNeeded: reverseBits(UInt64(x)) >> UInt64(64 - edgeBits))
            }
            for mid in 0..<(1 << midBits) {
                let reversedMid =
                    midBits == 0 ? 0 : Int(truncatingIfNeeded: reverseBits(UInt64(mid)) >> UInt64(64 - midBits))
                for high in 0..<edge {
                    let tBase = high << highShift | mid << edgeBits
                    let slotBase = reversedMid << edgeBits | reversedEdge[high]
                    for low in 0..<edge { body(tBase | low, reversedEdge[low] << highShift | slotBase) }
                }
            }
        }
    }

    /// sᵗ for t < ``size``, s = `offset`·ω_N^`coset` (N = `blowup`·``size``): the factors
    /// the residues of coset `coset` are scaled by, the same for every polynomial.
    @inlinable
    public func cosetShiftPowers(
        offset: Goldilocks, blowup: Int, coset k: Int, parallelism: Parallelism = .automatic
    ) -> [Goldilocks] {
        let n = size
        let shift = offset * (try! Goldilocks.rootOfUnity(order: n * blowup)).power(UInt64(k))
        return [Goldilocks](unsafeUninitializedCapacity: n) { powers, initialized in
            parallelism.forEachChunk(count: n, minimumChunk: Self.parallelThreshold) { range in
                var power = shift.power(UInt64(range.lowerBound))
                for t in range {
                    (powers.baseAddress! + t).initialize(to: power)
                    power = power * shift
                }
            }
            initialized = n
        }
    }

    /// The inverse of ``evaluateOnCoset(coefficients:offset:blowup:into:scratch:parallelism:)``:
    /// the N = `blowup`·``size`` coefficients of the polynomial of degree < N whose values
    /// on `offset·⟨ω_N⟩` (natural order) are `evaluations`. `scratch` must hold N elements.
    @inlinable
    public func interpolateFromCoset<E: FieldElement>(
        evaluations: UnsafeBufferPointer<E>, offset: Goldilocks, blowup: Int,
        into output: UnsafeMutableBufferPointer<E>, scratch: UnsafeMutableBufferPointer<E>,
        parallelism: Parallelism = .automatic
    ) {
        let n = size
        let b = blowup
        precondition(b > 0 && b & (b - 1) == 0, "the blowup must be a power of two")
        let total = n * b
        precondition(
            evaluations.count == total && output.count == total && scratch.count >= total,
            "evaluations, output and scratch must hold blowup × size")
        let values = evaluations.baseAddress!
        let out = output.baseAddress!
        if b == 1 {
            out.initialize(from: values, count: n)
            inverse(output, parallelism: parallelism)
            let offsetInverse = offset.inverseOfNonZero()
            var power = Goldilocks.one
            for t in 0..<n {
                out[t] = out[t] * power
                power = power * offsetInverse
            }
            return
        }
        let omega = try! Goldilocks.rootOfUnity(order: total)
        let sub = scratch.baseAddress!
        let mode: Parallelism = n >= Self.parallelThreshold ? parallelism : .serial

        // De-interleave into the b cosets.
        mode.forEachChunk(count: n, minimumChunk: 1 << 12) { range in
            for i in range {
                let row = values + i * b
                for k in 0..<b { (sub + k * n + i).initialize(to: row[k]) }
            }
        }
        // Each coset's residue: an inverse transform, then unscale by sₖ⁻ᵗ.
        mode.forEachChunk(count: b, minimumChunk: 1) { cosets in
            for k in cosets {
                let target = sub + k * n
                inverse(UnsafeMutableBufferPointer(start: target, count: n), parallelism: .serial)
                let shiftInverse = (offset * omega.power(UInt64(k))).inverseOfNonZero()
                var scale = Goldilocks.one
                for t in 0..<n {
                    target[t] = target[t] * scale
                    scale = scale * shiftInverse
                }
            }
        }
        // Combine: P[t + m·n] = c^(−n·m)·b⁻¹·Σₖ Rₖ[t]·ω_b^(−k·m), an inverse b-point DFT.
        let smallPlan = try! NTTPlan(size: b, parallelism: .serial)
        let offsetToMinusN = offset.power(UInt64(n)).inverseOfNonZero()
        var blockScales = [Goldilocks](repeating: .one, count: b)
        for m in 1..<b { blockScales[m] = blockScales[m - 1] * offsetToMinusN }
        blockScales.withUnsafeBufferPointer { blockScales in
            mode.forEachChunk(count: n, minimumChunk: 1 << 12) { range in
                withUnsafeTemporaryAllocation(of: E.self, capacity: b) { column in
                    column.initialize(repeating: .zero)
                    for t in range {
                        for k in 0..<b { column[k] = sub[k * n + t] }
                        smallPlan.inverse(column, parallelism: .serial)
                        for m in 0..<b { (out + t + m * n).initialize(to: column[m] * blockScales[m]) }
                    }
                }
            }
        }
    }

    @inlinable
    static func copyScaled<E: FieldElement>(
        _ coefficients: UnsafeBufferPointer<E>, offset: Goldilocks, into output: UnsafeMutablePointer<E>, size: Int
    ) {
        var power = Goldilocks.one
        for index in 0..<coefficients.count {
            (output + index).initialize(to: coefficients[index] * power)
            power = power * offset
        }
        (output + coefficients.count).initialize(repeating: .zero, count: size - coefficients.count)
    }
}
