/// An unsigned 256-bit integer: Ethereum's word, used for values, balances and fee fields.
///
/// Four 64-bit limbs, least significant first, held inline. The operators `+`, `-` and `*`
/// trap on overflow like Swift's own integers; the `ReportingOverflow` and `checked` forms
/// let callers that handle untrusted input refuse instead of trapping.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Limbs, least significant first.
    public var words: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = UInt256(words: (0, 0, 0, 0))
    public static let one = UInt256(words: (1, 0, 0, 0))
    public static let max = UInt256(words: (.max, .max, .max, .max))

    @inlinable public init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }
    @inlinable public init(_ value: UInt64) { words = (value, 0, 0, 0) }
    @inlinable public init(integerLiteral value: UInt64) { self.init(value) }

    /// Big-endian bytes, at most 32 (leading zeros allowed here; RLP checks canonical form itself).
    @inlinable
    public init(bigEndian bytes: some Collection<UInt8>) throws(PrimitiveError) {
        guard bytes.count <= 32 else { throw .overflow("a 256-bit number has at most 32 bytes, got \(bytes.count)") }
        self.init(copyingBigEndian: bytes)
    }

    /// Big-endian bytes the caller has already bounded to at most 32 (a 32-byte ABI word or
    /// signature half, a minimal encoding whose length was checked), so there is nothing to throw.
    ///
    /// - Precondition: `bytes.count <= 32`. More is a programmer error and traps.
    @inlinable
    public init(bigEndianWord bytes: some Collection<UInt8>) {
        precondition(bytes.count <= 32, "UInt256(bigEndianWord:) takes at most 32 bytes, got \(bytes.count)")
        self.init(copyingBigEndian: bytes)
    }

    /// Reads `bytes`, whose count is at most 32.
    @inlinable
    init(copyingBigEndian bytes: some Collection<UInt8>) {
        words = (0, 0, 0, 0)
        var shift = 8 * (bytes.count - 1)
        for byte in bytes {
            self[limb: shift / 64] |= UInt64(byte) << UInt64(shift % 64)
            shift -= 8
        }
    }

    @inlinable subscript(limb index: Int) -> UInt64 {
        get {
            switch index {
            case 0: return words.0
            case 1: return words.1
            case 2: return words.2
            default: return words.3
            }
        }
        set {
            switch index {
            case 0: words.0 = newValue
            case 1: words.1 = newValue
            case 2: words.2 = newValue
            default: words.3 = newValue
            }
        }
    }

    @inlinable public var isZero: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    /// The value as a UInt64 when it fits.
    @inlinable public var uint64: UInt64? { words.1 | words.2 | words.3 == 0 ? words.0 : nil }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int {
        for i in stride(from: 3, through: 0, by: -1) where self[limb: i] != 0 {
            return i * 64 + (64 - self[limb: i].leadingZeroBitCount)
        }
        return 0
    }

    /// Exactly 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            out[31 - i] = UInt8(truncatingIfNeeded: self[limb: i / 8] >> (8 * UInt64(i % 8)))
        }
        return out
    }

    /// Big-endian bytes without leading zeros (empty for zero): the RLP and QUANTITY form.
    public var minimalBigEndianBytes: [UInt8] {
        let bytes = bigEndianBytes
        return Array(bytes.drop { $0 == 0 })
    }

    // MARK: - Arithmetic

    @inlinable
    public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var result = UInt256.zero
        var carry = false
        for i in 0..<4 {
            let (s1, o1) = self[limb: i].addingReportingOverflow(other[limb: i])
            let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
            result[limb: i] = s2
            carry = o1 || o2
        }
        return (result, carry)
    }

    @inlinable
    public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var result = UInt256.zero
        var borrow = false
        for i in 0..<4 {
            let (d1, o1) = self[limb: i].subtractingReportingOverflow(other[limb: i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            result[limb: i] = d2
            borrow = o1 || o2
        }
        return (result, borrow)
    }

    public func multipliedReportingOverflow(by other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var product: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &product) { raw in
            let limbs = raw.bindMemory(to: UInt64.self)
            for i in 0..<4 {
                let a = self[limb: i]
                if a == 0 { continue }
                var carry: UInt64 = 0
                for j in 0..<4 {
                    let (high, low) = a.multipliedFullWidth(by: other[limb: j])
                    let (s1, o1) = limbs[i + j].addingReportingOverflow(low)
                    let (s2, o2) = s1.addingReportingOverflow(carry)
                    limbs[i + j] = s2
                    carry = high &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
                }
                limbs[i + 4] = carry
            }
        }
        let overflow = product.4 | product.5 | product.6 | product.7 != 0
        return (UInt256(words: (product.0, product.1, product.2, product.3)), overflow)
    }

    /// Division by a single limb, the step of decimal printing.
    public func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        precondition(divisor != 0, "division by zero")
        var quotient = UInt256.zero
        var remainder: UInt64 = 0
        for i in stride(from: 3, through: 0, by: -1) {
            let (q, r) = divisor.dividingFullWidth((remainder, self[limb: i]))
            quotient[limb: i] = q
            remainder = r
        }
        return (quotient, remainder)
    }

    /// Full 256-bit division by shift and subtract: rare (fee and supply arithmetic), never hot.
    public func quotientAndRemainder(dividingBy divisor: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        precondition(!divisor.isZero, "division by zero")
        if let small = divisor.uint64 {
            let (q, r) = quotientAndRemainder(dividingBy: small)
            return (q, UInt256(r))
        }
        var quotient = UInt256.zero
        var remainder = UInt256.zero
        for bit in stride(from: bitWidth - 1, through: 0, by: -1) {
            remainder = remainder.shiftedLeftByOne()
            if (self[limb: bit / 64] >> UInt64(bit % 64)) & 1 == 1 { remainder.words.0 |= 1 }
            if remainder >= divisor {
                remainder = remainder.subtractingReportingOverflow(divisor).partialValue
                quotient[limb: bit / 64] |= 1 << UInt64(bit % 64)
            }
        }
        return (quotient, remainder)
    }

    func shiftedLeftByOne() -> UInt256 {
        UInt256(words: (
            words.0 << 1,
            words.1 << 1 | words.0 >> 63,
            words.2 << 1 | words.1 >> 63,
            words.3 << 1 | words.2 >> 63
        ))
    }

    /// The sum, or nil on overflow.
    @inlinable public func checkedAdding(_ other: UInt256) -> UInt256? {
        let (value, overflow) = addingReportingOverflow(other)
        return overflow ? nil : value
    }

    /// The difference, or nil when `other` is larger.
    @inlinable public func checkedSubtracting(_ other: UInt256) -> UInt256? {
        let (value, overflow) = subtractingReportingOverflow(other)
        return overflow ? nil : value
    }

    /// The product, or nil on overflow.
    public func checkedMultiplying(by other: UInt256) -> UInt256? {
        let (value, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? nil : value
    }

    @inlinable public static func + (a: UInt256, b: UInt256) -> UInt256 {
        let (value, overflow) = a.addingReportingOverflow(b)
        precondition(!overflow, "UInt256 addition overflow")
        return value
    }

    @inlinable public static func - (a: UInt256, b: UInt256) -> UInt256 {
        let (value, overflow) = a.subtractingReportingOverflow(b)
        precondition(!overflow, "UInt256 subtraction underflow")
        return value
    }

    public static func * (a: UInt256, b: UInt256) -> UInt256 {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        precondition(!overflow, "UInt256 multiplication overflow")
        return value
    }

    @inlinable public static func < (a: UInt256, b: UInt256) -> Bool {
        if a.words.3 != b.words.3 { return a.words.3 < b.words.3 }
        if a.words.2 != b.words.2 { return a.words.2 < b.words.2 }
        if a.words.1 != b.words.1 { return a.words.1 < b.words.1 }
        return a.words.0 < b.words.0
    }

    @inlinable public static func == (a: UInt256, b: UInt256) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    // MARK: - Text

    /// Parses a decimal string of digits only (no sign, no separators); refuses values above 2²⁵⁶ − 1.
    public init(decimal text: some StringProtocol) throws(PrimitiveError) {
        guard !text.isEmpty else { throw .invalidNumber("empty decimal number") }
        var value = UInt256.zero
        for character in text.utf8 {
            guard character >= UInt8(ascii: "0"), character <= UInt8(ascii: "9") else {
                throw .invalidNumber("'\(text)' is not a decimal number (digits 0-9 only)")
            }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt256(UInt64(character - UInt8(ascii: "0"))))
            guard !o1, !o2 else { throw .overflow("\(text) does not fit in 256 bits") }
            value = sum
        }
        self = value
    }

    /// Parses a JSON-RPC QUANTITY (`0x`, shortest digits, `0x0` for zero).
    public init(quantity text: some StringProtocol) throws(PrimitiveError) {
        let digits: Substring.UTF8View
        do { digits = try Hex.quantityDigits(text) } catch { throw .hex(error) }
        guard digits.count <= 64 else { throw .overflow("\(text) does not fit in 256 bits") }
        var value = UInt256.zero
        for (i, character) in digits.reversed().enumerated() {
            value[limb: i / 16] |= UInt64(Hex.nibble(character)!) << (4 * UInt64(i % 16))
        }
        self = value
    }

    /// Decimal digits.
    public var decimal: String {
        if isZero { return "0" }
        var digits = [UInt8]()
        var value = self
        // Peel off 19 decimal digits at a time: 10^19 is the largest power of ten below 2^64.
        let chunk: UInt64 = 10_000_000_000_000_000_000
        while !value.isZero {
            let (q, r) = value.quotientAndRemainder(dividingBy: chunk)
            var part = r
            for _ in 0..<19 {
                digits.append(UInt8(ascii: "0") + UInt8(part % 10))
                part /= 10
                if q.isZero && part == 0 { break }
            }
            value = q
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// The JSON-RPC QUANTITY form: `0x` and the shortest lower-case hex digits.
    public var quantity: String {
        if isZero { return "0x0" }
        var text = "0x"
        var started = false
        for i in stride(from: 3, through: 0, by: -1) {
            let limb = self[limb: i]
            if !started {
                if limb == 0 { continue }
                text += String(limb, radix: 16)
                started = true
            } else {
                let part = String(limb, radix: 16)
                text += String(repeating: "0", count: 16 - part.count) + part
            }
        }
        return text
    }

    public var description: String { decimal }
}
