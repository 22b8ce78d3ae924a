#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gen-linetable-fixtures.py: line-table fixtures from a real interpreter
#
# Run once per interpreter, all writing the same header:
#
#   /path/to/python3.X tests/unit/gen-linetable-fixtures.py tests/unit/linetable-fixtures.h
#
# Each run compiles the same set of functions, walks every code object
# (nested ones included), and replaces its own version's section of the
# header with: the raw line table (co_lnotab on 3.8/3.9, co_linetable on
# 3.10+), co_firstlineno, and the line of every instruction byte offset as
# the interpreter itself answers it.  The answer comes from the C function
# PyCode_Addr2Line (what tracebacks and frame.f_lineno use), called through
# ctypes, and is cross-checked against a second opinion from the same
# interpreter (co_lines() on 3.10+, dis.findlinestarts() before), so the
# unit test cannot agree with our decoder by construction.
#
# Runs under Python 3.8 and later; needs nothing outside the standard library.

import ctypes
import dis
import os
import re
import sys
import types

BLANK = "\n"


def long_jumps_source():
    # Line jumps of >127 (one lnotab pair is not enough), >255, and several
    # thousands (multi-chunk varints in 3.11+), forwards and backwards.
    return (
        "def long_jumps(a):\n"
        "    x = a\n"
        + BLANK * 200 +
        "    x += 1\n"
        + BLANK * 300 +
        "    x += 2\n"
        + BLANK * 5000 +
        "    for i in range(3):\n"
        "        x += i\n"
        + BLANK * 400 +
        "        x -= 1\n"
        + BLANK * 130 +
        "    while x > 0:\n"
        + BLANK * 260 +
        "        x -= 7\n"
        "    return x\n"
    )


def wide_lines_source():
    # Single lines whose bytecode is longer than 255 bytes (several lnotab
    # pairs for one line, many location entries of at most 8 code units).
    items = ", ".join("a + %d" % i for i in range(150))
    keys = ", ".join("'k%d': a * %d" % (i, i) for i in range(90))
    calls = " + ".join("f(a, %d)" % i for i in range(60))
    return (
        "def wide_lines(a, f):\n"
        "    big = [%s]\n"
        "    d = {%s}\n"
        "    s = %s\n"
        "    return big, d, s\n" % (items, keys, calls)
    )


def many_statements_source():
    body = "".join("    v%d = a * %d + v%d\n" % (i, i, i - 1) for i in range(1, 400))
    return "def many_statements(a):\n    v0 = a\n" + body + "    return v399\n"


def backward_lines_source():
    # A call whose arguments span many lines: the interpreter goes back
    # to the first line for the call itself (negative line deltas).
    args = "".join("        a%d,\n" % (i % 3) + BLANK * 40 for i in range(8))
    return (
        "def backward_lines(a0, a1, a2, g):\n"
        "    return g(\n" + args + "    )\n"
    )


COMMON_SOURCE = '''
import functools


def simple(a, b):
    c = a + b
    return c * 2


def loops(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        if i > 100:
            break
        total += i
    else:
        total -= 1
    j = 0
    while j < n:
        j += 1
        if j == 5:
            break
    else:
        j = -1
    return total, j


def exceptions(x):
    try:
        y = 1 / x
    except ZeroDivisionError as e:
        y = str(e)
    except (TypeError,
            ValueError):
        y = None
    else:
        y = y * 2
    finally:
        x = 0
    try:
        try:
            raise KeyError(x)
        finally:
            x += 1
    except KeyError:
        pass
    with open(__file__) as fh, \\
            open(__file__) as fh2:
        data = fh.read() + fh2.read()
    try:
        raise ValueError("x") from None
    except ValueError:
        raise
    return y, data


def multiline(a, b, foo):
    result = (
        a
        +
        b
    )
    call = foo(
        a,
        b,
        key=(a
             * b),
    )
    cond = (a if
            b else
            call)
    return (result,
            call,
            cond)


square = lambda x: (x
                    * x)
pick = lambda *a, **k: [
    v for v in a
    if v
]


def comprehensions(n):
    a = [i * i for i in range(n)]
    b = {i: j
         for i in range(n)
         for j in range(i)
         if (i + j) % 2}
    c = {x for x in a if x > 3}
    d = sum(x
            for x in c)
    e = [[y for y in range(x)] for x in range(n)]
    return a, b, c, d, e


def generators(n):
    for i in range(n):
        yield i
    yield from range(
        n,
        2 * n)
    x = yield
    return x


async def async_things(session, items):
    await session.open()
    async with session.lock() as lock:
        await lock.wait()
    async for item in session.stream(
            items):
        if item:
            await session.send(item)
    results = [await x async for x in session.stream(items)]
    return results


async def async_gen(n):
    for i in range(n):
        yield i
        await something(i)


def decorator_one(f):
    return f


def decorator_two(**kw):
    def wrap(f):
        @functools.wraps(f)
        def inner(*a, **k):
            return f(*a, **k)
        return inner
    return wrap


@decorator_one
@decorator_two(
    arg=1,
)
def decorated(x):
    return x + 1


class Thing:
    attr = 1

    def __init__(self, v):
        self.v = v

    @property
    def value(self):
        return self.v

    @staticmethod
    def helper(*args,
               **kwargs):
        return args, kwargs

    class Inner:
        def method(self):
            return 42


def closures(a):
    def outer(b):
        def inner(c):
            nonlocal b
            b += c
            return a + b
        return inner
    return outer(a)(1)


def dead_code(x):
    if x:
        return 1
    else:
        return 2
    x += 1
    print("never")


def assertions(x):
    assert x, (
        "message"
    )
    del x
    global GLOBAL_THING
    GLOBAL_THING = 1
    if __debug__:
        pass
    return f"{GLOBAL_THING!r:>10}"


def empty():
    pass


def docstring_only():
    """Just a docstring."""


for _i in range(2):
    _j = _i
'''


def sources():
    """(label, source text) pairs; a source's first line is line 1."""
    yield "common", COMMON_SOURCE
    yield "long_jumps", long_jumps_source()
    yield "wide_lines", wide_lines_source()
    yield "many_statements", many_statements_source()
    yield "backward_lines", backward_lines_source()
    far = "def far_away(x):\n    y = x + 1\n    return y\n"
    yield "far_100000", BLANK * 99999 + far
    yield "far_1500000", BLANK * 1499999 + "async def far_far_away(x):\n    await x\n    return [\n        x]\n"


def walk(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from walk(const)


def setup_addr2line():
    fn = ctypes.pythonapi.PyCode_Addr2Line
    fn.argtypes = [ctypes.py_object, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


ADDR2LINE = setup_addr2line()


def raw_table(code):
    if sys.version_info >= (3, 10):
        return code.co_linetable
    return code.co_lnotab


def second_opinion(code, n):
    """Line per 2-byte offset from the interpreter's Python-level API."""
    lines = [None] * (n // 2)
    if sys.version_info >= (3, 10):
        for start, end, line in code.co_lines():
            for off in range(start, min(end, n), 2):
                lines[off // 2] = -1 if line is None else line
    else:
        starts = list(dis.findlinestarts(code))
        for off in range(0, n, 2):
            line = code.co_firstlineno
            for addr, start_line in starts:
                if addr <= off:
                    line = start_line
            lines[off // 2] = line
    return lines


def expected_lines(code):
    n = len(code.co_code)
    lines = [ADDR2LINE(code, off) for off in range(0, n, 2)]
    other = second_opinion(code, n)
    for i, (a, b) in enumerate(zip(lines, other)):
        if b is not None and a != b:
            raise SystemExit("%s: offset %d: PyCode_Addr2Line says %d, second opinion %d"
                             % (code.co_name, 2 * i, a, b))
    return lines


def c_bytes(data):
    out = []
    for i in range(0, len(data), 24):
        chunk = data[i:i + 24]
        out.append('    "' + "".join("\\x%02x" % b for b in chunk) + '"')
    return "\n".join(out) if out else '    ""'


def c_ints(values):
    out = []
    for i in range(0, len(values), 16):
        out.append("    " + ", ".join(str(v) for v in values[i:i + 16]) + ",")
    return "\n".join(out)


def version_tag():
    return "%d.%d.%d" % sys.version_info[:3]


def section():
    tag = version_tag()
    ident = "py" + tag.replace(".", "_")
    parts = ["/* Generated by Python %s */" % sys.version.split()[0]]
    entries = []
    index = 0
    for label, src in sources():
        module = compile(src, "<%s>" % label, "exec")
        for code in walk(module):
            table = raw_table(code)
            lines = expected_lines(code)
            name = getattr(code, "co_qualname", code.co_name)
            parts.append("static const int %s_lines_%d[] = {\n%s\n};"
                         % (ident, index, c_ints(lines)))
            entries.append(
                "  { \"%s:%s\", %d, %d,\n%s,\n    %d, %s_lines_%d, %d, %d },"
                % (label, name, sys.version_info[1], code.co_firstlineno,
                   c_bytes(table), len(table), ident, index, len(lines),
                   ADDR2LINE(code, -2)))
            index += 1
    parts.append("static const LinetableFixture %s_fixtures[] = {\n%s\n};"
                 % (ident, "\n".join(entries)))
    return tag, "\n".join(parts) + "\n"


PREAMBLE = """\
/* SPDX-License-Identifier: GPL-3.0-or-later */
/* linetable-fixtures.h: real interpreters' line tables and their answers */
/* Generated by tests/unit/gen-linetable-fixtures.py; do not edit. */
#pragma once

#include <glib.h>

typedef struct {
  const char   *name;           /* source label and co_qualname/co_name */
  int           minor;          /* 3.<minor> */
  int           firstlineno;    /* co_firstlineno */
  const char   *table;          /* co_lnotab (3.8, 3.9) or co_linetable */
  gsize         table_len;
  const int    *lines;          /* PyCode_Addr2Line at byte offset 2*i */
  guint         n_lines;
  int           negative_line;  /* PyCode_Addr2Line at byte offset -2 */
} LinetableFixture;

typedef struct {
  const char             *version;
  int                     minor;
  const LinetableFixture *fixtures;
  guint                   n_fixtures;
} LinetableFixtureSet;

"""

SECTION_RE = re.compile(r"/\* BEGIN (\S+) \*/\n(.*?)/\* END \1 \*/\n", re.S)


def write_header(path, tag, text):
    sections = {}
    if os.path.exists(path):
        with open(path) as f:
            sections = dict(SECTION_RE.findall(f.read()))
    sections[tag] = text
    order = sorted(sections, key=lambda t: tuple(int(p) for p in t.split(".")))
    out = [PREAMBLE]
    for t in order:
        out.append("/* BEGIN %s */\n%s/* END %s */\n\n" % (t, sections[t], t))
    out.append("static const LinetableFixtureSet linetable_fixture_sets[] = {\n")
    for t in order:
        ident = "py" + t.replace(".", "_")
        out.append('  { "%s", %s, %s_fixtures, G_N_ELEMENTS (%s_fixtures) },\n'
                   % (t, t.split(".")[1], ident, ident))
    out.append("};\n")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(out))
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: %s OUTPUT.h" % sys.argv[0])
    tag, text = section()
    write_header(sys.argv[1], tag, text)


if __name__ == "__main__":
    main()
