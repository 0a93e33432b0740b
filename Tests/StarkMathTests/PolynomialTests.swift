import StarkMath
import Testing
import TestSupport

@Suite struct PolynomialTests {
    @Test func hornerEvaluationMatchesTheSumOfTerms() {
        let coefficients: [Goldilocks] = [3, 0, 5, 7]
        let x: Goldilocks = 11
        #expect(Polynomial.evaluate(coefficients, at: x) == 3 + 5 * x * x + 7 * x * x * x)
        let z = QuadraticExtension(4, 9)
        let expected = QuadraticExtension(3) + z * z * QuadraticExtension(5) + z * z * z * QuadraticExtension(7)
        #expect(Polynomial.evaluate(coefficients, atExtensionPoint: z) == expected)
        #expect(Polynomial.evaluate([Goldilocks](), at: x) == .zero)
    }

    @Test func divisionByLinearFactorLeavesTheValueAsRemainder() {
        var generator = SeededGenerator(seed: 30)
        let coefficients = (0..<20).map { _ in CubicExtension.random(using: &generator) }
        let root = CubicExtension.random(using: &generator)
        let (quotient, remainder) = Polynomial.divideByLinear(coefficients, root: root)
        #expect(remainder == Polynomial.evaluate(coefficients, at: root))
        let rebuilt = Polynomial.add(Polynomial.multiply(quotient, [-root, .one]), [remainder])
        #expect(rebuilt == coefficients)
    }

    @Test func lagrangeInterpolationPassesThroughEveryPoint() throws {
        var generator = SeededGenerator(seed: 31)
        let xs = (0..<9).map { _ in Goldilocks.random(using: &generator) }
        let ys = (0..<9).map { _ in Goldilocks.random(using: &generator) }
        let coefficients = try Polynomial.interpolate(xs: xs, ys: ys)
        #expect(coefficients.count == 9)
        for (x, y) in zip(xs, ys) { #expect(Polynomial.evaluate(coefficients, at: x) == y) }
    }

    @Test func interpolationRefusesRepeatedPoints() {
        let xs: [Goldilocks] = [1, 2, 1]
        #expect(throws: FieldError.duplicateInterpolationPoint(index: 0)) {
            try Polynomial.interpolate(xs: xs, ys: [1, 2, 3])
        }
        #expect(throws: FieldError.self) { try Polynomial.interpolate(xs: xs, ys: [1, 2]) }
    }

    @Test func degreeIgnoresTrailingZeros() {
        #expect(Polynomial.degree(of: [Goldilocks(1), 2, 0, 0]) == 1)
        #expect(Polynomial.degree(of: [Goldilocks(0), 0]) == nil)
        #expect(Polynomial.trimmed([Goldilocks(1), 0]) == [1])
    }

    @Test func productEvaluatesToProductOfValues() {
        var generator = SeededGenerator(seed: 32)
        let a = (0..<7).map { _ in Goldilocks.random(using: &generator) }
        let b = (0..<5).map { _ in Goldilocks.random(using: &generator) }
        let x = Goldilocks.random(using: &generator)
        let product = Polynomial.multiply(a, b)
        #expect(Polynomial.evaluate(product, at: x) == Polynomial.evaluate(a, at: x) * Polynomial.evaluate(b, at: x))
        let difference = Polynomial.subtract(a, b)
        #expect(Polynomial.evaluate(difference, at: x) == Polynomial.evaluate(a, at: x) - Polynomial.evaluate(b, at: x))
        #expect(Polynomial.scale(a, by: x) == a.map { $0 * x })
    }
}
