#!/usr/bin/env python3
"""The module graph of Package.swift, the sources' imports and docs/ARCHITECTURE.md agree.

  a. Every import is declared: a project target or an external product among the
     importing target's dependencies, or a toolchain module (TOOLCHAIN_MODULES).
  b. Layering: the `## Modules` table's row order is the layering; a source target (not a
     test target, not under Tests/) depends on, by declaration or import, only project
     modules in rows above its own. Every source target has a row, every row a target.
  c. Each row's "uses" column names (in backticks) exactly the target's declared project
     dependencies; external library names in it are not checked.

Package.swift is read, not run: only the `targets` array literal counts, so the
benchmark targets appended under CLOISTER_BENCHMARKS=1 and the fuzz targets appended
under CLOISTER_FUZZ=1 (Fuzz/, docs/FUZZING.md) are left out.

Usage: python3 scripts/check-architecture.py [repository-root]   (default: this script's repository)
Exit status 0 when all holds, 1 otherwise; one line per problem.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swift_lexer  # noqa: E402

# Modules the Swift toolchain ships: importable from any target without a declaration.
TOOLCHAIN_MODULES = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML",
    "Dispatch", "Synchronization", "Glibc", "Musl", "Darwin", "_Concurrency",
    "XCTest", "Testing", "os", "CoreFoundation", "System",
}

# Products whose library holds more modules than the one named like the product.
PRODUCT_EXTRA_MODULES = {
    "Hummingbird": {"HummingbirdCore"},
}

TABLE_HEADING = "## Modules"

# `import X`, `@testable import X`, `@preconcurrency import X`, `@_exported import X`,
# `public import X`, `import struct X.Y`, `import X.Submodule`: the module is X.
IMPORT = re.compile(
    r"^[ \t]*(?:@\w+(?:\([^)\n]*\))?\s+)*"
    r"(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?"
    r"`?([A-Za-z_][A-Za-z0-9_]*)`?",
    re.MULTILINE,
)


class Problem(Exception):
    pass


# MARK: - Package.swift


class Call:
    """`.name(label: value, ...)`; unlabelled arguments have label None."""

    def __init__(self, name, arguments):
        self.name, self.arguments = name, arguments

    def argument(self, label):
        return next((value for name, value in self.arguments if name == label), None)


class Target:
    def __init__(self, kind, name, path, exclude, project_deps, products, unresolved):
        self.kind, self.name, self.path, self.exclude = kind, name, path, exclude
        self.project_deps = project_deps  # target names, in declaration order
        self.products = products  # external product names
        self.unresolved = unresolved  # dependency expressions this reader cannot name

    @property
    def is_source(self):
        """A module of the product, not a test or a test helper under Tests/."""
        return self.kind != "testTarget" and not self.path.startswith("Tests/")


MANIFEST_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*|\S')


def manifest_tokens(text):
    return MANIFEST_TOKEN.findall(swift_lexer.mask(text, keep_strings=True))


def parse_value(tokens, i):
    """One expression from tokens[i]; returns (value, next index). Values: str for a
    string literal, Call, list for an array literal, ("ident", name) otherwise."""
    token = tokens[i]
    if token.startswith('"'):
        return token[1:-1], i + 1
    if token == "[":
        items, i = [], i + 1
        while tokens[i] != "]":
            item, i = parse_value(tokens, i)
            items.append(item)
            if tokens[i] == ",":
                i += 1
        return items, i + 1
    if (token == "." and re.match(r"[A-Za-z_]", tokens[i + 1])) or (token == "Package" and tokens[i + 1] == "("):
        name, i = (tokens[i + 1], i + 2) if token == "." else (token, i + 1)
        arguments = []
        if i < len(tokens) and tokens[i] == "(":
            i += 1
            while tokens[i] != ")":
                label = None
                if re.match(r"[A-Za-z_]", tokens[i]) and tokens[i + 1] == ":":
                    label, i = tokens[i], i + 2
                value, i = parse_value(tokens, i)
                arguments.append((label, value))
                if tokens[i] == ",":
                    i += 1
            i += 1
        return Call(name, arguments), i
    # Anything else (a variable such as `benchmark`, a number, an expression): kept as
    # text up to the `,` or closing bracket that ends it.
    start, depth = i, 0
    while depth or tokens[i] not in (",", ")", "]"):
        depth += tokens[i] in ("(", "[", "{")
        depth -= tokens[i] in (")", "]", "}")
        i += 1
    return ("ident", " ".join(tokens[start:i])), i


def read_targets(root):
    path = os.path.join(root, "Package.swift")
    with open(path, encoding="utf-8") as file:
        tokens = manifest_tokens(file.read())
    # `var targets: [Target] = [ ... ]` (later `targets += [...]` blocks are ignored), or
    # else the `targets: [ ... ]` argument of `Package(...)`.
    calls = None
    try:
        for i, token in enumerate(tokens):
            if token == "targets" and i > 0 and tokens[i - 1] in ("var", "let") and "=" in tokens[i:]:
                calls, _ = parse_value(tokens, tokens.index("=", i) + 1)
                break
        else:
            if "Package" in tokens:
                package, _ = parse_value(tokens, tokens.index("Package"))
                calls = package.argument("targets") if isinstance(package, Call) else None
    except IndexError:
        raise Problem("Package.swift: cannot read the `targets` array (unbalanced brackets?)")
    if not isinstance(calls, list):
        raise Problem("Package.swift: no `targets` array literal found")
    targets = {}
    for call in calls:
        if not isinstance(call, Call) or not isinstance(call.argument("name"), str):
            raise Problem(f"Package.swift: cannot read target entry {call!r}")
        name = call.argument("name")
        default_folder = "Tests" if call.name == "testTarget" else "Sources"
        folder = os.path.normpath(call.argument("path") or f"{default_folder}/{name}").replace(os.sep, "/")
        project, products, unresolved = [], [], []
        for dependency in call.argument("dependencies") or []:
            if isinstance(dependency, str):
                project.append(dependency)
            elif isinstance(dependency, Call) and dependency.name == "product":
                products.append(dependency.argument("name"))
            elif isinstance(dependency, Call) and dependency.name in ("target", "byName"):
                project.append(dependency.argument("name"))
            else:
                unresolved.append(dependency)
        exclude = [e for e in call.argument("exclude") or [] if isinstance(e, str)]
        targets[name] = Target(call.name, name, folder, exclude, project, products, unresolved)
    return targets


# MARK: - Imports


def read_imports(root, target):
    """{module: ["path:line", ...] where it is imported} over the target's Swift files."""
    imports = {}
    folder = os.path.join(root, target.path)
    excluded = [os.path.join(folder, e) for e in target.exclude]
    for directory, subdirectories, files in os.walk(folder):
        subdirectories.sort()
        if any(directory == e or directory.startswith(e + os.sep) for e in excluded):
            continue
        for name in sorted(files):
            full_path = os.path.join(directory, name)
            if not name.endswith(".swift") or full_path in excluded:
                continue
            with open(full_path, encoding="utf-8") as file:
                text = file.read()
            relative = os.path.relpath(full_path, root).replace(os.sep, "/")
            try:
                masked = swift_lexer.mask(text)
            except swift_lexer.LexError as error:
                raise Problem(f"{relative}:{error.line}: cannot read imports: {error}")
            # Imports inside #if / #elseif / #else branches count like any other, and are
            # also remembered: a project module imported only on one platform's branch
            # leaves the file unbuildable on the others (reported under d).
            conditional_lines = lines_inside_conditionals(masked)
            for match in IMPORT.finditer(masked):
                line = masked.count("\n", 0, match.start()) + 1
                place = f"{relative}:{line}"
                imports.setdefault(match.group(1), []).append(place)
                if line in conditional_lines:
                    imports.setdefault(CONDITIONAL, {}).setdefault(match.group(1), []).append(place)
    return imports


# Key of read_imports' result holding the imports found inside #if blocks.
CONDITIONAL = "#if"


def lines_inside_conditionals(masked):
    """Line numbers (1-based) between an #if and its #endif, at any depth."""
    inside, depth = set(), 0
    for number, text in enumerate(masked.split("\n"), start=1):
        stripped = text.strip()
        if stripped.startswith("#if"):
            depth += 1
        elif stripped.startswith("#endif"):
            depth = max(0, depth - 1)
        elif depth > 0:
            inside.add(number)
    return inside


# MARK: - docs/ARCHITECTURE.md


def read_table(root):
    """[(module name, backticked names in the uses column, line)] in row order."""
    path = os.path.join(root, "docs", "ARCHITECTURE.md")
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == TABLE_HEADING)
    except StopIteration:
        raise Problem(f"docs/ARCHITECTURE.md: no `{TABLE_HEADING}` section")
    rows = []
    for number in range(start + 1, len(lines)):
        line = lines[number].strip()
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if rows:
                break  # the table is over
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        name = re.fullmatch(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[0]) if cells else None
        if name is None:
            continue  # the header row and the |---| rule
        if len(cells) < 3:
            raise Problem(f"docs/ARCHITECTURE.md:{number + 1}: expected `| module | owns | uses |`")
        rows.append((name.group(1), re.findall(r"`([^`]+)`", cells[2]), number + 1))
    if not rows:
        raise Problem(f"docs/ARCHITECTURE.md: no module rows under `{TABLE_HEADING}`")
    return rows


# MARK: - The checks


def check(root):
    problems = []
    targets = read_targets(root)
    rows = read_table(root)
    row_of = {}
    for index, (name, _, _) in enumerate(rows):
        row_of.setdefault(name, index)

    for target in targets.values():
        for dependency in target.unresolved:
            text = dependency[1] if isinstance(dependency, tuple) else repr(dependency)
            problems.append(f"Package.swift: {target.name}: cannot read dependency `{text}` (expected "
                            f"\"Name\", .product(name:package:), .target(name:) or .byName(name:))")
        for dependency in target.project_deps:
            if dependency not in targets:
                problems.append(f"Package.swift: {target.name} depends on {dependency}, which is not a target")

    # a. Imports are declared.
    imported = {}
    for target in targets.values():
        imported[target.name] = read_imports(root, target)
        available = set(target.project_deps)
        for product in target.products:
            available |= {product} | PRODUCT_EXTRA_MODULES.get(product, set())
        for module, places in sorted(imported[target.name].get(CONDITIONAL, {}).items()):
            if module in targets:
                problems.append(f"{places[0]}: {target.name} imports the project module {module} inside an #if: "
                                f"other platforms would not see it; import it unconditionally")
        for module, places in sorted(imported[target.name].items()):
            if module == CONDITIONAL:
                continue
            if module in TOOLCHAIN_MODULES or module in available or module == target.name:
                continue  # importing itself is an upward edge, reported under b
            # The first place, and how many more there are to fix.
            where = places[0] + (f" (+{len(places) - 1} more)" if len(places) > 1 else "")
            if module in targets:
                problems.append(f"{where}: {target.name} imports {module}, a project target it does not "
                                f"declare as a dependency")
            else:
                problems.append(f"{where}: {target.name} imports {module}, which is neither a declared "
                                f"product nor a toolchain module (declare .product(name: \"{module}\", ...))")

    # b. Layering: only edges to rows above.
    edge_count = 0
    seen = set()
    for name, _, line in rows:
        if name in seen:
            problems.append(f"docs/ARCHITECTURE.md:{line}: a second row for `{name}`")
        seen.add(name)
        if name not in targets:
            problems.append(f"docs/ARCHITECTURE.md:{line}: row `{name}` names no target in Package.swift")
    for target in targets.values():
        if not target.is_source:
            continue
        if target.name not in row_of:
            problems.append(f"docs/ARCHITECTURE.md: source target {target.name} has no row under "
                            f"`{TABLE_HEADING}`")
            continue
        own_row = row_of[target.name]
        edges = {d: "declares" for d in target.project_deps if d in targets}
        for module in imported[target.name]:
            if module != CONDITIONAL and module in targets:
                edges.setdefault(module, "imports")
        edge_count += len(edges)
        for module, how in sorted(edges.items()):
            if module == target.name:
                problems.append(f"{target.name} {how} itself")
            elif module not in row_of:
                problems.append(f"{target.name} {how} {module}, which has no row in docs/ARCHITECTURE.md")
            elif row_of[module] >= own_row:
                problems.append(f"{target.name} {how} {module}, which is below it in docs/ARCHITECTURE.md "
                                f"(upward edge)")

    # c. The uses column tells the truth.
    for name, uses, line in rows:
        if name not in targets:
            continue
        named = {module for module in uses if module in targets}
        declared = {module for module in targets[name].project_deps if module in targets}
        missing, extra = sorted(declared - named), sorted(named - declared)
        if missing:
            problems.append(f"docs/ARCHITECTURE.md:{line}: `{name}` uses column is missing "
                            f"{', '.join(missing)} (declared in Package.swift)")
        if extra:
            problems.append(f"docs/ARCHITECTURE.md:{line}: `{name}` uses column names "
                            f"{', '.join(extra)}, not declared in Package.swift")

    source_count = sum(1 for target in targets.values() if target.is_source)
    return problems, source_count, edge_count


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        problems, module_count, edge_count = check(root)
    except (Problem, OSError) as error:
        problems, module_count, edge_count = [str(error)], 0, 0
    for problem in problems:
        print(problem)
    if problems:
        print(f"architecture: {len(problems)} problem(s)")
        return 1
    print(f"architecture: {module_count} modules, {edge_count} edges, all downward, imports declared")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
