/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-python-layout.h: where CPython keeps what we read, per version */
#pragma once

#include <glib.h>

#include "spy-linetable.h"

G_BEGIN_DECLS

/* An offset that does not exist in this version. */
#define SPY_OFFSET_NONE ((gint64) -1)

/* How an instance finds its attribute dict (Thread objects, for names). */
typedef enum {
  SPY_DICT_SCHEME_DICTOFFSET,    /* ≤3.10: dict pointer at tp_dictoffset */
  SPY_DICT_SCHEME_MANAGED_311,   /* 3.11: dict at obj[-3], values at obj[-4] */
  SPY_DICT_SCHEME_MANAGED_312,   /* 3.12: tagged dict-or-values at obj[-3] */
  SPY_DICT_SCHEME_INLINE_313,    /* 3.13: dict at obj[-3], else values inline
                                  * at obj + tp_basicsize */
} SpyDictScheme;

/* Byte offsets into CPython's structures for one major.minor version. Each
 * field names the CPython field it mirrors. SPY_OFFSET_NONE where absent. */
typedef struct _SpyPythonLayout {
  guint            major;
  guint            minor;
  SpyLinetableKind linetable_kind;
  SpyDictScheme    dict_scheme;
  gboolean         lasti_in_code_units;  /* 3.10: f_lasti counts 2-byte units */
  gboolean         str_is_bytes;         /* 2.7: names are PyStringObject (bytes) */

  /* _PyRuntimeState */
  gint64 runtime_interpreters_head;   /* interpreters.head; 3.6: 0, as the
                                       * anchor is interp_head itself */
  gint64 runtime_gil;                 /* ceval.gil, embedded (3.7–3.11) */

  /* PyInterpreterState */
  gint64 interp_next;                 /* next */
  gint64 interp_threads_head;         /* tstate_head (≤3.11), threads.head */
  gint64 interp_modules;              /* modules (≤3.11), imports.modules */
  gint64 interp_gil_ptr;              /* ceval.gil, a pointer (3.12+) */
  gint64 interp_code_versions;        /* func_state.next_version (3.13+): the
                                       * version the next code object gets,
                                       * a u32 bumped by each one made (3.12:
                                       * the global _Py_next_func_version) */

  /* struct _gil_runtime_state */
  gint64 gil_last_holder;             /* last_holder */
  gint64 gil_locked;                  /* locked */

  /* PyThreadState */
  gint64 tstate_size;                 /* sizeof (PyThreadState) */
  gint64 tstate_next;                 /* next */
  gint64 tstate_interp;               /* interp */
  gint64 tstate_frame;                /* frame (≤3.10) */
  gint64 tstate_cframe;               /* cframe (3.11, 3.12) */
  gint64 tstate_current_frame;        /* current_frame (3.13+) */
  gint64 tstate_thread_id;            /* thread_id */
  gint64 tstate_native_thread_id;     /* native_thread_id (3.11+) */
  gint64 tstate_datastack_chunk;      /* datastack_chunk (3.11+) */
  gint64 tstate_holds_gil;            /* holds_gil, an int (3.14+) */
  gint64 tstate_base_frame;           /* base_frame (3.15+): the sentinel that
                                       * ends every complete frame chain */

  /* _PyCFrame (3.11, 3.12) */
  gint64 cframe_current_frame;        /* current_frame */

  /* _PyStackChunk (3.11+) */
  gint64 chunk_previous;              /* previous */
  gint64 chunk_size;                  /* size */
  gint64 chunk_top;                   /* top */
  gint64 chunk_data;                  /* data */

  /* PyFrameObject (≤3.10) */
  gint64 frame_back;                  /* f_back */
  gint64 frame_code;                  /* f_code */
  gint64 frame_lasti;                 /* f_lasti */
  gint64 frame_localsplus;            /* f_localsplus: locals, then cells */

  /* _PyInterpreterFrame (3.11+) */
  gint64 iframe_code;                 /* f_code (3.11, 3.12), f_executable */
  gint64 iframe_previous;             /* previous */
  gint64 iframe_instr;                /* prev_instr (3.11, 3.12), instr_ptr */
  gint64 iframe_owner;                /* owner */
  gint64 iframe_is_entry;             /* is_entry (3.11): the first frame its
                                       * C call of the eval loop ran */
  gint64 iframe_localsplus;           /* localsplus: size of the fixed part */
  gint   iframe_owner_not_python;     /* frames with an owner ≥ this run no
                                        * Python code: FRAME_OWNED_BY_CSTACK
                                        * (3.12, 3.13), FRAME_OWNED_BY_INTERPRETER
                                        * (3.14+; CSTACK is 4 in 3.14); or -1 */
  guint64 stackref_tag_bits;          /* 3.14+: f_executable is a _PyStackRef
                                       * whose low bits (Py_TAG_BITS) are tags */

  /* PyCodeObject */
  gint64 code_filename;               /* co_filename */
  gint64 code_name;                   /* co_name */
  gint64 code_qualname;               /* co_qualname (3.11+) */
  gint64 code_firstlineno;            /* co_firstlineno */
  gint64 code_linetable;              /* co_lnotab (≤3.9), co_linetable */
  gint64 code_code_adaptive;          /* co_code_adaptive (3.11+) */
  gint64 code_flags;                  /* co_flags (int) */
  gint64 code_argcount;               /* co_argcount (int) */
  gint64 code_kwonlyargcount;         /* co_kwonlyargcount (int, 3.x) */
  gint64 code_nlocals;                /* co_nlocals (int) */
  gint64 code_varnames;               /* co_varnames (≤3.10), co_localsplusnames */
  gint64 code_localspluskinds;        /* co_localspluskinds (3.11+, bytes) */
  gint64 code_version;                /* co_version (3.12+, a u32): unique to
                                       * each code object made, until the
                                       * count runs out (then 0) */

  /* PyObject, PyTypeObject, PyHeapTypeObject */
  gint64 object_type;                 /* ob_type */
  gint64 type_name;                   /* tp_name */
  gint64 type_basicsize;              /* tp_basicsize */
  gint64 type_flags;                  /* tp_flags */
  gint64 type_dictoffset;             /* tp_dictoffset */
  gint64 heaptype_cached_keys;        /* ht_cached_keys */

  /* PyBytesObject */
  gint64 bytes_size;                  /* ob_base.ob_size */
  gint64 bytes_sval;                  /* ob_sval */

  /* PyASCIIObject, PyCompactUnicodeObject */
  gint64 unicode_length;              /* length */
  gint64 unicode_state;               /* state (bit field, 32 bits) */
  gint64 unicode_ascii_size;          /* sizeof (PyASCIIObject) */
  gint64 unicode_compact_size;        /* sizeof (PyCompactUnicodeObject) */

  /* PyLongObject */
  gint64 long_size;                   /* ob_base.ob_size (≤3.11), long_value.lv_tag */
  gint64 long_digit;                  /* ob_digit, long_value.ob_digit */
  gboolean long_lv_tag;               /* 3.12+: size is lv_tag (ndigits << 3 | sign) */

  /* PyModuleObject */
  gint64 module_dict;                 /* md_dict */

  /* PyTupleObject */
  gint64 tuple_items;                 /* ob_item (3.14 caches a hash before it) */

  /* PyIntObject (2.7) */
  gint64 int_ival;                    /* ob_ival, a C long */

  /* PyDictObject */
  gint64 dict_mask;                   /* ma_mask (2.7: an open hash table) */
  gint64 dict_table;                  /* ma_table (2.7): mask + 1 entries of
                                       * (hash, key, value) */
  gint64 dict_used;                   /* ma_used */
  gint64 dict_keys;                   /* ma_keys */
  gint64 dict_values;                 /* ma_values */

  /* PyDictKeysObject */
  gint64 dictkeys_size;               /* dk_size (≤3.10) */
  gint64 dictkeys_log2_size;          /* dk_log2_size (3.11+, uint8) */
  gint64 dictkeys_log2_index_bytes;   /* dk_log2_index_bytes (3.11+, uint8) */
  gint64 dictkeys_kind;               /* dk_kind (3.11+, uint8) */
  gint64 dictkeys_nentries;           /* dk_nentries */
  gint64 dictkeys_indices;            /* dk_indices */
  gint64 dictvalues_values;           /* PyDictValues.values (3.11+) */
} SpyPythonLayout;

/* The built-in table for @major.@minor, or NULL when unsupported. */
const SpyPythonLayout *spy_python_layout_lookup (guint major,
                                                 guint minor);

/* 3.13+: overwrite @layout's fields with the _Py_DebugOffsets that start
 * the target's _PyRuntime (@data, @len bytes read from there), decoded with
 * the schema of @layout's minor version. FALSE, with an error in
 * SPY_PYTHON_LAYOUT_ERROR that names the version, when @data does not hold
 * debug offsets we know how to read: another version, a pre-release, a
 * free-threaded build, or offsets out of range. */
gboolean spy_python_layout_apply_debug_offsets (SpyPythonLayout *layout,
                                                const guint8    *data,
                                                gsize            len,
                                                GError         **error);

/* The members of _Py_DebugOffsets for 3.@minor, in order, as
 * "group.member" ("cookie", "version" and "free_threaded" first), each one
 * uint64 wide; NULL for a minor without debug offsets or that we do not know. */
const char *const *spy_python_layout_debug_offsets_schema (guint minor);

/* Bytes to read from the start of _PyRuntime for the call above. */
#define SPY_DEBUG_OFFSETS_MAX_SIZE 1024

#define SPY_PYTHON_LAYOUT_ERROR (spy_python_layout_error_quark ())
GQuark spy_python_layout_error_quark (void);

typedef enum {
  SPY_PYTHON_LAYOUT_ERROR_NO_DEBUG_OFFSETS,  /* no cookie, or too short */
  SPY_PYTHON_LAYOUT_ERROR_VERSION,           /* another version, a pre-release */
  SPY_PYTHON_LAYOUT_ERROR_FREE_THREADED,     /* a --disable-gil build */
  SPY_PYTHON_LAYOUT_ERROR_GARBAGE,           /* offsets out of range */
} SpyPythonLayoutError;

/* Supported range, for messages. */
#define SPY_PYTHON_MIN_MINOR 6
#define SPY_PYTHON_MAX_MINOR 15

G_END_DECLS
