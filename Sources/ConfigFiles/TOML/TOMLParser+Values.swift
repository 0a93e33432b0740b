/// Values: strings, numbers, booleans, dates and times, arrays and inline tables.
extension TOMLParser {
    /// The value starting at `position`; `depth` counts the tables, arrays and inline tables around it.
    mutating func parseValue(depth: Int) throws(TOMLSyntaxError) -> ConfigValue {
        guard let byte = peek() else { throw error("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(startsWith("\"\"\"") ? try parseMultilineBasicString() : try parseBasicString())
        case UInt8(ascii: "'"):
            return .string(startsWith("'''") ? try parseMultilineLiteralString() : try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "{"):
            return try parseInlineTable(depth: depth + 1)
        case let byte where Self.isValueTokenByte(byte):
            return try parseScalarToken()
        default:
            throw error(
                "expected a value (a string, number, boolean, date or time, array or inline table), "
                    + "found \(describe(position))")
        }
    }

    /// `true`, `false`, a number, `inf`, `nan`, or a date or time: read as one token of letters,
    /// digits and `_ + - . :`, then checked as a whole (so `2027-01-01Tl0:00:00Z` is one
    /// malformed date-time, never a date followed by something else).
    mutating func parseScalarToken() throws(TOMLSyntaxError) -> ConfigValue {
        let start = position
        while let byte = peek(), Self.isValueTokenByte(byte) { position += 1 }
        let token = bytes[start..<position]
        if token.elementsEqual("true".utf8) { return .boolean(true) }
        if token.elementsEqual("false".utf8) { return .boolean(false) }
        if TOMLDateTime.looksLikeDateOrTime(token) {
            // A date and a time may be separated by one space: `1979-05-27 07:32:00`.
            if token.count == 10, token.last.map(Self.isDigit) == true, token[start + 4] == UInt8(ascii: "-"),
                peek() == UInt8(ascii: " "), let next = peek(1), Self.isDigit(next)
            {
                position += 1
                while let byte = peek(), Self.isValueTokenByte(byte) { position += 1 }
            }
            let text = bytes[start..<position]
            if let problem = TOMLDateTime.problem(in: text) { throw error(problem, at: start) }
            return .dateTime(String(decoding: text, as: UTF8.self))
        }
        do {
            return try TOMLNumber.parse(token)
        } catch {
            throw self.error(error.message, at: start)
        }
    }

    /// `[ value, value, … ]`, over lines, with comments and a trailing comma allowed.
    mutating func parseArray(depth: Int) throws(TOMLSyntaxError) -> ConfigValue {
        let start = position
        guard depth <= Self.maximumDepth else {
            throw error("arrays and tables nest deeper than \(Self.maximumDepth) levels")
        }
        position += 1
        var items: [ConfigValue] = []
        while true {
            try skipBlankSpace()
            guard let byte = peek() else { throw error("an array is not closed (expected `]`)", at: start) }
            if byte == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            items.append(try parseValue(depth: depth))
            try skipBlankSpace()
            switch peek() {
            case UInt8(ascii: ",")?:
                position += 1
            case UInt8(ascii: "]")?:
                position += 1
                return .array(items)
            case nil:
                throw error("an array is not closed (expected `]`)", at: start)
            default:
                throw error("expected `,` or `]` after a value in an array, found \(describe(position))")
            }
        }
    }

    /// `{ key = value, … }` on one line, no trailing comma; closed to any later extension.
    mutating func parseInlineTable(depth: Int) throws(TOMLSyntaxError) -> ConfigValue {
        let start = position
        guard depth <= Self.maximumDepth else {
            throw error("arrays and tables nest deeper than \(Self.maximumDepth) levels")
        }
        position += 1
        var table = TOMLTree(rootDepth: depth)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .table(table.configTable())
        }
        while true {
            skipWhitespace()
            try refuseInlineTableEnd(start: start)
            let (key, value) = try parseKeyValue(tableDepth: depth)
            try table.assign(value, at: key, in: TOMLTree.root)
            skipWhitespace()
            try refuseInlineTableEnd(start: start)
            switch peek() {
            case UInt8(ascii: "}")?:
                position += 1
                return .table(table.configTable())
            case UInt8(ascii: ",")?:
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    throw error("an inline table cannot end with a comma (TOML 1.0 allows no trailing comma in { })")
                }
            default:
                throw error("expected `,` or `}` after a value in an inline table, found \(describe(position))")
            }
        }
    }

    /// Inside `{ }` outside values: the end of the file, a newline or a comment is an error.
    private func refuseInlineTableEnd(start: Int) throws(TOMLSyntaxError) {
        switch peek() {
        case nil:
            throw error("an inline table is not closed (expected `}`)", at: start)
        case UInt8(ascii: "\n")?, UInt8(ascii: "\r")?:
            throw error("an inline table must be on one line (TOML 1.0 allows no newline inside { } outside a value)")
        case UInt8(ascii: "#")?:
            throw error("an inline table cannot hold a comment (close it with `}` first)")
        default:
            return
        }
    }

    static func isValueTokenByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }
}
