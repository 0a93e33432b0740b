/// TOML's four date and time kinds (RFC 3339): offset date-time `1979-05-27T07:32:00Z` or
/// `…-07:00`, local date-time `1979-05-27T07:32:00`, local date `1979-05-27`, local time
/// `07:32:00`; seconds may have a fraction, `T` may be `t` or one space. Each is checked
/// (months 01–12, days within their month, February 29 only in leap years, hours 00–23, minutes
/// and seconds 00–59, offsets up to ±23:59) and kept as the text it was written as.
enum TOMLDateTime {
    /// Whether a value token is meant as a date (`dddd-`) or a time (`dd:`), rather than a number.
    static func looksLikeDateOrTime(_ token: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(token.prefix(5))
        if bytes.count == 5, bytes[0..<4].allSatisfy(TOMLParser.isDigit), bytes[4] == UInt8(ascii: "-") { return true }
        return bytes.count >= 3 && bytes[0..<2].allSatisfy(TOMLParser.isDigit) && bytes[2] == UInt8(ascii: ":")
    }

    /// Why `text` is not a TOML date, time or date-time, or nil when it is one.
    static func problem(in text: ArraySlice<UInt8>) -> String? {
        let bytes = Array(text)
        let shown = "`\(String(decoding: bytes, as: UTF8.self))`"
        var index = 0
        if bytes.count >= 3, bytes[2] == UInt8(ascii: ":") {
            if let problem = time(bytes, at: &index) { return "\(shown) is not a valid time: \(problem)" }
            return index == bytes.count ? nil : "\(shown) is not a valid time: it runs on after the seconds"
        }
        if let problem = date(bytes) { return "\(shown) is not a valid date: \(problem)" }
        if bytes.count == 10 { return nil }
        guard [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]) else {
            return "\(shown) is not a valid date-time: a date is followed by `T` (or a space) and a time HH:MM:SS"
        }
        index = 11
        if let problem = time(bytes, at: &index) { return "\(shown) is not a valid date-time: \(problem)" }
        if index == bytes.count { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            return index + 1 == bytes.count ? nil : "\(shown) is not a valid date-time: it runs on after `Z`"
        }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), bytes.count - index == 6,
            let hours = number(bytes, index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
            let minutes = number(bytes, index + 4, 2)
        else {
            return "\(shown) is not a valid date-time: the time is followed by `Z`, an offset ±HH:MM or nothing"
        }
        guard hours < 24, minutes < 60 else {
            return "\(shown) is not a valid date-time: an offset's hours are 00–23 and its minutes 00–59"
        }
        return nil
    }

    /// `YYYY-MM-DD` at the start of `bytes`, a day that exists.
    private static func date(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 10, let year = number(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"), let day = number(bytes, 8, 2)
        else { return "a date is written YYYY-MM-DD" }
        guard (1...12).contains(month) else { return "the month must be 01–12" }
        let days = daysIn(month: month, year: year)
        guard (1...days).contains(day) else {
            return "the day must be 01–\(days) in that month"
                + (month == 2 && days == 28 ? " (\(year) is not a leap year)" : "")
        }
        return nil
    }

    /// `HH:MM:SS[.fraction]` from `index`, which is left after it.
    private static func time(_ bytes: [UInt8], at index: inout Int) -> String? {
        guard let hour = number(bytes, index, 2), byte(bytes, index + 2) == UInt8(ascii: ":"),
            let minute = number(bytes, index + 3, 2), byte(bytes, index + 5) == UInt8(ascii: ":"),
            let second = number(bytes, index + 6, 2)
        else { return "a time is written HH:MM:SS, with seconds" }
        guard hour < 24 else { return "the hour must be 00–23" }
        guard minute < 60 else { return "the minutes must be 00–59" }
        guard second < 60 else { return "the seconds must be 00–59" }
        index += 8
        if byte(bytes, index) == UInt8(ascii: ".") {
            index += 1
            let start = index
            while let digit = byte(bytes, index), TOMLParser.isDigit(digit) { index += 1 }
            guard index > start else { return "a fraction of a second needs at least one digit after `.`" }
        }
        return nil
    }

    private static func byte(_ bytes: [UInt8], _ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// `count` decimal digits at `start`, as a number.
    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<start + count] {
            guard TOMLParser.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
