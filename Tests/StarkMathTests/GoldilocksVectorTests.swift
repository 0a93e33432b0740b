import CGoldilocksVector
import Testing
import TestSupport

@testable import StarkMath

/// The C butterflies (AVX-512 where present) against the generic Swift ones: base-field
/// transforms take the kernels, extension transforms the generic code, so a base value x
/// transformed both as itself and as (x, 0) in the quadratic extension must agree exactly.
@Suite struct GoldilocksVectorTests {
    /// Random values with the edges of the field mixed in (0, 1, p − 1, 2³², 2⁶⁴ − 2³²),
    /// where the 128-bit product's carries and the reductions' corrections happen.
    func values(_ count: Int, using generator: inout SeededGenerator) -> [Goldilocks] {
        let edges: [UInt64] = [0, 1, Goldilocks.modulus - 1, 1 << 32, Goldilocks.modulus - 2, 0xFFFF_FFFF]
        return (0..<count).map { i in
            i % 5 == 0 ? Goldilocks(reducing: edges[(i / 5) % edges.count]) : Goldilocks.random(using: &generator)
        }
    }

    @Test func baseFieldTransformsEqualTheGenericButterfliesForSizesTwoThrough2To16() throws {
        var generator = SeededGenerator(seed: 90)
        for log in 1...16 {
            let plan = try NTTPlan(size: 1 << log)
            let coefficients = values(plan.size, using: &generator)
            var base = coefficients
            var lifted = coefficients.map { QuadraticExtension($0) }
            plan.forward(&base)
            plan.forward(&lifted)
            #expect(base == lifted.map(\.c0), "forward, size 2^\(log)")
            plan.inverse(&base)
            plan.inverse(&lifted)
            #expect(base == coefficients, "inverse, size 2^\(log)")
            #expect(lifted.map(\.c0) == coefficients, "generic inverse, size 2^\(log)")
        }
    }

    /// Cubic values take the cubic kernels; each coordinate of a cubic transform is the
    /// base-field transform of that coordinate (the twiddles are base-field).
    @Test func cubicTransformsEqualTheBaseTransformOfEachCoordinate() throws {
        var generator = SeededGenerator(seed: 92)
        for log in [1, 2, 3, 4, 5, 9, 13, 15] {
            let plan = try NTTPlan(size: 1 << log)
            let coordinates = (0..<3).map { _ in values(plan.size, using: &generator) }
            var cubic = (0..<plan.size).map {
                CubicExtension(coordinates[0][$0], coordinates[1][$0], coordinates[2][$0])
            }
            plan.forward(&cubic)
            for k in 0..<3 {
                var base = coordinates[k]
                plan.forward(&base)
                #expect(cubic.map { [$0.c0, $0.c1, $0.c2][k] } == base, "coordinate \(k), size 2^\(log)")
            }
            plan.inverse(&cubic)
            #expect(cubic.map(\.c1) == coordinates[1], "inverse, size 2^\(log)")
        }
    }

    /// A wide stage split at ranges that are not multiples of eight: the kernel's scalar
    /// ends and vector middle must together do every butterfly once.
    @Test func wideStageKernelDoesEveryButterflyOnceOnRaggedRanges() throws {
        var generator = SeededGenerator(seed: 91)
        let half = 64
        let count = 4 * half
        let start = values(count, using: &generator)
        let twiddles = values(half, using: &generator)
        var expected = start
        for t in 0..<(count / 2) {
            let low = (t / half) * 2 * half + t % half
            let u = expected[low]
            let v = expected[low + half] * twiddles[t % half]
            expected[low] = u + v
            expected[low + half] = u - v
        }
        let twiddleWords = twiddles.map(\.value)
        let cuts = [0, 3, 13, 64, 67, 100, 128]
        for useVectors: Int32 in [0, 1] {
            var words = start.map(\.value)
            words.withUnsafeMutableBufferPointer { buffer in
                twiddleWords.withUnsafeBufferPointer { table in
                    for (from, to) in zip(cuts, cuts.dropFirst()) {
                        cloister_ntt_wide_stage(buffer.baseAddress!, half, table.baseAddress!, from, to, useVectors)
                    }
                }
            }
            #expect(words == expected.map(\.value), "use_vectors \(useVectors)")
            // Cubic: each coordinate as the base-field stage does it (checked just above).
            let coordinates = [start.map(\.value), start.reversed().map(\.value), words]
            var cubic = (0..<count).flatMap { i in coordinates.map { $0[i] } }
            var each = coordinates
            for (from, to) in zip(cuts, cuts.dropFirst()) {
                cloister_ntt_cubic_wide_stage(&cubic, half, twiddleWords, from, to, useVectors)
                for k in 0..<3 { cloister_ntt_wide_stage(&each[k], half, twiddleWords, from, to, 0) }
            }
            #expect(cubic == (0..<count).flatMap { i in each.map { $0[i] } }, "cubic, use_vectors \(useVectors)")
        }
    }

    /// The kernels' block stages, vectorised and scalar (the fallback without AVX-512), do
    /// exactly the generic Swift butterflies, base and cubic.
    @Test func scalarAndVectorBlockStagesEqualTheGenericButterflies() throws {
        var generator = SeededGenerator(seed: 93)
        let plan = try NTTPlan(size: 1 << 12)
        let twiddleWords = plan.forwardTwiddles.map(\.value)
        for count in [2, 8, 16, 4096] {
            let start = values(count, using: &generator)
            var generic = start
            generic.withUnsafeMutableBufferPointer { buffer in
                plan.forwardTwiddles.withUnsafeBufferPointer {
                    NTTPlan.butterflyStages(buffer.baseAddress!, count: count, twiddles: $0.baseAddress!)
                }
            }
            let cubicStart = (0..<count).map { CubicExtension(start[$0], start[count - 1 - $0], .random(using: &generator)) }
            var cubicGeneric = cubicStart
            cubicGeneric.withUnsafeMutableBufferPointer { buffer in
                plan.forwardTwiddles.withUnsafeBufferPointer {
                    NTTPlan.butterflyStages(buffer.baseAddress!, count: count, twiddles: $0.baseAddress!)
                }
            }
            for useVectors: Int32 in [0, 1] {
                var words = start.map(\.value)
                cloister_ntt_block_stages(&words, count, twiddleWords, useVectors)
                #expect(words == generic.map(\.value), "\(count) values, use_vectors \(useVectors)")
                var cubicWords = cubicStart.flatMap { [$0.c0.value, $0.c1.value, $0.c2.value] }
                cloister_ntt_cubic_block_stages(&cubicWords, count, twiddleWords, useVectors)
                #expect(
                    cubicWords == cubicGeneric.flatMap { [$0.c0.value, $0.c1.value, $0.c2.value] },
                    "\(count) cubic values, use_vectors \(useVectors)")
            }
        }
    }
}
