#!/usr/bin/env python3
"""Size limits for Sources/**/*.swift: no function over 100 lines, no file over 700.

A function runs from the line of its declaration keyword (func, init, deinit, subscript,
or a property with an accessor block: computed, get/set, willSet/didSet) to its closing
brace, inclusive. Closures and accessor blocks count towards the declaration they sit in;
a function nested in another is measured on its own as well. Braces in comments and
string literals are not code (swift_lexer.mask).

Exceptions live in scripts/size-exceptions.txt, one `path:functionName  # reason` a line,
and are meant only for data tables and the unrolled RPO AIR. An exception that no longer
matches an over-long function is reported too, so the list cannot go stale.

Usage: python3 scripts/check-sizes.py [repository-root]   (default: this script's repository)
Exit status 0 when within limits, 1 otherwise; one line per problem.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swift_lexer  # noqa: E402

FUNCTION_LIMIT = 100
FILE_LIMIT = 700
EXCEPTIONS_FILE = os.path.join("scripts", "size-exceptions.txt")

# Identifiers (plain or `backticked`), directives (#if), operator runs (func names such
# as ==), single punctuation, newlines. Whitespace is skipped.
TOKEN = re.compile(r"`[^`\n]*`|#?[A-Za-z_][A-Za-z0-9_]*|[-+*/%<>=!&|^~?]+|\n|[^\sA-Za-z0-9_]")

OPENERS = {"{": "}", "(": ")", "[": "]"}
# Keywords that can only start a new declaration: a bodiless `func` before them (a
# protocol requirement) has no body to wait for.
DECLARATION_STARTS = {"func", "init", "deinit", "subscript", "var", "let", "struct", "class", "enum",
                      "protocol", "extension", "actor", "typealias", "associatedtype", "case"}
# `var` after these binds a value in a condition (`if var x {`), it declares no property.
CONDITION_WORDS = {"if", "guard", "while", "case", ",", "(", "for"}


class Declaration:
    def __init__(self, kind, name, line, depth):
        self.kind, self.name, self.line, self.depth = kind, name, line, depth
        self.saw_assignment = False  # `var x = ... {`: a closure or observers, not accessors


def functions(masked):
    """(name, first line, last line) of every function-like declaration with a body."""
    tokens = []
    line = 1
    for match in TOKEN.finditer(masked):
        tokens.append((match.group(), line))
        line += match.group() == "\n"
    # following[i]: the first token after i that is not a newline (a declaration's name,
    # or what opens a brace: `{ didSet`)
    following, upcoming = [None] * len(tokens), None
    for index in range(len(tokens) - 1, -1, -1):
        following[index] = upcoming
        if tokens[index][0] != "\n":
            upcoming = tokens[index][0]
    found = []
    stack = []  # open delimiters: (closing character, Declaration or None)
    pending = None  # a declaration whose body brace has not been seen yet
    previous = None  # the last token that was not a newline
    for index, (token, line) in enumerate(tokens):
        after = following[index]
        depth = len(stack)
        if pending is not None and depth == pending.depth:
            if token == "\n" and pending.kind == "var":
                pending = None  # a stored property: its brace would have been on this line
            elif token == "=" and pending.kind == "var":
                pending.saw_assignment = True
            elif token in DECLARATION_STARTS or token == "}":
                pending = None
        if token == "\n":
            continue
        if token in ("func", "deinit") or (token in ("init", "subscript") and previous != "."):
            name = token
            if token == "func" and after is not None:
                name = after.strip("`")
            pending = Declaration("function", name, line, depth)
        elif token == "var" and previous not in CONDITION_WORDS:
            name = after.strip("`") if after else "var"
            pending = Declaration("var", name, line, depth)
        if token in OPENERS:
            owner = None
            if token == "{" and pending is not None and depth == pending.depth:
                if not pending.saw_assignment or after in ("willSet", "didSet"):
                    owner = pending
                pending = None
            stack.append((OPENERS[token], owner))
        elif token in ("}", ")", "]"):
            if not stack or stack[-1][0] != token:
                raise swift_lexer.LexError(f"unbalanced '{token}'", line)
            _, owner = stack.pop()
            if owner is not None:
                found.append((owner.name, owner.line, line))
            if pending is not None and len(stack) < pending.depth:
                pending = None  # `init` was a label, e.g. `f(init: x)`: its scope closed
        previous = token
    if stack:
        raise swift_lexer.LexError("unclosed brace or parenthesis at end of file", tokens[-1][1])
    return found


def read_exceptions(root, problems):
    """{(path, function name): line number in the exceptions file}."""
    exceptions = {}
    path = os.path.join(root, EXCEPTIONS_FILE)
    if not os.path.exists(path):
        return exceptions
    with open(path, encoding="utf-8") as file:
        for number, raw in enumerate(file, start=1):
            entry, _, reason = raw.partition("#")
            entry = entry.strip()
            if not entry:
                continue
            source, _, name = entry.rpartition(":")
            if not source or not name or not reason.strip():
                problems.append(f"{EXCEPTIONS_FILE}:{number}: expected `path:functionName  # reason`")
                continue
            exceptions[(source, name)] = number
    return exceptions


def check(root):
    problems = []
    exceptions = read_exceptions(root, problems)
    used = set()
    sources = os.path.join(root, "Sources")
    paths = []
    for folder, subfolders, files in os.walk(sources):
        subfolders.sort()
        paths += [os.path.join(folder, name) for name in sorted(files) if name.endswith(".swift")]
    for full_path in paths:
        path = os.path.relpath(full_path, root).replace(os.sep, "/")
        with open(full_path, encoding="utf-8") as file:
            text = file.read()
        line_count = len(text.splitlines())
        if line_count > FILE_LIMIT:
            problems.append(f"{path}: {line_count} lines (limit {FILE_LIMIT})")
        try:
            found = functions(swift_lexer.mask(text))
        except swift_lexer.LexError as error:
            problems.append(f"{path}:{error.line}: cannot measure functions: {error}")
            continue
        for name, first, last in found:
            length = last - first + 1
            if length <= FUNCTION_LIMIT:
                continue
            if (path, name) in exceptions:
                used.add((path, name))
                continue
            problems.append(f"{path}:{first}: function {name} is {length} lines (limit {FUNCTION_LIMIT})")
    for (path, name), number in sorted(exceptions.items(), key=lambda item: item[1]):
        if (path, name) not in used:
            problems.append(f"{EXCEPTIONS_FILE}:{number}: {path} has no function {name} over "
                            f"{FUNCTION_LIMIT} lines; remove the exception")
    return problems, len(paths), len(used)


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems, file_count, excepted = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"sizes: {len(problems)} problem(s)")
        return 1
    print(f"sizes: {file_count} files, functions within {FUNCTION_LIMIT} lines ({excepted} listed exceptions), "
          f"files within {FILE_LIMIT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
