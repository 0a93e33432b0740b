/// Checks every table header (`[a.b]`, `[[a]]`) of a TOML text against the TOML grammar
/// before the text reaches TOMLKit: its parser (toml++) aborts the process on some malformed
/// headers (`[?a]`, found by the FuzzPolicy target) instead of reporting an error, and a node
/// that reloads an operator's mistyped policy file must refuse it, not stop.
///
/// Only headers, date/time values and the pairing of value brackets are checked here (toml++ also
/// asserted on a malformed time, `2027-01-01Tl0:00:00Z`, and on a `}` inside an array, both found
/// by FuzzPolicy); everything else is left to the parser. The scan
/// skips comments, strings (basic, literal and their multi-line forms) and the brackets of array
/// and inline-table values, so a `[` is a header only at the start of a line outside them.
enum TableHeaderCheck {
    /// The first malformed header as (line, problem), or nil.
    static func firstProblem(in text: String) -> (line: Int, problem: String)? {
        let bytes = Array(text.utf8)
        // toml++ skips a UTF-8 byte order mark, so a header right after one starts a line too.
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var depth = 0  // brackets and braces of values
        var openers: [UInt8] = []  // the `[` and `{` of the values being read, innermost last
        var expectsValue = false  // after `=`, or after `[` or `,` inside an array value
        var lineStart = true
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = true
                if depth == 0 { expectsValue = false }
                index += 1
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
                continue
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let multiline = at(1) == byte && at(2) == byte
                let close = multiline ? 3 : 1
                index += close
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\n") {
                        guard multiline else { break }  // an unterminated string: the parser reports it
                        line += 1
                    }
                    if byte == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\") {
                        if at(1) == UInt8(ascii: "\n") { line += 1 }
                        index += 2
                        continue
                    }
                    if bytes[index] == byte, !multiline || (at(1) == byte && at(2) == byte) {
                        index += close
                        break
                    }
                    index += 1
                }
                expectsValue = false
                lineStart = false
                continue
            case UInt8(ascii: "[") where lineStart && depth == 0:
                if let problem = header(bytes, from: &index) { return (line, problem) }
                lineStart = false
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                openers.append(byte)
                expectsValue = byte == UInt8(ascii: "[")
                lineStart = false
                index += 1
                continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                // toml++ asserted on a `}` inside an array (FuzzPolicy: `x = [1, }]`).
                if let opener = openers.last, (opener == UInt8(ascii: "[")) != (byte == UInt8(ascii: "]")) {
                    return (line, "a `\(Character(Unicode.Scalar(byte)))` closes a `\(Character(Unicode.Scalar(opener)))`")
                }
                depth = max(0, depth - 1)
                _ = openers.popLast()
            case UInt8(ascii: "="):
                expectsValue = true
                lineStart = false
                index += 1
                continue
            case UInt8(ascii: ","):
                expectsValue = openers.last == UInt8(ascii: "[")
                lineStart = false
                index += 1
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9") where expectsValue:
                if let problem = DateTimeCheck.problem(in: bytes, at: &index) { return (line, problem) }
                expectsValue = false
                lineStart = false
                continue
            default:
                break
            }
            expectsValue = false
            lineStart = false
            index += 1
        }
        return nil
    }

    /// Reads `[key]` or `[[key]]` from `index` (at its first `[`) up to the end of its line.
    private static func header(_ bytes: [UInt8], from index: inout Int) -> String? {
        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
        func skipSpaces() { while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 } }
        index += 1
        let array = peek() == UInt8(ascii: "[")
        if array { index += 1 }
        var keys = 0
        while true {
            skipSpaces()
            guard let byte = peek() else { return "a table header is not closed" }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                index += 1
                while let next = peek(), next != byte, next != UInt8(ascii: "\n") {
                    index += byte == UInt8(ascii: "\"") && next == UInt8(ascii: "\\") ? 2 : 1
                }
                guard peek() == byte else { return "a quoted key in a table header is not closed" }
                index += 1
            } else {
                let start = index
                while let next = peek(), isBareKeyByte(next) { index += 1 }
                guard index > start else {
                    return "a table header holds `\(String(decoding: [byte], as: UTF8.self))` where a key belongs "
                        + "(keys are letters, digits, - and _, or quoted)"
                }
            }
            keys += 1
            skipSpaces()
            guard let after = peek() else { return "a table header is not closed" }
            if after == UInt8(ascii: ".") {
                index += 1
                continue
            }
            guard after == UInt8(ascii: "]") else {
                return "a table header holds `\(String(decoding: [after], as: UTF8.self))` after a key (expected `.` or `]`)"
            }
            index += 1
            if array {
                guard peek() == UInt8(ascii: "]") else { return "an array-of-tables header `[[…]]` is closed by `]` alone" }
                index += 1
            }
            break
        }
        skipSpaces()
        guard let rest = peek(), rest != UInt8(ascii: "\n"), rest != UInt8(ascii: "\r"), rest != UInt8(ascii: "#") else { return nil }
        return "a table header is followed by more on its line"
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
