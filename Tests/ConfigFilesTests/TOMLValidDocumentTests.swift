import ConfigFiles
import Testing

/// Valid TOML 1.0 documents and the `ConfigValue` trees they read as, one feature of the spec
/// per case; key order is part of the expectation (`ConfigTable.keys` keeps the written order).
@Suite struct TOMLValidDocumentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var expected: ConfigTable
        var testDescription: String { name }
    }

    /// A table from ordered pairs, so that the expected key order is the order written here.
    static func table(_ pairs: KeyValuePairs<String, ConfigValue>) -> ConfigTable {
        ConfigTable(
            entries: Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }),
            keys: pairs.map(\.key))
    }

    static func t(_ pairs: KeyValuePairs<String, ConfigValue>) -> ConfigValue { .table(table(pairs)) }

    static let cases: [Case] = [
        Case(name: "empty document", text: "", expected: table([:])),
        Case(name: "comments and blank lines only", text: "# a comment\n\n   # another\t\n", expected: table([:])),
        Case(
            name: "bare keys, quoted keys, empty quoted key, keys that look like numbers",
            text: "key = 1\nbare_key-2 = 2\n\"127.0.0.1\" = 3\n'quoted \"x\"' = 4\n\"\" = 5\n1234 = 6\n",
            expected: table([
                "key": .integer(1), "bare_key-2": .integer(2), "127.0.0.1": .integer(3), "quoted \"x\"": .integer(4),
                "": .integer(5), "1234": .integer(6),
            ])),
        Case(
            name: "dotted keys build tables, whitespace around dots is ignored, quoted parts stay whole",
            text: "name.first = \"Tom\"\nname . last = \"P\"\nsite.\"google.com\" = true\n3.14159 = \"pi\"\n",
            expected: table([
                "name": t(["first": .string("Tom"), "last": .string("P")]), "site": t(["google.com": .boolean(true)]),
                "3": t(["14159": .string("pi")]),
            ])),
        Case(
            name: "basic strings with every escape",
            text: #"s = "tab\t nl\n cr\r bs\b ff\f quote\" backslash\\ e\u00E9 smile\U0001F600""# + "\n",
            expected: table(["s": .string("tab\t nl\n cr\r bs\u{8} ff\u{C} quote\" backslash\\ e\u{E9} smile\u{1F600}")]
            )),
        Case(
            name: "literal strings keep backslashes",
            text: #"path = 'C:\Users\nodejs\templates'"# + "\nregex = '<\\i\\c*\\s*>'\n",
            expected: table(["path": .string(#"C:\Users\nodejs\templates"#), "regex": .string(#"<\i\c*\s*>"#)])),
        Case(
            name: "multi-line basic string: first newline dropped, CRLF read as LF, quotes inside",
            text: "s = \"\"\"\nRoses are red\r\nViolets are \"blue\"\"\"\"\n",
            expected: table(["s": .string("Roses are red\nViolets are \"blue\"")])),
        Case(
            name: "multi-line basic string: a line-ending backslash trims whitespace and newlines",
            text: "s = \"\"\"\\\n    The quick \\\n\n    brown \\   \n    fox.\\\n    \"\"\"\n",
            expected: table(["s": .string("The quick brown fox.")])),
        Case(
            name: "multi-line strings: up to two quotes just inside the closing delimiter",
            text: "a = \"\"\"\"\"x\"\"\"\"\"\nb = '''''y'''''\nc = \"\"\"\"\"\"\n",
            expected: table(["a": .string("\"\"x\"\""), "b": .string("''y''"), "c": .string("")])),
        Case(
            name: "the spec's quotation-mark examples in multi-line strings",
            text: #"""
                str5 = """Here are three quotation marks: ""\"."""
                str7 = """"This," she said, "is just a pointless statement.""""
                quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
                str = ''''That,' she said, 'is still pointless.''''

                """#,
            expected: table([
                "str5": .string("Here are three quotation marks: \"\"\"."),
                "str7": .string("\"This,\" she said, \"is just a pointless statement.\""),
                "quot15": .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)),
                "str": .string("'That,' she said, 'is still pointless.'"),
            ])),
        Case(
            name: "multi-line literal string keeps escapes and newlines as written",
            text: "s = '''\nfirst \\n\n  second\n'''\n",
            expected: table(["s": .string("first \\n\n  second\n")])),
        Case(
            name: "decimal integers with signs and underscores, 64-bit limits",
            text: "a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\ng = +0\nh = -0\n"
                + "max = 9223372036854775807\nmin = -9223372036854775808\n",
            expected: table([
                "a": .integer(99), "b": .integer(42), "c": .integer(0), "d": .integer(-17), "e": .integer(1000),
                "f": .integer(5_349_221), "g": .integer(0), "h": .integer(0), "max": .integer(Int.max),
                "min": .integer(Int.min),
            ])),
        Case(
            name: "hexadecimal, octal and binary integers",
            text:
                "h = 0xDEADBEEF\nl = 0xdead_beef\no = 0o01234567\np = 0o755\nb = 0b11010110\nm = 0x7FFFFFFFFFFFFFFF\n",
            expected: table([
                "h": .integer(0xDEAD_BEEF), "l": .integer(0xDEAD_BEEF), "o": .integer(0o01234567), "p": .integer(0o755),
                "b": .integer(0b1101_0110), "m": .integer(Int.max),
            ])),
        Case(
            name: "floats: fraction, exponent, both, underscores, signed zero",
            text: "a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\ng = 6.626e-34\n"
                + "h = 224_617.445_991_228\ni = 0e0\nj = -0.0\nk = 1e1_0\n",
            expected: table([
                "a": .float(1), "b": .float(3.1415), "c": .float(-0.01), "d": .float(5e22), "e": .float(1e6),
                "f": .float(-0.02), "g": .float(6.626e-34), "h": .float(224_617.445_991_228), "i": .float(0),
                "j": .float(-0.0), "k": .float(1e10),
            ])),
        Case(
            name: "infinities and booleans",
            text: "a = inf\nb = +inf\nc = -inf\nt = true\nf = false\n",
            expected: table([
                "a": .float(.infinity), "b": .float(.infinity), "c": .float(-.infinity), "t": .boolean(true),
                "f": .boolean(false),
            ])),
        Case(
            name: "offset date-times, local date-times, local dates and local times, kept as written",
            text: "a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00-07:00\nc = 1979-05-27T00:32:00.999999+07:00\n"
                + "d = 1979-05-27 07:32:00Z\ne = 1979-05-27t07:32:00z\nf = 1979-05-27T07:32:00\n"
                + "g = 1979-05-27T00:32:00.5\nh = 1979-05-27\ni = 07:32:00\nj = 00:32:00.999999\n"
                + "leap = 2024-02-29\ncentury = 2000-02-29\nlast = 1999-12-31T23:59:59Z\n",
            expected: table([
                "a": .dateTime("1979-05-27T07:32:00Z"), "b": .dateTime("1979-05-27T00:32:00-07:00"),
                "c": .dateTime("1979-05-27T00:32:00.999999+07:00"), "d": .dateTime("1979-05-27 07:32:00Z"),
                "e": .dateTime("1979-05-27t07:32:00z"), "f": .dateTime("1979-05-27T07:32:00"),
                "g": .dateTime("1979-05-27T00:32:00.5"), "h": .dateTime("1979-05-27"), "i": .dateTime("07:32:00"),
                "j": .dateTime("00:32:00.999999"), "leap": .dateTime("2024-02-29"), "century": .dateTime("2000-02-29"),
                "last": .dateTime("1999-12-31T23:59:59Z"),
            ])),
        Case(
            name: "arrays: mixed types, nested, over lines with comments, trailing comma, empty",
            text: "a = [ 1, 2, 3 ]\nb = [ \"x\", 'y', \"\"\"z\"\"\" ]\nc = [ [ 1, 2 ], [\"a\", 2.5] ]\n"
                + "d = [\n  1, # one\n  2, # two\n]\ne = []\nf = [ 0.1, \"s\", { x = 1 }, 1979-05-27, true ]\n"
                + "g = [\n\n]\n",
            expected: table([
                "a": .array([.integer(1), .integer(2), .integer(3)]),
                "b": .array([.string("x"), .string("y"), .string("z")]),
                "c": .array([.array([.integer(1), .integer(2)]), .array([.string("a"), .float(2.5)])]),
                "d": .array([.integer(1), .integer(2)]), "e": .array([]),
                "f": .array([.float(0.1), .string("s"), t(["x": .integer(1)]), .dateTime("1979-05-27"), .boolean(true)]
                ),
                "g": .array([]),
            ])),
        Case(
            name: "inline tables: nested, dotted keys inside, empty, arrays over lines inside",
            text: "name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = {x=1,y=2}\n"
                + "animal = { type.name = \"pug\", type.size = 1 }\nempty = {}\nnested = { a = { b = { c = 1 } } }\n"
                + "list = { items = [\n  1,\n  2,\n] }\n",
            expected: table([
                "name": t(["first": .string("Tom"), "last": .string("Preston-Werner")]),
                "point": t(["x": .integer(1), "y": .integer(2)]),
                "animal": t(["type": t(["name": .string("pug"), "size": .integer(1)])]), "empty": t([:]),
                "nested": t(["a": t(["b": t(["c": .integer(1)])])]),
                "list": t(["items": .array([.integer(1), .integer(2)])]),
            ])),
        Case(
            name: "table headers: nested, quoted, spaced, a super-table defined after its sub-table",
            text: "[table-1]\nkey1 = \"some string\"\n[ dog . \"tater.man\" ]\ntype = \"pug\"\n[x.y.z.w]\n[x]\nk = 1\n",
            expected: table([
                "table-1": t(["key1": .string("some string")]),
                "dog": t(["tater.man": t(["type": .string("pug")])]),
                "x": t(["y": t(["z": t(["w": t([:])])]), "k": .integer(1)]),
            ])),
        Case(
            name: "a header may add sub-tables to a table made by dotted keys",
            text: "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n",
            expected: table([
                "fruit": t([
                    "apple": t([
                        "color": .string("red"), "taste": t(["sweet": .boolean(true)]),
                        "texture": t(["smooth": .boolean(true)]),
                    ])
                ])
            ])),
        Case(
            name: "dotted keys may add to a table that a longer header only passed through",
            text: "[a.b.c]\nz = 9\n[a]\nb.y = 8\n",
            expected: table(["a": t(["b": t(["c": t(["z": .integer(9)]), "y": .integer(8)])])])),
        Case(
            name: "arrays of tables, with sub-tables and nested arrays of tables in the last element",
            text:
                "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"red delicious\"\n"
                + "[[fruits.varieties]]\nname = \"granny smith\"\n[[fruits]]\nname = \"banana\"\n[[fruits.varieties]]\n"
                + "name = \"plantain\"\n",
            expected: table([
                "fruits": .array([
                    t([
                        "name": .string("apple"), "physical": t(["color": .string("red")]),
                        "varieties": .array([
                            t(["name": .string("red delicious")]), t(["name": .string("granny smith")]),
                        ]),
                    ]),
                    t(["name": .string("banana"), "varieties": .array([t(["name": .string("plantain")])])]),
                ])
            ])),
        Case(
            name: "empty array-of-tables elements and dotted keys inside each element",
            text: "[[p]]\n[[p]]\nq.r = 1\n[[p]]\nq.r = 2\n",
            expected: table(["p": .array([t([:]), t(["q": t(["r": .integer(1)])]), t(["q": t(["r": .integer(2)])])])])),
        Case(
            name: "keys keep the order they were first written in, tables included",
            text: "zebra = 1\napple = 2\n[mango]\n[banana]\n[[cherry]]\n",
            expected: table([
                "zebra": .integer(1), "apple": .integer(2), "mango": t([:]), "banana": t([:]),
                "cherry": .array([t([:])]),
            ])),
        Case(
            name: "CRLF line endings, tabs, trailing comments, a byte order mark",
            text: "\u{FEFF}a = 1\r\n\tb\t=\t2 # two\r\n[t] # table\r\nc = 'x'\r\n",
            expected: table(["a": .integer(1), "b": .integer(2), "t": t(["c": .string("x")])])),
        Case(
            name: "non-ASCII text in strings, quoted keys and comments",
            text: "# Grüße ✓\n\"ʎǝʞ\" = \"välue 日本\"\nemoji = '😀'\n",
            expected: table(["ʎǝʞ": .string("välue 日本"), "emoji": .string("😀")])),
        Case(
            name: "arrays and inline tables nested 128 deep (the limit) are read",
            text: "a = " + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "\n",
            expected: table([
                "a": (1..<128).reduce(ConfigValue.array([])) { inner, _ in .array([inner]) }
            ])),
    ]

    @Test(arguments: cases)
    func aValidDocumentReadsAsItsValueTree(_ example: Case) throws {
        let table = try ConfigDocument.parse(example.text, file: "valid.toml")
        #expect(table == example.expected)
        #expect(table.keys == example.expected.keys)
    }

    @Test func nanReadsAsNaNWithItsSign() throws {
        let table = try ConfigDocument.parse("a = nan\nb = +nan\nc = -nan\n", file: "valid.toml")
        for key in ["a", "b", "c"] {
            guard case .float(let value)? = table[key] else {
                Issue.record("\(key) is not a float")
                continue
            }
            #expect(value.isNaN)
            #expect(value.sign == (key == "c" ? .minus : .plus))
        }
    }

    @Test func bytesAndTextReadTheSame() throws {
        let text = "a = \"é\"\n[b]\nc = [1, 2]\n"
        #expect(
            try ConfigDocument.parse(bytes: Array(text.utf8), file: "x.toml")
                == ConfigDocument.parse(text, file: "x.toml"))
    }
}
