"""Just enough Swift lexing for the repository checks (check-architecture.py, check-sizes.py).

`mask(text)` returns the text with every comment and string literal blanked to spaces,
newlines kept, so the result has the same length and line numbers as the source and a
regex or brace counter over it sees only code. It knows what can hide an `import` or a
brace: `//` and nested `/* */` comments, "..." with escapes, multi-line strings (three
quotes), raw strings (#"..."#, and with more #s or three quotes) and interpolations
(backslash-paren ... paren) that may themselves hold strings, comments and parentheses.

Standard library only.
"""


class LexError(Exception):
    """An unterminated string or comment; `line` is where it starts (1-based)."""

    def __init__(self, message, line):
        super().__init__(message)
        self.line = line


def mask(text, keep_strings=False):
    """keep_strings=True blanks only the comments (for reading Package.swift's names)."""
    chars = list(text)
    end = _code(text, 0, chars, keep_strings, inside_interpolation=False)
    assert end == len(text)
    return "".join(chars)


def _line_of(text, index):
    return text.count("\n", 0, index) + 1


def _blank(chars, start, end):
    for k in range(start, end):
        if chars[k] != "\n":
            chars[k] = " "


def _code(text, i, chars, keep_strings, inside_interpolation):
    """Scans code from i. Inside an interpolation it stops at the `)` that closes it
    and returns the index just past it; at top level it returns len(text)."""
    n = len(text)
    depth = 0  # parentheses opened inside the interpolation
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            newline = text.find("\n", i)
            newline = n if newline < 0 else newline
            _blank(chars, i, newline)
            i = newline
        elif text.startswith("/*", i):
            i = _block_comment(text, i, chars)
        elif c == '"' or (c == "#" and _raw_string_hashes(text, i) is not None):
            i = _string(text, i, chars, keep_strings)
        elif inside_interpolation and c == "(":
            depth += 1
            i += 1
        elif inside_interpolation and c == ")":
            if depth == 0:
                return i + 1
            depth -= 1
            i += 1
        else:
            i += 1
    if inside_interpolation:
        raise LexError("unterminated string interpolation", _line_of(text, i))
    return i


def _block_comment(text, start, chars):
    # Swift block comments nest: /* a /* b */ still a comment */
    i, depth = start + 2, 1
    while depth:
        if i >= len(text):
            raise LexError("unterminated /* comment", _line_of(text, start))
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    _blank(chars, start, i)
    return i


def _raw_string_hashes(text, i):
    """If a raw string starts at i (`#`s then `"`), how many `#`s; otherwise None."""
    k = i
    while k < len(text) and text[k] == "#":
        k += 1
    return k - i if k > i and k < len(text) and text[k] == '"' else None


def _string(text, start, chars, keep_strings):
    hashes = _raw_string_hashes(text, start) or 0
    i = start + hashes
    multiline = text.startswith('"""', i)
    i += 3 if multiline else 1
    closing = ('"""' if multiline else '"') + "#" * hashes
    escape = "\\" + "#" * hashes  # in a raw string only \# (or \##, ...) escapes
    while True:
        if i >= len(text) or (not multiline and text[i] == "\n"):
            raise LexError("unterminated string literal", _line_of(text, start))
        if text.startswith(closing, i):
            i += len(closing)
            break
        if text.startswith(escape, i):
            i += len(escape)
            if i < len(text) and text[i] == "(":
                i = _code(text, i + 1, chars, keep_strings, inside_interpolation=True)
            else:
                i += 1  # the escaped character, e.g. \" or \\ or \{
        else:
            i += 1
    if not keep_strings:
        _blank(chars, start, i)
    return i
