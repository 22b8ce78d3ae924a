#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# probe-offsets.py: check Spyglass's CPython offset table against one real interpreter
#
# For the interpreter given on the command line this script
#   1. compiles a probe against that interpreter's own headers (with
#      -DPy_BUILD_CORE, so the internal pycore_*.h structs are visible) and
#      runs it: it prints `field=value` (offsetof / sizeof) for every field of
#      SpyPythonLayout that exists in this version;
#   2. compiles every field that our table marks absent (SPY_OFFSET_NONE) and
#      expects each of them to be a compile error: absent must mean absent;
#   3. runs print-layout (links libspyglass) to print our built-in table and
#      compares the two; any difference fails with a diff;
#   4. runs live-check.py inside the interpreter itself: it reads its own
#      memory with ctypes through our table (the way the walker reads a
#      target's), which also checks what the headers cannot tell (dict scheme,
#      line table kind, f_lasti units) and structs that are not installed;
#   5. 3.13+: dumps the _Py_DebugOffsets at the start of the live _PyRuntime,
#      prints them through the header's own struct, checks they agree with our
#      table, and checks that spy_python_layout_apply_debug_offsets() on those
#      bytes leaves our table unchanged.
#
# Exit status: 0 pass, 1 fail, 77 skip (interpreter or headers missing, unless
# its major.minor is listed in SPY_REQUIRE_PYTHONS, e.g. "3.8 3.9 3.13").

import argparse
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXIT_SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))

# 2.7 in the ranges below, as if it were the minor version before 3.0.
PY27 = -1

# Every SpyPythonLayout field that the headers can tell, as a C expression per
# range of 3.x minor versions (inclusive; PY27 stands for 2.7). A version with no entry means the
# field does not exist there: the probe prints -1 (SPY_OFFSET_NONE) and step 2
# checks that none of the field's expressions compiles for that version.
FIELDS = [
    ("major", [(PY27, 15, "PY_MAJOR_VERSION")]),
    ("minor", [(PY27, 15, "PY_MINOR_VERSION")]),

    ("runtime_interpreters_head", [(7, 15, "offsetof (_PyRuntimeState, interpreters.head)")]),
    ("runtime_gil", [(7, 11, "offsetof (_PyRuntimeState, ceval.gil)")]),

    ("interp_next", [(PY27, 15, "offsetof (PyInterpreterState, next)")]),
    ("interp_threads_head", [(PY27, 10, "offsetof (PyInterpreterState, tstate_head)"),
                             (11, 15, "offsetof (PyInterpreterState, threads.head)")]),
    ("interp_modules", [(PY27, 11, "offsetof (PyInterpreterState, modules)"),
                        (12, 15, "offsetof (PyInterpreterState, imports.modules)")]),
    ("interp_gil_ptr", [(12, 15, "offsetof (PyInterpreterState, ceval.gil)")]),
    ("interp_code_versions", [(13, 15, "offsetof (PyInterpreterState, func_state.next_version)")]),

    ("gil_last_holder", [(7, 15, "offsetof (struct _gil_runtime_state, last_holder)")]),
    ("gil_locked", [(7, 15, "offsetof (struct _gil_runtime_state, locked)")]),

    ("tstate_size", [(PY27, 15, "sizeof (PyThreadState)")]),
    ("tstate_next", [(PY27, 15, "offsetof (PyThreadState, next)")]),
    ("tstate_interp", [(PY27, 15, "offsetof (PyThreadState, interp)")]),
    ("tstate_frame", [(PY27, 10, "offsetof (PyThreadState, frame)")]),
    ("tstate_cframe", [(11, 12, "offsetof (PyThreadState, cframe)")]),
    ("tstate_current_frame", [(13, 15, "offsetof (PyThreadState, current_frame)")]),
    ("tstate_holds_gil", [(14, 15, "offsetof (PyThreadState, holds_gil)")]),
    ("tstate_base_frame", [(15, 15, "offsetof (PyThreadState, base_frame)")]),
    ("tstate_thread_id", [(PY27, 15, "offsetof (PyThreadState, thread_id)")]),
    ("tstate_native_thread_id", [(11, 15, "offsetof (PyThreadState, native_thread_id)")]),
    ("tstate_datastack_chunk", [(11, 15, "offsetof (PyThreadState, datastack_chunk)")]),

    ("cframe_current_frame", [(11, 12, "offsetof (_PyCFrame, current_frame)")]),

    ("chunk_previous", [(11, 15, "offsetof (_PyStackChunk, previous)")]),
    ("chunk_size", [(11, 15, "offsetof (_PyStackChunk, size)")]),
    ("chunk_top", [(11, 15, "offsetof (_PyStackChunk, top)")]),
    ("chunk_data", [(11, 15, "offsetof (_PyStackChunk, data)")]),

    ("frame_back", [(PY27, 10, "offsetof (PyFrameObject, f_back)")]),
    ("frame_code", [(PY27, 10, "offsetof (PyFrameObject, f_code)")]),
    ("frame_lasti", [(PY27, 10, "offsetof (PyFrameObject, f_lasti)")]),
    ("frame_localsplus", [(PY27, 10, "offsetof (PyFrameObject, f_localsplus)")]),

    ("iframe_code", [(11, 12, "offsetof (_PyInterpreterFrame, f_code)"),
                     (13, 15, "offsetof (_PyInterpreterFrame, f_executable)")]),
    ("iframe_previous", [(11, 15, "offsetof (_PyInterpreterFrame, previous)")]),
    ("iframe_instr", [(11, 12, "offsetof (_PyInterpreterFrame, prev_instr)"),
                      (13, 15, "offsetof (_PyInterpreterFrame, instr_ptr)")]),
    ("iframe_owner", [(11, 15, "offsetof (_PyInterpreterFrame, owner)")]),
    ("iframe_is_entry", [(11, 11, "offsetof (_PyInterpreterFrame, is_entry)")]),
    ("iframe_localsplus", [(11, 15, "offsetof (_PyInterpreterFrame, localsplus)")]),
    ("iframe_owner_not_python", [(12, 13, "FRAME_OWNED_BY_CSTACK"),
                                 (14, 15, "FRAME_OWNED_BY_INTERPRETER")]),

    ("code_filename", [(PY27, 15, "offsetof (PyCodeObject, co_filename)")]),
    ("code_name", [(PY27, 15, "offsetof (PyCodeObject, co_name)")]),
    ("code_qualname", [(11, 15, "offsetof (PyCodeObject, co_qualname)")]),
    ("code_firstlineno", [(PY27, 15, "offsetof (PyCodeObject, co_firstlineno)")]),
    ("code_linetable", [(PY27, 9, "offsetof (PyCodeObject, co_lnotab)"),
                        (10, 15, "offsetof (PyCodeObject, co_linetable)")]),
    ("code_code_adaptive", [(11, 15, "offsetof (PyCodeObject, co_code_adaptive)")]),
    ("code_version", [(12, 15, "offsetof (PyCodeObject, co_version)")]),
    ("code_flags", [(PY27, 15, "offsetof (PyCodeObject, co_flags)")]),
    ("code_argcount", [(PY27, 15, "offsetof (PyCodeObject, co_argcount)")]),
    ("code_kwonlyargcount", [(6, 15, "offsetof (PyCodeObject, co_kwonlyargcount)")]),
    ("code_nlocals", [(PY27, 15, "offsetof (PyCodeObject, co_nlocals)")]),
    ("code_varnames", [(PY27, 10, "offsetof (PyCodeObject, co_varnames)"),
                       (11, 15, "offsetof (PyCodeObject, co_localsplusnames)")]),
    ("code_localspluskinds", [(11, 15, "offsetof (PyCodeObject, co_localspluskinds)")]),

    ("object_type", [(PY27, 15, "offsetof (PyObject, ob_type)")]),
    ("type_name", [(PY27, 15, "offsetof (PyTypeObject, tp_name)")]),
    ("type_basicsize", [(PY27, 15, "offsetof (PyTypeObject, tp_basicsize)")]),
    ("type_flags", [(PY27, 15, "offsetof (PyTypeObject, tp_flags)")]),
    ("type_dictoffset", [(PY27, 15, "offsetof (PyTypeObject, tp_dictoffset)")]),
    ("heaptype_cached_keys", [(6, 15, "offsetof (PyHeapTypeObject, ht_cached_keys)")]),

    ("bytes_size", [(PY27, PY27, "offsetof (PyStringObject, ob_size)"), (6, 15, "offsetof (PyBytesObject, ob_base.ob_size)")]),
    ("bytes_sval", [(PY27, PY27, "offsetof (PyStringObject, ob_sval)"), (6, 15, "offsetof (PyBytesObject, ob_sval)")]),

    ("unicode_length", [(6, 15, "offsetof (PyASCIIObject, length)")]),
    ("unicode_state", [(6, 15, "offsetof (PyASCIIObject, state)")]),
    ("unicode_ascii_size", [(6, 15, "sizeof (PyASCIIObject)")]),
    ("unicode_compact_size", [(6, 15, "sizeof (PyCompactUnicodeObject)")]),

    ("long_size", [(PY27, PY27, "offsetof (PyLongObject, ob_size)"), (6, 11, "offsetof (PyLongObject, ob_base.ob_size)"),
                   (12, 15, "offsetof (PyLongObject, long_value.lv_tag)")]),
    ("long_digit", [(PY27, 11, "offsetof (PyLongObject, ob_digit)"),
                    (12, 15, "offsetof (PyLongObject, long_value.ob_digit)")]),

    ("module_dict", [(PY27, 15, "offsetof (PyModuleObject, md_dict)")]),

    ("tuple_items", [(PY27, 15, "offsetof (PyTupleObject, ob_item)")]),
    ("int_ival", [(PY27, PY27, "offsetof (PyIntObject, ob_ival)")]),
    ("dict_mask", [(PY27, PY27, "offsetof (PyDictObject, ma_mask)")]),
    ("dict_table", [(PY27, PY27, "offsetof (PyDictObject, ma_table)")]),
    ("dict_used", [(PY27, 15, "offsetof (PyDictObject, ma_used)")]),
    ("dict_keys", [(6, 15, "offsetof (PyDictObject, ma_keys)")]),
    ("dict_values", [(6, 15, "offsetof (PyDictObject, ma_values)")]),

    ("dictkeys_size", [(6, 10, "offsetof (PyDictKeysObject, dk_size)")]),
    ("dictkeys_log2_size", [(11, 15, "offsetof (PyDictKeysObject, dk_log2_size)")]),
    ("dictkeys_log2_index_bytes", [(11, 15, "offsetof (PyDictKeysObject, dk_log2_index_bytes)")]),
    ("dictkeys_kind", [(11, 15, "offsetof (PyDictKeysObject, dk_kind)")]),
    ("dictkeys_nentries", [(6, 15, "offsetof (PyDictKeysObject, dk_nentries)")]),
    ("dictkeys_indices", [(6, 15, "offsetof (PyDictKeysObject, dk_indices)")]),
    ("dictvalues_values", [(11, 15, "offsetof (PyDictValues, values)")]),
]

# Fields whose value in a version is not an offset the headers give, with
# why. (field, minor): (value, why).
FIXED_VALUES = {
    ("runtime_interpreters_head", PY27): (0, "as for 3.6"),
    ("runtime_interpreters_head", 6): (0, "3.6 has no _PyRuntime: Spyglass anchors on "
                                          "pystate.c's interp_head, the list's head itself"),
}

# Fields that our table leaves NONE although the headers have them, because
# the walker must not use them there. (field, minor): why.
PRESENT_BUT_UNUSED = {
    ("tstate_cframe", 10): "3.10's CFrame only carries use_tracing; the frame "
                           "chain is still tstate->frame",
    ("frame_back", 11): "3.11+ PyFrameObject only wraps frames on demand; "
                        "the stack is the _PyInterpreterFrame chain",
    ("frame_back", 12): "as for 3.11",
    ("frame_back", 13): "as for 3.11",
    ("frame_back", 14): "as for 3.11",
    ("frame_back", 15): "as for 3.11",
    ("interp_code_versions", 12): "3.12 numbers functions from it; its code "
                                  "objects take theirs from the global "
                                  "_Py_next_func_version",
}

# Fields that follow from a #define in the headers rather than a struct.
# long_lv_tag: 3.12 introduced lv_tag together with _PyLong_NON_SIZE_BITS.
DEFINE_FIELDS = """
#ifdef _PyLong_NON_SIZE_BITS
  P ("long_lv_tag", 1);
#else
  P ("long_lv_tag", 0);
#endif
#if PY_VERSION_HEX >= 0x030E0000
  P ("stackref_tag_bits", Py_TAG_BITS);
#else
  P ("stackref_tag_bits", 0);
#endif
"""

# What the walker assumes beyond the table; printed as `assume.NAME` and
# compared with the value given here. (first minor, last minor, C, expected)
ASSUMPTIONS = [
    ("digit_size", PY27, 15, "sizeof (digit)", 4),
    ("pylong_shift", PY27, 15, "PyLong_SHIFT", 30),
    ("long_non_size_bits", 12, 15, "_PyLong_NON_SIZE_BITS", 3),
    ("codeunit_size", 6, 15, "sizeof (_Py_CODEUNIT)", 2),
    ("frame_owned_by_thread", 11, 15, "FRAME_OWNED_BY_THREAD", 0),
    ("unicode_state_size", 6, 15, "sizeof (((PyASCIIObject *) 0)->state)", 4),
    ("thread_id_size", PY27, 15, "sizeof (((PyThreadState *) 0)->thread_id)", 8),
    ("frame_lasti_size", PY27, 10, "sizeof (((PyFrameObject *) 0)->f_lasti)", 4),
    ("iframe_owner_size", 11, 15, "sizeof (((_PyInterpreterFrame *) 0)->owner)", 1),
    ("code_version_size", 12, 15, "sizeof (((PyCodeObject *) 0)->co_version)", 4),
    ("code_firstlineno_size", PY27, 15, "sizeof (((PyCodeObject *) 0)->co_firstlineno)", 4),
    ("code_versions_size", 13, 15,
     "sizeof (((PyInterpreterState *) 0)->func_state.next_version)", 4),
    ("gil_locked_size", 7, 15, "sizeof (((struct _gil_runtime_state *) 0)->locked)", 4),
    ("gil_last_holder_size", 7, 15, "sizeof (((struct _gil_runtime_state *) 0)->last_holder)", 8),
    ("dk_log2_size_size", 11, 15, "sizeof (((PyDictKeysObject *) 0)->dk_log2_size)", 1),
    ("dk_log2_index_bytes_size", 11, 15,
     "sizeof (((PyDictKeysObject *) 0)->dk_log2_index_bytes)", 1),
    ("dk_kind_size", 11, 15, "sizeof (((PyDictKeysObject *) 0)->dk_kind)", 1),
    ("dk_nentries_size", 6, 15, "sizeof (((PyDictKeysObject *) 0)->dk_nentries)", 8),
    ("varobject_ob_size", PY27, 15, "offsetof (PyVarObject, ob_size)", 16),
    ("list_ob_item", PY27, 15, "offsetof (PyListObject, ob_item)", 24),
    ("float_ob_fval", PY27, 15, "offsetof (PyFloatObject, ob_fval)", 16),
    ("cell_ob_ref", PY27, 15, "offsetof (PyCellObject, ob_ref)", 16),
    ("code_flags_size", PY27, 15, "sizeof (((PyCodeObject *) 0)->co_flags)", 4),
    ("co_varargs", PY27, 15, "CO_VARARGS", 4),
    ("co_varkeywords", PY27, 15, "CO_VARKEYWORDS", 8),
    ("co_fast_local", 11, 15, "CO_FAST_LOCAL", 0x20),
    ("co_fast_cell", 11, 15, "CO_FAST_CELL", 0x40),
    ("native_thread_id_size", 11, 15,
     "sizeof (((PyThreadState *) 0)->native_thread_id)", 8),
    # 2.7's dict entries: (hash, key, value), as 3.x's combined ones.
    ("dict_entry_size", PY27, PY27, "sizeof (PyDictEntry)", 24),
    ("dict_entry_key", PY27, PY27, "offsetof (PyDictEntry, me_key)", 8),
    ("dict_entry_value", PY27, PY27, "offsetof (PyDictEntry, me_value)", 16),
    ("int_ival_size", PY27, PY27, "sizeof (((PyIntObject *) 0)->ob_ival)", 8),
]

# Fields that no header states: they are checked by live-check.py.
SEMANTIC_FIELDS = {"linetable_kind", "dict_scheme", "lasti_in_code_units", "str_is_bytes"}

# 3.13+: _Py_DebugOffsets members (3.13: internal/pycore_runtime.h, 3.14+:
# internal/pycore_debug_offsets.h) that mirror a SpyPythonLayout field, from
# 3.13 on unless DEBUG_OFFSETS_SINCE says otherwise. A member given as a pair
# (a, b) stands for the difference a - b: the GIL fields are relative to
# PyInterpreterState there, relative to struct _gil_runtime_state in our table.
DEBUG_OFFSETS_SINCE = {
    "thread_state.base_frame": 15,
    "thread_state.holds_gil": 15,
    "type_object.tp_basicsize": 15,
    "type_object.tp_dictoffset": 15,
    "heap_type_object.ht_cached_keys": 15,
    "unicode_object.compactunicodeobject_size": 15,
}
DEBUG_OFFSETS = [
    ("runtime_state.interpreters_head", "runtime_interpreters_head"),
    ("interpreter_state.next", "interp_next"),
    ("interpreter_state.threads_head", "interp_threads_head"),
    ("interpreter_state.imports_modules", "interp_modules"),
    ("interpreter_state.ceval_gil", "interp_gil_ptr"),
    (("interpreter_state.gil_runtime_state_locked",
      "interpreter_state.gil_runtime_state"), "gil_locked"),
    (("interpreter_state.gil_runtime_state_holder",
      "interpreter_state.gil_runtime_state"), "gil_last_holder"),
    ("thread_state.size", "tstate_size"),
    ("thread_state.next", "tstate_next"),
    ("thread_state.interp", "tstate_interp"),
    ("thread_state.current_frame", "tstate_current_frame"),
    ("thread_state.thread_id", "tstate_thread_id"),
    ("thread_state.native_thread_id", "tstate_native_thread_id"),
    ("thread_state.datastack_chunk", "tstate_datastack_chunk"),
    ("interpreter_frame.previous", "iframe_previous"),
    ("interpreter_frame.executable", "iframe_code"),
    ("interpreter_frame.instr_ptr", "iframe_instr"),
    ("interpreter_frame.localsplus", "iframe_localsplus"),
    ("interpreter_frame.owner", "iframe_owner"),
    ("code_object.filename", "code_filename"),
    ("code_object.name", "code_name"),
    ("code_object.qualname", "code_qualname"),
    ("code_object.linetable", "code_linetable"),
    ("code_object.firstlineno", "code_firstlineno"),
    ("code_object.co_code_adaptive", "code_code_adaptive"),
    ("code_object.argcount", "code_argcount"),
    ("code_object.localsplusnames", "code_varnames"),
    ("code_object.localspluskinds", "code_localspluskinds"),
    ("tuple_object.ob_item", "tuple_items"),
    ("pyobject.ob_type", "object_type"),
    ("type_object.tp_name", "type_name"),
    ("type_object.tp_flags", "type_flags"),
    ("dict_object.ma_keys", "dict_keys"),
    ("dict_object.ma_values", "dict_values"),
    ("long_object.lv_tag", "long_size"),
    ("long_object.ob_digit", "long_digit"),
    ("bytes_object.ob_size", "bytes_size"),
    ("bytes_object.ob_sval", "bytes_sval"),
    ("unicode_object.state", "unicode_state"),
    ("unicode_object.length", "unicode_length"),
    ("unicode_object.asciiobject_size", "unicode_ascii_size"),
    ("thread_state.base_frame", "tstate_base_frame"),
    ("thread_state.holds_gil", "tstate_holds_gil"),
    ("type_object.tp_basicsize", "type_basicsize"),
    ("type_object.tp_dictoffset", "type_dictoffset"),
    ("heap_type_object.ht_cached_keys", "heaptype_cached_keys"),
    ("unicode_object.compactunicodeobject_size", "unicode_compact_size"),
]


def debug_offsets_for(minor):
    def since(member):
        first = member[0] if isinstance(member, tuple) else member
        return DEBUG_OFFSETS_SINCE.get(first, 13)
    return [(m, f) for m, f in DEBUG_OFFSETS if since(m) <= minor]

# Further _Py_DebugOffsets members to print, to help read a failure.
DEBUG_OFFSETS_SHOWN = ["runtime_state.size", "interpreter_state.size",
                       "interpreter_frame.size", "code_object.size"]

# Headers the probe includes when the interpreter installs them, in this
# order. Python.h first: the internal headers rely on it.
PUBLIC_HEADERS = ["Python.h", "frameobject.h", "longintrepr.h"]
INTERNAL_HEADERS = [
    "pycore_runtime.h",       # _PyRuntimeState (3.9+)
    "pycore_interp.h",        # PyInterpreterState (3.9+)
    "pycore_pystate.h",       # 3.8: _PyRuntimeState and PyInterpreterState
    "internal/pystate.h",     # 3.7: _PyRuntimeState (the GIL's struct with it)
    "pycore_gil.h",           # struct _gil_runtime_state
    "pycore_ceval_state.h",   # 3.12+: struct _ceval_state, ceval.gil
    "pycore_frame.h",         # 3.11+: _PyInterpreterFrame
    "pycore_stackref.h",      # 3.14+: _PyStackRef, Py_TAG_BITS
    "pycore_interpframe_structs.h",  # 3.14+: _PyInterpreterFrame, owners
    "pycore_tstate.h",        # _PyThreadStateImpl
    "pycore_debug_offsets.h", # 3.14+: _Py_DebugOffsets
    "pycore_code.h",
    "pycore_dict.h",          # 3.11+: struct _dictkeysobject, _dictvalues
    "pycore_moduleobject.h",  # 3.10+: PyModuleObject
]

# CPython 3.6-3.10 keep PyDictKeysObject's struct in Objects/dict-common.h,
# which is not installed; the public headers only declare
# `typedef struct _dictkeysobject PyDictKeysObject`. The probe completes that
# type with the documented layout (same member types, same order). These
# dk_* offsets therefore come from the documented struct, not from the
# interpreter's headers; live-check.py verifies them in the running
# interpreter's memory.
LOCAL_DICTKEYS = """
/* LOCAL DEFINITION, not from the installed headers: CPython 3.6-3.10
 * Objects/dict-common.h, struct _dictkeysobject (documented layout). */
struct _dictkeysobject {
  Py_ssize_t dk_refcnt;
  Py_ssize_t dk_size;
  void *dk_lookup;            /* dict_lookup_func, a function pointer */
  Py_ssize_t dk_usable;
  Py_ssize_t dk_nentries;
  char dk_indices[];
};
"""

# Likewise 3.6 to 3.9 keep PyModuleObject in Objects/moduleobject.c (3.10
# moved it to the installed pycore_moduleobject.h).
LOCAL_MODULEOBJECT = """
/* LOCAL DEFINITION, not from the installed headers: CPython 3.8/3.9
 * Objects/moduleobject.c, PyModuleObject (documented layout), 3.6 to 3.9. */
typedef struct {
  PyObject_HEAD
  PyObject *md_dict;
  struct PyModuleDef *md_def;
  void *md_state;
  PyObject *md_weaklist;
  PyObject *md_name;
} PyModuleObject;
"""


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def parse_kv(text):
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise Failure("unparsable output line: %r" % line)
        values[key] = value
    return values


def parse_meta(text):
    meta = {}
    for line in text.splitlines():
        if line.startswith("#") and "=" in line:
            key, _, value = line[1:].strip().partition("=")
            meta[key] = value
    return meta


def run(cmd, **kwargs):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kwargs)


def resolve_interpreter(spec):
    """@spec is a path or pyenv:X.Y (newest X.Y.* under $PYENV_ROOT)."""
    if not spec.startswith("pyenv:"):
        return spec
    minor = spec[len("pyenv:"):]
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = glob.glob(os.path.join(root, "versions", minor + ".*"))
    candidates = [c for c in candidates
                  if os.path.basename(c)[len(minor) + 1:].isdigit()]
    if not candidates:
        return os.path.join(root, "versions", minor + ".*", "bin", "python" + minor)
    candidates.sort(key=lambda c: int(os.path.basename(c)[len(minor) + 1:]))
    return os.path.join(candidates[-1], "bin", "python" + minor)


INTERPRETER_INFO = r"""
import os, sys, sysconfig
v = sysconfig.get_config_var
print("version=%d.%d" % sys.version_info[:2])
print("full_version=%s" % sys.version.split()[0])
# Where the headers were installed; an interpreter unpacked elsewhere (our
# _cache/pythons) finds its own under its prefix.
include = v("INCLUDEPY")
if not os.path.exists(os.path.join(include, "Python.h")):
    include = sysconfig.get_paths()["include"]
print("includepy=%s" % include)
print("py_debug=%s" % (1 if hasattr(sys, "gettotalrefcount") else 0))
print("gil_disabled=%s" % (v("Py_GIL_DISABLED") or 0))
print("pointer_size=%d" % (8 if sys.maxsize > 2**32 else 4))
"""


def interpreter_info(python):
    if not os.path.exists(python):
        raise Skip("interpreter %s not found" % python)
    proc = run([python, "-E", "-s", "-c", INTERPRETER_INFO])
    if proc.returncode != 0:
        raise Skip("interpreter %s does not run: %s" % (python, proc.stderr.strip()))
    return parse_kv(proc.stdout)


def expression_for(entries, minor):
    for first, last, expr in entries:
        if first <= minor <= last:
            return expr
    return None


def probe_prelude(include_dir, minor):
    internal = os.path.join(include_dir, "internal")
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <string.h>", ""]
    for header in PUBLIC_HEADERS:
        if os.path.exists(os.path.join(include_dir, header)):
            lines.append('#include "%s"' % header)
    for header in INTERNAL_HEADERS:
        where = include_dir if header.startswith("internal/") else internal
        if os.path.exists(os.path.join(where, header)):
            lines.append('#include "%s"' % header)
    if not os.path.exists(os.path.join(internal, "pycore_dict.h")):
        lines.append(LOCAL_DICTKEYS)
    if not os.path.exists(os.path.join(internal, "pycore_moduleobject.h")):
        lines.append(LOCAL_MODULEOBJECT)
    lines.append('#define P(name, expr) printf ("%s=%lld\\n", (name), (long long) (expr))')
    return "\n".join(lines) + "\n"


def probe_source(include_dir, minor):
    body = []
    for name, entries in FIELDS:
        expr = expression_for(entries, minor)
        if (name, minor) in FIXED_VALUES:
            expr = str(FIXED_VALUES[(name, minor)][0])
        body.append('  P ("%s", %s);' % (name, expr if expr else "-1"))
    body.append(DEFINE_FIELDS)
    for name, first, last, expr, _ in ASSUMPTIONS:
        if first <= minor <= last:
            body.append('  P ("assume.%s", %s);' % (name, expr))
    debug = []
    if minor >= 13:
        members = []
        for member, _ in debug_offsets_for(minor):
            members.extend(member if isinstance(member, tuple) else (member,))
        members += DEBUG_OFFSETS_SHOWN
        debug.append("  if (argc > 1)\n    {")
        debug.append("      _Py_DebugOffsets d;")
        debug.append('      FILE *f = fopen (argv[1], "rb");')
        debug.append("      if (f == NULL || fread (&d, sizeof d, 1, f) != 1)")
        debug.append('        { perror (argv[1]); return 2; }')
        debug.append("      fclose (f);")
        debug.append('      P ("debug.size", sizeof d);')
        debug.append('      printf ("debug.cookie=%.8s\\n", d.cookie);')
        debug.append('      P ("debug.version", d.version);')
        debug.append('      P ("debug.free_threaded", d.free_threaded);')
        for member in dict.fromkeys(members):
            debug.append('      P ("debug.%s", d.%s);' % (member, member))
        debug.append("    }")
    return (probe_prelude(include_dir, minor)
            + "\nint\nmain (int argc, char **argv)\n{\n"
            + "\n".join(body) + "\n" + "\n".join(debug) + "\n  return 0;\n}\n")


def absent_source(include_dir, minor):
    """One statement per line for each expression of an absent field;
    returns (source, {line: (field, expression)})."""
    prelude = probe_prelude(include_dir, minor)
    lines = prelude.split("\n")
    lines += ["void spy_probe_absent (void);", "void", "spy_probe_absent (void)", "{"]
    where = {}
    for name, entries in FIELDS:
        if (expression_for(entries, minor) or (name, minor) in PRESENT_BUT_UNUSED or
                (name, minor) in FIXED_VALUES):
            continue
        for expr in dict.fromkeys(e for _, _, e in entries):
            lines.append("  (void) (%s);" % expr)
            where[len(lines)] = (name, expr)
    lines.append("}")
    return "\n".join(lines) + "\n", where


def compiler():
    return os.environ.get("SPY_PROBE_CC", "cc")


def compile_c(source, path, include_dir, output=None):
    with open(path, "w") as f:
        f.write(source)
    # The parent too: Debian's pyconfig.h includes its multiarch copy as
    # <x86_64-linux-gnu/python3.X/pyconfig.h>, which for an interpreter
    # unpacked outside /usr is under that parent.
    cmd = [compiler(), "-std=gnu11", "-w", "-DPy_BUILD_CORE",
           "-I" + include_dir, "-I" + os.path.join(include_dir, "internal"),
           "-I" + os.path.dirname(include_dir)]
    if "clang" in run([compiler(), "--version"]).stdout:
        cmd.append("-ferror-limit=0")
    else:
        cmd.append("-fmax-errors=0")
    cmd += ["-o", output, path] if output else ["-fsyntax-only", path]
    return run(cmd)


def check_absent(tmp, include_dir, minor):
    source, where = absent_source(include_dir, minor)
    if not where:
        return []
    path = os.path.join(tmp, "probe-absent.c")
    proc = compile_c(source, path, include_dir)
    error_lines = set()
    for line in proc.stderr.splitlines():
        parts = line.split(":")
        if len(parts) > 3 and parts[0].endswith("probe-absent.c") and "error" in parts[3]:
            error_lines.add(int(parts[1]))
    problems = []
    for line, (name, expr) in sorted(where.items()):
        if line not in error_lines:
            problems.append("%s is absent in 3.%d (SPY_OFFSET_NONE) but `%s` "
                            "compiles against its headers" % (name, minor, expr))
    return problems


def run_print_layout(print_layout, version, extra=()):
    proc = run([print_layout, version] + list(extra))
    if proc.returncode != 0:
        raise Failure("%s %s failed (%d): %s" % (print_layout, version, proc.returncode,
                                                 proc.stderr.strip()))
    return proc.stdout


def compare(table, probed, minor):
    problems = []
    for name, value in probed.items():
        if name.startswith("assume.") or name.startswith("debug."):
            continue
        if name not in table:
            problems.append("%s: headers=%s, missing from print-layout" % (name, value))
        elif table[name] != value:
            problems.append("%s: table=%s headers=%s" % (name, table[name], value))
    for name in table:
        if name not in probed and name not in SEMANTIC_FIELDS:
            problems.append("%s: in our table but not probed (add it to FIELDS)" % name)
    for name, first, last, _, expected in ASSUMPTIONS:
        if first <= minor <= last:
            got = probed.get("assume." + name)
            if got != str(expected):
                problems.append("assumption %s: walker expects %s, headers give %s"
                                % (name, expected, got))
    return problems


def check_debug_offsets(probed, table, minor):
    problems = []
    if probed.get("debug.cookie") != "xdebugpy":
        return ["_PyRuntime does not start with the xdebugpy cookie (got %r)"
                % probed.get("debug.cookie")]
    if probed.get("debug.free_threaded") != "0":
        problems.append("debug offsets say free-threaded build")
    for member, field in debug_offsets_for(minor):
        if isinstance(member, tuple):
            value = int(probed["debug." + member[0]]) - int(probed["debug." + member[1]])
            shown = "%s - %s" % member
        else:
            value = int(probed["debug." + member])
            shown = member
        if str(value) != table[field]:
            problems.append("_Py_DebugOffsets.%s=%d but table %s=%s"
                            % (shown, value, field, table[field]))
    return problems


def header_debug_offsets_members(include_dir):
    """The members of _Py_DebugOffsets in the header's order, as
    "group.member" (each sub-struct's members prefixed by its field name)."""
    for path in sorted(glob.glob(os.path.join(include_dir, "internal", "*.h"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        start = text.find("typedef struct _Py_DebugOffsets")
        if start >= 0:
            break
    else:
        raise Failure("no header in %s/internal defines _Py_DebugOffsets" % include_dir)
    body = text[start:text.index("} _Py_DebugOffsets;", start)]
    body = re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", body), flags=re.S)
    names, pending = [], None
    for line in body.splitlines()[1:]:
        line = line.strip()
        if re.match(r"struct\s*\w*\s*\{", line):
            pending = []
            continue
        end = re.match(r"\}\s*(\w+)\s*;", line)
        if end and pending is not None:
            names += ["%s.%s" % (end.group(1), n) for n in pending]
            pending = None
            continue
        member = re.match(r"(?:char|uint64_t)\s+(\w+)", line)
        if member:
            if not line.startswith("char") and not line.startswith("uint64_t"):
                raise Failure("unexpected member type in _Py_DebugOffsets: %r" % line)
            (pending if pending is not None else names).append(member.group(1))
        elif line and not line.startswith("#"):
            raise Failure("cannot parse _Py_DebugOffsets line %r (%s)" % (line, path))
    return names, path


def check_debug_offsets_schema(print_layout, version, include_dir):
    """Our schema of _Py_DebugOffsets for this minor must be the header's."""
    ours = run_print_layout(print_layout, version, ["--debug-offsets-schema"]).split()
    theirs, path = header_debug_offsets_members(include_dir)
    print("_Py_DebugOffsets schema: %d members in %s, %d in ours"
          % (len(theirs), os.path.relpath(path, include_dir), len(ours)))
    if ours == theirs:
        return []
    diff = difflib.unified_diff(theirs, ours, "header", "spy-python-layout.c", lineterm="")
    return ["our _Py_DebugOffsets schema for %s differs from %s:\n    %s"
            % (version, path, "\n    ".join(diff))]


def check_apply_debug_offsets(print_layout, version, dump, table):
    proc = run([print_layout, version, "--apply-debug-offsets", dump])
    if proc.returncode != 0:
        return ["spy_python_layout_apply_debug_offsets() refused this interpreter's real "
                "_Py_DebugOffsets (listed above): %s" % proc.stderr.strip()]
    applied = parse_kv(proc.stdout)
    return ["spy_python_layout_apply_debug_offsets() changes %s: %s -> %s"
            % (name, table[name], applied.get(name))
            for name in table if applied.get(name) != table[name]]


def live_check(python, tmp, table_text):
    table_path = os.path.join(tmp, "table.txt")
    with open(table_path, "w") as f:
        f.write(table_text)
    proc = run([python, "-E", "-s", os.path.join(HERE, "live-check.py"), "check", table_path])
    sys.stdout.write("".join("  live: %s\n" % l for l in proc.stdout.splitlines()))
    if proc.returncode == EXIT_SKIP:
        return [], "live checks skipped: " + proc.stdout.strip().splitlines()[-1]
    problems = ["live: " + l[len("FAIL "):] for l in proc.stdout.splitlines()
                if l.startswith("FAIL ")]
    if proc.returncode != 0 and not problems:
        problems.append("live-check.py failed (%d): %s" % (proc.returncode, proc.stderr.strip()))
    return problems, None


def dump_debug_offsets(python, tmp, size):
    path = os.path.join(tmp, "debug-offsets.bin")
    proc = run([python, "-E", "-s", os.path.join(HERE, "live-check.py"), "dump-runtime",
                str(size), path])
    if proc.returncode != 0:
        raise Failure("could not read _PyRuntime from %s: %s" % (python, proc.stderr.strip()))
    return path


def check(args, tmp):
    python = resolve_interpreter(args.python)
    info = interpreter_info(python)
    version = info["version"]
    print("interpreter: %s (%s)" % (python, info["full_version"]))
    if args.expect and version != args.expect:
        raise Failure("%s is Python %s, expected %s" % (python, version, args.expect))
    if info["py_debug"] != "0" or info["gil_disabled"] not in ("0", "None"):
        raise Skip("%s is a debug or free-threaded build; our tables are for default builds"
                   % python)
    if info["pointer_size"] != "8":
        raise Skip("%s is not a 64-bit build" % python)
    include_dir = info["includepy"]
    print("headers: %s" % include_dir)
    if not os.path.exists(os.path.join(include_dir, "Python.h")):
        raise Skip("no Python.h in %s (install the interpreter's -dev package)" % include_dir)
    if not os.path.isdir(os.path.join(include_dir, "internal")) and version not in ("2.7", "3.6"):
        raise Skip("no internal headers in %s/internal" % include_dir)
    major, minor = (int(x) for x in version.split("."))
    if major == 2:
        minor = PY27

    table_text = run_print_layout(args.print_layout, version)
    table = parse_kv(table_text)

    probe = os.path.join(tmp, "probe")
    proc = compile_c(probe_source(include_dir, minor), probe + ".c", include_dir, probe)
    if proc.returncode != 0:
        raise Failure("the probe does not compile against %s:\n%s" % (include_dir, proc.stderr))
    probe_args = [probe]
    if minor >= 13:
        size = int(parse_meta(table_text)["debug_offsets_max_size"])
        dump = dump_debug_offsets(python, tmp, size)
        probe_args.append(dump)
    proc = run(probe_args)
    if proc.returncode != 0:
        raise Failure("the probe failed: %s" % proc.stderr)
    probed = parse_kv(proc.stdout)

    problems = compare(table, probed, minor)
    problems += check_absent(tmp, include_dir, minor)
    if minor >= 13:
        print("_Py_DebugOffsets (live _PyRuntime):")
        for key, value in probed.items():
            if key.startswith("debug."):
                print("  %s=%s" % (key[len("debug."):], value))
        problems += check_debug_offsets(probed, table, minor)
        problems += check_debug_offsets_schema(args.print_layout, version, include_dir)
        if int(probed["debug.size"]) > size:
            problems.append("sizeof (_Py_DebugOffsets)=%s exceeds SPY_DEBUG_OFFSETS_MAX_SIZE=%d"
                            % (probed["debug.size"], size))
        problems += check_apply_debug_offsets(args.print_layout, version, dump, table)

    live_problems, live_note = live_check(python, tmp, table_text)
    problems += live_problems

    print("\n%-28s %10s %10s" % ("field", "table", "headers"))
    for name in table:
        mark = "" if probed.get(name, table[name]) == table[name] else "   <-- MISMATCH"
        print("%-28s %10s %10s%s" % (name, table[name], probed.get(name, "(live)"), mark))
    if live_note:
        print(live_note)
    if problems:
        raise Failure("Python %s (%s): %d problem(s):\n  %s"
                      % (version, python, len(problems), "\n  ".join(problems)))
    print("\nPython %s: table agrees with the headers and the live interpreter" % version)


def main():
    parser = argparse.ArgumentParser(
        description="Check our CPython offset table against one interpreter.")
    parser.add_argument("--print-layout", required=True,
                        help="the print-layout test program")
    parser.add_argument("--expect", help="expected major.minor, e.g. 3.11")
    parser.add_argument("python", help="interpreter path, or pyenv:X.Y")
    args = parser.parse_args()

    required = os.environ.get("SPY_REQUIRE_PYTHONS", "").split()
    tmp = tempfile.mkdtemp(prefix="spy-offsets-")
    try:
        check(args, tmp)
        return 0
    except Skip as e:
        if args.expect and args.expect in required:
            print("FAIL: %s, and SPY_REQUIRE_PYTHONS requires %s" % (e, args.expect))
            return 1
        print("SKIP: %s" % e)
        return EXIT_SKIP
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
