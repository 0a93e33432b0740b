/// The degree-2 extension 𝔽_p[φ] / (φ² − φ + 2) of ``Goldilocks`` (p² ≈ 2¹²⁸ elements).
///
/// Why x² − x + 2: it is irreducible (its discriminant 1 − 8 = −7 is a quadratic
/// non-residue modulo p, checked by `scripts/gen-proofmath-fixtures.py` and by a test),
/// reduction needs only a doubling (φ² = φ − 2), and it is the polynomial winterfell and
/// Miden use, so our challenges and out-of-domain values can be compared with theirs.
/// STARK challenges are drawn from here for ~100-bit conjectured security.
@frozen
public struct QuadraticExtension: FieldElement {
    /// The element is `c0 + c1·φ`.
    public let c0: Goldilocks
    public let c1: Goldilocks

    @inlinable @inline(__always)
    public init(_ c0: Goldilocks, _ c1: Goldilocks) {
        self.c0 = c0
        self.c1 = c1
    }

    @inlinable
    public init(_ base: Goldilocks) { self.init(base, .zero) }

    @inlinable
    public init(baseElements: some Collection<Goldilocks>) throws(FieldError) {
        guard baseElements.count == 2 else {
            throw .wrongLength(what: "a quadratic extension element", expected: 2, actual: baseElements.count)
        }
        var iterator = baseElements.makeIterator()
        self.init(iterator.next()!, iterator.next()!)
    }

    @inlinable public var baseElements: [Goldilocks] { [c0, c1] }
    @inlinable public static var extensionDegree: Int { 2 }
    @inlinable public static var zero: QuadraticExtension { QuadraticExtension(.zero, .zero) }
    @inlinable public static var one: QuadraticExtension { QuadraticExtension(.one, .zero) }
    @inlinable public var isZero: Bool { c0.isZero && c1.isZero }

    @inlinable @inline(__always)
    public static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.c0 + rhs.c0, lhs.c1 + rhs.c1) }

    @inlinable @inline(__always)
    public static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.c0 - rhs.c0, lhs.c1 - rhs.c1) }

    @inlinable @inline(__always)
    public static prefix func - (value: Self) -> Self { Self(-value.c0, -value.c1) }

    /// (a0 + a1φ)(b0 + b1φ) = (a0b0 − 2a1b1) + (a0b1 + a1b0 + a1b1)φ, with three base
    /// products (Karatsuba: a0b1 + a1b0 + a1b1 = (a0 + a1)(b0 + b1) − a0b0).
    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Self) -> Self {
        let low = lhs.c0 * rhs.c0
        let high = lhs.c1 * rhs.c1
        let cross = (lhs.c0 + lhs.c1) * (rhs.c0 + rhs.c1)
        return Self(low - high.doubled(), cross - low)
    }

    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Goldilocks) -> Self { Self(lhs.c0 * rhs, lhs.c1 * rhs) }

    @inlinable @inline(__always)
    public func squared() -> Self { self * self }

    /// The other root of φ² − φ + 2 is 1 − φ, so the conjugate of a0 + a1φ is
    /// (a0 + a1) − a1φ; it is also the Frobenius image self^p.
    @inlinable
    public func conjugate() -> Self { Self(c0 + c1, -c1) }

    /// self · conjugate = a0² + a0a1 + 2a1², an element of the base field.
    @inlinable
    public var norm: Goldilocks { c0 * (c0 + c1) + c1.squared().doubled() }

    /// conjugate / norm; the norm of a non-zero element is non-zero because the
    /// defining polynomial is irreducible.
    @inlinable
    public func inverse() throws(FieldError) -> Self {
        guard !isZero else { throw .divisionByZero(index: nil) }
        return conjugate() * norm.inverseOfNonZero()
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> Self {
        Self(.random(using: &generator), .random(using: &generator))
    }

    public var description: String { "(\(c0), \(c1))" }
}
