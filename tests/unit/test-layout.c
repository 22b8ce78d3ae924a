/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-layout.c: decoding a target's _Py_DebugOffsets, and refusing what
 * cannot be decoded (the offsets test checks the schemas against real
 * interpreters; here, the bytes a target may hold instead) */

#include "config.h"

#include <string.h>

#include "spy-python-layout.h"

/* A _Py_DebugOffsets for 3.@minor as the schema lays it out: every member
 * set to a distinct small offset (its index times 8), sizes to 4096. */
static GBytes *
make_debug_offsets (guint    minor,
                    guint64  version,
                    guint64  free_threaded)
{
  const char *const *schema = spy_python_layout_debug_offsets_schema (minor);
  guint8 data[SPY_DEBUG_OFFSETS_MAX_SIZE] = { 0 };

  g_assert_nonnull (schema);
  memcpy (data, "xdebugpy", 8);
  memcpy (data + 8, &version, 8);
  memcpy (data + 16, &free_threaded, 8);
  for (guint i = 3; schema[i] != NULL; i++)
    {
      guint64 value = g_str_has_suffix (schema[i], ".size") ? 4096 : i * 8;

      g_assert_cmpuint (8 * (i + 1), <=, sizeof data);
      memcpy (data + 8 * i, &value, 8);
    }
  return g_bytes_new (data, sizeof data);
}

static guint
member_index (guint       minor,
              const char *name)
{
  const char *const *schema = spy_python_layout_debug_offsets_schema (minor);

  for (guint i = 0; schema[i] != NULL; i++)
    if (g_str_equal (schema[i], name))
      return i;
  g_assert_not_reached ();
}

static void
test_decodes (void)
{
  for (guint minor = 13; minor <= 15; minor++)
    {
      g_autoptr(GBytes) bytes = make_debug_offsets (minor, 0x030000F0 | minor << 16 | 2 << 8, 0);
      SpyPythonLayout layout = *spy_python_layout_lookup (3, minor);
      g_autoptr(GError) error = NULL;

      g_assert_true (spy_python_layout_apply_debug_offsets (&layout, g_bytes_get_data (bytes, NULL),
                                                            g_bytes_get_size (bytes), &error));
      g_assert_no_error (error);
      /* Each field from its own member, wherever the minor puts it. */
      g_assert_cmpint (layout.tstate_current_frame, ==,
                       8 * member_index (minor, "thread_state.current_frame"));
      g_assert_cmpint (layout.iframe_owner, ==, 8 * member_index (minor, "interpreter_frame.owner"));
      g_assert_cmpint (layout.code_code_adaptive, ==,
                       8 * member_index (minor, "code_object.co_code_adaptive"));
      g_assert_cmpint (layout.gil_locked, ==,
                       8 * (member_index (minor, "interpreter_state.gil_runtime_state_locked") -
                            member_index (minor, "interpreter_state.gil_runtime_state")));
      if (minor >= 15)
        g_assert_cmpint (layout.tstate_base_frame, ==, 8 * member_index (minor, "thread_state.base_frame"));
      else
        g_assert_cmpint (layout.tstate_base_frame, ==, SPY_OFFSET_NONE);
    }
}

static void
assert_refused (guint        minor,
                GBytes      *bytes,
                gint         code,
                const char  *words)
{
  SpyPythonLayout layout = *spy_python_layout_lookup (3, minor);
  SpyPythonLayout before = layout;
  g_autoptr(GError) error = NULL;

  g_assert_false (spy_python_layout_apply_debug_offsets (&layout, g_bytes_get_data (bytes, NULL),
                                                         g_bytes_get_size (bytes), &error));
  g_assert_error (error, SPY_PYTHON_LAYOUT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, words));
  /* Nothing half-applied. */
  g_assert_cmpmem (&layout, sizeof layout, &before, sizeof before);
}

static void
test_refuses (void)
{
  g_autoptr(GBytes) beta = make_debug_offsets (14, 0x030E00B2, 0);
  g_autoptr(GBytes) free_threaded = make_debug_offsets (14, 0x030E0AF0, 1);
  g_autoptr(GBytes) other_minor = make_debug_offsets (15, 0x030F02F0, 0);
  g_autoptr(GBytes) garbage = NULL;
  g_autoptr(GBytes) short_read = NULL;
  guint8 data[SPY_DEBUG_OFFSETS_MAX_SIZE];
  guint64 huge = G_GUINT64_CONSTANT (0x7f0000000000);

  /* A pre-release of a known minor: its struct may differ. */
  assert_refused (14, beta, SPY_PYTHON_LAYOUT_ERROR_VERSION, "3.14.0b2");
  assert_refused (14, free_threaded, SPY_PYTHON_LAYOUT_ERROR_FREE_THREADED, "free-threaded");
  /* The bytes of another minor than the one the target said it runs. */
  assert_refused (14, other_minor, SPY_PYTHON_LAYOUT_ERROR_VERSION, "says Python 3.15.2");

  memcpy (data, g_bytes_get_data (other_minor, NULL), sizeof data);
  memcpy (data + 8 * member_index (15, "interpreter_frame.previous"), &huge, 8);
  garbage = g_bytes_new (data, sizeof data);
  assert_refused (15, garbage, SPY_PYTHON_LAYOUT_ERROR_GARBAGE, "interpreter_frame.previous");

  short_read = g_bytes_new (data, 64);
  assert_refused (15, short_read, SPY_PYTHON_LAYOUT_ERROR_NO_DEBUG_OFFSETS, "3.15");
  memset (data, 0, 8);
  {
    g_autoptr(GBytes) no_cookie = g_bytes_new (data, sizeof data);

    assert_refused (15, no_cookie, SPY_PYTHON_LAYOUT_ERROR_NO_DEBUG_OFFSETS, "3.15");
  }
}

static void
test_schemas (void)
{
  g_assert_null (spy_python_layout_debug_offsets_schema (12));
  g_assert_null (spy_python_layout_debug_offsets_schema (16));
  for (guint minor = 13; minor <= SPY_PYTHON_MAX_MINOR; minor++)
    {
      const char *const *schema = spy_python_layout_debug_offsets_schema (minor);

      g_assert_nonnull (schema);
      g_assert_cmpstr (schema[0], ==, "cookie");
      g_assert_cmpstr (schema[1], ==, "version");
      g_assert_cmpstr (schema[2], ==, "free_threaded");
      g_assert_cmpuint (8 * g_strv_length ((char **) schema), <=, SPY_DEBUG_OFFSETS_MAX_SIZE);
      /* Every minor we read has a table for what the offsets leave out. */
      g_assert_nonnull (spy_python_layout_lookup (3, minor));
    }
  g_assert_null (spy_python_layout_lookup (3, SPY_PYTHON_MAX_MINOR + 1));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/layout/debug-offsets/decodes-each-minor", test_decodes);
  g_test_add_func ("/layout/debug-offsets/refuses-what-it-cannot-read", test_refuses);
  g_test_add_func ("/layout/debug-offsets/schemas", test_schemas);
  return g_test_run ();
}
