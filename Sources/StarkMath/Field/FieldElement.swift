/// An element of Goldilocks or of one of its extensions.
///
/// Polynomials, the NTT and batch inversion are written once against this protocol.
/// Every extension field here is an extension of ``Goldilocks``, so an element can be
/// scaled by a base-field element (the NTT's twiddles stay in the base field even when
/// the values are extension elements, as in winterfell).
///
/// All arithmetic is `@inlinable`: generic code that uses it is specialised in the
/// caller's module and costs the same as hand-written concrete code.
public protocol FieldElement: Sendable, Hashable, CustomStringConvertible {
    /// The additive identity.
    static var zero: Self { get }
    /// The multiplicative identity.
    static var one: Self { get }
    /// How many Goldilocks coordinates make one element: 1, 2 or 3.
    static var extensionDegree: Int { get }

    /// Embeds a base-field element.
    init(_ base: Goldilocks)
    /// Builds an element from its Goldilocks coordinates, lowest power first.
    init(baseElements: some Collection<Goldilocks>) throws(FieldError)
    /// The Goldilocks coordinates, lowest power first (for serialisation and hashing).
    var baseElements: [Goldilocks] { get }

    var isZero: Bool { get }

    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    /// Multiplication by a base-field element: cheaper than a full extension product.
    static func * (lhs: Self, rhs: Goldilocks) -> Self
    static prefix func - (value: Self) -> Self

    func squared() -> Self
    /// The multiplicative inverse; zero has none and is refused.
    func inverse() throws(FieldError) -> Self

    /// A uniformly random element (rejection sampling: no modular bias).
    static func random(using generator: inout some RandomNumberGenerator) -> Self
}

// MARK: - Default implementations

extension FieldElement {
    @inlinable @inline(__always)
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }

    @inlinable @inline(__always)
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }

    @inlinable @inline(__always)
    public static func *= (lhs: inout Self, rhs: Self) { lhs = lhs * rhs }

    @inlinable @inline(__always)
    public static func *= (lhs: inout Self, rhs: Goldilocks) { lhs = lhs * rhs }

    @inlinable @inline(__always)
    public func doubled() -> Self { self + self }

    /// `self` raised to `exponent` by square-and-multiply (`0⁰ = 1`).
    @inlinable
    public func power(_ exponent: UInt64) -> Self {
        var result = Self.one
        var base = self
        var remaining = exponent
        while remaining != 0 {
            if remaining & 1 == 1 { result = result * base }
            remaining >>= 1
            if remaining != 0 { base = base.squared() }
        }
        return result
    }

    /// `self / divisor`; refuses a zero divisor.
    @inlinable
    public func divided(by divisor: Self) throws(FieldError) -> Self {
        self * (try divisor.inverse())
    }

    /// The powers `1, self, self², …` (`count` of them).
    @inlinable
    public func powers(count: Int) -> [Self] {
        precondition(count >= 0, "a negative number of powers was requested")
        var result = [Self]()
        result.reserveCapacity(count)
        var current = Self.one
        var index = 0
        while index < count {
            result.append(current)
            current = current * self
            index += 1
        }
        return result
    }
}

// MARK: - Batch inversion

extension FieldElement {
    /// Inverts every element in place with one field inversion and `3(n − 1)` products
    /// (Montgomery's trick). Refuses the batch if any element is zero, naming the first.
    @inlinable
    public static func batchInvert(_ values: UnsafeMutableBufferPointer<Self>) throws(FieldError) {
        let count = values.count
        guard count > 0 else { return }
        // prefix[i] = values[0] * … * values[i], kept in a scratch buffer.
        let prefix = UnsafeMutableBufferPointer<Self>.allocate(capacity: count)
        defer { prefix.deallocate() }
        var running = Self.one
        var index = 0
        while index < count {
            let value = values[index]
            if value.isZero { throw .divisionByZero(index: index) }
            running = running * value
            prefix.initializeElement(at: index, to: running)
            index += 1
        }
        var inverseOfPrefix = try running.inverse()
        index = count - 1
        while index > 0 {
            let value = values[index]
            values[index] = inverseOfPrefix * prefix[index - 1]
            inverseOfPrefix = inverseOfPrefix * value
            index -= 1
        }
        values[0] = inverseOfPrefix
    }

    /// The inverses of `values`, computed with a single field inversion.
    @inlinable
    public static func batchInverse(_ values: [Self]) throws(FieldError) -> [Self] {
        var result = values
        try result.withUnsafeMutableBufferPointer { (buffer) throws(FieldError) in
            try batchInvert(buffer)
        }
        return result
    }
}
