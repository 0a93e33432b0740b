#!/usr/bin/env python3
"""Negative tests for scripts/check-architecture.py and scripts/check-sizes.py.

Each test writes a small fake package (Package.swift, docs/ARCHITECTURE.md, a few Swift
files) to a temporary folder and runs the check on it as `make check` would, so a check
that passes everything, or fails everything, is caught.

Usage: python3 scripts/test_checks.py [-v]
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
import swift_lexer  # noqa: E402

# Three layers and a test target; the benchmark block below must be ignored (its
# dependency "Nowhere" is not a target).
PACKAGE = """\
// swift-tools-version: 6.1
import PackageDescription

import class Foundation.ProcessInfo

var targets: [Target] = [
    // .target(name: "Commented", dependencies: ["Out"]),
    .target(name: "Base"),
    .target(
        name: "Middle",
        dependencies: ["Base", .product(name: "Logging", package: "swift-log")]
    ),
    .executableTarget(name: "App", dependencies: ["Middle", "Base", .product(name: "Hummingbird", package: "hummingbird")]),
    .target(name: "Helpers", path: "Tests/Helpers"),
    .testTarget(name: "MiddleTests", dependencies: ["Middle", "Helpers"], exclude: ["Fixtures"]),
]

if ProcessInfo.processInfo.environment["BENCH"] == "1" {
    let benchmark = Target.Dependency.product(name: "Benchmark", package: "benchmark")
    targets += [.executableTarget(name: "Bench", dependencies: [benchmark, "Nowhere"], path: "Benchmarks/Bench")]
}

let package = Package(name: "Fixture", targets: targets)
"""

ARCHITECTURE = """\
# Fixture architecture

## Modules

| module | owns | uses |
|---|---|---|
| `Base` | the `Thing` type | — |
| `Middle` | logging `Thing`s (a \\| in a cell) | `Base`, swift-log |
| `App` | the executable | `Middle`, `Base`, Hummingbird |

## Something else

| `NotAModule` | x | `Base` |
"""

SOURCES = {
    "Sources/Base/Thing.swift": """\
        import Foundation

        public struct Thing {}
        """,
    "Sources/Middle/Middle.swift": """\
        @preconcurrency import Logging
        import struct Base.Thing
        #if canImport(Glibc)
            import Glibc
        #elseif canImport(Darwin)
            import Darwin
        #endif

        // import Secret: a comment, not an import
        /* import Secret
           import App */
        let text = "import App"
        let lines = \"\"\"
            import App
            \"\"\"
        """,
    "Sources/App/main.swift": """\
        @_exported import Middle
        public import Base
        import HummingbirdCore
        """,
    "Tests/Helpers/Helpers.swift": "import XCTest\n",
    "Tests/MiddleTests/MiddleTests.swift": """\
        import Testing
        @testable import Middle
        import Helpers
        """,
    # Excluded from the test target: its import does not count.
    "Tests/MiddleTests/Fixtures/Sample.swift": "import Undeclared\n",
}


def write(root, path, text):
    full_path = os.path.join(root, path)
    os.makedirs(os.path.dirname(full_path), exist_ok=True)
    with open(full_path, "w", encoding="utf-8") as file:
        file.write(text)


def run(script, root):
    result = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), root],
                            capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


class FixtureTestCase(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = self.directory.name
        self.addCleanup(self.directory.cleanup)

    def assertPasses(self, script):
        code, output = run(script, self.root)
        self.assertEqual(code, 0, output)
        return output

    def assertFails(self, script, *expected):
        code, output = run(script, self.root)
        self.assertNotEqual(code, 0, output)
        for text in expected:
            self.assertIn(text, output)
        return output


class ArchitectureTests(FixtureTestCase):
    def setUp(self):
        super().setUp()
        write(self.root, "Package.swift", PACKAGE)
        write(self.root, "docs/ARCHITECTURE.md", ARCHITECTURE)
        for path, text in SOURCES.items():
            write(self.root, path, textwrap.dedent(text))

    def replace(self, path, old, new):
        with open(os.path.join(self.root, path), encoding="utf-8") as file:
            text = file.read()
        self.assertIn(old, text)
        write(self.root, path, text.replace(old, new))

    def test_clean_fixture_passes(self):
        output = self.assertPasses("check-architecture.py")
        self.assertIn("architecture: 3 modules, 3 edges, all downward, imports declared", output)

    def test_targets_inside_package_call_are_read(self):
        # The other manifest style: no `targets` variable, the array inside Package(...),
        # after a product whose own `targets:` list must not be mistaken for it.
        start = PACKAGE.index("    .target(name: \"Base\")")
        end = PACKAGE.index("]\n\nif ")
        write(self.root, "Package.swift", "import PackageDescription\n\nlet package = Package(\n"
              "    name: \"Fixture\",\n    products: [.executable(name: \"app\", targets: [\"App\"])],\n"
              f"    targets: [\n{PACKAGE[start:end]}    ]\n)\n")
        self.assertPasses("check-architecture.py")
        self.replace("Package.swift", '.target(name: "Base"),', '.target(name: "Base"),\n    .target(name: "Extra"),')
        self.assertFails("check-architecture.py", "source target Extra has no row")

    def test_upward_edge_fails(self):
        # Base moved below Middle: Middle's dependency on Base now points down the table.
        self.replace("docs/ARCHITECTURE.md", "| `Base` | the `Thing` type | — |\n", "")
        self.replace("docs/ARCHITECTURE.md", "| `App` |", "| `Base` | the `Thing` type | — |\n| `App` |")
        self.assertFails("check-architecture.py", "Middle declares Base, which is below it")

    def test_import_of_a_lower_module_is_an_upward_edge(self):
        write(self.root, "Sources/Base/Up.swift", "import App\n")
        output = self.assertFails("check-architecture.py", "Base imports App, which is below it")
        self.assertIn("Sources/Base/Up.swift:1: Base imports App, a project target it does not declare", output)

    def test_self_dependency_fails(self):
        self.replace("Package.swift", '.target(name: "Base")', '.target(name: "Base", dependencies: ["Base"])')
        self.assertFails("check-architecture.py", "Base declares itself")

    def test_undeclared_external_import_fails(self):
        write(self.root, "Sources/Middle/Net.swift", "#if canImport(NIOCore)\nimport NIOCore\n#endif\n")
        self.assertFails("check-architecture.py", "Sources/Middle/Net.swift:2: Middle imports NIOCore, which is "
                                                  "neither a declared product nor a toolchain module")

    def test_project_import_inside_a_platform_branch_fails(self):
        # Declared, but imported only where FoundationNetworking exists: macOS would not see it.
        write(self.root, "Sources/Middle/Net.swift",
              "#if canImport(FoundationNetworking)\nimport FoundationNetworking\nimport Base\n#endif\n")
        self.assertFails("check-architecture.py", "Sources/Middle/Net.swift:3: Middle imports the project module "
                                                  "Base inside an #if")

    def test_undeclared_project_import_fails_in_tests_too(self):
        self.replace("Tests/MiddleTests/MiddleTests.swift", "import Helpers", "import Helpers\nimport Base")
        self.assertFails("check-architecture.py", "MiddleTests imports Base, a project target it does not declare")

    def test_product_of_another_target_is_not_declared(self):
        # App declares Hummingbird; Middle does not, so Middle may not import it.
        write(self.root, "Sources/Middle/Web.swift", "import class Hummingbird.Router\n")
        self.assertFails("check-architecture.py", "Middle imports Hummingbird")

    def test_uses_column_missing_a_dependency_fails(self):
        self.replace("docs/ARCHITECTURE.md", "| `Middle`, `Base`, Hummingbird |", "| `Middle`, Hummingbird |")
        self.assertFails("check-architecture.py", "`App` uses column is missing Base")

    def test_uses_column_naming_an_undeclared_module_fails(self):
        self.replace("docs/ARCHITECTURE.md", "| `Base`, swift-log |", "| `Base`, `App`, swift-log |")
        self.assertFails("check-architecture.py", "`Middle` uses column names App, not declared")

    def test_uses_column_in_words_fails(self):
        self.replace("docs/ARCHITECTURE.md", "| `Middle`, `Base`, Hummingbird |", "| everything above |")
        self.assertFails("check-architecture.py", "`App` uses column is missing Base, Middle")

    def test_target_without_a_row_fails(self):
        self.replace("Package.swift", '.target(name: "Base"),', '.target(name: "Base"),\n    .target(name: "Extra"),')
        self.assertFails("check-architecture.py", "source target Extra has no row")

    def test_row_without_a_target_fails(self):
        self.replace("docs/ARCHITECTURE.md", "| `App` |", "| `Ghost` | nothing | — |\n| `App` |")
        self.assertFails("check-architecture.py", "row `Ghost` names no target")


def function(name, lines, body=None):
    """A Swift function exactly `lines` long, declaration and closing brace included."""
    body = body or ["    _ = 0"] * (lines - 2)
    assert len(body) == lines - 2
    return [f"func {name}() {{", *body, "}"]


class SizeTests(FixtureTestCase):
    def source(self, path, lines):
        write(self.root, path, "\n".join(lines) + "\n")

    def exceptions(self, *lines):
        write(self.root, "scripts/size-exceptions.txt", "# comment\n" + "\n".join(lines) + "\n")

    def test_100_line_function_passes(self):
        self.source("Sources/A/A.swift", function("long", 100))
        self.assertPasses("check-sizes.py")

    def test_101_line_function_fails(self):
        self.source("Sources/A/A.swift", ["import Foundation", "", *function("long", 101)])
        self.assertFails("check-sizes.py", "Sources/A/A.swift:3: function long is 101 lines (limit 100)")

    def test_init_subscript_and_property_accessors_are_measured(self):
        lines = ["struct S {", "    init(x: Int) {", *["        _ = x"] * 99, "    }",
                 "    subscript(i: Int) -> Int {", "        get {", *["            _ = i"] * 97, "            return i",
                 "        }", "    }",
                 "    var value: Int {", "        get { 0 }", "        set {", *["            _ = newValue"] * 97,
                 "        }", "    }", "}"]
        self.source("Sources/A/S.swift", lines)
        self.assertFails("check-sizes.py", "S.swift:2: function init is 101 lines",
                         "S.swift:103: function subscript is 102 lines", "S.swift:205: function value is 102 lines")

    def test_closures_count_towards_their_function(self):
        body = ["    let work = {", *["        _ = 0"] * 97, "    }", "    work()"]
        self.source("Sources/A/A.swift", function("withClosure", 102, body))
        self.assertFails("check-sizes.py", "function withClosure is 102 lines")

    def test_701_line_file_fails_and_700_passes(self):
        self.source("Sources/A/Long.swift", ["// filler"] * 700)
        self.assertPasses("check-sizes.py")
        self.source("Sources/A/Long.swift", ["// filler"] * 701)
        self.assertFails("check-sizes.py", "Sources/A/Long.swift: 701 lines (limit 700)")

    def test_braces_in_strings_and_comments_are_not_code(self):
        # Every line below would open or close a brace for a naive counter; measured
        # right, each function is short and the file balances.
        tricky = [
            "func strings() {",
            '    let a = "{ \\" {"',
            '    let b = #"{ \\" " {"#',
            '    let c = ##"{ "# {"##',
            '    let d = "\\(["k": "{"]["k"]!) {"',
            "    let e = \"\"\"",
            "        { \" \"\" {",
            "        \"\"\"",
            "    let f = #\"\"\"",
            "        } \"\"\" }",
            "        \"\"\"#",
            "}",
            "func comments() {",
            "    // {",
            "    /* { /* nested { */ still comment { */",
            "}",
            "func braceFree() {}",
        ]
        self.source("Sources/A/Tricky.swift", tricky + function("after", 90) + function("last", 90))
        self.assertPasses("check-sizes.py")
        masked = swift_lexer.mask("\n".join(tricky))
        self.assertEqual(masked.count("{"), 3)
        self.assertEqual(masked.count("}"), 3)
        self.assertEqual(masked.count("\n"), len(tricky) - 1)

    def test_protocol_requirements_have_no_body(self):
        lines = ["protocol P {", "    func a()", "    var b: Int { get }", "    init(c: Int)", "}",
                 *function("d", 101)]
        self.source("Sources/A/P.swift", lines)
        self.assertFails("check-sizes.py", "P.swift:6: function d is 101 lines")

    def test_allowlist_excepts_a_listed_function(self):
        self.source("Sources/AIR/Table.swift", function("evaluate", 150) + function("other", 101))
        self.exceptions("Sources/AIR/Table.swift:evaluate  # constraint table")
        output = self.assertFails("check-sizes.py", "function other is 101 lines")
        self.assertNotIn("function evaluate", output)
        self.exceptions("Sources/AIR/Table.swift:evaluate  # constraint table",
                        "Sources/AIR/Table.swift:other  # data table")
        self.assertPasses("check-sizes.py")

    def test_allowlist_is_per_file(self):
        self.source("Sources/A/A.swift", function("evaluate", 150))
        self.exceptions("Sources/AIR/Table.swift:evaluate  # constraint table")
        self.assertFails("check-sizes.py", "Sources/A/A.swift:1: function evaluate is 150 lines",
                         "has no function evaluate over 100 lines")

    def test_stale_exception_and_missing_reason_fail(self):
        self.source("Sources/A/A.swift", function("short", 10))
        self.exceptions("Sources/A/A.swift:short  # was long once", "Sources/A/A.swift:other")
        self.assertFails("check-sizes.py", "size-exceptions.txt:2: Sources/A/A.swift has no function short",
                         "size-exceptions.txt:3: expected `path:functionName  # reason`")

    def test_unbalanced_file_is_reported(self):
        self.source("Sources/A/A.swift", ["func open() {", '    let s = "}"'])
        self.assertFails("check-sizes.py", "Sources/A/A.swift:2: cannot measure functions")


if __name__ == "__main__":
    unittest.main()
