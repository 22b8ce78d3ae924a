# SPDX-License-Identifier: GPL-3.0-or-later
# live-check.py: read this interpreter's own memory through Spyglass's offset table
#
# Run by probe-offsets.py with the interpreter under test (so it must stay
# valid Python 3.8):
#   live-check.py check TABLE        TABLE: print-layout's field=value output
#   live-check.py dump-runtime N OUT write the first N bytes of _PyRuntime
#
# `check` follows the same pointers the walker follows in a target, starting
# from _PyRuntime, and compares what it finds with what Python itself reports
# (sys.modules, get_ident(), the frame chain, ...). This covers what
# the headers cannot: the dict scheme, the line table kind, f_lasti's unit,
# and the structs CPython does not install (3.8-3.10 dict keys, 3.8/3.9
# module objects). Prints `ok NAME` or `FAIL NAME: detail` per check; exit 1
# when any check fails, 77 when ctypes is unavailable.

from __future__ import print_function

import os
import sys
import threading

# 2.7: thread.get_ident; 3.x: threading.get_ident.
try:
    get_ident = threading.get_ident
except AttributeError:
    import thread
    get_ident = thread.get_ident

try:
    import ctypes
except ImportError:
    print("ctypes is not available in this interpreter")
    sys.exit(77)

LINETABLE_LNOTAB, LINETABLE_310, LINETABLE_LOCATIONS, LINETABLE_LNOTAB_27 = 0, 1, 2, 3
SCHEME_DICTOFFSET, SCHEME_MANAGED_311, SCHEME_MANAGED_312, SCHEME_INLINE_313 = 0, 1, 2, 3
NONE = -1
DICT_KEYS_UNICODE = 1
DICT_KEYS_SPLIT = 2
FRAME_OWNED_BY_THREAD = 0

failures = 0


def u8(a):
    return ctypes.c_uint8.from_address(a).value


def i32(a):
    return ctypes.c_int32.from_address(a).value


def u32(a):
    return ctypes.c_uint32.from_address(a).value


def i64(a):
    return ctypes.c_int64.from_address(a).value


def u64(a):
    return ctypes.c_uint64.from_address(a).value


def stackref(t, a):
    """A _PyStackRef (3.14+) at @a as the object pointer it holds."""
    return ptr(a) & ~t.stackref_tag_bits


def ptr(a):
    return ctypes.c_void_p.from_address(a).value or 0


def check(name, ok, detail=""):
    global failures
    if ok:
        sys.stdout.write("ok %s\n" % name)
    else:
        failures += 1
        sys.stdout.write("FAIL %s: %s\n" % (name, detail))
    sys.stdout.flush()


def local_symbol_address(name):
    """A symbol that the dynamic linker cannot see (static in C, so only in
    .symtab): its value from `nm`, plus where its file is mapped."""
    import subprocess
    with open("/proc/self/maps") as maps:
        mapped = [line.split() for line in maps]
    files = [m[5] for m in mapped if len(m) > 5 and m[3] != "00:00"
             and os.path.basename(m[5]).startswith("libpython")]
    path = files[0] if files else os.path.realpath(sys.executable)
    base = min(int(m[0].split("-")[0], 16) for m in mapped if len(m) > 5 and m[5] == path)
    out = subprocess.check_output(["nm", path]).decode()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2] == name:
            return base + int(fields[0], 16)
    raise LookupError("no %s in %s" % (name, path))


def runtime_address():
    """_PyRuntime; 3.6 has none: the anchor is interp_head."""
    try:
        return ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
    except ValueError:
        return local_symbol_address("interp_head")


class Table(object):
    def __init__(self, path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    key, _, value = line.partition("=")
                    setattr(self, key, int(value))


def check_runtime(t):
    """Returns (interp, tstate) of this thread."""
    rt = runtime_address()
    interp = ptr(rt + t.runtime_interpreters_head)
    check("runtime_interpreters_head", interp != 0, "NULL interpreter list")
    check("interp_next", ptr(interp + t.interp_next) == 0,
          "a lone interpreter has a next: %#x" % ptr(interp + t.interp_next))
    check("interp_modules", ptr(interp + t.interp_modules) == id(sys.modules),
          "%#x, sys.modules is %#x" % (ptr(interp + t.interp_modules), id(sys.modules)))

    tstate = ptr(interp + t.interp_threads_head)
    seen = 0
    while tstate and seen < 100 and u64(tstate + t.tstate_thread_id) != get_ident():
        tstate = ptr(tstate + t.tstate_next)
        seen += 1
    check("interp_threads_head/tstate_next/tstate_thread_id", tstate != 0,
          "no thread state with thread_id %#x" % get_ident())
    if not tstate:
        return interp, 0
    check("tstate_interp", ptr(tstate + t.tstate_interp) == interp,
          "%#x, interpreter is %#x" % (ptr(tstate + t.tstate_interp), interp))
    if t.tstate_native_thread_id != NONE:
        check("tstate_native_thread_id",
              u64(tstate + t.tstate_native_thread_id) == threading.get_native_id(),
              "%d, native id is %d" % (u64(tstate + t.tstate_native_thread_id),
                                       threading.get_native_id()))

    # This thread runs Python code, so it holds the GIL.
    if t.gil_last_holder == NONE:
        # 2.7, 3.6: no GIL struct; the holder is _PyThreadState_Current.
        current = ctypes.c_void_p.in_dll(ctypes.pythonapi, "_PyThreadState_Current").value
        check("_PyThreadState_Current", current == tstate,
              "%#x, this thread state is %#x" % (current or 0, tstate))
        return interp, tstate
    if t.runtime_gil != NONE:
        gil = rt + t.runtime_gil
    else:
        gil = ptr(interp + t.interp_gil_ptr)
    check("gil_last_holder", ptr(gil + t.gil_last_holder) == tstate,
          "%#x, this thread state is %#x" % (ptr(gil + t.gil_last_holder), tstate))
    check("gil_locked", i32(gil + t.gil_locked) == 1, "locked=%d" % i32(gil + t.gil_locked))
    return interp, tstate


def check_code_versions(t, interp):
    """3.12+: the count each new code object takes its version from. The
    walker trusts a cached code object while it stays put, so it must move
    whenever code is made."""
    if sys.version_info < (3, 12):
        return
    if t.interp_code_versions != NONE:
        addr = interp + t.interp_code_versions
    else:
        addr = local_symbol_address("_Py_next_func_version")
    before = u32(addr)
    compile("def f():\n    return 1\n", "<probe>", "exec")  # two code objects
    after = u32(addr)
    check("interp_code_versions", before != 0 and after - before >= 2,
          "%d, then %d after making two code objects" % (before, after))


def check_frames_old(marker, t, tstate):
    """3.8-3.10: PyFrameObject chain from tstate->frame."""
    # Read inline: calling ptr() would make its own frame the current one.
    frame = ctypes.c_void_p.from_address(tstate + t.tstate_frame).value
    me = sys._getframe()
    check("tstate_frame", frame == id(me), "%#x, this frame is %#x" % (frame, id(me)))
    check("frame_code", ptr(frame + t.frame_code) == id(me.f_code), "wrong code object")
    check("frame_back", ptr(frame + t.frame_back) == id(me.f_back), "wrong caller frame")

    def gen():
        yield 1
        yield 2
    g = gen()
    next(g)
    c_lasti = i32(id(g.gi_frame) + t.frame_lasti)
    py_lasti = g.gi_frame.f_lasti
    check("frame_lasti", c_lasti in (py_lasti, py_lasti // 2) and c_lasti > 0,
          "C f_lasti=%d, Python f_lasti=%d" % (c_lasti, py_lasti))
    in_units = c_lasti * 2 == py_lasti
    check("lasti_in_code_units", bool(t.lasti_in_code_units) == in_units,
          "C f_lasti=%d, Python f_lasti (bytes)=%d, table says units=%d"
          % (c_lasti, py_lasti, t.lasti_in_code_units))


def check_frames_new(marker, t, tstate):
    """3.11+: _PyInterpreterFrame chain from the thread state. @marker must
    stay this function's first local."""
    # Read inline: calling ptr() would make its own frame the current one.
    if t.tstate_current_frame != NONE:
        frame = ctypes.c_void_p.from_address(tstate + t.tstate_current_frame).value
    else:
        cframe = ctypes.c_void_p.from_address(tstate + t.tstate_cframe).value
        frame = ctypes.c_void_p.from_address(cframe + t.cframe_current_frame).value
    me = sys._getframe()
    code = me.f_code
    check("current frame (tstate_cframe/tstate_current_frame)",
          frame != 0 and stackref(t, frame + t.iframe_code) == id(code),
          "frame %#x does not run this function's code" % frame)
    if not frame:
        return
    check("iframe_localsplus", stackref(t, frame + t.iframe_localsplus) == id(marker),
          "first local is %#x, expected %#x" % (ptr(frame + t.iframe_localsplus), id(marker)))
    check("iframe_owner", u8(frame + t.iframe_owner) == FRAME_OWNED_BY_THREAD,
          "owner=%d" % u8(frame + t.iframe_owner))
    start = id(code) + t.code_code_adaptive
    instr = ptr(frame + t.iframe_instr)
    check("iframe_instr", start <= instr < start + len(code.co_code),
          "%#x outside [%#x, %#x)" % (instr, start, start + len(code.co_code)))

    expected = []
    f = me
    while f is not None:
        expected.append(id(f.f_code))
        f = f.f_back
    found, cstack, walked = [], 0, 0
    addresses = []
    f = frame
    while f and walked < 10000:
        if t.iframe_owner_not_python != NONE and u8(f + t.iframe_owner) == t.iframe_owner_not_python:
            cstack += 1
        else:
            found.append(stackref(t, f + t.iframe_code))
            addresses.append(f)
        f = ptr(f + t.iframe_previous)
        walked += 1
    check("iframe_previous", found == expected,
          "chain of %d code objects, Python sees %d" % (len(found), len(expected)))
    if t.iframe_owner_not_python != NONE:
        check("iframe_owner_not_python", cstack > 0, "no C-stack-owned entry frame in the chain")

    # The frames live in the thread's data stack chunks.
    chunks = []
    c = ptr(tstate + t.tstate_datastack_chunk)
    while c and len(chunks) < 1000:
        chunks.append(c)
        c = ptr(c + t.chunk_previous)

    def chunk_of(address):
        for c in chunks:
            if c + t.chunk_data <= address < c + u64(c + t.chunk_size):
                return c
        return 0
    check("tstate_datastack_chunk/chunk_size/chunk_data", chunk_of(frame) == chunks[0] if chunks else False,
          "the current frame is not in the newest data stack chunk")
    check("chunk_previous", len(chunks) >= 2 and all(chunk_of(a) for a in addresses),
          "%d chunk(s); deep recursion should have made at least 2, holding every frame"
          % len(chunks))
    if len(chunks) >= 2:
        # A full chunk's top is saved when the next chunk is pushed.
        prev = chunks[1]
        top = prev + t.chunk_data + 8 * u64(prev + t.chunk_top)
        in_prev = [a for a in addresses if chunk_of(a) == prev]
        check("chunk_top", in_prev and max(in_prev) < top <= prev + u64(prev + t.chunk_size),
              "saved top %#x does not bound the frames of the previous chunk" % top)


def recurse(depth, t, tstate, marker):
    if depth > 0:
        return recurse(depth - 1, t, tstate, marker)
    return check_frames(marker, t, tstate)


def check_frames(marker, t, tstate):
    # @marker is this function's first local.
    if t.tstate_frame != NONE:
        check_frames_old(marker, t, tstate)
    else:
        check_frames_new(marker, t, tstate)
        check("lasti_in_code_units", t.lasti_in_code_units == 0,
              "3.11+ frames keep an instruction pointer")


class Outer(object):
    def method(self):
        return 1


def check_code(t):
    code = Outer.method.__code__
    check("code_filename", ptr(id(code) + t.code_filename) == id(code.co_filename), "wrong object")
    check("code_name", ptr(id(code) + t.code_name) == id(code.co_name), "wrong object")
    if t.code_qualname != NONE:
        check("code_qualname", ptr(id(code) + t.code_qualname) == id(code.co_qualname),
              "wrong object")
    check("code_firstlineno", i32(id(code) + t.code_firstlineno) == code.co_firstlineno,
          "%d, expected %d" % (i32(id(code) + t.code_firstlineno), code.co_firstlineno))

    kinds = {LINETABLE_LNOTAB: "co_lnotab", LINETABLE_310: "co_linetable",
             LINETABLE_LOCATIONS: "co_linetable", LINETABLE_LNOTAB_27: "co_lnotab"}
    attribute = kinds.get(t.linetable_kind, "?")
    check("code_linetable",
          ptr(id(code) + t.code_linetable) == id(getattr(code, attribute, None)),
          "does not point at %s" % attribute)
    if sys.version_info[0] == 2:
        actual = LINETABLE_LNOTAB_27  # line steps unsigned before 3.6
    elif hasattr(code, "co_positions"):
        actual = LINETABLE_LOCATIONS
    elif hasattr(code, "co_linetable"):
        actual = LINETABLE_310
    else:
        actual = LINETABLE_LNOTAB
    check("linetable_kind", t.linetable_kind == actual,
          "table says %d, this interpreter's code objects say %d" % (t.linetable_kind, actual))

    if t.code_code_adaptive != NONE:
        simple = compile("None", "<spyglass>", "eval")
        raw = ctypes.string_at(id(simple) + t.code_code_adaptive, len(simple.co_code))
        # The instructions, not their inline caches: 3.15 fills the caches'
        # counters when it creates the code object.
        import dis
        offsets = [i.offset for i in dis.get_instructions(simple)]
        check("code_code_adaptive",
              [raw[o:o + 2] for o in offsets] == [simple.co_code[o:o + 2] for o in offsets],
              "%r, co_code is %r" % (raw, simple.co_code))


class Shared(object):
    def __init__(self):
        self.alpha = 1


class Plain(object):
    pass


def check_types(t):
    n = 12345
    check("object_type", ptr(id(n) + t.object_type) == id(int), "wrong type")
    name = ctypes.string_at(ptr(id(Plain) + t.type_name))
    check("type_name", name == b"Plain", "%r" % name)
    check("type_basicsize", i64(id(int) + t.type_basicsize) == int.__basicsize__,
          "%d, expected %d" % (i64(id(int) + t.type_basicsize), int.__basicsize__))
    check("type_flags", u64(id(Plain) + t.type_flags) == Plain.__flags__,
          "%#x, expected %#x" % (u64(id(Plain) + t.type_flags), Plain.__flags__))
    check("type_dictoffset", i64(id(Plain) + t.type_dictoffset) == Plain.__dictoffset__,
          "%d, expected %d" % (i64(id(Plain) + t.type_dictoffset), Plain.__dictoffset__))

    if t.heaptype_cached_keys == NONE:  # 2.7: no shared keys
        return
    instances = [Shared(), Shared()]
    keys = ptr(id(Shared) + t.heaptype_cached_keys)
    ok = keys != 0 and i64(keys + t.dictkeys_nentries) == 1
    if ok and t.dictkeys_kind != NONE:
        ok = u8(keys + t.dictkeys_kind) == DICT_KEYS_SPLIT
    check("heaptype_cached_keys", ok, "no shared keys holding 'alpha' at %#x" % keys)
    del instances


def check_bytes_unicode_long(t):
    b = bytes(bytearray(b"spyglass!"))
    check("bytes_size", i64(id(b) + t.bytes_size) == len(b), "%d" % i64(id(b) + t.bytes_size))
    check("bytes_sval", ctypes.string_at(id(b) + t.bytes_sval, len(b)) == b, "wrong bytes")

    if t.int_ival != NONE:  # 2.7: small ints are PyIntObject
        n = int("12345678")
        check("int_ival", i64(id(n) + t.int_ival) == n, "%d" % i64(id(n) + t.int_ival))

    cases = []
    if t.unicode_state != NONE:  # 2.7: names are bytes, unicode is not read
        cases = [("ascii", "".join(["spy", "glass"]), 1, 1, t.unicode_ascii_size, "ascii"),
                 ("latin-1", "".join(["caf", chr(0xe9)]), 1, 0, t.unicode_compact_size, "latin-1"),
                 ("ucs2", "".join(["x", chr(0x263a)]), 2, 0, t.unicode_compact_size, "utf-16-le")]
    for label, s, kind, ascii_bit, data, codec in cases:
        state = u32(id(s) + t.unicode_state)
        check("unicode_length (%s)" % label, i64(id(s) + t.unicode_length) == len(s),
              "%d" % i64(id(s) + t.unicode_length))
        check("unicode_state (%s)" % label,
              (state >> 2) & 7 == kind and (state >> 5) & 1 == 1 and (state >> 6) & 1 == ascii_bit,
              "state=%#x: kind %d compact %d ascii %d" % (state, (state >> 2) & 7,
                                                           (state >> 5) & 1, (state >> 6) & 1))
        raw = ctypes.string_at(id(s) + data, len(s.encode(codec)))
        check("unicode data at %s" % ("unicode_ascii_size" if ascii_bit else "unicode_compact_size"),
              raw == s.encode(codec), "%r" % raw)

    big = 3 * (1 << 30) + 7
    if t.int_ival != NONE:
        big = long(big)  # noqa: F821 (2.7 only)
    for n in (big, -big):
        if t.long_lv_tag:
            size = u64(id(n) + t.long_size)
            ok = size == (2 << 3 | (2 if n < 0 else 0))
        else:
            size = i64(id(n) + t.long_size)
            ok = size == (2 if n > 0 else -2)
        check("long_size/long_lv_tag (%d)" % n, ok, "size field %#x" % size)
        digits = (u32(id(n) + t.long_digit), u32(id(n) + t.long_digit + 4))
        check("long_digit (%d)" % n, digits == (7, 3), "digits %r" % (digits,))


def check_dicts(t):
    import types
    module = types.ModuleType("spyglass_probe")
    check("module_dict", ptr(id(module) + t.module_dict) == id(module.__dict__), "wrong dict")

    d = {}
    for key, value in (("alpha", 1), ("beta", 2), ("gamma", 3)):
        d[key] = value
    check("dict_used", i64(id(d) + t.dict_used) == 3, "%d" % i64(id(d) + t.dict_used))
    if t.dict_table != NONE:
        # 2.7: an open hash table of (hash, key, value), mask + 1 slots.
        mask, table = i64(id(d) + t.dict_mask), ptr(id(d) + t.dict_table)
        check("dict_mask", mask == 7, "%d" % mask)
        found = [(ptr(table + 24 * i + 8), ptr(table + 24 * i + 16)) for i in range(mask + 1)]
        check("dict_table", (id("alpha"), id(1)) in found, "no (alpha, 1) among %r" % found)
        return
    check("dict_values", ptr(id(d) + t.dict_values) == 0, "a combined dict has no values")
    keys = ptr(id(d) + t.dict_keys)
    check("dictkeys_nentries", i64(keys + t.dictkeys_nentries) == 3,
          "%d" % i64(keys + t.dictkeys_nentries))
    if t.dictkeys_size != NONE:
        size = i64(keys + t.dictkeys_size)
        check("dictkeys_size", size == 8, "%d" % size)
        entries = keys + t.dictkeys_indices + size   # 1-byte indices
        key, value = ptr(entries + 8), ptr(entries + 16)  # (hash, key, value)
    else:
        log2_size = u8(keys + t.dictkeys_log2_size)
        log2_index_bytes = u8(keys + t.dictkeys_log2_index_bytes)
        check("dictkeys_log2_size/log2_index_bytes", log2_size == 3 and log2_index_bytes == 3,
              "log2 size %d, log2 index bytes %d" % (log2_size, log2_index_bytes))
        check("dictkeys_kind", u8(keys + t.dictkeys_kind) == DICT_KEYS_UNICODE,
              "kind %d" % u8(keys + t.dictkeys_kind))
        entries = keys + t.dictkeys_indices + (1 << log2_index_bytes)
        key, value = ptr(entries), ptr(entries + 8)   # (key, value)
    check("dictkeys_indices", key == id("alpha") and value == id(1),
          "first entry (%#x, %#x)" % (key, value))


def check_dict_scheme(t):
    o = Plain()
    marker = object()
    o.name = marker
    obj = id(o)
    scheme = t.dict_scheme
    if scheme == SCHEME_DICTOFFSET:
        offset = Plain.__dictoffset__
        check("dict_scheme (dictoffset)", offset > 0 and ptr(obj + offset) == id(o.__dict__),
              "tp_dictoffset=%d" % offset)
        return
    if scheme == SCHEME_MANAGED_311:
        values = ptr(obj - 32)
        ok = ptr(obj - 24) == 0 and values != 0
    elif scheme == SCHEME_MANAGED_312:
        tagged = ptr(obj - 24)
        values = tagged + 1 if tagged & 1 else 0
        ok = values != 0
    elif scheme == SCHEME_INLINE_313:
        values = obj + i64(id(Plain) + t.type_basicsize)
        ok = ptr(obj - 24) == 0
    else:
        check("dict_scheme", False, "unknown scheme %d" % scheme)
        return
    ok = ok and ptr(values + t.dictvalues_values) == id(marker)
    check("dict_scheme/dictvalues_values (values)", ok,
          "scheme %d does not find the attribute values of a plain instance" % scheme)
    materialized = o.__dict__
    check("dict_scheme (materialized dict at obj[-3])", ptr(obj - 24) == id(materialized),
          "%#x, __dict__ is %#x" % (ptr(obj - 24), id(materialized)))


def main():
    if sys.argv[1] == "dump-runtime":
        with open(sys.argv[3], "wb") as f:
            f.write(ctypes.string_at(runtime_address(), int(sys.argv[2])))
        return 0
    t = Table(sys.argv[2])
    interp, tstate = check_runtime(t)
    if tstate:
        # Deep enough for 3.11+ to need a second data stack chunk.
        recurse(600, t, tstate, object())
    check_code(t)
    check_code_versions(t, interp)
    check_types(t)
    check_bytes_unicode_long(t)
    check_dicts(t)
    check_dict_scheme(t)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
