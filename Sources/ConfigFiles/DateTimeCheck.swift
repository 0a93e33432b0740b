/// A value that starts like a date (`1979-05-27`) or a time (`07:32`) must be a whole TOML date,
/// time or date-time: toml++ decides a value is one from its first characters and then asserts
/// (aborting the process) on a malformed rest, such as `2027-01-01Tl0:00:00Z`.
enum DateTimeCheck {
    /// Reads the value starting at `index` (a digit) up to its end; returns why a date or time
    /// value is malformed, or nil (also for values that are not dates or times: numbers).
    static func problem(in bytes: [UInt8], at index: inout Int) -> String? {
        let start = index
        func digits(_ count: Int, at position: Int) -> Bool {
            position + count <= bytes.count && bytes[position..<position + count].allSatisfy(isDigit)
        }
        func byte(_ position: Int) -> UInt8? { position < bytes.count ? bytes[position] : nil }
        if digits(4, at: start), byte(start + 4) == UInt8(ascii: "-") {
            guard digits(2, at: start + 5), byte(start + 7) == UInt8(ascii: "-"), digits(2, at: start + 8) else {
                return malformed(bytes, start, "a date must be YYYY-MM-DD")
            }
            index = start + 10
            // A time may follow after `T`, `t` or one space (the space only before a digit).
            if let separator = byte(index),
                separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
                    || (separator == UInt8(ascii: " ") && byte(index + 1).map(isDigit) == true)
            {
                index += 1
                guard readTime(bytes, at: &index) else { return malformed(bytes, start, "the time must be HH:MM:SS") }
                if let zone = byte(index), zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
                    index += 1
                } else if let sign = byte(index), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    guard digits(2, at: index + 1), byte(index + 3) == UInt8(ascii: ":"), digits(2, at: index + 4) else {
                        return malformed(bytes, start, "a time offset must be Z or ±HH:MM")
                    }
                    index += 6
                }
            }
            return endsHere(bytes, index) ? nil : malformed(bytes, start, "a date or time value runs on")
        }
        if digits(2, at: start), byte(start + 2) == UInt8(ascii: ":") {
            index = start
            guard readTime(bytes, at: &index), endsHere(bytes, index) else {
                return malformed(bytes, start, "a time must be HH:MM:SS")
            }
            return nil
        }
        // Not a date or time: skip the number (the parser checks it).
        while index < bytes.count, !isDelimiter(bytes[index]) { index += 1 }
        return nil
    }

    /// `HH:MM[:SS[.fraction]]` at `index`.
    private static func readTime(_ bytes: [UInt8], at index: inout Int) -> Bool {
        func digits(_ count: Int) -> Bool {
            index + count <= bytes.count && bytes[index..<index + count].allSatisfy(isDigit)
        }
        guard digits(2), index + 2 < bytes.count, bytes[index + 2] == UInt8(ascii: ":") else { return false }
        index += 3
        guard digits(2) else { return false }
        index += 2
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            guard digits(2) else { return false }
            index += 2
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let fraction = index
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                guard index > fraction else { return false }
            }
        }
        return true
    }

    private static func endsHere(_ bytes: [UInt8], _ index: Int) -> Bool { index >= bytes.count || isDelimiter(bytes[index]) }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ","),
         UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#")].contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func malformed(_ bytes: [UInt8], _ start: Int, _ rule: String) -> String {
        var end = start
        while end < bytes.count, end < start + 40, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return "the value `\(String(decoding: bytes[start..<end], as: UTF8.self))` is not a valid date or time (\(rule))"
    }
}
