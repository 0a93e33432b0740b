import ConfigFiles
import Foundation
import TestSupport
import Testing

/// The inputs that made toml++ (inside TOMLKit, the TOML reader before `TOMLParser`) abort the
/// process, found by the FuzzPolicy target (docs/FUZZING.md, findings 5, 8, 11, 12 and 13): each
/// is refused with a ConfigError, never a crash; valid TOML around the same constructs still parses.
@Suite struct TOMLFuzzFindingTests {
    @Test(arguments: [
        // Malformed table headers (finding 5: toml++ asserted in parse_key).
        "[?a]\nx = 1\n", "[a b]\n", "[]\n", "[[a]\n", "[a]x = 1\n", "[a.]\n", "[.a]\n", "[a..b]\n",
        "x = 1\n  [ \"open\n",
        "[[?sanctions]]\n", "[a]]\n",
        // After a byte order mark (finding 8: toml++ skips it and asserted on the header).
        "\u{FEFF}[# Compliance]\n", "\u{FEFF}[?a]\n",
        // A malformed date or time value (finding 11: toml++ asserted in parse_time).
        "until = 9101-01-01Tl0:00:00Z\n", "t = 07:3x:00\n", "d = 2027-1-01\n", "d = 2027-01-01T07:32:00+01\n",
        "a = [2027-01-01T0:00:00Z]\n", "t = { at = 2027-01-01Tx }\n", "d = 2027-01-01T07:32:00Zjunk\n",
        // A `}` inside an array (finding 12: toml++ asserted in parse_value), and the converse.
        "x = [1, }]\n", "x = [}\n", "x = { a = ] }\n",
        // A time after `=`, then a value that starts with digits and stops at once (finding 13:
        // toml++ asserted in parse_value's scan, `!is_value_terminator(*cp)`).
        "ntil = 20;5-09-01 2 :05-01-01", "nion=\n 00:00 0000::00=", "[Sanctil = n= 00:00 ",
    ])
    func aFuzzFindingIsAConfigErrorNotACrash(_ text: String) {
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
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for folder in ["Config", "Policies"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
            where name.hasSuffix(".toml") {
                _ = try ConfigDocument.load(path: directory.appendingPathComponent(name).path)
            }
        }
    }

    @Test func finding13sPolicyFilesAreEachRefusedOrEmpty() {
        let files = FuzzFindings.finding13Files
        #expect(files.count == 8)
        var refused = 0
        for (index, file) in files.enumerated() {
            do {
                let table = try ConfigDocument.parse(bytes: Array(file), file: "file-\(index).toml")
                #expect(file.isEmpty && table.keys.isEmpty, "file \(index) parsed: \(table)")
            } catch {
                #expect(error.problem.hasPrefix("not valid TOML at line 1, column "), "\(error.problem)")
                refused += 1
            }
        }
        #expect(refused == 6)
    }

    @Test func finding13sTimeFollowedByJunkNamesWhereTheValueStops() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigDocument.parse("ntil = 20;5-09-01 2 :05-01-01", file: "sanctions.toml")
        }
        #expect(
            error?.problem
                == "not valid TOML at line 1, column 10: expected the end of the line after a value, found `;`")
    }
}
