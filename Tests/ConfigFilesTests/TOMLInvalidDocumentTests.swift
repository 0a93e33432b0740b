import ConfigFiles
import Testing

/// Invalid TOML 1.0 documents, one broken rule per case: each is refused with a `ConfigError`
/// naming the file, the line and column of the problem, and what is wrong.
@Suite struct TOMLInvalidDocumentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var column: Int
        /// A part of the message that says what is wrong.
        var says: String
        var testDescription: String { says }

        init(_ text: String, _ line: Int, _ column: Int, _ says: String) {
            (self.text, self.line, self.column, self.says) = (text, line, column, says)
        }
    }

    static let syntax: [Case] = [
        // Keys and key/value pairs
        Case("= 1\n", 1, 1, "expected a key"),
        Case("a b = 1\n", 1, 3, "expected `=` after the key `a`"),
        Case("a = \n", 1, 5, "expected a value"),
        Case("a =", 1, 4, "expected a value, found the end of the file"),
        Case("a\n", 1, 2, "expected `=` after the key `a`, found the end of the line"),
        Case("a.= 1\n", 1, 3, "expected a key"),
        Case(".a = 1\n", 1, 1, "expected a key"),
        Case("a..b = 1\n", 1, 3, "expected a key"),
        Case("\"\"\"key\"\"\" = 1\n", 1, 1, "a key cannot be a multi-line string"),
        Case("k€y = 1\n", 1, 2, "expected `=` after the key `k`, found `€` (U+20AC)"),
        Case("a = 1 2\n", 1, 7, "expected the end of the line after a value, found `2`"),
        Case("a = 1 b = 2\n", 1, 7, "expected the end of the line after a value"),
        Case("a = \"x\" \"y\"\n", 1, 9, "expected the end of the line after a value, found `\"`"),
        // Table headers
        Case("[?a]\n", 1, 2, "expected a key"),
        Case("[]\n", 1, 2, "expected a key"),
        Case("[a b]\n", 1, 4, "expected `.` or `]` after a key in a table header"),
        Case("[a.]\n", 1, 4, "expected a key"),
        Case("[a]]\n", 1, 4, "expected the end of the line after a table header"),
        Case("[a] x = 1\n", 1, 5, "expected the end of the line after a table header"),
        Case("[[a]\n", 1, 5, "must end with `]]`"),
        Case("[[a] ]\n", 1, 5, "must end with `]]`"),
        Case("[ [a] ]\n", 1, 3, "expected a key"),
        Case("[a\nb]\n", 1, 3, "expected `.` or `]`"),
        // Strings
        Case("a = \"open\n", 1, 5, "a string is not closed on its line"),
        Case("a = 'open\n", 1, 5, "a string is not closed on its line"),
        Case("a = \"open", 1, 5, "a string is not closed"),
        Case("a = \"\"\"\nopen\n", 1, 5, "a multi-line string is not closed"),
        Case("a = '''\nopen\n", 1, 5, "a multi-line string is not closed"),
        Case("a = \"\\x41\"\n", 1, 6, "`x` after `\\` is not an escape TOML knows"),
        Case("a = \"\\e\"\n", 1, 6, "`e` after `\\` is not an escape TOML knows"),
        Case("a = \"\\u12\"\n", 1, 6, "`\\u` must be followed by 4 hexadecimal digits"),
        Case("a = \"\\U0001F60\"\n", 1, 6, "`\\U` must be followed by 8 hexadecimal digits"),
        Case("a = \"\\uD800\"\n", 1, 6, "U+D800 is not a Unicode scalar value"),
        Case("a = \"\\uDFFF\"\n", 1, 6, "U+DFFF is not a Unicode scalar value"),
        Case("a = \"\\U00110000\"\n", 1, 6, "U+110000 is not a Unicode scalar value"),
        Case("a = \"tab\\\"\n", 1, 5, "a string is not closed on its line"),
        Case("a = \"\"\"x\"\"\"\"\"\"\n", 1, 14, "expected the end of the line after a value, found `\"`"),
        Case("a = '''x''''''\n", 1, 14, "expected the end of the line after a value, found `'`"),
        Case("s = \"\"\"three: \"\"\".\"\"\"\n", 1, 18, "expected the end of the line after a value, found `.`"),
        // Control characters and newlines
        Case("a = \"x\u{0}y\"\n", 1, 7, "a string holds the control character U+0000"),
        Case("a = 'x\u{7F}y'\n", 1, 7, "a string holds the control character U+007F"),
        Case("a = \"\"\"x\u{1B}\"\"\"\n", 1, 9, "a string holds the control character U+001B"),
        Case("# comment \u{0} here\n", 1, 11, "a comment holds the control character U+0000"),
        Case("# bell \u{7}\n", 1, 8, "a comment holds the control character U+0007"),
        Case("\u{0}", 1, 1, "found the control character U+0000"),
        Case("a = 1\rb = 2\n", 1, 6, "a carriage return must be followed by a line feed"),
        Case("a = \"\"\"x\ry\"\"\"\n", 1, 9, "a carriage return must be followed by a line feed"),
        // Integers
        Case("a = 0123\n", 1, 5, "cannot start with a leading zero"),
        Case("a = -01\n", 1, 5, "cannot start with a leading zero"),
        Case("a = 1__000\n", 1, 5, "`_` may only stand between two digits"),
        Case("a = 1_000_\n", 1, 5, "`_` may only stand between two digits"),
        Case("a = _1\n", 1, 5, "is not a valid value"),
        Case("a = 9223372036854775808\n", 1, 5, "does not fit in 64 bits"),
        Case("a = -9223372036854775809\n", 1, 5, "does not fit in 64 bits"),
        Case("a = 0x8000000000000000\n", 1, 5, "does not fit in 64 bits"),
        Case("a = +0x1F\n", 1, 5, "cannot have a sign"),
        Case("a = 0xG1\n", 1, 5, "is not a valid hexadecimal integer"),
        Case("a = 0o8\n", 1, 5, "is not a valid octal integer"),
        Case("a = 0b102\n", 1, 5, "is not a valid binary integer"),
        Case("a = 0X1F\n", 1, 5, "is not a valid value"),
        Case("a = 1,\n", 1, 6, "expected the end of the line after a value, found `,`"),
        // Floats
        Case("a = 1.\n", 1, 5, "is not a valid float"),
        Case("a = .7\n", 1, 5, "is not a valid value"),
        Case("a = 7.e3\n", 1, 5, "is not a valid float"),
        Case("a = 3.e+20\n", 1, 5, "is not a valid float"),
        Case("a = 1e\n", 1, 5, "is not a valid float"),
        Case("a = 1e_3\n", 1, 5, "is not a valid float"),
        Case("a = 1.2_\n", 1, 5, "is not a valid float"),
        Case("a = 03.14\n", 1, 5, "cannot start with a leading zero"),
        Case("a = 1.2.3\n", 1, 5, "is not a valid float"),
        Case("a = 1e400\n", 1, 5, "too large for a 64-bit float"),
        Case("a = infinity\n", 1, 5, "is not a valid value"),
        Case("a = NaN\n", 1, 5, "is not a valid value"),
        // Booleans
        Case("a = True\n", 1, 5, "is not a valid value"),
        Case("a = truthy\n", 1, 5, "is not a valid value"),
        Case("a = yes\n", 1, 5, "is not a valid value"),
        // Dates and times
        Case("a = 2023-02-29\n", 1, 5, "the day must be 01–28 in that month (2023 is not a leap year)"),
        Case("a = 1900-02-29\n", 1, 5, "1900 is not a leap year"),
        Case("a = 2024-04-31\n", 1, 5, "the day must be 01–30"),
        Case("a = 2024-13-01\n", 1, 5, "the month must be 01–12"),
        Case("a = 2024-00-10\n", 1, 5, "the month must be 01–12"),
        Case("a = 2024-01-00\n", 1, 5, "the day must be 01–31"),
        Case("a = 2027-1-01\n", 1, 5, "a date is written YYYY-MM-DD"),
        Case("a = 24:00:00\n", 1, 5, "the hour must be 00–23"),
        Case("a = 12:60:00\n", 1, 5, "the minutes must be 00–59"),
        Case("a = 12:00:60\n", 1, 5, "the seconds must be 00–59"),
        Case("a = 07:32\n", 1, 5, "a time is written HH:MM:SS, with seconds"),
        Case("a = 07:32:00.\n", 1, 5, "at least one digit after `.`"),
        Case("a = 1979-05-27T07:32\n", 1, 5, "a time is written HH:MM:SS"),
        Case("a = 1979-05-27X07:32:00\n", 1, 5, "a date is followed by `T`"),
        Case("a = 1979-05-27T07:32:00+07\n", 1, 5, "an offset ±HH:MM"),
        Case("a = 1979-05-27T07:32:00+24:00\n", 1, 5, "an offset's hours are 00–23"),
        Case("a = 1979-05-27T07:32:00Zjunk\n", 1, 5, "it runs on after `Z`"),
        Case("until = 9101-01-01Tl0:00:00Z\n", 1, 9, "is not a valid date-time"),
        Case("a = 1979-05-27 07:32\n", 1, 5, "a time is written HH:MM:SS"),
        // Arrays
        Case("a = [1, 2\n", 1, 5, "an array is not closed"),
        Case("a = [1 2]\n", 1, 8, "expected `,` or `]` after a value in an array, found `2`"),
        Case("a = [,]\n", 1, 6, "expected a value"),
        Case("a = [1,,2]\n", 1, 8, "expected a value"),
        Case("a = [1, }]\n", 1, 9, "expected a value"),
        Case("a = [1}\n", 1, 7, "expected `,` or `]`"),
        // Inline tables
        Case("a = { b = 1, }\n", 1, 14, "cannot end with a comma"),
        Case("a = { b = 1\n}\n", 1, 12, "an inline table must be on one line"),
        Case("a = {\nb = 1 }\n", 1, 6, "an inline table must be on one line"),
        Case("a = { b = 1 # c\n}\n", 1, 13, "an inline table cannot hold a comment"),
        Case("a = { b = 1\n", 1, 12, "an inline table must be on one line"),
        Case("a = { b = 1", 1, 5, "an inline table is not closed"),
        Case("a = { b = ] }\n", 1, 11, "expected a value"),
        Case("a = { b = 1 c = 2 }\n", 1, 13, "expected `,` or `}`"),
        Case("a = { , }\n", 1, 7, "expected a key"),
    ]

    static let redefinitions: [Case] = [
        Case("a = 1\na = 2\n", 2, 1, "the key `a` is defined twice (first at line 1)"),
        Case("a = 1\n\"a\" = 2\n", 2, 1, "the key `a` is defined twice"),
        Case("[t]\nx = 1\nx = 2\n", 3, 1, "the key `t.x` is defined twice (first at line 2)"),
        Case("a.b = 1\na.b = 2\n", 2, 3, "the key `a.b` is defined twice"),
        Case("a.b = 1\na.b.c = 2\n", 2, 3, "`a.b` is already an integer, not a table (first at line 1)"),
        Case("a = 1\na.b = 2\n", 2, 1, "`a` is already an integer, not a table"),
        Case("[a]\nb = 1\n[a]\nc = 2\n", 3, 1, "the table [a] is defined twice (first at line 1)"),
        Case("[a.b]\n[a.b]\n", 2, 1, "the table [a.b] is defined twice"),
        Case("[a]\nb = 1\n[a.b]\n", 3, 1, "`a.b` is already an integer, not a table"),
        Case("a.b = 1\n[a]\n", 2, 1, "the table `a` was already defined by dotted keys"),
        Case(
            "[fruit]\napple.color = \"red\"\n[fruit.apple]\n", 3, 1,
            "the table `fruit.apple` was already defined by dotted keys"),
        Case("[a.b]\nx = 1\n[a]\nb.y = 2\n", 4, 1, "the table `a.b` was defined by its own [a.b] header"),
        Case("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, 3, "the table `a.b.c` was defined by its own [a.b.c] header"),
        Case("[[a]]\n[a]\n", 2, 1, "`a` is an array of tables ([[a]]); [a] cannot define it as a table"),
        Case("[a]\n[[a]]\n", 2, 1, "`a` is already a table; [[a]] cannot make it an array of tables"),
        Case("a = []\n[[a]]\n", 2, 1, "`a` is a static array (`a = [ … ]`); [[a]] cannot append to it"),
        Case("a = [{ b = 1 }]\n[[a]]\n", 2, 1, "cannot append to it"),
        Case("a = [1]\n[a.b]\n", 2, 2, "`a` is a static array, not a table"),
        Case(
            "[[fruits]]\nname = \"apple\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[fruits.varieties]\n", 5, 1,
            "`fruits.varieties` is an array of tables ([[fruits.varieties]]); [fruits.varieties] cannot define it"),
        Case(
            "[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n[[fruits.physical]]\n", 4, 1,
            "`fruits.physical` is already a table; [[fruits.physical]] cannot make it an array of tables"),
        Case("[[a]]\nb = 1\n[[a]]\nb = 1\nb = 2\n", 5, 1, "the key `a.b` is defined twice"),
        Case("[[a]]\nb.c = 1\n[a.b]\n", 3, 1, "the table `a.b` was already defined by dotted keys"),
        Case("[[a]]\n[a.b]\n[a.b]\n", 3, 1, "the table [a.b] is defined twice"),
        Case("[[a]]\na.b = 1\n[[a.a]]\n", 3, 1, "`a.a` is already a table"),
        Case("a = { b = 1 }\na.c = 2\n", 2, 1, "`a` is an inline table, which is complete as written"),
        Case("a = { b = 1 }\n[a]\n", 2, 1, "`a` is an inline table"),
        Case("a = { b = 1 }\n[a.c]\n", 2, 2, "`a` is an inline table"),
        Case("a = { b = { c = 1 } }\n[a.b.d]\n", 2, 2, "`a` is an inline table"),
        Case("a = { b = 1, b = 2 }\n", 1, 14, "the key `b` is defined twice"),
        Case("a = { b = { c = 1 }, b.d = 2 }\n", 1, 22, "`b` is an inline table"),
        Case("a = { b.c = 1, b = 2 }\n", 1, 16, "the key `b` is defined twice"),
        Case("[a]\nb = { c = 1 }\n[a.b.d]\n", 3, 4, "`a.b` is an inline table"),
    ]

    static func expectRefused(_ example: Case) {
        let error = #expect(throws: ConfigError.self) { try ConfigDocument.parse(example.text, file: "bad.toml") }
        guard let error else { return }
        #expect(error.file == "bad.toml")
        #expect(error.key == nil)
        let place = "not valid TOML at line \(example.line), column \(example.column): "
        #expect(error.problem.hasPrefix(place), "\(error.problem)")
        #expect(error.problem.contains(example.says), "\(error.problem)")
    }

    @Test(arguments: syntax)
    func aSyntaxErrorIsRefusedWithItsLineAndColumn(_ example: Case) {
        Self.expectRefused(example)
    }

    @Test(arguments: redefinitions)
    func aRedefinitionIsRefusedWithItsLineAndColumn(_ example: Case) {
        Self.expectRefused(example)
    }

    @Test func nestingDeeperThanTheLimitIsAnErrorNotACrash() {
        let deepArray = "a = " + String(repeating: "[", count: 129) + String(repeating: "]", count: 129) + "\n"
        Self.expectRefused(Case(deepArray, 1, 133, "nest deeper than 128 levels"))
        let deepInline = "a = " + String(repeating: "{b=", count: 129) + "1" + String(repeating: "}", count: 129) + "\n"
        Self.expectRefused(Case(deepInline, 1, 5 + 128 * 3, "nest deeper than 128 levels"))
        let veryDeep = "a = " + String(repeating: "[", count: 100_000) + "\n"
        Self.expectRefused(Case(veryDeep, 1, 133, "nest deeper than 128 levels"))
        let deepHeader = "[" + Array(repeating: "t", count: 200).joined(separator: ".") + "]\n"
        Self.expectRefused(Case(deepHeader, 1, 1, "tables nest deeper than 128 levels"))
        let deepKey = Array(repeating: "k", count: 200).joined(separator: ".") + " = 1\n"
        Self.expectRefused(Case(deepKey, 1, 1 + 128 * 2, "tables nest deeper than 128 levels"))
        // Dotted keys count: 100 tables of a header, then 29 arrays in its value.
        let headerThenArrays =
            "[" + Array(repeating: "t", count: 100).joined(separator: ".") + "]\na = "
            + String(repeating: "[", count: 29) + String(repeating: "]", count: 29) + "\n"
        Self.expectRefused(Case(headerThenArrays, 2, 33, "nest deeper than 128 levels"))
        // Dotted keys inside inline tables count too: 2 × (1 inline table + 70 dotted tables).
        let dottedInInline =
            "a = {" + Array(repeating: "k", count: 71).joined(separator: ".") + " = {"
            + Array(repeating: "k", count: 71).joined(separator: ".") + " = 1}}\n"
        Self.expectRefused(Case(dottedInInline, 1, 263, "nest deeper than 128 levels"))
    }

    @Test func bytesThatAreNotUTF8AreRefusedWithWhere() {
        for bytes: [UInt8] in [
            [0x61, 0x20, 0x3D, 0x20, 0x22, 0xFF, 0x22], [0x61, 0x20, 0x3D, 0x20, 0x22, 0xC0, 0xAF, 0x22],
            [0x61, 0x20, 0x3D, 0x20, 0x22, 0xED, 0xA0, 0x80, 0x22], [0x61, 0x20, 0x3D, 0x20, 0x22, 0xE2, 0x82],
        ] {
            let error = #expect(throws: ConfigError.self) { try ConfigDocument.parse(bytes: bytes, file: "bin.toml") }
            #expect(error?.problem == "not valid TOML at line 1, column 6: the file is not UTF-8 text")
        }
    }
}
