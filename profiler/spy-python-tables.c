/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-python-tables.c: CPython's struct offsets for 2.7 and 3.6 to 3.15, one table each */

#include "spy-python-layout.h"

/* x86_64, default (non-debug, GIL) builds. Every offset was printed by the
 * compiler from that interpreter's own headers (offsetof/sizeof, compiled
 * with -DPy_BUILD_CORE against include/pythonX.Y and its internal/), not
 * written from memory. tests/offsets/probe-offsets.py recompiles that probe
 * for each installed interpreter and fails on any difference; to add or
 * update a version, run it and copy the numbers it prints.
 *
 * linetable_kind, dict_scheme and lasti_in_code_units are not in any header:
 * the same test checks them by reading a running interpreter's own memory. */

/* CPython 2.7 (numbers from its headers). _PyRuntimeState and
 * PyInterpreterState live in internal/pycore_pystate.h. dk_* and md_dict
 * come from the documented layouts of Objects/dict-common.h and
 * Objects/moduleobject.c, which are not installed; the offsets test checks
 * them in a running 3.8's memory. */
static const SpyPythonLayout layout_2_7 = {
  .major = 2,
  .minor = 7,
  .linetable_kind = SPY_LINETABLE_LNOTAB_27,
  .dict_scheme = SPY_DICT_SCHEME_DICTOFFSET,
  .lasti_in_code_units = FALSE,
  .str_is_bytes = TRUE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 0,
  .runtime_gil = SPY_OFFSET_NONE,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 8,
  .interp_modules = 16,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = SPY_OFFSET_NONE,
  .gil_locked = SPY_OFFSET_NONE,

  /* PyThreadState */
  .tstate_size = 168,
  .tstate_next = 0,
  .tstate_interp = 8,
  .tstate_frame = 16,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 144,
  .tstate_native_thread_id = SPY_OFFSET_NONE,
  .tstate_datastack_chunk = SPY_OFFSET_NONE,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = SPY_OFFSET_NONE,
  .chunk_size = SPY_OFFSET_NONE,
  .chunk_top = SPY_OFFSET_NONE,
  .chunk_data = SPY_OFFSET_NONE,

  /* PyFrameObject (≤3.10) */
  .frame_back = 24,
  .frame_code = 32,
  .frame_lasti = 120,
  .frame_localsplus = 376,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = SPY_OFFSET_NONE,
  .iframe_previous = SPY_OFFSET_NONE,
  .iframe_instr = SPY_OFFSET_NONE,
  .iframe_owner = SPY_OFFSET_NONE,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = SPY_OFFSET_NONE,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 80,
  .code_name = 88,
  .code_qualname = SPY_OFFSET_NONE,
  .code_firstlineno = 96,
  .code_linetable = 104,
  .code_code_adaptive = SPY_OFFSET_NONE,
  .code_flags = 28,
  .code_argcount = 16,
  .code_kwonlyargcount = SPY_OFFSET_NONE,
  .code_nlocals = 20,
  .code_varnames = 56,
  .code_localspluskinds = SPY_OFFSET_NONE,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = SPY_OFFSET_NONE,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 36,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = SPY_OFFSET_NONE,
  .unicode_state = SPY_OFFSET_NONE,
  .unicode_ascii_size = SPY_OFFSET_NONE,
  .unicode_compact_size = SPY_OFFSET_NONE,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = 16,

  /* PyDictObject */
  .dict_mask = 32,
  .dict_table = 40,
  .dict_used = 24,
  .dict_keys = SPY_OFFSET_NONE,
  .dict_values = SPY_OFFSET_NONE,

  /* PyDictKeysObject */
  .dictkeys_size = SPY_OFFSET_NONE,
  .dictkeys_log2_size = SPY_OFFSET_NONE,
  .dictkeys_log2_index_bytes = SPY_OFFSET_NONE,
  .dictkeys_kind = SPY_OFFSET_NONE,
  .dictkeys_nentries = SPY_OFFSET_NONE,
  .dictkeys_indices = SPY_OFFSET_NONE,
  .dictvalues_values = SPY_OFFSET_NONE,
};

/* CPython 3.6 (numbers from its headers). _PyRuntimeState and
 * PyInterpreterState live in internal/pycore_pystate.h. dk_* and md_dict
 * come from the documented layouts of Objects/dict-common.h and
 * Objects/moduleobject.c, which are not installed; the offsets test checks
 * them in a running 3.8's memory. */
static const SpyPythonLayout layout_3_6 = {
  .major = 3,
  .minor = 6,
  .linetable_kind = SPY_LINETABLE_LNOTAB,
  .dict_scheme = SPY_DICT_SCHEME_DICTOFFSET,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 0,
  .runtime_gil = SPY_OFFSET_NONE,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 8,
  .interp_modules = 16,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = SPY_OFFSET_NONE,
  .gil_locked = SPY_OFFSET_NONE,

  /* PyThreadState */
  .tstate_size = 2272,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = 24,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 152,
  .tstate_native_thread_id = SPY_OFFSET_NONE,
  .tstate_datastack_chunk = SPY_OFFSET_NONE,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = SPY_OFFSET_NONE,
  .chunk_size = SPY_OFFSET_NONE,
  .chunk_top = SPY_OFFSET_NONE,
  .chunk_data = SPY_OFFSET_NONE,

  /* PyFrameObject (≤3.10) */
  .frame_back = 24,
  .frame_code = 32,
  .frame_lasti = 120,
  .frame_localsplus = 376,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = SPY_OFFSET_NONE,
  .iframe_previous = SPY_OFFSET_NONE,
  .iframe_instr = SPY_OFFSET_NONE,
  .iframe_owner = SPY_OFFSET_NONE,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = SPY_OFFSET_NONE,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 96,
  .code_name = 104,
  .code_qualname = SPY_OFFSET_NONE,
  .code_firstlineno = 36,
  .code_linetable = 112,
  .code_code_adaptive = SPY_OFFSET_NONE,
  .code_flags = 32,
  .code_argcount = 16,
  .code_kwonlyargcount = 20,
  .code_nlocals = 24,
  .code_varnames = 64,
  .code_localspluskinds = SPY_OFFSET_NONE,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 856,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 48,
  .unicode_compact_size = 72,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = 8,
  .dictkeys_log2_size = SPY_OFFSET_NONE,
  .dictkeys_log2_index_bytes = SPY_OFFSET_NONE,
  .dictkeys_kind = SPY_OFFSET_NONE,
  .dictkeys_nentries = 32,
  .dictkeys_indices = 40,
  .dictvalues_values = SPY_OFFSET_NONE,
};

/* CPython 3.7 (numbers from its headers). _PyRuntimeState and
 * PyInterpreterState live in internal/pycore_pystate.h. dk_* and md_dict
 * come from the documented layouts of Objects/dict-common.h and
 * Objects/moduleobject.c, which are not installed; the offsets test checks
 * them in a running 3.8's memory. */
static const SpyPythonLayout layout_3_7 = {
  .major = 3,
  .minor = 7,
  .linetable_kind = SPY_LINETABLE_LNOTAB,
  .dict_scheme = SPY_DICT_SCHEME_DICTOFFSET,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 24,
  .runtime_gil = 1264,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 8,
  .interp_modules = 40,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 280,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = 24,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 176,
  .tstate_native_thread_id = SPY_OFFSET_NONE,
  .tstate_datastack_chunk = SPY_OFFSET_NONE,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = SPY_OFFSET_NONE,
  .chunk_size = SPY_OFFSET_NONE,
  .chunk_top = SPY_OFFSET_NONE,
  .chunk_data = SPY_OFFSET_NONE,

  /* PyFrameObject (≤3.10) */
  .frame_back = 24,
  .frame_code = 32,
  .frame_lasti = 104,
  .frame_localsplus = 360,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = SPY_OFFSET_NONE,
  .iframe_previous = SPY_OFFSET_NONE,
  .iframe_instr = SPY_OFFSET_NONE,
  .iframe_owner = SPY_OFFSET_NONE,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = SPY_OFFSET_NONE,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 96,
  .code_name = 104,
  .code_qualname = SPY_OFFSET_NONE,
  .code_firstlineno = 36,
  .code_linetable = 112,
  .code_code_adaptive = SPY_OFFSET_NONE,
  .code_flags = 32,
  .code_argcount = 16,
  .code_kwonlyargcount = 20,
  .code_nlocals = 24,
  .code_varnames = 64,
  .code_localspluskinds = SPY_OFFSET_NONE,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 856,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 48,
  .unicode_compact_size = 72,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = 8,
  .dictkeys_log2_size = SPY_OFFSET_NONE,
  .dictkeys_log2_index_bytes = SPY_OFFSET_NONE,
  .dictkeys_kind = SPY_OFFSET_NONE,
  .dictkeys_nentries = 32,
  .dictkeys_indices = 40,
  .dictvalues_values = SPY_OFFSET_NONE,
};

/* CPython 3.8 (numbers from 3.8.18's headers). _PyRuntimeState and
 * PyInterpreterState live in internal/pycore_pystate.h. dk_* and md_dict
 * come from the documented layouts of Objects/dict-common.h and
 * Objects/moduleobject.c, which are not installed; the offsets test checks
 * them in a running 3.8's memory. */
static const SpyPythonLayout layout_3_8 = {
  .major = 3,
  .minor = 8,
  .linetable_kind = SPY_LINETABLE_LNOTAB,
  .dict_scheme = SPY_DICT_SCHEME_DICTOFFSET,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 32,
  .runtime_gil = 1152,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 8,
  .interp_modules = 56,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 264,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = 24,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 176,
  .tstate_native_thread_id = SPY_OFFSET_NONE,
  .tstate_datastack_chunk = SPY_OFFSET_NONE,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = SPY_OFFSET_NONE,
  .chunk_size = SPY_OFFSET_NONE,
  .chunk_top = SPY_OFFSET_NONE,
  .chunk_data = SPY_OFFSET_NONE,

  /* PyFrameObject (≤3.10) */
  .frame_back = 24,
  .frame_code = 32,
  .frame_lasti = 104,
  .frame_localsplus = 360,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = SPY_OFFSET_NONE,
  .iframe_previous = SPY_OFFSET_NONE,
  .iframe_instr = SPY_OFFSET_NONE,
  .iframe_owner = SPY_OFFSET_NONE,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = SPY_OFFSET_NONE,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 104,
  .code_name = 112,
  .code_qualname = SPY_OFFSET_NONE,
  .code_firstlineno = 40,
  .code_linetable = 120,
  .code_code_adaptive = SPY_OFFSET_NONE,
  .code_flags = 36,
  .code_argcount = 16,
  .code_kwonlyargcount = 24,
  .code_nlocals = 28,
  .code_varnames = 72,
  .code_localspluskinds = SPY_OFFSET_NONE,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 872,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 48,
  .unicode_compact_size = 72,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = 8,
  .dictkeys_log2_size = SPY_OFFSET_NONE,
  .dictkeys_log2_index_bytes = SPY_OFFSET_NONE,
  .dictkeys_kind = SPY_OFFSET_NONE,
  .dictkeys_nentries = 32,
  .dictkeys_indices = 40,
  .dictvalues_values = SPY_OFFSET_NONE,
};

/* CPython 3.9 (3.9.18). dk_* and md_dict: as for 3.8. */
static const SpyPythonLayout layout_3_9 = {
  .major = 3,
  .minor = 9,
  .linetable_kind = SPY_LINETABLE_LNOTAB,
  .dict_scheme = SPY_DICT_SCHEME_DICTOFFSET,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 32,
  .runtime_gil = 352,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 8,
  .interp_modules = 856,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 264,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = 24,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 176,
  .tstate_native_thread_id = SPY_OFFSET_NONE,
  .tstate_datastack_chunk = SPY_OFFSET_NONE,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = SPY_OFFSET_NONE,
  .chunk_size = SPY_OFFSET_NONE,
  .chunk_top = SPY_OFFSET_NONE,
  .chunk_data = SPY_OFFSET_NONE,

  /* PyFrameObject (≤3.10) */
  .frame_back = 24,
  .frame_code = 32,
  .frame_lasti = 104,
  .frame_localsplus = 360,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = SPY_OFFSET_NONE,
  .iframe_previous = SPY_OFFSET_NONE,
  .iframe_instr = SPY_OFFSET_NONE,
  .iframe_owner = SPY_OFFSET_NONE,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = SPY_OFFSET_NONE,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 104,
  .code_name = 112,
  .code_qualname = SPY_OFFSET_NONE,
  .code_firstlineno = 40,
  .code_linetable = 120,
  .code_code_adaptive = SPY_OFFSET_NONE,
  .code_flags = 36,
  .code_argcount = 16,
  .code_kwonlyargcount = 24,
  .code_nlocals = 28,
  .code_varnames = 72,
  .code_localspluskinds = SPY_OFFSET_NONE,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 864,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 48,
  .unicode_compact_size = 72,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = 8,
  .dictkeys_log2_size = SPY_OFFSET_NONE,
  .dictkeys_log2_index_bytes = SPY_OFFSET_NONE,
  .dictkeys_kind = SPY_OFFSET_NONE,
  .dictkeys_nentries = 32,
  .dictkeys_indices = 40,
  .dictvalues_values = SPY_OFFSET_NONE,
};

/* CPython 3.10 (3.10.13). f_lasti counts code units. tstate->cframe exists
 * but only carries use_tracing: frames are still tstate->frame, so
 * tstate_cframe stays NONE. dk_*: as for 3.8 (dict-common.h not installed). */
static const SpyPythonLayout layout_3_10 = {
  .major = 3,
  .minor = 10,
  .linetable_kind = SPY_LINETABLE_310,
  .dict_scheme = SPY_DICT_SCHEME_DICTOFFSET,
  .lasti_in_code_units = TRUE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 32,
  .runtime_gil = 352,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 8,
  .interp_modules = 856,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 280,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = 24,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 176,
  .tstate_native_thread_id = SPY_OFFSET_NONE,
  .tstate_datastack_chunk = SPY_OFFSET_NONE,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = SPY_OFFSET_NONE,
  .chunk_size = SPY_OFFSET_NONE,
  .chunk_top = SPY_OFFSET_NONE,
  .chunk_data = SPY_OFFSET_NONE,

  /* PyFrameObject (≤3.10) */
  .frame_back = 24,
  .frame_code = 32,
  .frame_lasti = 96,
  .frame_localsplus = 352,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = SPY_OFFSET_NONE,
  .iframe_previous = SPY_OFFSET_NONE,
  .iframe_instr = SPY_OFFSET_NONE,
  .iframe_owner = SPY_OFFSET_NONE,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = SPY_OFFSET_NONE,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 104,
  .code_name = 112,
  .code_qualname = SPY_OFFSET_NONE,
  .code_firstlineno = 40,
  .code_linetable = 120,
  .code_code_adaptive = SPY_OFFSET_NONE,
  .code_flags = 36,
  .code_argcount = 16,
  .code_kwonlyargcount = 24,
  .code_nlocals = 28,
  .code_varnames = 72,
  .code_localspluskinds = SPY_OFFSET_NONE,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 872,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 48,
  .unicode_compact_size = 72,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = 8,
  .dictkeys_log2_size = SPY_OFFSET_NONE,
  .dictkeys_log2_index_bytes = SPY_OFFSET_NONE,
  .dictkeys_kind = SPY_OFFSET_NONE,
  .dictkeys_nentries = 32,
  .dictkeys_indices = 40,
  .dictvalues_values = SPY_OFFSET_NONE,
};

/* CPython 3.11 (3.11.7; Debian's 3.11.2 headers agree). The thread list is
 * already threads.head here. */
static const SpyPythonLayout layout_3_11 = {
  .major = 3,
  .minor = 11,
  .linetable_kind = SPY_LINETABLE_LOCATIONS,
  .dict_scheme = SPY_DICT_SCHEME_MANAGED_311,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 40,
  .runtime_gil = 360,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 16,
  .interp_modules = 888,
  .interp_gil_ptr = SPY_OFFSET_NONE,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 360,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = SPY_OFFSET_NONE,
  .tstate_cframe = 56,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 152,
  .tstate_native_thread_id = 160,
  .tstate_datastack_chunk = 296,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = 8,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = 0,
  .chunk_size = 8,
  .chunk_top = 16,
  .chunk_data = 24,

  /* PyFrameObject (≤3.10) */
  .frame_back = SPY_OFFSET_NONE,
  .frame_code = SPY_OFFSET_NONE,
  .frame_lasti = SPY_OFFSET_NONE,
  .frame_localsplus = SPY_OFFSET_NONE,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = 32,
  .iframe_previous = 48,
  .iframe_instr = 56,
  .iframe_owner = 69,
  .iframe_is_entry = 68,
  .iframe_localsplus = 72,
  .iframe_owner_not_python = -1,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 112,
  .code_name = 120,
  .code_qualname = 128,
  .code_firstlineno = 72,
  .code_linetable = 136,
  .code_code_adaptive = 184,
  .code_flags = 48,
  .code_argcount = 56,
  .code_kwonlyargcount = 64,
  .code_nlocals = 80,
  .code_varnames = 96,
  .code_localspluskinds = 104,
  .code_version = SPY_OFFSET_NONE,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 872,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 48,
  .unicode_compact_size = 72,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = FALSE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = SPY_OFFSET_NONE,
  .dictkeys_log2_size = 8,
  .dictkeys_log2_index_bytes = 9,
  .dictkeys_kind = 10,
  .dictkeys_nentries = 24,
  .dictkeys_indices = 32,
  .dictvalues_values = 0,
};

/* CPython 3.12 (3.12.1). The GIL moved into the interpreter (ceval.gil is a
 * pointer); entry frames owned by the C stack sit in the frame chain. */
static const SpyPythonLayout layout_3_12 = {
  .major = 3,
  .minor = 12,
  .linetable_kind = SPY_LINETABLE_LOCATIONS,
  .dict_scheme = SPY_DICT_SCHEME_MANAGED_312,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 40,
  .runtime_gil = SPY_OFFSET_NONE,

  /* PyInterpreterState */
  .interp_next = 0,
  .interp_threads_head = 72,
  .interp_modules = 944,
  .interp_gil_ptr = 384,
  .interp_code_versions = SPY_OFFSET_NONE,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 288,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = SPY_OFFSET_NONE,
  .tstate_cframe = 56,
  .tstate_current_frame = SPY_OFFSET_NONE,
  .tstate_thread_id = 136,
  .tstate_native_thread_id = 144,
  .tstate_datastack_chunk = 232,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = 0,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = 0,
  .chunk_size = 8,
  .chunk_top = 16,
  .chunk_data = 24,

  /* PyFrameObject (≤3.10) */
  .frame_back = SPY_OFFSET_NONE,
  .frame_code = SPY_OFFSET_NONE,
  .frame_lasti = SPY_OFFSET_NONE,
  .frame_localsplus = SPY_OFFSET_NONE,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = 0,
  .iframe_previous = 8,
  .iframe_instr = 56,
  .iframe_owner = 70,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = 72,
  .iframe_owner_not_python = 3,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 112,
  .code_name = 120,
  .code_qualname = 128,
  .code_firstlineno = 68,
  .code_linetable = 136,
  .code_code_adaptive = 192,
  .code_flags = 48,
  .code_argcount = 52,
  .code_kwonlyargcount = 60,
  .code_nlocals = 80,
  .code_varnames = 96,
  .code_localspluskinds = 104,
  .code_version = 92,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 880,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 40,
  .unicode_compact_size = 56,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = TRUE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = SPY_OFFSET_NONE,
  .dictkeys_log2_size = 8,
  .dictkeys_log2_index_bytes = 9,
  .dictkeys_kind = 10,
  .dictkeys_nentries = 24,
  .dictkeys_indices = 32,
  .dictvalues_values = 0,
};

/* CPython 3.13 (3.13.0). The walker overrides most of these with the
 * target's _Py_DebugOffsets; the offsets test checks that both agree. */
static const SpyPythonLayout layout_3_13 = {
  .major = 3,
  .minor = 13,
  .linetable_kind = SPY_LINETABLE_LOCATIONS,
  .dict_scheme = SPY_DICT_SCHEME_INLINE_313,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 632,
  .runtime_gil = SPY_OFFSET_NONE,

  /* PyInterpreterState */
  .interp_next = 7264,
  .interp_threads_head = 7344,
  .interp_modules = 7656,
  .interp_gil_ptr = 16,
  .interp_code_versions = 17000,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 304,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = SPY_OFFSET_NONE,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = 72,
  .tstate_thread_id = 152,
  .tstate_native_thread_id = 160,
  .tstate_datastack_chunk = 232,
  .tstate_holds_gil = SPY_OFFSET_NONE,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = 0,
  .chunk_size = 8,
  .chunk_top = 16,
  .chunk_data = 24,

  /* PyFrameObject (≤3.10) */
  .frame_back = SPY_OFFSET_NONE,
  .frame_code = SPY_OFFSET_NONE,
  .frame_lasti = SPY_OFFSET_NONE,
  .frame_localsplus = SPY_OFFSET_NONE,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = 0,
  .iframe_previous = 8,
  .iframe_instr = 56,
  .iframe_owner = 70,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = 72,
  .iframe_owner_not_python = 3,
  .stackref_tag_bits = 0,

  /* PyCodeObject */
  .code_filename = 112,
  .code_name = 120,
  .code_qualname = 128,
  .code_firstlineno = 68,
  .code_linetable = 136,
  .code_code_adaptive = 200,
  .code_flags = 48,
  .code_argcount = 52,
  .code_kwonlyargcount = 60,
  .code_nlocals = 80,
  .code_varnames = 96,
  .code_localspluskinds = 104,
  .code_version = 92,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 880,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 40,
  .unicode_compact_size = 56,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = TRUE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 24,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = SPY_OFFSET_NONE,
  .dictkeys_log2_size = 8,
  .dictkeys_log2_index_bytes = 9,
  .dictkeys_kind = 10,
  .dictkeys_nentries = 24,
  .dictkeys_indices = 32,
  .dictvalues_values = 8,
};

static const SpyPythonLayout layout_3_14 = {
  .major = 3,
  .minor = 14,
  .linetable_kind = SPY_LINETABLE_LOCATIONS,
  .dict_scheme = SPY_DICT_SCHEME_INLINE_313,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 808,
  .runtime_gil = SPY_OFFSET_NONE,

  /* PyInterpreterState */
  .interp_next = 7272,
  .interp_threads_head = 7344,
  .interp_modules = 7688,
  .interp_gil_ptr = 16,
  .interp_code_versions = 14256,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 832,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = SPY_OFFSET_NONE,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = 72,
  .tstate_thread_id = 152,
  .tstate_native_thread_id = 160,
  .tstate_datastack_chunk = 232,
  .tstate_holds_gil = 36,
  .tstate_base_frame = SPY_OFFSET_NONE,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = 0,
  .chunk_size = 8,
  .chunk_top = 16,
  .chunk_data = 24,

  /* PyFrameObject (≤3.10) */
  .frame_back = SPY_OFFSET_NONE,
  .frame_code = SPY_OFFSET_NONE,
  .frame_lasti = SPY_OFFSET_NONE,
  .frame_localsplus = SPY_OFFSET_NONE,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = 0,
  .iframe_previous = 8,
  .iframe_instr = 56,
  .iframe_owner = 74,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = 80,
  .iframe_owner_not_python = 3,
  .stackref_tag_bits = 3,

  /* PyCodeObject */
  .code_filename = 112,
  .code_name = 120,
  .code_qualname = 128,
  .code_firstlineno = 68,
  .code_linetable = 136,
  .code_code_adaptive = 208,
  .code_flags = 48,
  .code_argcount = 52,
  .code_kwonlyargcount = 60,
  .code_nlocals = 80,
  .code_varnames = 96,
  .code_localspluskinds = 104,
  .code_version = 92,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 880,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 40,
  .unicode_compact_size = 56,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = TRUE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 32,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = SPY_OFFSET_NONE,
  .dictkeys_log2_size = 8,
  .dictkeys_log2_index_bytes = 9,
  .dictkeys_kind = 10,
  .dictkeys_nentries = 24,
  .dictkeys_indices = 32,
  .dictvalues_values = 8,
};

static const SpyPythonLayout layout_3_15 = {
  .major = 3,
  .minor = 15,
  .linetable_kind = SPY_LINETABLE_LOCATIONS,
  .dict_scheme = SPY_DICT_SCHEME_INLINE_313,
  .lasti_in_code_units = FALSE,

  /* _PyRuntimeState */
  .runtime_interpreters_head = 936,
  .runtime_gil = SPY_OFFSET_NONE,

  /* PyInterpreterState */
  .interp_next = 7264,
  .interp_threads_head = 7336,
  .interp_modules = 7592,
  .interp_gil_ptr = 16,
  .interp_code_versions = 14264,

  /* struct _gil_runtime_state */
  .gil_last_holder = 8,
  .gil_locked = 16,

  /* PyThreadState */
  .tstate_size = 888,
  .tstate_next = 8,
  .tstate_interp = 16,
  .tstate_frame = SPY_OFFSET_NONE,
  .tstate_cframe = SPY_OFFSET_NONE,
  .tstate_current_frame = 72,
  .tstate_thread_id = 176,
  .tstate_native_thread_id = 184,
  .tstate_datastack_chunk = 256,
  .tstate_holds_gil = 36,
  .tstate_base_frame = 80,

  /* _PyCFrame (3.11, 3.12) */
  .cframe_current_frame = SPY_OFFSET_NONE,

  /* _PyStackChunk (3.11+) */
  .chunk_previous = 0,
  .chunk_size = 8,
  .chunk_top = 16,
  .chunk_data = 24,

  /* PyFrameObject (≤3.10) */
  .frame_back = SPY_OFFSET_NONE,
  .frame_code = SPY_OFFSET_NONE,
  .frame_lasti = SPY_OFFSET_NONE,
  .frame_localsplus = SPY_OFFSET_NONE,

  /* _PyInterpreterFrame (3.11+) */
  .iframe_code = 0,
  .iframe_previous = 8,
  .iframe_instr = 56,
  .iframe_owner = 74,
  .iframe_is_entry = SPY_OFFSET_NONE,
  .iframe_localsplus = 80,
  .iframe_owner_not_python = 3,
  .stackref_tag_bits = 3,

  /* PyCodeObject */
  .code_filename = 112,
  .code_name = 120,
  .code_qualname = 128,
  .code_firstlineno = 68,
  .code_linetable = 136,
  .code_code_adaptive = 208,
  .code_flags = 48,
  .code_argcount = 52,
  .code_kwonlyargcount = 60,
  .code_nlocals = 80,
  .code_varnames = 96,
  .code_localspluskinds = 104,
  .code_version = 92,

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  .object_type = 8,
  .type_name = 24,
  .type_basicsize = 32,
  .type_flags = 168,
  .type_dictoffset = 288,
  .heaptype_cached_keys = 888,

  /* PyBytesObject */
  .bytes_size = 16,
  .bytes_sval = 32,

  /* PyASCIIObject, PyCompactUnicodeObject */
  .unicode_length = 16,
  .unicode_state = 32,
  .unicode_ascii_size = 40,
  .unicode_compact_size = 56,

  /* PyLongObject */
  .long_size = 16,
  .long_digit = 24,
  .long_lv_tag = TRUE,

  /* PyModuleObject */
  .module_dict = 16,

  /* PyTupleObject */
  .tuple_items = 32,

  /* PyIntObject (2.7) */
  .int_ival = SPY_OFFSET_NONE,

  /* PyDictObject */
  .dict_mask = SPY_OFFSET_NONE,
  .dict_table = SPY_OFFSET_NONE,
  .dict_used = 16,
  .dict_keys = 32,
  .dict_values = 40,

  /* PyDictKeysObject */
  .dictkeys_size = SPY_OFFSET_NONE,
  .dictkeys_log2_size = 8,
  .dictkeys_log2_index_bytes = 9,
  .dictkeys_kind = 10,
  .dictkeys_nentries = 24,
  .dictkeys_indices = 32,
  .dictvalues_values = 8,
};

static const SpyPythonLayout *const layouts[] = {
  &layout_2_7,
  &layout_3_6,
  &layout_3_7,
  &layout_3_8,
  &layout_3_9,
  &layout_3_10,
  &layout_3_11,
  &layout_3_12,
  &layout_3_13,
  &layout_3_14,
  &layout_3_15,
};

const SpyPythonLayout *
spy_python_layout_lookup (guint major,
                          guint minor)
{
  for (gsize i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i]->major == major && layouts[i]->minor == minor)
      return layouts[i];

  return NULL;
}
