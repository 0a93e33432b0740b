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
