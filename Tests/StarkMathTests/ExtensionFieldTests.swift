import StarkMath
import Testing
import TestSupport

@Suite struct ExtensionFieldTests {
    let p: UInt64 = 0xFFFF_FFFF_0000_0001

    func checkAgainstReference<E: FieldElement>(_ cases: [FieldFixtures.ExtensionCase], as type: E.Type) throws {
        #expect(cases.count > 100)
        for c in cases {
            let a: E = try elements(c.a)
            let b: E = try elements(c.b)
            #expect(a + b == (try elements(c.sum) as E), "\(a) + \(b)")
            #expect(a - b == (try elements(c.difference) as E), "\(a) - \(b)")
            #expect(a * b == (try elements(c.product) as E), "\(a) * \(b)")
            #expect(a.squared() == (try elements(c.square) as E), "\(a)²")
            #expect(a.power(UInt64(c.exponent)!) == (try elements(c.power) as E), "\(a) ^ \(c.exponent)")
            if let inverse = c.inverse {
                #expect(try a.inverse() == (try elements(inverse) as E), "1 / \(a)")
            } else {
                #expect(throws: FieldError.divisionByZero(index: nil)) { try a.inverse() }
            }
        }
    }

    @Test func quadraticExtensionAgreesWithPythonReference() throws {
        try checkAgainstReference(FieldFixtures.shared.quadratic, as: QuadraticExtension.self)
    }

    @Test func cubicExtensionAgreesWithPythonReference() throws {
        try checkAgainstReference(FieldFixtures.shared.cubic, as: CubicExtension.self)
    }

    /// x² − x + 2 is irreducible iff its discriminant −7 is a non-residue (Euler's criterion).
    @Test func quadraticPolynomialIsIrreducible() {
        let discriminant = -Goldilocks(7)
        #expect(discriminant.power((p - 1) / 2) == -Goldilocks.one)
        // φ² = φ − 2 in the extension.
        let phi = QuadraticExtension(.zero, .one)
        #expect(phi.squared() == phi - QuadraticExtension(2))
    }

    /// x³ − x − 1 (squarefree: discriminant −23 ≠ 0) is irreducible iff φ^(p³) = φ while
    /// φ^p ≠ φ in 𝔽_p[x]/(f): with a linear factor the ring would split off 𝔽_p and
    /// either φ^p = φ (three roots) or φ^(p³) = φ^p ≠ φ (root times irreducible quadratic).
    @Test func cubicPolynomialIsIrreducible() {
        let phi = CubicExtension(.zero, .one, .zero)
        #expect(phi.power(3) == phi + .one)
        let frobenius = phi.power(p)
        #expect(frobenius != phi)
        #expect(frobenius.power(p).power(p) == phi)
        #expect(-Goldilocks(23) != .zero)
    }

    @Test func inverseTimesElementIsOneInBothExtensions() throws {
        var generator = SeededGenerator(seed: 10)
        for _ in 0..<100 {
            let q = QuadraticExtension.random(using: &generator)
            let c = CubicExtension.random(using: &generator)
            #expect(try q * q.inverse() == .one)
            #expect(try c * c.inverse() == .one)
            #expect(q.norm == (q * q.conjugate()).c0)
            #expect((q * q.conjugate()).c1 == .zero)
        }
    }

    @Test func baseFieldEmbedsAndScalesConsistently() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<50 {
            let s = Goldilocks.random(using: &generator)
            let t = Goldilocks.random(using: &generator)
            let q = QuadraticExtension.random(using: &generator)
            let c = CubicExtension.random(using: &generator)
            #expect(QuadraticExtension(s) * QuadraticExtension(t) == QuadraticExtension(s * t))
            #expect(CubicExtension(s) + CubicExtension(t) == CubicExtension(s + t))
            #expect(q * s == q * QuadraticExtension(s))
            #expect(c * s == c * CubicExtension(s))
        }
    }

    @Test func coordinatesRoundTripAndWrongCountsAreRefused() throws {
        let q = QuadraticExtension(5, 9)
        #expect(try QuadraticExtension(baseElements: q.baseElements) == q)
        let c = CubicExtension(1, 2, 3)
        #expect(try CubicExtension(baseElements: c.baseElements) == c)
        #expect(throws: FieldError.wrongLength(what: "a cubic extension element", expected: 3, actual: 2)) {
            try CubicExtension(baseElements: [Goldilocks(1), 2])
        }
        #expect(throws: FieldError.self) { try QuadraticExtension(baseElements: [Goldilocks(1)]) }
        #expect(QuadraticExtension.extensionDegree == 2 && CubicExtension.extensionDegree == 3)
    }
}
