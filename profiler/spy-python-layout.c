/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-python-layout.c: the _Py_DebugOffsets a 3.13+ target carries, decoded */

#include "config.h"

#include <string.h>

#include "spy-python-layout.h"

G_DEFINE_QUARK (spy-python-layout-error-quark, spy_python_layout_error)

/* _Py_DebugOffsets is a sequence of uint64 members (the cookie's 8 bytes
 * are one), grouped in sub-structs. Its layout changes between minor
 * versions, members being inserted in the middle, so each minor has its own
 * schema: the members' names in the header's order. tests/offsets compares
 * each one with that interpreter's own header (3.13: internal/pycore_runtime.h,
 * 3.14+: internal/pycore_debug_offsets.h). */
static const char *const schema_3_13[] = {
  "cookie", "version", "free_threaded",
  "runtime_state.size", "runtime_state.finalizing",
  "runtime_state.interpreters_head",
  "interpreter_state.size", "interpreter_state.id", "interpreter_state.next",
  "interpreter_state.threads_head", "interpreter_state.gc",
  "interpreter_state.imports_modules", "interpreter_state.sysdict",
  "interpreter_state.builtins", "interpreter_state.ceval_gil",
  "interpreter_state.gil_runtime_state",
  "interpreter_state.gil_runtime_state_enabled",
  "interpreter_state.gil_runtime_state_locked",
  "interpreter_state.gil_runtime_state_holder",
  "thread_state.size", "thread_state.prev", "thread_state.next",
  "thread_state.interp", "thread_state.current_frame",
  "thread_state.thread_id", "thread_state.native_thread_id",
  "thread_state.datastack_chunk", "thread_state.status",
  "interpreter_frame.size", "interpreter_frame.previous",
  "interpreter_frame.executable", "interpreter_frame.instr_ptr",
  "interpreter_frame.localsplus", "interpreter_frame.owner",
  "code_object.size", "code_object.filename", "code_object.name",
  "code_object.qualname", "code_object.linetable", "code_object.firstlineno",
  "code_object.argcount", "code_object.localsplusnames",
  "code_object.localspluskinds", "code_object.co_code_adaptive",
  "pyobject.size", "pyobject.ob_type",
  "type_object.size", "type_object.tp_name", "type_object.tp_repr",
  "type_object.tp_flags",
  "tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size",
  "list_object.size", "list_object.ob_item", "list_object.ob_size",
  "dict_object.size", "dict_object.ma_keys", "dict_object.ma_values",
  "float_object.size", "float_object.ob_fval",
  "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
  "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
  "unicode_object.size", "unicode_object.state", "unicode_object.length",
  "unicode_object.asciiobject_size",
  "gc.size", "gc.collecting",
  NULL
};

static const char *const schema_3_14[] = {
  "cookie", "version", "free_threaded",
  "runtime_state.size", "runtime_state.finalizing",
  "runtime_state.interpreters_head",
  "interpreter_state.size", "interpreter_state.id", "interpreter_state.next",
  "interpreter_state.threads_head", "interpreter_state.threads_main",
  "interpreter_state.gc", "interpreter_state.imports_modules",
  "interpreter_state.sysdict", "interpreter_state.builtins",
  "interpreter_state.ceval_gil", "interpreter_state.gil_runtime_state",
  "interpreter_state.gil_runtime_state_enabled",
  "interpreter_state.gil_runtime_state_locked",
  "interpreter_state.gil_runtime_state_holder",
  "interpreter_state.code_object_generation",
  "interpreter_state.tlbc_generation",
  "thread_state.size", "thread_state.prev", "thread_state.next",
  "thread_state.interp", "thread_state.current_frame",
  "thread_state.thread_id", "thread_state.native_thread_id",
  "thread_state.datastack_chunk", "thread_state.status",
  "interpreter_frame.size", "interpreter_frame.previous",
  "interpreter_frame.executable", "interpreter_frame.instr_ptr",
  "interpreter_frame.localsplus", "interpreter_frame.owner",
  "interpreter_frame.stackpointer", "interpreter_frame.tlbc_index",
  "code_object.size", "code_object.filename", "code_object.name",
  "code_object.qualname", "code_object.linetable", "code_object.firstlineno",
  "code_object.argcount", "code_object.localsplusnames",
  "code_object.localspluskinds", "code_object.co_code_adaptive",
  "code_object.co_tlbc",
  "pyobject.size", "pyobject.ob_type",
  "type_object.size", "type_object.tp_name", "type_object.tp_repr",
  "type_object.tp_flags",
  "tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size",
  "list_object.size", "list_object.ob_item", "list_object.ob_size",
  "set_object.size", "set_object.used", "set_object.table", "set_object.mask",
  "dict_object.size", "dict_object.ma_keys", "dict_object.ma_values",
  "float_object.size", "float_object.ob_fval",
  "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
  "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
  "unicode_object.size", "unicode_object.state", "unicode_object.length",
  "unicode_object.asciiobject_size",
  "gc.size", "gc.collecting",
  "gen_object.size", "gen_object.gi_name", "gen_object.gi_iframe",
  "gen_object.gi_frame_state",
  "llist_node.next", "llist_node.prev",
  "debugger_support.eval_breaker", "debugger_support.remote_debugger_support",
  "debugger_support.remote_debugging_enabled",
  "debugger_support.debugger_pending_call",
  "debugger_support.debugger_script_path",
  "debugger_support.debugger_script_path_size",
  NULL
};

static const char *const schema_3_15[] = {
  "cookie", "version", "free_threaded",
  "runtime_state.size", "runtime_state.finalizing",
  "runtime_state.interpreters_head",
  "interpreter_state.size", "interpreter_state.id", "interpreter_state.next",
  "interpreter_state.threads_head", "interpreter_state.threads_main",
  "interpreter_state.gc", "interpreter_state.imports_modules",
  "interpreter_state.sysdict", "interpreter_state.builtins",
  "interpreter_state.ceval_gil", "interpreter_state.gil_runtime_state",
  "interpreter_state.gil_runtime_state_enabled",
  "interpreter_state.gil_runtime_state_locked",
  "interpreter_state.gil_runtime_state_holder",
  "interpreter_state.code_object_generation",
  "interpreter_state.tlbc_generation",
  "thread_state.size", "thread_state.prev", "thread_state.next",
  "thread_state.interp", "thread_state.current_frame",
  "thread_state.base_frame", "thread_state.last_profiled_frame",
  "thread_state.last_profiled_frame_seq", "thread_state.thread_id",
  "thread_state.native_thread_id", "thread_state.datastack_chunk",
  "thread_state.status", "thread_state.holds_gil",
  "thread_state.gil_requested", "thread_state.current_exception",
  "thread_state.exc_state",
  "err_stackitem.exc_value",
  "interpreter_frame.size", "interpreter_frame.previous",
  "interpreter_frame.executable", "interpreter_frame.instr_ptr",
  "interpreter_frame.localsplus", "interpreter_frame.owner",
  "interpreter_frame.stackpointer", "interpreter_frame.tlbc_index",
  "code_object.size", "code_object.filename", "code_object.name",
  "code_object.qualname", "code_object.linetable", "code_object.firstlineno",
  "code_object.argcount", "code_object.localsplusnames",
  "code_object.localspluskinds", "code_object.co_code_adaptive",
  "code_object.co_tlbc",
  "pyobject.size", "pyobject.ob_type",
  "type_object.size", "type_object.tp_name", "type_object.tp_repr",
  "type_object.tp_flags", "type_object.tp_basicsize",
  "type_object.tp_dictoffset",
  "heap_type_object.size", "heap_type_object.ht_cached_keys",
  "tuple_object.size", "tuple_object.ob_item", "tuple_object.ob_size",
  "list_object.size", "list_object.ob_item", "list_object.ob_size",
  "set_object.size", "set_object.used", "set_object.table", "set_object.mask",
  "dict_object.size", "dict_object.ma_keys", "dict_object.ma_values",
  "float_object.size", "float_object.ob_fval",
  "long_object.size", "long_object.lv_tag", "long_object.ob_digit",
  "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
  "unicode_object.size", "unicode_object.state", "unicode_object.length",
  "unicode_object.asciiobject_size",
  "unicode_object.compactunicodeobject_size",
  "gc.size", "gc.collecting", "gc.frame", "gc.generation_stats_size",
  "gc.generation_stats",
  "gen_object.size", "gen_object.gi_name", "gen_object.gi_iframe",
  "gen_object.gi_frame_state",
  "llist_node.next", "llist_node.prev",
  "debugger_support.eval_breaker", "debugger_support.remote_debugger_support",
  "debugger_support.remote_debugging_enabled",
  "debugger_support.debugger_pending_call",
  "debugger_support.debugger_script_path",
  "debugger_support.debugger_script_path_size",
  NULL
};

static const struct {
  guint              minor;
  const char *const *schema;
} schemas[] = {
  { 13, schema_3_13 },
  { 14, schema_3_14 },
  { 15, schema_3_15 },
};

/* The SpyPythonLayout field each member we use fills, where it exists. */
#define MEMBER(name, field) { name, G_STRUCT_OFFSET (SpyPythonLayout, field) }
static const struct {
  const char *name;
  goffset     field;
} members[] = {
  MEMBER ("runtime_state.interpreters_head", runtime_interpreters_head),
  MEMBER ("interpreter_state.next", interp_next),
  MEMBER ("interpreter_state.threads_head", interp_threads_head),
  MEMBER ("interpreter_state.imports_modules", interp_modules),
  MEMBER ("interpreter_state.ceval_gil", interp_gil_ptr),
  MEMBER ("thread_state.size", tstate_size),
  MEMBER ("thread_state.next", tstate_next),
  MEMBER ("thread_state.interp", tstate_interp),
  MEMBER ("thread_state.current_frame", tstate_current_frame),
  MEMBER ("thread_state.base_frame", tstate_base_frame),
  MEMBER ("thread_state.thread_id", tstate_thread_id),
  MEMBER ("thread_state.native_thread_id", tstate_native_thread_id),
  MEMBER ("thread_state.datastack_chunk", tstate_datastack_chunk),
  MEMBER ("thread_state.holds_gil", tstate_holds_gil),
  MEMBER ("interpreter_frame.previous", iframe_previous),
  MEMBER ("interpreter_frame.executable", iframe_code),
  MEMBER ("interpreter_frame.instr_ptr", iframe_instr),
  MEMBER ("interpreter_frame.localsplus", iframe_localsplus),
  MEMBER ("interpreter_frame.owner", iframe_owner),
  MEMBER ("code_object.filename", code_filename),
  MEMBER ("code_object.name", code_name),
  MEMBER ("code_object.qualname", code_qualname),
  MEMBER ("code_object.linetable", code_linetable),
  MEMBER ("code_object.firstlineno", code_firstlineno),
  MEMBER ("code_object.co_code_adaptive", code_code_adaptive),
  MEMBER ("code_object.argcount", code_argcount),
  MEMBER ("code_object.localsplusnames", code_varnames),
  MEMBER ("code_object.localspluskinds", code_localspluskinds),
  MEMBER ("tuple_object.ob_item", tuple_items),
  MEMBER ("pyobject.ob_type", object_type),
  MEMBER ("type_object.tp_name", type_name),
  MEMBER ("type_object.tp_flags", type_flags),
  MEMBER ("type_object.tp_basicsize", type_basicsize),
  MEMBER ("type_object.tp_dictoffset", type_dictoffset),
  MEMBER ("heap_type_object.ht_cached_keys", heaptype_cached_keys),
  MEMBER ("dict_object.ma_keys", dict_keys),
  MEMBER ("dict_object.ma_values", dict_values),
  MEMBER ("long_object.lv_tag", long_size),
  MEMBER ("long_object.ob_digit", long_digit),
  MEMBER ("bytes_object.ob_size", bytes_size),
  MEMBER ("bytes_object.ob_sval", bytes_sval),
  MEMBER ("unicode_object.state", unicode_state),
  MEMBER ("unicode_object.length", unicode_length),
  MEMBER ("unicode_object.asciiobject_size", unicode_ascii_size),
  MEMBER ("unicode_object.compactunicodeobject_size", unicode_compact_size),
};
#undef MEMBER

/* Offsets bigger than this are garbage, not a struct we know. */
#define MAX_SANE_OFFSET 0x10000

const char *const *
spy_python_layout_debug_offsets_schema (guint minor)
{
  for (guint i = 0; i < G_N_ELEMENTS (schemas); i++)
    if (schemas[i].minor == minor)
      return schemas[i].schema;
  return NULL;
}

static gboolean
find_member (const char *const *schema,
             const guint8      *data,
             const char        *name,
             guint64           *value)
{
  for (guint i = 0; schema[i] != NULL; i++)
    if (strcmp (schema[i], name) == 0)
      {
        memcpy (value, data + 8 * i, sizeof *value);
        return TRUE;
      }
  return FALSE;
}

static char *
version_string (guint64 hex)
{
  static const char levels[] = { 'a', 'b', 'c' };
  guint level = (hex >> 4) & 0xf;

  if (level == 0xf)
    return g_strdup_printf ("%u.%u.%u", (guint) (hex >> 24) & 0xff, (guint) (hex >> 16) & 0xff,
                            (guint) (hex >> 8) & 0xff);
  return g_strdup_printf ("%u.%u.%u%c%u", (guint) (hex >> 24) & 0xff, (guint) (hex >> 16) & 0xff,
                          (guint) (hex >> 8) & 0xff, level >= 0xa && level <= 0xc ? levels[level - 0xa] : '?',
                          (guint) hex & 0xf);
}

gboolean
spy_python_layout_apply_debug_offsets (SpyPythonLayout *layout,
                                       const guint8    *data,
                                       gsize            len,
                                       GError         **error)
{
  const char *const *schema;
  SpyPythonLayout decoded;
  guint64 version, free_threaded, gil = 0, locked = 0, holder = 0;
  g_autofree char *version_text = NULL;
  guint n;

  g_return_val_if_fail (layout != NULL, FALSE);

  schema = spy_python_layout_debug_offsets_schema (layout->minor);
  if (layout->major != 3 || schema == NULL)
    {
      g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_VERSION,
                   "Spyglass does not know the _Py_DebugOffsets of Python %u.%u",
                   layout->major, layout->minor);
      return FALSE;
    }
  n = g_strv_length ((char **) schema);
  if (len < 8 * (gsize) n || memcmp (data, "xdebugpy", 8) != 0)
    {
      g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_NO_DEBUG_OFFSETS,
                   "the Python %u.%u runtime does not start with its debug offsets",
                   layout->major, layout->minor);
      return FALSE;
    }
  memcpy (&version, data + 8, sizeof version);
  memcpy (&free_threaded, data + 16, sizeof free_threaded);
  version_text = version_string (version);

  /* Pre-releases change the struct between alphas and betas: only a final
   * release is known to have the layout of its minor's schema. */
  if (((version >> 24) & 0xff) != layout->major || ((version >> 16) & 0xff) != layout->minor)
    {
      g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_VERSION,
                   "its runtime says Python %s, its version number says %u.%u",
                   version_text, layout->major, layout->minor);
      return FALSE;
    }
  if (((version >> 4) & 0xf) != 0xf)
    {
      g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_VERSION,
                   "Python %s is a version whose layout Spyglass does not know "
                   "(it reads the final releases of 2.7 and 3.%d to 3.%d)",
                   version_text, SPY_PYTHON_MIN_MINOR, SPY_PYTHON_MAX_MINOR);
      return FALSE;
    }
  if (free_threaded != 0)
    {
      g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_FREE_THREADED,
                   "Python %s is a free-threaded build (without the GIL), which "
                   "Spyglass does not read yet", version_text);
      return FALSE;
    }

  decoded = *layout;
  for (guint m = 0; m < G_N_ELEMENTS (members); m++)
    {
      guint64 value;
      gboolean is_size = g_str_has_suffix (members[m].name, ".size");

      if (!find_member (schema, data, members[m].name, &value))
        continue;
      if (value > (is_size ? G_MAXINT32 : MAX_SANE_OFFSET))
        {
          g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_GARBAGE,
                       "the debug offsets of Python %s are corrupt (%s is %" G_GUINT64_FORMAT ")",
                       version_text, members[m].name, value);
          return FALSE;
        }
      G_STRUCT_MEMBER (gint64, &decoded, members[m].field) = (gint64) value;
    }

  /* The GIL's fields are given from the interpreter state there, from the
   * GIL's own struct in our table. */
  if (find_member (schema, data, "interpreter_state.gil_runtime_state", &gil) &&
      find_member (schema, data, "interpreter_state.gil_runtime_state_locked", &locked) &&
      find_member (schema, data, "interpreter_state.gil_runtime_state_holder", &holder))
    {
      if (locked < gil || holder < gil || locked - gil > MAX_SANE_OFFSET ||
          holder - gil > MAX_SANE_OFFSET)
        {
          g_set_error (error, SPY_PYTHON_LAYOUT_ERROR, SPY_PYTHON_LAYOUT_ERROR_GARBAGE,
                       "the debug offsets of Python %s are corrupt (the GIL's fields)",
                       version_text);
          return FALSE;
        }
      decoded.gil_locked = (gint64) (locked - gil);
      decoded.gil_last_holder = (gint64) (holder - gil);
    }

  *layout = decoded;
  return TRUE;
}
