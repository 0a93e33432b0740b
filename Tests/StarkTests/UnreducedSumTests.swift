import StarkMath
import Testing
import TestSupport

@testable import Stark

@Suite("Unreduced sums of products")
struct UnreducedSumTests {
    /// The largest products (p − 1)², many of them, and random ones with a stride: the sum
    /// reduced once equals the field sum of reduced products.
    @Test func equalsTheFieldSumOfReducedProducts() {
        var generator = SeededGenerator(seed: 70)
        let top = Goldilocks.modulus - 1
        for (count, random) in [(1, false), (5_000, false), (777, true)] {
            let values = (0..<(3 * count)).map { random ? Goldilocks.random(using: &generator).value : top - UInt64($0 % 3) }
            let factors = (0..<count).map { _ in random ? Goldilocks.random(using: &generator).value : top }
            for offset in 0..<3 {
                var sum = UnreducedSum()
                values.withUnsafeBufferPointer { v in
                    factors.withUnsafeBufferPointer { f in
                        sum.add(v.baseAddress! + offset, stride: 3, times: f.baseAddress!, count: count)
                    }
                }
                var expected = Goldilocks.zero
                for j in 0..<count {
                    expected += Goldilocks(reducing: values[3 * j + offset]) * Goldilocks(reducing: factors[j])
                }
                #expect(sum.reduced == expected, "\(count) products, offset \(offset)")
            }
        }
    }

    /// The prover's out-of-domain evaluation (dot product with the point's powers) equals
    /// Horner's rule, for cubic and quadratic points and lengths across the powers' chunks.
    @Test func traceValuesAtAnExtensionPointEqualHorner() {
        var generator = SeededGenerator(seed: 71)
        for count in [1, 2, 100, (1 << 14) + 3] {
            let coefficients = (0..<count).map { _ in Goldilocks.random(using: &generator) }
            let cubic = CubicExtension.random(using: &generator)
            let quadratic = QuadraticExtension.random(using: &generator)
            let cubicPowers = cubic.powers(count: count)
            let quadraticPowers = quadratic.powers(count: count)
            #expect(cubicPowers.last == cubic.power(UInt64(count - 1)))
            coefficients.withUnsafeBytes { words in
                let c = words.bindMemory(to: UInt64.self).baseAddress!
                let atCubic = cubicPowers.withUnsafeBytes {
                    ProverRun<CubicExtension>.dotProduct($0.bindMemory(to: UInt64.self).baseAddress!, c, count: count)
                }
                #expect(atCubic == Polynomial.evaluate(coefficients, atExtensionPoint: cubic), "\(count) coefficients")
                let atQuadratic = quadraticPowers.withUnsafeBytes {
                    ProverRun<QuadraticExtension>.dotProduct($0.bindMemory(to: UInt64.self).baseAddress!, c, count: count)
                }
                #expect(atQuadratic == Polynomial.evaluate(coefficients, atExtensionPoint: quadratic))
            }
        }
    }
}
