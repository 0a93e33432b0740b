import ConfigFiles
import Foundation
import Testing

/// Malformed table headers are refused with a ConfigError before the text reaches toml++
/// (which aborts the process on some of them); valid TOML, headers or not, still parses.
@Suite struct TableHeaderCheckTests {
    @Test(arguments: [
        "[?a]\nx = 1\n", "[a b]\n", "[]\n", "[[a]\n", "[a]x = 1\n", "[a.]\n", "[.a]\n", "[a..b]\n", "x = 1\n  [ \"open\n",
        "[[?sanctions]]\n", "[a]]\n",
        // After a byte order mark (FuzzPolicy: toml++ skips it and asserted on the header).
        "\u{FEFF}[# Compliance]\n", "\u{FEFF}[?a]\n",
        // A malformed date or time value (FuzzPolicy: toml++ asserted in parse_time).
        "until = 9101-01-01Tl0:00:00Z\n", "t = 07:3x:00\n", "d = 2027-1-01\n", "d = 2027-01-01T07:32:00+01\n",
        "a = [2027-01-01T0:00:00Z]\n", "t = { at = 2027-01-01Tx }\n", "d = 2027-01-01T07:32:00Zjunk\n",
        // A `}` inside an array (FuzzPolicy: toml++ asserted in parse_value), and the converse.
        "x = [1, }]\n", "x = [}\n", "x = { a = ] }\n",
    ])
    func aMalformedHeaderIsAConfigErrorNotACrash(_ text: String) {
        #expect(throws: ConfigError.self) { try ConfigDocument.parse(text, file: "p.toml") }
    }

    @Test(arguments: [
        "[a]\nx = 1\n[a.b]\ny = 2\n",
        "[[members]]\nname = \"x\"\n[[members]]\nname = \"y\"\n",
        "[ a . \"b c\" . 'd' ]   # comment\nx = 1\n",
        "x = [\n  [1, 2],\n  [3, 4],\n]\n[t]\ny = 1\n",
        "s = \"\"\"\n[?not a header]\n\"\"\"\n[t]\n",
        "s = '''\n[?not a header either]\n'''\n",
        "t = { a = [1, [2]] }\n[u]\n",
        "s = \"a \\\" [?x] b\"\n[t]\n",
        "# [?commented out]\n[t]\n",
        "\u{FEFF}[t]\nx = 1\n",
        "d = 1979-05-27T07:32:00Z\nl = 1979-05-27T07:32:00.999999-07:00\ns = 1979-05-27 07:32:00\n",
        "day = 1979-05-27\nt = 07:32:00\nu = 00:32:00.5\na = [1979-05-27, 07:32:00, 1, 2.5, -3]\n",
        "1979-05-27 = 1\nn = 1_000\nh = 0xff\nf = 6.626e-34\nt = { 2020-01-01 = 2020-01-01 }\n",
    ])
    func validTOMLStillParses(_ text: String) throws {
        _ = try ConfigDocument.parse(text, file: "p.toml")
    }

    @Test func theRepositorysConfigAndPolicyFilesPass() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for folder in ["Config", "Policies"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".toml") {
                _ = try ConfigDocument.load(path: directory.appendingPathComponent(name).path)
            }
        }
    }
}
