/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-python-layout.c: 3.13's _Py_DebugOffsets, read from the target */

#include "config.h"

#include <string.h>

#include "spy-python-layout.h"

/* _Py_DebugOffsets (3.13) is a sequence of uint64 fields; these are their
 * indexes, in the header's order (include/python3.13/internal/pycore_runtime.h). */
enum {
  DO_COOKIE = 0,            /* char[8] "xdebugpy" */
  DO_VERSION = 1,           /* PY_VERSION_HEX */
  DO_FREE_THREADED = 2,
  DO_RUNTIME = 3,           /* size, finalizing, interpreters_head */
  DO_INTERP = DO_RUNTIME + 3, /* size, id, next, threads_head, gc, imports_modules,
                               * sysdict, builtins, ceval_gil, gil_runtime_state,
                               * gil_runtime_state_enabled, _locked, _holder */
  DO_TSTATE = DO_INTERP + 13, /* size, prev, next, interp, current_frame, thread_id,
                               * native_thread_id, datastack_chunk, status */
  DO_IFRAME = DO_TSTATE + 9,  /* size, previous, executable, instr_ptr, localsplus, owner */
  DO_CODE = DO_IFRAME + 6,    /* size, filename, name, qualname, linetable, firstlineno,
                               * argcount, localsplusnames, localspluskinds, co_code_adaptive */
  DO_OBJECT = DO_CODE + 10,   /* size, ob_type */
  DO_TYPE = DO_OBJECT + 2,    /* size, tp_name, tp_repr, tp_flags */
  DO_TUPLE = DO_TYPE + 4,     /* size, ob_item, ob_size */
  DO_LIST = DO_TUPLE + 3,     /* size, ob_item, ob_size */
  DO_DICT = DO_LIST + 3,      /* size, ma_keys, ma_values */
  DO_FLOAT = DO_DICT + 3,     /* size, ob_fval */
  DO_LONG = DO_FLOAT + 2,     /* size, lv_tag, ob_digit */
  DO_BYTES = DO_LONG + 3,     /* size, ob_size, ob_sval */
  DO_UNICODE = DO_BYTES + 3,  /* size, state, length, asciiobject_size */
  DO_GC = DO_UNICODE + 4,     /* size, collecting */
  DO_N_FIELDS = DO_GC + 2,
};

/* Offsets bigger than this are garbage, not a struct we know. */
#define MAX_SANE_OFFSET 0x10000

gboolean
spy_python_layout_apply_debug_offsets (SpyPythonLayout *layout,
                                       const guint8    *data,
                                       gsize            len)
{
  guint64 f[DO_N_FIELDS];
  guint version_major, version_minor;

  g_return_val_if_fail (layout != NULL, FALSE);

  if (len < sizeof f || memcmp (data, "xdebugpy", 8) != 0)
    return FALSE;
  memcpy (f, data, sizeof f);

  version_major = (f[DO_VERSION] >> 24) & 0xff;
  version_minor = (f[DO_VERSION] >> 16) & 0xff;
  if (version_major != layout->major || version_minor != layout->minor ||
      layout->major != 3 || layout->minor != 13 || f[DO_FREE_THREADED] != 0)
    return FALSE;

  /* Each group starts with the structure's size, which may be large; the
   * offsets after it may not. */
  for (guint i = DO_RUNTIME; i < DO_N_FIELDS; i++)
    {
      static const guint group_starts[] = { DO_RUNTIME, DO_INTERP, DO_TSTATE, DO_IFRAME, DO_CODE,
                                            DO_OBJECT, DO_TYPE, DO_TUPLE, DO_LIST, DO_DICT,
                                            DO_FLOAT, DO_LONG, DO_BYTES, DO_UNICODE, DO_GC };
      gboolean is_size = FALSE;

      for (guint g = 0; g < G_N_ELEMENTS (group_starts); g++)
        is_size = is_size || group_starts[g] == i;
      if (!is_size && f[i] > MAX_SANE_OFFSET)
        return FALSE;
    }

  layout->runtime_interpreters_head = f[DO_RUNTIME + 2];

  layout->interp_next = f[DO_INTERP + 2];
  layout->interp_threads_head = f[DO_INTERP + 3];
  layout->interp_modules = f[DO_INTERP + 5];

  layout->tstate_size = f[DO_TSTATE + 0];
  layout->tstate_next = f[DO_TSTATE + 2];
  layout->tstate_interp = f[DO_TSTATE + 3];
  layout->tstate_current_frame = f[DO_TSTATE + 4];
  layout->tstate_thread_id = f[DO_TSTATE + 5];
  layout->tstate_native_thread_id = f[DO_TSTATE + 6];
  layout->tstate_datastack_chunk = f[DO_TSTATE + 7];

  layout->iframe_previous = f[DO_IFRAME + 1];
  layout->iframe_code = f[DO_IFRAME + 2];
  layout->iframe_instr = f[DO_IFRAME + 3];
  layout->iframe_localsplus = f[DO_IFRAME + 4];
  layout->iframe_owner = f[DO_IFRAME + 5];

  layout->code_filename = f[DO_CODE + 1];
  layout->code_name = f[DO_CODE + 2];
  layout->code_qualname = f[DO_CODE + 3];
  layout->code_linetable = f[DO_CODE + 4];
  layout->code_firstlineno = f[DO_CODE + 5];
  layout->code_code_adaptive = f[DO_CODE + 9];

  layout->object_type = f[DO_OBJECT + 1];
  layout->type_name = f[DO_TYPE + 1];
  layout->type_flags = f[DO_TYPE + 3];
  layout->dict_keys = f[DO_DICT + 1];
  layout->dict_values = f[DO_DICT + 2];
  layout->long_size = f[DO_LONG + 1];
  layout->long_digit = f[DO_LONG + 2];
  layout->bytes_size = f[DO_BYTES + 1];
  layout->bytes_sval = f[DO_BYTES + 2];
  layout->unicode_state = f[DO_UNICODE + 1];
  layout->unicode_length = f[DO_UNICODE + 2];
  layout->unicode_ascii_size = f[DO_UNICODE + 3];

  return TRUE;
}
