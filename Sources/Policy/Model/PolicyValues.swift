import ConfigFiles
import Primitives

/// An amount as an operator writes it, in whole token units (`"1000000.00"`), kept exact until
/// the asset's decimals are known: a rule that applies to every asset is scaled per asset.
struct DecimalAmount: Sendable, Equatable, CustomStringConvertible {
    /// Digits before the point, without leading zeros ("0" for none).
    var integerDigits: String
    /// Digits after the point, without trailing zeros.
    var fractionDigits: String

    /// Parses `digits[.digits]` with optional `_` separators, or a non-negative TOML integer.
    static func parse(_ value: ConfigValue) -> Result<DecimalAmount, AmountProblem> {
        switch value {
        case .integer(let number) where number >= 0:
            return .success(DecimalAmount(integerDigits: String(number), fractionDigits: ""))
        case .integer: return .failure(.negative)
        case .float: return .failure(.float)
        case .string(let text): return parse(text)
        default: return .failure(.wrongType(value.kindName))
        }
    }

    static func parse(_ text: String) -> Result<DecimalAmount, AmountProblem> {
        let cleaned = text.filter { $0 != "_" }
        if cleaned.hasPrefix("-") { return .failure(.negative) }
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, parts.count == 1 || !parts[1].isEmpty,
            parts.allSatisfy({ $0.allSatisfy { $0 >= "0" && $0 <= "9" } }), !text.hasPrefix("_"), !text.hasSuffix("_")
        else { return .failure(.malformed(text)) }
        var integer = String(whole.drop { $0 == "0" })
        if integer.isEmpty { integer = "0" }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return .success(DecimalAmount(integerDigits: integer, fractionDigits: fraction))
    }

    /// The amount in the asset's smallest unit.
    func baseUnits(decimals: Int) -> Result<UInt256, AmountProblem> {
        guard fractionDigits.count <= decimals else { return .failure(.tooManyDecimals(fractionDigits.count)) }
        let digits = integerDigits + fractionDigits + String(repeating: "0", count: decimals - fractionDigits.count)
        do { return .success(try UInt256(decimal: digits)) } catch { return .failure(.tooLarge) }
    }

    var isZero: Bool { integerDigits == "0" && fractionDigits.isEmpty }

    /// The normal form (`1000.5`): what the policy hash covers, so `"1000.50"` and `"1_000.5"` hash alike.
    var description: String { fractionDigits.isEmpty ? integerDigits : "\(integerDigits).\(fractionDigits)" }
}

enum AmountProblem: Error, Equatable {
    case negative
    case float
    case wrongType(String)
    case malformed(String)
    case tooManyDecimals(Int)
    case tooLarge

    var message: String {
        switch self {
        case .negative: return "must not be negative"
        case .float:
            return "is a float; write amounts as strings in token units, e.g. \"1000.50\", so no precision is lost"
        case .wrongType(let kind):
            return "expected an amount in token units as a string (e.g. \"1000.50\"), found \(kind)"
        case .malformed(let text):
            return "'\(text)' is not an amount in token units (digits, an optional '.', e.g. \"1000000.00\")"
        case .tooManyDecimals(let count): return "has \(count) decimal places"
        case .tooLarge: return "does not fit in 256 bits"
        }
    }
}

/// Durations written as `"<n><unit>"` with unit `s`, `m`, `h`, `d` or `w` (`"24h"`, `"7d"`).
enum PeriodText {
    static func seconds(_ text: String) -> Result<UInt64, ValueProblem> {
        guard let unit = text.last else { return .failure("is empty; write a period such as \"24h\"") }
        let multiplier: UInt64
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        case "w": multiplier = 604_800
        default: return .failure("'\(text)' must end in a unit: s, m, h, d or w (e.g. \"1h\", \"24h\", \"7d\")")
        }
        let number = text.dropLast()
        if number.hasPrefix("-") || number.allSatisfy({ $0 == "0" }) && !number.isEmpty {
            return .failure("'\(text)' is not a positive period: a window must be longer than zero")
        }
        guard !number.isEmpty, number.allSatisfy({ $0 >= "0" && $0 <= "9" }), let value = UInt64(number),
            value.multipliedReportingOverflow(by: multiplier).overflow == false
        else { return .failure("'\(text)' is not a period: a whole number and a unit, e.g. \"24h\"") }
        return .success(value * multiplier)
    }

    /// `"24 h"`, `"7 d"`, `"90 min"`: the largest unit that divides the period.
    static func describe(_ seconds: UInt64) -> String {
        if seconds % 86_400 == 0, seconds > 86_400 { return "\(seconds / 86_400) d" }
        if seconds % 3_600 == 0 { return "\(seconds / 3_600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}

/// Dates for lock-ups: a TOML offset date-time (`2026-01-01T00:00:00Z`) or a date (`2026-01-01`,
/// meaning midnight UTC), or the same text as a string. A string without an offset is refused:
/// its instant would depend on the node's time zone. A bare TOML local date-time
/// (`2026-01-01T00:00:00`, no quotes) reads as UTC, so it is the same instant on every node, as
/// it was when TOMLKit, the TOML reader before `TOMLParser`, marked it UTC itself.
enum DateText {
    static func unixSeconds(_ value: ConfigValue) -> Result<UInt64, ValueProblem> {
        switch value {
        case .dateTime(let text): return unixSeconds(isLocalDateTime(text) ? text + "Z" : text)
        case .string(let text): return unixSeconds(text)
        default:
            return .failure(
                "expected a date-time such as 2026-01-01T00:00:00Z or a date such as 2026-01-01, found \(value.kindName)"
            )
        }
    }

    /// A TOML date-time (the reader has checked it) with a time but no `Z` or offset after it.
    static func isLocalDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return false }
        let zone: Set<UInt8> = [UInt8(ascii: "Z"), UInt8(ascii: "z"), UInt8(ascii: "+"), UInt8(ascii: "-")]
        return !bytes[19...].contains(where: zone.contains)
    }

    static func unixSeconds(_ text: String) -> Result<UInt64, ValueProblem> {
        let invalid = "'\(text)' is not a date-time such as 2026-01-01T00:00:00Z or a date such as 2026-01-01"
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10)
        else { return .failure(ValueProblem(stringLiteral: invalid)) }
        guard year >= 1970, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            return .failure("'\(text)' is not a valid date on or after 1970-01-01")
        }
        var seconds = days(year: year, month: month, day: day) * 86_400
        if bytes.count == 10 { return .success(UInt64(seconds)) }

        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == 32,
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            hour < 24, minute < 60, second < 60
        else { return .failure(ValueProblem(stringLiteral: invalid)) }
        seconds += hour * 3_600 + minute * 60 + second
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            guard index > start else { return .failure(ValueProblem(stringLiteral: invalid)) }
        }
        guard index < bytes.count else {
            return .failure("'\(text)' has no time zone: add Z (UTC) or an offset such as +01:00")
        }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            guard index + 1 == bytes.count else { return .failure(ValueProblem(stringLiteral: invalid)) }
        } else {
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 6 == bytes.count,
                bytes[index + 3] == UInt8(ascii: ":"), let offsetHours = number(index + 1..<index + 3),
                let offsetMinutes = number(index + 4..<index + 6), offsetHours < 24, offsetMinutes < 60
            else { return .failure(ValueProblem(stringLiteral: invalid)) }
            let offset = offsetHours * 3_600 + offsetMinutes * 60
            seconds += bytes[index] == UInt8(ascii: "+") ? -offset : offset
        }
        guard seconds >= 0 else { return .failure("'\(text)' is before 1970-01-01T00:00:00Z") }
        return .success(UInt64(seconds))
    }

    /// `2026-01-01T00:00:00Z`, for summaries and messages.
    static func format(_ unixSeconds: UInt64) -> String {
        var remaining = Int(unixSeconds / 86_400)
        var year = 1970
        while remaining >= daysIn(year: year) {
            remaining -= daysIn(year: year)
            year += 1
        }
        var month = 1
        while remaining >= daysIn(month: month, year: year) {
            remaining -= daysIn(month: month, year: year)
            month += 1
        }
        let secondOfDay = Int(unixSeconds % 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(remaining + 1))T\(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):"
            + "\(two(secondOfDay % 60))Z"
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
    static func daysIn(year: Int) -> Int { isLeap(year) ? 366 : 365 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the date, by counting: run once per rule at load time, so clarity wins.
    static func days(year: Int, month: Int, day: Int) -> Int {
        var total = 0
        for y in 1970..<year { total += daysIn(year: y) }
        for m in 1..<month { total += daysIn(month: m, year: year) }
        return total + day - 1
    }
}

/// Amounts in messages and summaries: whole token units with thousands separators (`1,000,000`,
/// `0.5`), never in base units a person would have to divide.
enum AmountText {
    static func format(_ amount: UInt256, decimals: Int) -> String {
        var digits = Array(amount.decimal)
        if digits.count <= decimals { digits = Array(repeating: "0", count: decimals - digits.count + 1) + digits }
        let whole = digits[..<(digits.count - decimals)]
        var fraction = digits[(digits.count - decimals)...]
        while fraction.last == "0" { fraction.removeLast() }
        var grouped = ""
        for (offset, digit) in whole.enumerated() {
            if offset > 0, (whole.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return fraction.isEmpty ? grouped : grouped + "." + String(fraction)
    }
}

/// Why a period or date is not one; written as a string literal where it is produced.
struct ValueProblem: Error, ExpressibleByStringInterpolation {
    let message: String
    init(stringLiteral value: String) { message = value }
    init(stringInterpolation: DefaultStringInterpolation) { message = String(stringInterpolation: stringInterpolation) }
}
