/// A place in a TOML document that breaks the TOML 1.0 grammar or one of its rules, found by
/// `TOMLParser`; `ConfigDocument` turns it into a `ConfigError` naming file, line and column.
struct TOMLSyntaxError: Error, Sendable {
    /// Byte offset of the problem in the document.
    var offset: Int
    /// What is wrong, for a person: the rule broken and, where it helps, how to write it instead.
    var message: String
    /// Byte offset of an earlier definition the problem conflicts with (a key or table defined twice).
    var earlierOffset: Int?

    init(offset: Int, _ message: String, earlierOffset: Int? = nil) {
        self.offset = offset
        self.message = message
        self.earlierOffset = earlierOffset
    }

    /// `not valid TOML at line L, column C: …`, with lines and columns counted from 1 and columns
    /// in Unicode scalars (a byte order mark at the start of the file is not counted).
    func problem(in bytes: [UInt8]) -> String {
        let (line, column) = Self.lineAndColumn(of: offset, in: bytes)
        var text = "not valid TOML at line \(line), column \(column): \(message)"
        if let earlierOffset { text += " (first at line \(Self.lineAndColumn(of: earlierOffset, in: bytes).line))" }
        return text
    }

    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) && end >= 3 ? 3 : 0
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }
}
