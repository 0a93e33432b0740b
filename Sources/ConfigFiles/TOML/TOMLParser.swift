/// A strict TOML 1.0 reader over UTF-8 bytes, producing `ConfigTable`s.
///
/// Guarantees, whatever the input: it never traps, never recurses deeper than
/// `maximumDepth` (arrays, inline tables and tables nested in one another), and either returns
/// the document or throws the first place that breaks the TOML 1.0 grammar or one of its rules
/// (a key or table defined twice, a table extended where the spec forbids it, an integer out of
/// 64 bits, a date that does not exist, a control character, …). Dates and times are validated
/// and kept as their text. Keys keep the order they were written in.
///
/// It replaces TOMLKit (toml++), which aborted the process on some malformed inputs
/// (docs/FUZZING.md, findings 5, 8, 11, 12 and 13) and leaked every document (finding 3).
struct TOMLParser {
    /// Tables, arrays and inline tables inside one another (dotted keys and headers counted), at most
    /// this deep: no `ConfigValue` of a document nests deeper, so nothing that walks one recursively
    /// (reading, comparing, freeing) can run out of stack.
    static let maximumDepth = 128

    let bytes: [UInt8]
    var position = 0
    var tree = TOMLTree()

    /// Parses a whole document; the bytes must be UTF-8 (see `UTF8Check`).
    static func parse(_ bytes: [UInt8]) throws(TOMLSyntaxError) -> ConfigTable {
        var parser = TOMLParser(bytes: bytes)
        try parser.parseDocument()
        return parser.tree.configTable()
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: - The document: key/value pairs and table headers, one per line

    mutating func parseDocument() throws(TOMLSyntaxError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // a UTF-8 byte order mark
        var section = TOMLTree.root
        while true {
            skipWhitespace()
            try skipComment()
            guard let byte = peek() else { return }
            if try consumeNewline() { continue }
            if byte == UInt8(ascii: "[") {
                section = try parseTableHeader()
                try expectLineEnd(after: "a table header")
            } else {
                let (key, value) = try parseKeyValue(tableDepth: tree.tables[section].depth)
                try tree.assign(value, at: key, in: section)
                try expectLineEnd(after: "a value")
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`; returns the table that the following key/value pairs go into.
    mutating func parseTableHeader() throws(TOMLSyntaxError) -> Int {
        let start = position
        position += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { position += 1 }
        let key = try parseKey()
        guard peek() == UInt8(ascii: "]") else {
            throw error("expected `.` or `]` after a key in a table header, found \(describe(position))")
        }
        position += 1
        if isArray {
            guard peek() == UInt8(ascii: "]") else {
                throw error("an array-of-tables header `[[…]]` must end with `]]`, found \(describe(position))")
            }
            position += 1
            return try tree.appendTable(at: key, headerOffset: start)
        }
        return try tree.defineTable(at: key, headerOffset: start)
    }

    /// `key = value` (the key possibly dotted) in a table nested `tableDepth` deep; stops after the
    /// value. A dotted key's tables count towards the depth of what the value nests.
    mutating func parseKeyValue(tableDepth: Int) throws(TOMLSyntaxError) -> ([TOMLKeyPart], ConfigValue) {
        let key = try parseKey()
        guard peek() == UInt8(ascii: "=") else {
            let name = key.map(\.name).joined(separator: ".")
            throw error("expected `=` after the key `\(name)`, found \(describe(position))")
        }
        position += 1
        skipWhitespace()
        return (key, try parseValue(depth: tableDepth + key.count - 1))
    }

    /// A bare, quoted or dotted key, with the spaces around it and its dots; stops at the first
    /// byte after it that is neither (`=`, `]`, …).
    mutating func parseKey() throws(TOMLSyntaxError) -> [TOMLKeyPart] {
        var parts: [TOMLKeyPart] = []
        while true {
            skipWhitespace()
            let start = position
            let name: String
            switch peek() {
            case UInt8(ascii: "\"")?:
                guard !startsWith("\"\"\"") else { throw error("a key cannot be a multi-line string") }
                name = try parseBasicString()
            case UInt8(ascii: "'")?:
                guard !startsWith("'''") else { throw error("a key cannot be a multi-line string") }
                name = try parseLiteralString()
            case let byte? where Self.isBareKeyByte(byte):
                while let byte = peek(), Self.isBareKeyByte(byte) { position += 1 }
                name = String(decoding: bytes[start..<position], as: UTF8.self)
            default:
                throw error(
                    "expected a key (letters, digits, `-` and `_`, or a quoted key), found \(describe(position))")
            }
            parts.append(TOMLKeyPart(name: name, offset: start))
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return parts }
            position += 1
        }
    }

    // MARK: - Bytes, whitespace, newlines and comments

    func peek(_ ahead: Int = 0) -> UInt8? {
        let index = position + ahead
        return index < bytes.count ? bytes[index] : nil
    }

    func startsWith(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return text.withUTF8Buffer { prefix in
            (0..<count).allSatisfy { bytes[position + $0] == prefix[$0] }
        }
    }

    /// Spaces and tabs.
    mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    /// Whitespace, newlines and comments, as allowed between the values of an array.
    mutating func skipBlankSpace() throws(TOMLSyntaxError) {
        while true {
            skipWhitespace()
            try skipComment()
            guard try consumeNewline() else { return }
        }
    }

    /// A line feed or a carriage return and line feed; a carriage return alone is refused.
    mutating func consumeNewline() throws(TOMLSyntaxError) -> Bool {
        switch peek() {
        case UInt8(ascii: "\n")?:
            position += 1
            return true
        case UInt8(ascii: "\r")?:
            guard peek(1) == UInt8(ascii: "\n") else {
                throw error("a carriage return must be followed by a line feed (TOML newlines are LF or CRLF)")
            }
            position += 2
            return true
        default:
            return false
        }
    }

    /// A `#` comment up to (not including) the end of its line.
    mutating func skipComment() throws(TOMLSyntaxError) {
        guard peek() == UInt8(ascii: "#") else { return }
        position += 1
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { return }
            if Self.isControl(byte) {
                throw error("a comment holds \(describe(position)), which TOML does not allow")
            }
            position += 1
        }
    }

    /// After a key/value pair or a header: spaces, an optional comment, then a newline or the end.
    mutating func expectLineEnd(after what: String) throws(TOMLSyntaxError) {
        skipWhitespace()
        try skipComment()
        if peek() == nil { return }
        guard try consumeNewline() else {
            throw error("expected the end of the line after \(what), found \(describe(position))")
        }
    }

    // MARK: - Errors

    func error(_ message: String, at offset: Int? = nil) -> TOMLSyntaxError {
        TOMLSyntaxError(offset: offset ?? position, message)
    }

    /// The character at `offset` as a message names it: `` `x` ``, `` `é` (U+00E9) ``, "the
    /// control character U+0000", "the end of the line", "the end of the file".
    func describe(_ offset: Int) -> String {
        guard offset < bytes.count else { return "the end of the file" }
        let byte = bytes[offset]
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "the end of the line"
        case UInt8(ascii: " "): return "a space"
        case 0x21...0x7E: return "`\(Character(Unicode.Scalar(byte)))`"
        case 0..<0x80: return "the control character \(Self.codePoint(UInt32(byte)))"
        default:
            let end = min(offset + 4, bytes.count)
            guard let scalar = String(decoding: bytes[offset..<end], as: UTF8.self).unicodeScalars.first else {
                return "the byte 0x\(String(byte, radix: 16, uppercase: true))"
            }
            return "`\(Character(scalar))` (\(Self.codePoint(scalar.value)))"
        }
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: - Character classes

    /// Control characters TOML allows in no comment or string: U+0000–U+001F except tab, and U+007F.
    static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// One part of a dotted key, with where it was written (for error messages).
struct TOMLKeyPart: Sendable {
    var name: String
    var offset: Int
}
