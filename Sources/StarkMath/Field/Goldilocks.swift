/// An element of the Goldilocks prime field, p = 2⁶⁴ − 2³² + 1.
///
/// The value is always canonical (`0 ..< p`), so equality, hashing and serialisation
/// need no normalisation and every element has exactly one encoding. Multiplication uses
/// the modulus's special form (2⁶⁴ ≡ 2³² − 1 and 2⁹⁶ ≡ −1 mod p) instead of a division.
///
/// p − 1 = 2³² · 3 · 5 · 17 · 257 · 65537, so the field has multiplicative subgroups of
/// every power-of-two order up to 2³² (the NTT's evaluation domains).
@frozen
public struct Goldilocks: FieldElement, Comparable, ExpressibleByIntegerLiteral {
    /// The canonical value, always below ``modulus``.
    public let value: UInt64

    /// p = 2⁶⁴ − 2³² + 1.
    public static let modulus: UInt64 = 0xFFFF_FFFF_0000_0001

    /// 2⁶⁴ mod p = 2³² − 1: what a carry out of 64 bits is worth.
    @usableFromInline @_transparent
    static var epsilon: UInt64 { 0xFFFF_FFFF }

    @usableFromInline @_transparent
    static var p: UInt64 { 0xFFFF_FFFF_0000_0001 }

    /// Wraps a value the caller has already made canonical.
    @usableFromInline @_transparent
    init(unchecked value: UInt64) { self.value = value }

    /// A canonical element; values at or above p are refused rather than reduced,
    /// so that untrusted input (proofs, wire data) has exactly one encoding per element.
    @inlinable
    public init(canonical value: UInt64) throws(FieldError) {
        guard value < Self.p else { throw .nonCanonical(value) }
        self.value = value
    }

    /// Reduces any 64-bit value modulo p. For values produced internally (hash outputs,
    /// random words, constants); untrusted input goes through ``init(canonical:)``.
    @inlinable @inline(__always)
    public init(reducing value: UInt64) {
        self.value = value >= Self.p ? value &- Self.p : value
    }

    /// Reduces the 128-bit value `high · 2⁶⁴ + low` modulo p.
    @_transparent
    public init(reducingHigh high: UInt64, low: UInt64) {
        self.value = Self.reduce128(high: high, low: low)
    }

    /// A literal must already be canonical; a too-large literal is a programming error.
    @inlinable
    public init(integerLiteral value: UInt64) {
        precondition(value < Self.p, "Goldilocks literal \(value) is not below the modulus")
        self.value = value
    }

    @inlinable
    public init(_ base: Goldilocks) { self = base }

    @inlinable
    public init(baseElements: some Collection<Goldilocks>) throws(FieldError) {
        guard baseElements.count == 1, let only = baseElements.first else {
            throw .wrongLength(what: "a Goldilocks element", expected: 1, actual: baseElements.count)
        }
        self = only
    }

    @inlinable
    public var baseElements: [Goldilocks] { [self] }

    @inlinable public static var extensionDegree: Int { 1 }
    @inlinable public static var zero: Goldilocks { Goldilocks(unchecked: 0) }
    @inlinable public static var one: Goldilocks { Goldilocks(unchecked: 1) }
    @inlinable public var isZero: Bool { value == 0 }

    /// 7 generates the whole multiplicative group; cosets `7 · ⟨ω⟩` never meet a subgroup,
    /// which is why low-degree extensions are evaluated on them.
    public static let multiplicativeGenerator: Goldilocks = 7

    /// The largest k with 2ᵏ | p − 1.
    public static let twoAdicity = 32

    /// 7^((p − 1) / 2³²): a primitive 2³²-th root of unity.
    public static let twoAdicRootOfUnity: Goldilocks = 1_753_635_133_440_165_772

    /// A primitive root of unity of the given power-of-two order (1 ... 2³²).
    public static func rootOfUnity(order: Int) throws(FieldError) -> Goldilocks {
        guard order > 0, order & (order - 1) == 0, order <= 1 << twoAdicity else {
            throw .invalidDomainSize(order)
        }
        let logOrder = order.trailingZeroBitCount
        var root = twoAdicRootOfUnity
        var step = logOrder
        while step < twoAdicity {
            root = root.squared()
            step += 1
        }
        return root
    }

    // MARK: - Arithmetic

    /// Reduces `high · 2⁶⁴ + low` below 2⁶⁴ (not always below p): 2⁹⁶ ≡ −1 and
    /// 2⁶⁴ ≡ 2³² − 1, so the value is `low − high₃₂…₆₃ + high₀…₃₁ · (2³² − 1)`, with
    /// each wrap corrected by ±(2³² − 1). Valid for every 128-bit input.
    @usableFromInline @_transparent
    static func partiallyReduce128(high: UInt64, low: UInt64) -> UInt64 {
        let highHigh = high >> 32
        let highLow = high & epsilon
        var (t0, borrow) = low.subtractingReportingOverflow(highHigh)
        if borrow { t0 &-= epsilon }
        let t1 = highLow &* epsilon
        var (t2, carry) = t0.addingReportingOverflow(t1)
        if carry { t2 &+= epsilon }
        return t2
    }

    /// Reduces `high · 2⁶⁴ + low` to its canonical residue.
    @usableFromInline @_transparent
    static func reduce128(high: UInt64, low: UInt64) -> UInt64 {
        let partial = partiallyReduce128(high: high, low: low)
        return partial >= p ? partial &- p : partial
    }

    /// The product of two words, canonical or not, reduced below 2⁶⁴ but possibly not
    /// below p. Long product chains (the RPO inverse S-box) stay in this form and
    /// canonicalise once with ``init(reducing:)``, saving a compare per product.
    @_transparent
    public static func partiallyReducedProduct(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
        let (high, low) = lhs.multipliedFullWidth(by: rhs)
        return partiallyReduce128(high: high, low: low)
    }

    @_transparent
    public static func + (lhs: Goldilocks, rhs: Goldilocks) -> Goldilocks {
        var (sum, carry) = lhs.value.addingReportingOverflow(rhs.value)
        if carry { sum &+= epsilon }
        return Goldilocks(unchecked: sum >= p ? sum &- p : sum)
    }

    @_transparent
    public static func - (lhs: Goldilocks, rhs: Goldilocks) -> Goldilocks {
        let (difference, borrow) = lhs.value.subtractingReportingOverflow(rhs.value)
        return Goldilocks(unchecked: borrow ? difference &- epsilon : difference)
    }

    @inlinable @inline(__always)
    public static prefix func - (value: Goldilocks) -> Goldilocks {
        Goldilocks(unchecked: value.value == 0 ? 0 : p &- value.value)
    }

    @_transparent
    public static func * (lhs: Goldilocks, rhs: Goldilocks) -> Goldilocks {
        let (high, low) = lhs.value.multipliedFullWidth(by: rhs.value)
        return Goldilocks(unchecked: reduce128(high: high, low: low))
    }

    @_transparent
    public func squared() -> Goldilocks { self * self }

    /// `self` squared `count` times: self^(2^count).
    @inlinable @inline(__always)
    public func squared(times count: Int) -> Goldilocks {
        var result = self
        var remaining = count
        while remaining > 0 {
            result = result * result
            remaining -= 1
        }
        return result
    }

    /// self^(p − 2) by an addition chain (64 squarings, 9 products). p − 2 has bits
    /// 63…33 set, bit 32 clear and bits 31…0 set, so it is (2³¹ − 1)·2³³ + (2³² − 1).
    @inlinable
    public func inverse() throws(FieldError) -> Goldilocks {
        guard !isZero else { throw .divisionByZero(index: nil) }
        return inverseOfNonZero()
    }

    /// The inverse of an element known to be non-zero (zero maps to zero).
    @inlinable
    public func inverseOfNonZero() -> Goldilocks {
        let x = self
        let e2 = x.squared() * x  // x^(2²−1)
        let e3 = e2.squared() * x  // x^(2³−1)
        let e6 = e3.squared(times: 3) * e3
        let e12 = e6.squared(times: 6) * e6
        let e24 = e12.squared(times: 12) * e12
        let e30 = e24.squared(times: 6) * e6
        let e31 = e30.squared() * x
        let e32 = e31.squared() * x
        return e31.squared(times: 33) * e32
    }

    public static func < (lhs: Goldilocks, rhs: Goldilocks) -> Bool { lhs.value < rhs.value }

    public static func random(using generator: inout some RandomNumberGenerator) -> Goldilocks {
        while true {
            let candidate = generator.next()
            if candidate < p { return Goldilocks(unchecked: candidate) }
        }
    }

    // MARK: - Bytes

    /// The 8-byte little-endian encoding (how elements are hashed and serialised).
    public var littleEndianBytes: [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Decodes 8 little-endian bytes, refusing a non-canonical value.
    public init(littleEndianBytes bytes: some Collection<UInt8>) throws(FieldError) {
        guard bytes.count == 8 else {
            throw .wrongLength(what: "a Goldilocks encoding (bytes)", expected: 8, actual: bytes.count)
        }
        var word: UInt64 = 0
        for (shift, byte) in bytes.enumerated() { word |= UInt64(byte) << (8 * shift) }
        try self.init(canonical: word)
    }

    public var description: String { String(value) }
}
