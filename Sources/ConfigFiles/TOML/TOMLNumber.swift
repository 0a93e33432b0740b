/// TOML integers and floats, read from one token (`TOMLParser.parseScalarToken`).
///
/// Integers: decimal with an optional sign and no leading zero, or `0x`, `0o`, `0b` without a
/// sign; `_` only between two digits; anything outside a signed 64-bit integer is refused.
/// Floats: an integer part, then a fraction, an exponent or both; `inf` and `nan` with an
/// optional sign; a finite float that rounds to infinity is refused.
enum TOMLNumber {
    struct Problem: Error {
        var message: String
    }

    static func parse(_ token: ArraySlice<UInt8>) throws(Problem) -> ConfigValue {
        let text = String(decoding: token, as: UTF8.self)
        var digits = token
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        if digits.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if digits.elementsEqual("nan".utf8) { return .float(negative ? -.nan : .nan) }
        guard let first = digits.first, isDecimal(first) else { throw Problem(message: notANumber(text)) }
        if digits.count >= 2, first == UInt8(ascii: "0"), let base = radix(digits[digits.startIndex + 1]) {
            guard digits.count == token.count else {
                throw Problem(message: "`\(text)`: a hexadecimal, octal or binary integer cannot have a sign")
            }
            return .integer(try radixInteger(digits.dropFirst(2), radix: base, text: text))
        }
        if digits.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return .float(try float(token, digits: digits, text: text))
        }
        guard isDigitRun(digits, digit: isDecimal) else {
            if digits.allSatisfy({ isDecimal($0) || $0 == UInt8(ascii: "_") }) {
                throw Problem(message: "`\(text)` is not a valid integer: `_` may only stand between two digits")
            }
            throw Problem(message: notANumber(text))
        }
        try refuseLeadingZero(digits, text: text)
        return .integer(try decimalInteger(digits, negative: negative, text: text))
    }

    private static func radix(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "x"): return 16
        case UInt8(ascii: "o"): return 8
        case UInt8(ascii: "b"): return 2
        default: return nil
        }
    }

    private static func radixInteger(_ digits: ArraySlice<UInt8>, radix: Int, text: String) throws(Problem) -> Int {
        let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
        guard isDigitRun(digits, digit: { digitValue($0).map { $0 < radix } == true }) else {
            throw Problem(
                message: "`\(text)` is not a valid \(name) integer (digits, with `_` only between two digits)")
        }
        var value: UInt64 = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: UInt64(radix))
            guard !overflow, let digit = digitValue(byte), shifted <= UInt64(Int64.max) - UInt64(digit) else {
                throw Problem(message: "the integer `\(text)` does not fit in 64 bits (at most 0x7FFFFFFFFFFFFFFF)")
            }
            value = shifted + UInt64(digit)
        }
        return Int(value)
    }

    /// Accumulated downwards, so that −2⁶³ reads as well as 2⁶³ − 1.
    private static func decimalInteger(_ digits: ArraySlice<UInt8>, negative: Bool, text: String) throws(Problem) -> Int
    {
        let outOfRange = Problem(
            message: "the integer `\(text)` does not fit in 64 bits (−9223372036854775808 to 9223372036854775807)")
        var value = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw outOfRange }
            let (next, underflow) = shifted.subtractingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !underflow else { throw outOfRange }
            value = next
        }
        if negative { return value }
        guard value != Int.min else { throw outOfRange }
        return -value
    }

    /// `int [. frac] [e|E [sign] exp]`, at least one of fraction and exponent.
    private static func float(
        _ token: ArraySlice<UInt8>, digits: ArraySlice<UInt8>, text: String
    ) throws(Problem) -> Double {
        let invalid = Problem(
            message: "`\(text)` is not a valid float (digits, then a fraction `.5`, an exponent `e-3` or both, "
                + "with `_` only between two digits)")
        let exponentStart = digits.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = digits[..<(exponentStart ?? digits.endIndex)]
        let point = mantissa.firstIndex(of: UInt8(ascii: "."))
        let integerPart = mantissa[..<(point ?? mantissa.endIndex)]
        guard isDigitRun(integerPart, digit: isDecimal) else { throw invalid }
        try refuseLeadingZero(integerPart, text: text)
        if let point {
            guard isDigitRun(mantissa[(point + 1)...], digit: isDecimal) else { throw invalid }
        }
        if let exponentStart {
            var exponent = digits[(exponentStart + 1)...]
            if let sign = exponent.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponent = exponent.dropFirst()
            }
            guard isDigitRun(exponent, digit: isDecimal) else { throw invalid }
        }
        let cleaned = String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let value = Double(cleaned) else { throw invalid }
        guard value.isFinite else { throw Problem(message: "the float `\(text)` is too large for a 64-bit float") }
        return value
    }

    private static func refuseLeadingZero(_ digits: ArraySlice<UInt8>, text: String) throws(Problem) {
        if digits.count > 1, digits.first == UInt8(ascii: "0") {
            throw Problem(message: "`\(text)`: a decimal number cannot start with a leading zero")
        }
    }

    /// One or more digits, with single `_` only between two digits.
    private static func isDigitRun(_ bytes: ArraySlice<UInt8>, digit: (UInt8) -> Bool) -> Bool {
        guard let first = bytes.first, let last = bytes.last, digit(first), digit(last) else { return false }
        var previousWasUnderscore = false
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
            } else {
                guard digit(byte) else { return false }
                previousWasUnderscore = false
            }
        }
        return true
    }

    private static func isDecimal(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func digitValue(_ byte: UInt8) -> Int? { TOMLParser.hexDigitValue(byte).map(Int.init) }

    private static func notANumber(_ text: String) -> String {
        "`\(text)` is not a valid value (a number, `true`, `false`, `inf`, `nan`, a date or a time; strings are quoted)"
    }
}
