/// The degree-3 extension 𝔽_p[φ] / (φ³ − φ − 1) of ``Goldilocks`` (p³ ≈ 2¹⁹² elements).
///
/// Why x³ − x − 1: a cubic is irreducible exactly when it has no root, and
/// gcd(x^p − x, x³ − x − 1) = 1 over Goldilocks (checked by
/// `scripts/gen-proofmath-fixtures.py`); reduction costs additions only (φ³ = φ + 1,
/// φ⁴ = φ² + φ); and winterfell uses the same polynomial, so values can be cross-checked.
/// Challenges come from here when proven (list-decoding) security of ~100 bits is wanted.
@frozen
public struct CubicExtension: FieldElement {
    /// The element is `c0 + c1·φ + c2·φ²`.
    public let c0: Goldilocks
    public let c1: Goldilocks
    public let c2: Goldilocks

    @inlinable @inline(__always)
    public init(_ c0: Goldilocks, _ c1: Goldilocks, _ c2: Goldilocks) {
        self.c0 = c0
        self.c1 = c1
        self.c2 = c2
    }

    @inlinable
    public init(_ base: Goldilocks) { self.init(base, .zero, .zero) }

    @inlinable
    public init(baseElements: some Collection<Goldilocks>) throws(FieldError) {
        guard baseElements.count == 3 else {
            throw .wrongLength(what: "a cubic extension element", expected: 3, actual: baseElements.count)
        }
        var iterator = baseElements.makeIterator()
        self.init(iterator.next()!, iterator.next()!, iterator.next()!)
    }

    @inlinable public var baseElements: [Goldilocks] { [c0, c1, c2] }
    @inlinable public static var extensionDegree: Int { 3 }
    @inlinable public static var zero: CubicExtension { CubicExtension(.zero, .zero, .zero) }
    @inlinable public static var one: CubicExtension { CubicExtension(.one, .zero, .zero) }
    @inlinable public var isZero: Bool { c0.isZero && c1.isZero && c2.isZero }

    @inlinable @inline(__always)
    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(lhs.c0 + rhs.c0, lhs.c1 + rhs.c1, lhs.c2 + rhs.c2)
    }

    @inlinable @inline(__always)
    public static func - (lhs: Self, rhs: Self) -> Self {
        Self(lhs.c0 - rhs.c0, lhs.c1 - rhs.c1, lhs.c2 - rhs.c2)
    }

    @inlinable @inline(__always)
    public static prefix func - (value: Self) -> Self { Self(-value.c0, -value.c1, -value.c2) }

    /// Six base products (three-term Karatsuba) give the degree-4 product d0…d4, then
    /// φ³ = φ + 1 and φ⁴ = φ² + φ fold it back: c0 = d0 + d3, c1 = d1 + d3 + d4, c2 = d2 + d4.
    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Self) -> Self {
        let m0 = lhs.c0 * rhs.c0
        let m1 = lhs.c1 * rhs.c1
        let m2 = lhs.c2 * rhs.c2
        let m01 = (lhs.c0 + lhs.c1) * (rhs.c0 + rhs.c1)
        let m02 = (lhs.c0 + lhs.c2) * (rhs.c0 + rhs.c2)
        let m12 = (lhs.c1 + lhs.c2) * (rhs.c1 + rhs.c2)
        let d1 = m01 - m0 - m1
        let d2 = m02 - m0 - m2 + m1
        let d3 = m12 - m1 - m2
        return Self(m0 + d3, d1 + d3 + m2, d2 + m2)
    }

    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Goldilocks) -> Self {
        Self(lhs.c0 * rhs, lhs.c1 * rhs, lhs.c2 * rhs)
    }

    @inlinable @inline(__always)
    public func squared() -> Self { self * self }

    /// Solves self · b = 1 as a 3×3 linear system over Goldilocks by the adjugate.
    /// Multiplication by a = a0 + a1φ + a2φ² has the matrix
    /// [[a0, a2, a1], [a1, a0 + a2, a1 + a2], [a2, a1, a0 + a2]]; b is the first
    /// column of its inverse, i.e. the first-row cofactors divided by the determinant
    /// (non-zero for a non-zero element because the polynomial is irreducible).
    @inlinable
    public func inverse() throws(FieldError) -> Self {
        guard !isZero else { throw .divisionByZero(index: nil) }
        let a0 = c0, a1 = c1, a2 = c2
        let a02 = a0 + a2
        let cofactor0 = a02.squared() - (a1 + a2) * a1
        let cofactor1 = (a1 + a2) * a2 - a1 * a02
        let cofactor2 = a1.squared() - a02 * a2
        let determinant = a0 * cofactor0 + a2 * cofactor1 + a1 * cofactor2
        let scale = determinant.inverseOfNonZero()
        return Self(cofactor0 * scale, cofactor1 * scale, cofactor2 * scale)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> Self {
        Self(.random(using: &generator), .random(using: &generator), .random(using: &generator))
    }

    public var description: String { "(\(c0), \(c1), \(c2))" }
}
