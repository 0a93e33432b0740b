#!/usr/bin/env python3
"""Independent reference for the proof math: Goldilocks and its extension fields.

Writes Tests/StarkMathTests/Fixtures/field-arithmetic.json, which the Swift tests
compare against. Pure Python big integers, a fixed seed, no packages: running it
again gives the same file byte for byte.

The extension arithmetic here is deliberately generic (schoolbook polynomial
multiplication modulo the defining polynomial, inversion by Fermat's little
theorem in the extension), so it shares no formula with the Swift code, which
uses Karatsuba-style products and norm/adjugate inverses.

Usage: python3 scripts/gen-proofmath-fixtures.py
"""

import json
import os
import random

P = 2**64 - 2**32 + 1
SEED = 0x436C6F6973746572  # "Cloister"
CASES = 100

# Defining polynomials, lowest coefficient first.
# Quadratic: x^2 - x + 2   (phi^2 = phi - 2), as winterfell.
# Cubic:     x^3 - x - 1   (phi^3 = phi + 1), as winterfell.
QUADRATIC = [2, P - 1, 1]
CUBIC = [P - 1, P - 1, 0, 1]


def poly_trim(a):
    a = list(a)
    while len(a) > 1 and a[-1] == 0:
        a.pop()
    return a or [0]


def poly_mul(a, b):
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] = (out[i + j] + x * y) % P
    return out


def poly_mod(a, f):
    """Remainder of a divided by the monic polynomial f."""
    a = [x % P for x in a]
    d = len(f) - 1
    for top in range(len(a) - 1, d - 1, -1):
        c = a[top]
        if c:
            for k in range(d + 1):
                a[top - d + k] = (a[top - d + k] - c * f[k]) % P
    out = a[:d] + [0] * (d - len(a[:d]))
    return out


def poly_sub(a, b):
    n = max(len(a), len(b))
    a = a + [0] * (n - len(a))
    b = b + [0] * (n - len(b))
    return [(x - y) % P for x, y in zip(a, b)]


def poly_gcd(a, b):
    a, b = poly_trim(a), poly_trim(b)
    while b != [0]:
        inv = pow(b[-1], P - 2, P)
        monic = [x * inv % P for x in b]
        a, b = b, poly_trim(poly_mod(a, monic))
    return a


def ext_mul(a, b, f):
    return poly_mod(poly_mul(a, b), f)


def ext_pow(a, e, f):
    result = [1] + [0] * (len(f) - 2)
    base = list(a)
    while e:
        if e & 1:
            result = ext_mul(result, base, f)
        base = ext_mul(base, base, f)
        e >>= 1
    return result


def ext_inv(a, f):
    degree = len(f) - 1
    return ext_pow(a, P**degree - 2, f)


def is_irreducible_quadratic(f):
    # x^2 + b x + c is irreducible iff its discriminant b^2 - 4c is a non-residue.
    c, b = f[0], f[1]
    disc = (b * b - 4 * c) % P
    return pow(disc, (P - 1) // 2, P) == P - 1


def is_irreducible_cubic(f):
    # A cubic is irreducible iff it has no root in F_p iff gcd(x^p - x, f) = 1.
    xp = ext_pow([0, 1, 0], P, f)
    g = poly_gcd(f, poly_sub(xp, [0, 1]))
    return len(poly_trim(g)) == 1


EDGE = [0, 1, 2, 3, 7, P - 1, P - 2, (P - 1) // 2, (P + 1) // 2, 2**32 - 1, 2**32, 2**32 + 1,
        2**63, 2**63 - 1, 2**64 - 2**33, 0xFFFFFFFF00000000, 0x00000000FFFFFFFF, 1753635133440165772]


def s(x):
    return str(x)


def base_cases(rng):
    pairs = [(a, b) for a in EDGE for b in EDGE[:6]]
    pairs += [(rng.randrange(P), rng.randrange(P)) for _ in range(CASES)]
    out = []
    for a, b in pairs:
        exponent = rng.getrandbits(64)
        out.append({
            "a": s(a), "b": s(b),
            "sum": s((a + b) % P),
            "difference": s((a - b) % P),
            "product": s(a * b % P),
            "negation": s(-a % P),
            "inverse": None if a == 0 else s(pow(a, P - 2, P)),
            "exponent": s(exponent),
            "power": s(pow(a, exponent, P)),
        })
    return out


def ext_cases(rng, f):
    degree = len(f) - 1
    edge_values = [[0] * degree, [1] + [0] * (degree - 1), [P - 1] * degree, [0] * (degree - 1) + [1],
                   [2**32] * degree]
    values = edge_values + [[rng.randrange(P) for _ in range(degree)] for _ in range(CASES)]
    out = []
    for i, a in enumerate(values):
        b = values[(i * 7 + 3) % len(values)] if i < len(edge_values) else [rng.randrange(P) for _ in range(degree)]
        exponent = rng.getrandbits(64)
        is_zero = all(x == 0 for x in a)
        out.append({
            "a": [s(x) for x in a], "b": [s(x) for x in b],
            "sum": [s((x + y) % P) for x, y in zip(a, b)],
            "difference": [s((x - y) % P) for x, y in zip(a, b)],
            "product": [s(x) for x in ext_mul(a, b, f)],
            "square": [s(x) for x in ext_mul(a, a, f)],
            "inverse": None if is_zero else [s(x) for x in ext_inv(a, f)],
            "exponent": s(exponent),
            "power": [s(x) for x in ext_pow(a, exponent, f)],
        })
    return out


def main():
    rng = random.Random(SEED)
    assert is_irreducible_quadratic(QUADRATIC), "x^2 - x + 2 must be irreducible"
    assert is_irreducible_cubic(CUBIC), "x^3 - x - 1 must be irreducible"
    # 7 generates the multiplicative group: 7^((p-1)/q) != 1 for every prime q | p-1.
    for q in [2, 3, 5, 17, 257, 65537]:
        assert (P - 1) % q == 0 and pow(7, (P - 1) // q, P) != 1
    assert 2**32 * 3 * 5 * 17 * 257 * 65537 == P - 1
    root = pow(7, (P - 1) // 2**32, P)
    fixture = {
        "generator": "scripts/gen-proofmath-fixtures.py",
        "seed": s(SEED),
        "modulus": s(P),
        "multiplicativeGenerator": "7",
        "twoAdicity": 32,
        "twoAdicRootOfUnity": s(root),
        "quadraticPolynomial": "x^2 - x + 2",
        "quadraticIrreducible": True,
        "cubicPolynomial": "x^3 - x - 1",
        "cubicIrreducible": True,
        "base": base_cases(rng),
        "quadratic": ext_cases(rng, QUADRATIC),
        "cubic": ext_cases(rng, CUBIC),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "Tests", "StarkMathTests", "Fixtures", "field-arithmetic.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # One case per line: small diffs, still plain JSON.
    lines = []
    for key, value in fixture.items():
        if isinstance(value, list):
            body = ",\n".join("  " + json.dumps(case, separators=(",", ":")) for case in value)
            lines.append(f" {json.dumps(key)}: [\n{body}\n ]")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    with open(path, "w") as out:
        out.write("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {os.path.normpath(path)}: {len(fixture['base'])} base, "
          f"{len(fixture['quadratic'])} quadratic, {len(fixture['cubic'])} cubic cases")


if __name__ == "__main__":
    main()
