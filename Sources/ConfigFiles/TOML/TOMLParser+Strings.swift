/// The four kinds of strings (basic, literal, and their multi-line forms) and their escapes.
extension TOMLParser {
    /// `"…"` with escapes, on one line.
    mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        try parseString(quote: UInt8(ascii: "\""), multiline: false)
    }

    /// `'…'`, no escapes, on one line.
    mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        try parseString(quote: UInt8(ascii: "'"), multiline: false)
    }

    /// `"""…"""`: escapes, newlines (CRLF read as LF), a newline right after the opening
    /// delimiter dropped, and a line-ending backslash that trims the whitespace after it.
    mutating func parseMultilineBasicString() throws(TOMLSyntaxError) -> String {
        try parseString(quote: UInt8(ascii: "\""), multiline: true)
    }

    /// `'''…'''`: no escapes, newlines (CRLF read as LF), a newline right after the opening dropped.
    mutating func parseMultilineLiteralString() throws(TOMLSyntaxError) -> String {
        try parseString(quote: UInt8(ascii: "'"), multiline: true)
    }

    /// The one scanner behind the four kinds: a basic string (`"`) reads escapes, a literal
    /// (`'`) none; a multi-line one (opened by three quotes) may span lines.
    private mutating func parseString(quote: UInt8, multiline: Bool) throws(TOMLSyntaxError) -> String {
        let start = position
        let basic = quote == UInt8(ascii: "\"")
        let delimiter = String(repeating: Character(Unicode.Scalar(quote)), count: multiline ? 3 : 1)
        position += multiline ? 3 : 1
        if multiline { _ = try consumeNewline() }
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw error("a \(multiline ? "multi-line " : "")string is not closed (expected `\(delimiter)`)", at: start)
            }
            switch byte {
            case quote:
                guard multiline else {
                    position += 1
                    return String(decoding: text, as: UTF8.self)
                }
                if closeMultilineString(quote: byte, into: &text) { return String(decoding: text, as: UTF8.self) }
            case UInt8(ascii: "\\") where basic:
                if multiline, try skipLineEndingBackslash() { break }
                try parseEscape(into: &text)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                guard multiline else {
                    let opening = String(repeating: delimiter, count: 3)
                    throw error("a string is not closed on its line (a multi-line string starts with `\(opening)`)", at: start)
                }
                _ = try consumeNewline()
                text.append(UInt8(ascii: "\n"))
            default:
                try appendStringByte(byte, to: &text)
            }
        }
    }

    /// At a quote inside a multi-line string: one or two quotes are text; three close the string,
    /// and up to two more right before the closing three belong to the text (`""""a"""""`).
    /// A sixth quote is left for the caller, which refuses it as text after the value.
    private mutating func closeMultilineString(quote: UInt8, into text: inout [UInt8]) -> Bool {
        var run = 0
        while run < 5, peek(run) == quote { run += 1 }
        position += run
        if run < 3 {
            text.append(contentsOf: repeatElement(quote, count: run))
            return false
        }
        text.append(contentsOf: repeatElement(quote, count: run - 3))
        return true
    }

    /// At a `\` in a multi-line basic string: when only spaces and tabs follow it up to the end
    /// of the line, skips them and every space, tab and newline after, and returns true.
    private mutating func skipLineEndingBackslash() throws(TOMLSyntaxError) -> Bool {
        var index = position + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") else {
            return false
        }
        position = index
        while true {
            skipWhitespace()
            guard try consumeNewline() else { return true }
        }
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX` (a Unicode scalar value: no surrogate, at most U+10FFFF).
    private mutating func parseEscape(into text: inout [UInt8]) throws(TOMLSyntaxError) {
        let start = position
        guard let letter = peek(1) else { throw error("a string ends in the middle of an escape", at: start) }
        position += 2
        let simple: UInt8?
        switch letter {
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "u"), UInt8(ascii: "U"): simple = nil
        default:
            throw error(
                "\(describe(start + 1)) after `\\` is not an escape TOML knows "
                    + "(\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX; "
                    + "a literal string '…' takes backslashes as they are)",
                at: start)
        }
        if let simple {
            text.append(simple)
            return
        }
        let digits = letter == UInt8(ascii: "u") ? 4 : 8
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = Self.hexDigitValue(byte) else {
                throw error(
                    "`\\\(Character(Unicode.Scalar(letter)))` must be followed by \(digits) hexadecimal digits",
                    at: start)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(
                "the escape \(Self.codePoint(value)) is not a Unicode scalar value "
                    + "(surrogates U+D800–U+DFFF and values above U+10FFFF are not allowed)",
                at: start)
        }
        text.append(contentsOf: String(Character(scalar)).utf8)
    }

    /// A byte of string text: control characters other than tab are refused.
    private mutating func appendStringByte(_ byte: UInt8, to text: inout [UInt8]) throws(TOMLSyntaxError) {
        guard !Self.isControl(byte) else {
            throw error(
                "a string holds \(describe(position)), which TOML does not allow as it is (in a basic string \"…\", "
                    + "write it as the escape \\u\(Self.codePoint(UInt32(byte)).dropFirst(2)))")
        }
        text.append(byte)
        position += 1
    }

    static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
