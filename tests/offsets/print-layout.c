/* SPDX-License-Identifier: GPL-3.0-or-later */
/* print-layout.c: print our built-in CPython layout as field=value lines */

#include <stdio.h>
#include <stdlib.h>

#include "spy-python-layout.h"

/* Usage: print-layout MAJOR.MINOR [--apply-debug-offsets FILE]
 *        print-layout MAJOR.MINOR --debug-offsets-schema
 *
 * Prints every SpyPythonLayout field as `name=value` (enums and booleans as
 * integers, SPY_OFFSET_NONE as -1), in struct order, plus `#key=value` meta
 * lines. With --apply-debug-offsets, FILE holds bytes read from the start of
 * a live _PyRuntime; they are applied with
 * spy_python_layout_apply_debug_offsets() before printing. Exit 2 when the
 * version has no table or the debug offsets are refused.
 * With --debug-offsets-schema, prints the _Py_DebugOffsets members of that
 * version as we decode them, one "group.member" per line. */

typedef struct {
  const char *name;
  gsize       offset;
  gsize       size;
} Field;

#define FIELD(f) { #f, G_STRUCT_OFFSET (SpyPythonLayout, f), sizeof (((SpyPythonLayout *) 0)->f) }

static const Field fields[] = {
  FIELD (major),
  FIELD (minor),
  FIELD (linetable_kind),
  FIELD (dict_scheme),
  FIELD (lasti_in_code_units),
  FIELD (str_is_bytes),
  FIELD (runtime_interpreters_head),
  FIELD (runtime_gil),
  FIELD (interp_next),
  FIELD (interp_threads_head),
  FIELD (interp_modules),
  FIELD (interp_gil_ptr),
  FIELD (interp_code_versions),
  FIELD (gil_last_holder),
  FIELD (gil_locked),
  FIELD (tstate_size),
  FIELD (tstate_next),
  FIELD (tstate_interp),
  FIELD (tstate_frame),
  FIELD (tstate_cframe),
  FIELD (tstate_current_frame),
  FIELD (tstate_thread_id),
  FIELD (tstate_native_thread_id),
  FIELD (tstate_datastack_chunk),
  FIELD (tstate_holds_gil),
  FIELD (tstate_base_frame),
  FIELD (cframe_current_frame),
  FIELD (chunk_previous),
  FIELD (chunk_size),
  FIELD (chunk_top),
  FIELD (chunk_data),
  FIELD (frame_back),
  FIELD (frame_code),
  FIELD (frame_lasti),
  FIELD (frame_localsplus),
  FIELD (iframe_code),
  FIELD (iframe_previous),
  FIELD (iframe_instr),
  FIELD (iframe_owner),
  FIELD (iframe_is_entry),
  FIELD (iframe_localsplus),
  FIELD (iframe_owner_not_python),
  FIELD (stackref_tag_bits),
  FIELD (code_filename),
  FIELD (code_name),
  FIELD (code_qualname),
  FIELD (code_firstlineno),
  FIELD (code_linetable),
  FIELD (code_code_adaptive),
  FIELD (code_flags),
  FIELD (code_argcount),
  FIELD (code_kwonlyargcount),
  FIELD (code_nlocals),
  FIELD (code_varnames),
  FIELD (code_localspluskinds),
  FIELD (code_version),
  FIELD (object_type),
  FIELD (type_name),
  FIELD (type_basicsize),
  FIELD (type_flags),
  FIELD (type_dictoffset),
  FIELD (heaptype_cached_keys),
  FIELD (bytes_size),
  FIELD (bytes_sval),
  FIELD (unicode_length),
  FIELD (unicode_state),
  FIELD (unicode_ascii_size),
  FIELD (unicode_compact_size),
  FIELD (long_size),
  FIELD (long_digit),
  FIELD (long_lv_tag),
  FIELD (module_dict),
  FIELD (tuple_items),
  FIELD (int_ival),
  FIELD (dict_mask),
  FIELD (dict_table),
  FIELD (dict_used),
  FIELD (dict_keys),
  FIELD (dict_values),
  FIELD (dictkeys_size),
  FIELD (dictkeys_log2_size),
  FIELD (dictkeys_log2_index_bytes),
  FIELD (dictkeys_kind),
  FIELD (dictkeys_nentries),
  FIELD (dictkeys_indices),
  FIELD (dictvalues_values),
};

/* The list above must cover the struct: each field starts where the previous
 * one ends (after alignment) and the last one ends the struct. A field added
 * to SpyPythonLayout but not here would otherwise go unchecked. */
static gboolean
fields_cover_struct (void)
{
  gsize end = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      gsize aligned = (end + fields[i].size - 1) / fields[i].size * fields[i].size;

      if (fields[i].offset != aligned)
        {
          g_printerr ("print-layout: field list does not match SpyPythonLayout at %s\n",
                      fields[i].name);
          return FALSE;
        }
      end = fields[i].offset + fields[i].size;
    }

  if ((end + 7) / 8 * 8 != sizeof (SpyPythonLayout))
    {
      g_printerr ("print-layout: SpyPythonLayout has fields after %s\n",
                  fields[G_N_ELEMENTS (fields) - 1].name);
      return FALSE;
    }

  return TRUE;
}

static gint64
field_value (const SpyPythonLayout *layout,
             const Field           *field)
{
  const guint8 *p = (const guint8 *) layout + field->offset;

  if (field->size == sizeof (gint64))
    return *(const gint64 *) p;
  g_assert (field->size == sizeof (gint32));
  return *(const gint32 *) p;
}

static gboolean
apply_debug_offsets (SpyPythonLayout *layout,
                     const char      *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      g_printerr ("print-layout: %s\n", error->message);
      return FALSE;
    }

  if (!spy_python_layout_apply_debug_offsets (layout, (const guint8 *) data, len, &error))
    {
      g_printerr ("print-layout: spy_python_layout_apply_debug_offsets refused %s: %s\n",
                  path, error->message);
      return FALSE;
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const SpyPythonLayout *builtin;
  SpyPythonLayout layout;
  guint major, minor;

  if (!(argc == 2 || (argc == 4 && g_str_equal (argv[2], "--apply-debug-offsets")) ||
        (argc == 3 && g_str_equal (argv[2], "--debug-offsets-schema"))) ||
      sscanf (argv[1], "%u.%u", &major, &minor) != 2)
    {
      g_printerr ("usage: print-layout MAJOR.MINOR [--apply-debug-offsets FILE | --debug-offsets-schema]\n");
      return 2;
    }

  if (argc == 3)
    {
      const char *const *schema = major == 3 ? spy_python_layout_debug_offsets_schema (minor) : NULL;

      if (schema == NULL)
        {
          g_printerr ("print-layout: no _Py_DebugOffsets schema for Python %u.%u\n", major, minor);
          return 2;
        }
      for (guint i = 0; schema[i] != NULL; i++)
        printf ("%s\n", schema[i]);
      return 0;
    }

  if (!fields_cover_struct ())
    return 2;

  builtin = spy_python_layout_lookup (major, minor);
  if (builtin == NULL)
    {
      g_printerr ("print-layout: no table for Python %u.%u\n", major, minor);
      return 2;
    }

  layout = *builtin;
  if (argc == 4 && !apply_debug_offsets (&layout, argv[3]))
    return 2;

  printf ("#debug_offsets_max_size=%d\n", SPY_DEBUG_OFFSETS_MAX_SIZE);
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    printf ("%s=%" G_GINT64_FORMAT "\n", fields[i].name, field_value (&layout, &fields[i]));

  return 0;
}
