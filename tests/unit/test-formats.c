/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-formats.c: profile files: exact round trips, hostile input, atomic saving */

#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "spy-format-private.h"

#define HOSTILE "</text><script>alert(1)</script>&\"'"

/* A profile with what real recordings hold, and what hostile targets can
 * put in names: threads (one unnamed, one non-ASCII), a deep recursion,
 * native and idle frames, idle and GIL flags, and markup in names. */
static SpyProfile *
make_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  SpyProfileMeta *meta = spy_profile_get_meta (profile);
  guint32 main_t, worker_t, unnamed_t, hostile_t;
  guint32 module, run, leaf, recurse, native, idle, evil;
  guint32 frames[320];
  guint32 s_leaf, s_native, s_deep, s_idle, s_evil;

  g_free (meta->command_line);
  meta->command_line = g_strdup ("python3 wörk.py --n=3 <script>");
  meta->pid = 4242;
  meta->python_version = g_strdup ("3.12.1");
  meta->host = g_strdup ("hôst");
  meta->start_time = G_GINT64_CONSTANT (1700000000000000);
  meta->duration = 2500000;
  meta->rate = 100;
  meta->samples_taken = 250;
  meta->samples_late = 3;
  meta->samples_failed = 1;

  main_t = spy_profile_add_thread (profile, 4242, G_GUINT64_CONSTANT (0x7f0011223344), 4242, "MainThread");
  worker_t = spy_profile_add_thread (profile, 4242, 0x7f0099, 4250, "wörker-🧵");
  unnamed_t = spy_profile_add_thread (profile, 4243, 17, 0, NULL);
  hostile_t = spy_profile_add_thread (profile, 4242, 18, 4251, HOSTILE);

  module = spy_profile_intern_frame (profile, "<module>", "/home/u/app/main.py", 1, SPY_FRAME_PYTHON);
  run = spy_profile_intern_frame (profile, "Wörker.run", "/usr/lib/python3.12/threading.py", 1010, SPY_FRAME_PYTHON);
  leaf = spy_profile_intern_frame (profile, "leaf", "/home/u/app/leaf.py", 7, SPY_FRAME_PYTHON);
  recurse = spy_profile_intern_frame (profile, "recurse", "/home/u/app/deep.py", 3, SPY_FRAME_PYTHON);
  native = spy_profile_intern_frame (profile, "PyObject_Call", "libpython3.12.so", 0, SPY_FRAME_NATIVE);
  idle = spy_profile_intern_frame (profile, "<idle>", "", 0, SPY_FRAME_IDLE);
  evil = spy_profile_intern_frame (profile, HOSTILE, "/tmp/" HOSTILE ".py", 66, SPY_FRAME_PYTHON);

  frames[0] = module;
  frames[1] = run;
  frames[2] = leaf;
  s_leaf = spy_profile_intern_frames (profile, frames, 3);
  frames[2] = native;
  s_native = spy_profile_intern_frames (profile, frames, 3);
  for (guint i = 1; i < G_N_ELEMENTS (frames); i++)
    frames[i] = recurse;
  s_deep = spy_profile_intern_frames (profile, frames, G_N_ELEMENTS (frames));
  s_idle = spy_profile_intern_frames (profile, &idle, 1);
  frames[1] = evil;
  s_evil = spy_profile_intern_frames (profile, frames, 2);

  for (guint i = 0; i < 60; i++)
    {
      guint64 t = i * 10000;

      spy_profile_add_sample (profile, t, main_t, i % 3 ? s_leaf : s_native, SPY_SAMPLE_GIL);
      spy_profile_add_sample (profile, t, worker_t, i % 5 ? s_deep : s_leaf, 0);
      spy_profile_add_sample (profile, t + 1, unnamed_t, s_idle, SPY_SAMPLE_IDLE);
      if (i % 4 == 0)
        spy_profile_add_sample (profile, t + 2, hostile_t, s_evil, SPY_SAMPLE_GIL | SPY_SAMPLE_IDLE);
    }
  return profile;
}

static char *
stack_text (SpyProfile *profile,
            guint32     stack,
            GArray     *scratch)
{
  GString *text = g_string_new (NULL);

  spy_profile_stack_frames (profile, stack, scratch);
  for (guint i = 0; i < scratch->len; i++)
    {
      const SpyProfileFrame *f = spy_profile_get_frame (profile, g_array_index (scratch, guint32, i));

      g_string_append_printf (text, "%s%s|%s|%d|%u", i > 0 ? ";" : "",
                              spy_profile_get_string (profile, f->function),
                              spy_profile_get_string (profile, f->file), f->line, f->kind);
    }
  return g_string_free (text, FALSE);
}

/* "thread position among those with samples\tstack text" → count. */
static GHashTable *
count_stacks (SpyProfile *profile,
              gboolean    by_thread)
{
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree gint *position = g_new (gint, spy_profile_get_n_threads (profile) + 1);
  gint next = 0;

  for (guint t = 0; t < spy_profile_get_n_threads (profile); t++)
    position[t] = -1;
  for (guint i = 0; i < spy_profile_get_n_samples (profile); i++)
    {
      guint16 t = spy_profile_get_sample_threads (profile)[i];
      g_autofree char *stack = stack_text (profile, spy_profile_get_sample_stacks (profile)[i], scratch);
      char *key;

      if (position[t] < 0)
        position[t] = next++;
      key = g_strdup_printf ("%d\t%s", by_thread ? position[t] : 0, stack);
      g_hash_table_insert (counts, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)) + 1));
    }
  return counts;
}

static void
assert_same_counts (GHashTable *a,
                    GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (GPOINTER_TO_UINT (g_hash_table_lookup (b, key)) != GPOINTER_TO_UINT (value))
        g_error ("stack %s: %u against %u", (char *) key, GPOINTER_TO_UINT (value),
                 GPOINTER_TO_UINT (g_hash_table_lookup (b, key)));
    }
}

static GBytes *
gzip_bytes (const char *text,
            gsize       len)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_data (g_memdup2 (text, len), len, g_free);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL), >=, 0);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static GBytes *
gunzip_bytes (GBytes *bytes)
{
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL), >=, 0);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* Loads must fail with a GError or give a profile; never crash. */
static SpyProfile *
load_any (GBytes  *bytes,
          GError **error)
{
  SpyProfile *profile = spy_profile_load_bytes (bytes, error);

  g_assert_true ((profile == NULL) == (error == NULL || *error != NULL));
  g_assert_true (error == NULL || *error == NULL || (*error)->message[0] != '\0');
  return profile;
}

/* spyprof ------------------------------------------------------------- */

static void
assert_equal_profiles (SpyProfile *a,
                       SpyProfile *b)
{
  g_autofree char *why = NULL;

  if (!spy_profile_equal (a, b, &why))
    g_error ("profiles differ: %s", why);
}

static void
test_spyprof_round_trip (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;

  bytes = spy_format_spyprof_save (profile, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, NULL);
  g_assert_cmpuint (data[0], ==, 0x1f);
  g_assert_cmpuint (data[1], ==, 0x8b);

  loaded = spy_format_spyprof_load (bytes, &error);
  g_assert_no_error (error);
  assert_equal_profiles (profile, loaded);
  g_assert_cmpstr (spy_profile_get_meta (loaded)->command_line, ==, "python3 wörk.py --n=3 <script>");
}

static void
test_spyprof_round_trip_edges (void)
{
  g_autoptr(SpyProfile) empty = spy_profile_new ();
  g_autoptr(SpyProfile) odd = spy_profile_new ();
  SpyProfileMeta *meta = spy_profile_get_meta (odd);
  guint32 thread, stack, frame;
  g_autoptr(GError) error = NULL;
  SpyProfile *tests[] = { empty, odd };

  /* Extremes of every field; times that go backwards and wrap. */
  g_clear_pointer (&meta->spyglass_version, g_free);
  meta->pid = G_MININT64;
  meta->start_time = G_MAXINT64;
  meta->duration = -1;
  meta->rate = G_MAXUINT;
  meta->samples_taken = G_MAXUINT64;
  thread = spy_profile_add_thread (odd, G_MAXINT64, G_MAXUINT64, G_MININT64, "tab\there \"quoted\" \\ \x01");
  frame = spy_profile_intern_frame (odd, "f\nnew line", "", G_MININT32, SPY_FRAME_NATIVE);
  stack = spy_profile_intern_stack (odd, SPY_STACK_ROOT, frame);
  spy_profile_add_sample (odd, G_MAXUINT64, thread, stack, 0xff);
  spy_profile_add_sample (odd, 0, thread, stack, 0);
  spy_profile_add_sample (odd, 5, thread, stack, SPY_SAMPLE_IDLE);

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autoptr(GBytes) bytes = spy_format_spyprof_save (tests[i], &error);
      g_autoptr(SpyProfile) loaded = NULL;

      g_assert_no_error (error);
      loaded = spy_profile_load_bytes (bytes, &error);
      g_assert_no_error (error);
      assert_equal_profiles (tests[i], loaded);
    }
}

/* The file is named, written and read back through the public API; the
 * folder holds nothing else afterwards. */
static void
test_spyprof_file (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("spy-format-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.spyprof", NULL);
  g_autoptr(GDir) listing = NULL;
  SpyFormat format;

  g_assert_true (spy_format_from_filename (path, &format));
  g_assert_true (spy_profile_save (profile, path, format, NULL, &error));
  g_assert_no_error (error);
  /* Over an existing file too. */
  g_assert_true (spy_profile_save (profile, path, format, NULL, &error));
  g_assert_no_error (error);

  listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "run.spyprof");
  g_assert_null (g_dir_read_name (listing));

  loaded = spy_profile_load (path, &error);
  g_assert_no_error (error);
  assert_equal_profiles (profile, loaded);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static GBytes *
plain_json (SpyProfile *profile)
{
  g_autoptr(GBytes) bytes = spy_format_spyprof_save (profile, NULL);

  return gunzip_bytes (bytes);
}

static void
test_spyprof_plain_json (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(GBytes) json = plain_json (profile);
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = g_bytes_get_data (json, NULL);

  g_assert_true (g_str_has_prefix (text, "{\"format\":\"spyglass-profile\",\"version\":1,"));
  loaded = spy_profile_load_bytes (json, &error);
  g_assert_no_error (error);
  assert_equal_profiles (profile, loaded);
}

static SpyProfile *
small_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  guint32 frames[2], thread, stack;

  thread = spy_profile_add_thread (profile, 1, 2, 3, "T");
  frames[0] = spy_profile_intern_frame (profile, "a", "a.py", 1, SPY_FRAME_PYTHON);
  frames[1] = spy_profile_intern_frame (profile, "b", "b.py", 2, SPY_FRAME_PYTHON);
  stack = spy_profile_intern_frames (profile, frames, 2);
  spy_profile_add_sample (profile, 10, thread, stack, 1);
  spy_profile_add_sample (profile, 20, thread, stack, 2);
  return profile;
}

/* Every prefix of a small file, compressed and not, is refused. */
static void
test_spyprof_truncated (void)
{
  g_autoptr(SpyProfile) profile = small_profile ();
  g_autoptr(GBytes) gz = spy_format_spyprof_save (profile, NULL);
  g_autoptr(GBytes) json = gunzip_bytes (gz);
  GBytes *files[] = { gz, json };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      gsize len;
      const char *data = g_bytes_get_data (files[f], &len);

      for (gsize n = 0; n < len; n++)
        {
          g_autoptr(GBytes) prefix = g_bytes_new (data, n);
          g_autoptr(GError) error = NULL;
          g_autoptr(SpyProfile) loaded = spy_format_spyprof_load (prefix, &error);

          /* The plain text may end in whitespace after its last '}'. */
          if (loaded != NULL && f == 1 && strspn (data + n, " \n") == len - n)
            continue;
          g_assert_null (loaded);
          g_assert_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_CORRUPT);
        }
    }
}

/* Each byte flipped in turn: a GError or a profile, never a crash. */
static void
test_spyprof_corrupt_bytes (void)
{
  g_autoptr(SpyProfile) profile = small_profile ();
  g_autoptr(GBytes) gz = spy_format_spyprof_save (profile, NULL);
  g_autoptr(GBytes) json = gunzip_bytes (gz);
  GBytes *files[] = { gz, json };
  guint refused = 0;

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (files[f], &len);
      g_autofree guint8 *copy = g_memdup2 (data, len);

      for (gsize i = 0; i < len; i++)
        for (guint x = 0; x < 3; x++)
          {
            static const guint8 masks[] = { 0xff, 0x01, 0x20 };
            g_autoptr(GBytes) bytes = NULL;
            g_autoptr(GError) error = NULL;
            g_autoptr(SpyProfile) loaded = NULL;

            copy[i] ^= masks[x];
            bytes = g_bytes_new (copy, len);
            loaded = spy_format_spyprof_load (bytes, &error);
            g_assert_true ((loaded == NULL) != (error == NULL));
            refused += loaded == NULL;
            copy[i] ^= masks[x];
          }
    }
  g_assert_cmpuint (refused, >, 0);
}

typedef struct {
  const char *json;
  int         code;
  const char *message;   /* a part of the error message */
} Hostile;

#define OK_HEAD "{\"format\":\"spyglass-profile\",\"version\":1,\"meta\":{},"
#define OK_TABLES "\"strings\":[\"\",\"f\"],\"frames\":[[1,0,3,0]],\"stacks\":[[-1,0],[0,0]]," \
                  "\"threads\":[{\"pid\":1,\"thread_id\":2,\"native_id\":3,\"name\":1}],"
#define OK_SAMPLES "\"samples\":{\"time\":[1,2],\"thread\":[0,0],\"stack\":[0,1],\"flags\":[0,3]}"

static const Hostile spyprof_hostile[] = {
  { OK_HEAD OK_TABLES OK_SAMPLES "}", -1, NULL },
  { "", SPY_PROFILE_ERROR_CORRUPT, "truncated" },
  { "[]", SPY_PROFILE_ERROR_CORRUPT, "expected “{”" },
  { "{\"format\":\"other\",\"version\":1}", SPY_PROFILE_ERROR_FORMAT, "not a Spyglass profile" },
  { "{\"format\":\"spyglass-profile\",\"version\":2,\"strings\":7}", SPY_PROFILE_ERROR_VERSION, "newer Spyglass" },
  { "{\"format\":\"spyglass-profile\",\"version\":0}", SPY_PROFILE_ERROR_CORRUPT, "out of range" },
  { "{\"format\":\"spyglass-profile\",\"version\":\"1\"}", SPY_PROFILE_ERROR_CORRUPT, "expected a number" },
  { OK_HEAD OK_TABLES "\"x\":1}", SPY_PROFILE_ERROR_CORRUPT, "no “samples”" },
  { OK_HEAD OK_TABLES OK_SAMPLES ",\"stacks\":[]}", SPY_PROFILE_ERROR_CORRUPT, "appears twice" },
  { OK_HEAD OK_TABLES OK_SAMPLES "} x", SPY_PROFILE_ERROR_CORRUPT, "after the end" },
  /* Wrong types. */
  { OK_HEAD "\"strings\":[1]," , SPY_PROFILE_ERROR_CORRUPT, "expected “\"”" },
  { OK_HEAD "\"strings\":{},", SPY_PROFILE_ERROR_CORRUPT, "expected “[”" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[\"f\",0,0,0]]", SPY_PROFILE_ERROR_CORRUPT, "expected a number" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,0,1.5,0]]", SPY_PROFILE_ERROR_CORRUPT, "whole number" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,0,0]]", SPY_PROFILE_ERROR_CORRUPT, "expected “,”" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,0,0,7]]", SPY_PROFILE_ERROR_CORRUPT, "7 is out of range" },
  { OK_HEAD "\"meta\":{\"pid\":\"x\"}", SPY_PROFILE_ERROR_CORRUPT, "appears twice" },
  { "{\"meta\":{\"pid\":\"x\"}}", SPY_PROFILE_ERROR_CORRUPT, "expected a number" },
  { "{\"meta\":{\"rate\":-1}}", SPY_PROFILE_ERROR_CORRUPT, "out of range" },
  { "{\"meta\":{\"samples_taken\":123456789012345678901234567890}}", SPY_PROFILE_ERROR_CORRUPT, "too large" },
  { "{\"meta\":{\"host\":\"\\ud800\"}}", SPY_PROFILE_ERROR_CORRUPT, "surrogate" },
  { "{\"meta\":{\"host\":\"a\x01\"}}", SPY_PROFILE_ERROR_CORRUPT, "control character" },
  { "{\"meta\":{\"host\":\"\\q\"}}", SPY_PROFILE_ERROR_CORRUPT, "unknown escape" },
  /* Out of range, and cycles. */
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,5,1,0]],\"stacks\":[],\"threads\":[]," OK_SAMPLES "}",
    SPY_PROFILE_ERROR_CORRUPT, "frame 0 points to string 5, but there are only 1 strings" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[],\"stacks\":[[-1,99]],\"threads\":[]," OK_SAMPLES "}",
    SPY_PROFILE_ERROR_CORRUPT, "stack 0 points to frame 99, but there are only 0 frames" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,0,0,0]],\"stacks\":[[0,0]]", SPY_PROFILE_ERROR_CORRUPT,
    "stack 0 has parent 0, which does not come before it" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,0,0,0]],\"stacks\":[[-1,0],[2,0],[1,0]]", SPY_PROFILE_ERROR_CORRUPT,
    "stack 1 has parent 2" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[[0,0,0,0]],\"stacks\":[[-2,0]]", SPY_PROFILE_ERROR_CORRUPT, "out of range" },
  { OK_HEAD "\"strings\":[\"\"],\"frames\":[],\"stacks\":[],\"threads\":[{\"name\":3}]," OK_SAMPLES "}",
    SPY_PROFILE_ERROR_CORRUPT, "thread 0 is named by string 3" },
  { OK_HEAD OK_TABLES "\"samples\":{\"time\":[1],\"thread\":[0,0],\"stack\":[0,1],\"flags\":[0,3]}}",
    SPY_PROFILE_ERROR_CORRUPT, "differ in length" },
  { OK_HEAD OK_TABLES "\"samples\":{\"time\":[1,1],\"thread\":[0,1],\"stack\":[0,1],\"flags\":[0,3]}}",
    SPY_PROFILE_ERROR_CORRUPT, "sample 1 is of thread 1, but there are only 1 threads" },
  { OK_HEAD OK_TABLES "\"samples\":{\"time\":[1,1],\"thread\":[0,0],\"stack\":[0,2],\"flags\":[0,3]}}",
    SPY_PROFILE_ERROR_CORRUPT, "sample 1 points to stack 2, but there are only 2 stacks" },
  { OK_HEAD OK_TABLES "\"samples\":{\"time\":[1,1],\"thread\":[0,0],\"stack\":[0,1],\"flags\":[0,256]}}",
    SPY_PROFILE_ERROR_CORRUPT, "out of range" },
  { OK_HEAD OK_TABLES "\"samples\":{\"time\":[1,1],\"thread\":[0,0],\"stack\":[0,-1],\"flags\":[0,1]}}",
    SPY_PROFILE_ERROR_CORRUPT, "out of range" },
  { OK_HEAD OK_TABLES "\"samples\":{\"time\":[1,1,],\"thread\":[0,0],\"stack\":[0,1],\"flags\":[0,1]}}",
    SPY_PROFILE_ERROR_CORRUPT, "expected a number" },
  /* Unknown members are skipped, but not without bound. */
  { OK_HEAD "\"future\":{\"a\":[1.5e3,true,null,\"x\",{}]}," OK_TABLES OK_SAMPLES "}", -1, NULL },
};

static void
test_spyprof_hostile (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (spyprof_hostile); i++)
    {
      const Hostile *h = &spyprof_hostile[i];
      g_autoptr(GBytes) plain = g_bytes_new_static (h->json, strlen (h->json));
      g_autoptr(GBytes) gz = gzip_bytes (h->json, strlen (h->json));
      GBytes *inputs[] = { plain, gz };

      for (guint j = 0; j < G_N_ELEMENTS (inputs); j++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(SpyProfile) loaded = spy_format_spyprof_load (inputs[j], &error);

          g_test_message ("case %u (%s): %s", i, j ? "gzip" : "plain", error ? error->message : "loaded");
          if (h->code < 0)
            {
              g_assert_no_error (error);
              g_assert_nonnull (loaded);
              continue;
            }
          g_assert_null (loaded);
          g_assert_error (error, SPY_PROFILE_ERROR, h->code);
          if (strstr (error->message, h->message) == NULL)
            g_error ("case %u: “%s” does not say “%s”", i, error->message, h->message);
        }
    }
}

/* Nesting, long strings, long numbers: refused, not recursed into. */
static void
test_spyprof_bounds (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"x\":");
  g_autoptr(GString) long_string = g_string_new ("{\"strings\":[\"");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) loaded = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  bytes = g_bytes_new (deep->str, deep->len);
  loaded = spy_format_spyprof_load (bytes, &error);
  g_assert_null (loaded);
  g_assert_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  for (guint i = 0; i < 70000; i++)
    g_string_append_c (long_string, 'a');
  g_string_append (long_string, "\"]}");
  bytes = g_bytes_new (long_string->str, long_string->len);
  loaded = spy_format_spyprof_load (bytes, &error);
  g_assert_null (loaded);
  g_assert_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "longer than"));
}

/* A stored string past SPY_PROFILE_MAX_STRING is cut, and invalid UTF-8
 * is mended: the profile keeps only what it can show. */
static void
test_spyprof_strings_cleaned (void)
{
  g_autoptr(GString) json = g_string_new (OK_HEAD "\"strings\":[\"\",\"bad\xff\xfe\",\"");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) loaded = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append (json, "é");
  g_string_append (json, "\"],\"frames\":[[1,2,3,0]],\"stacks\":[[-1,0]],\"threads\":[{\"name\":1}],"
                   "\"samples\":{\"time\":[5],\"thread\":[0],\"stack\":[0],\"flags\":[0]}}");
  bytes = g_bytes_new (json->str, json->len);
  loaded = spy_format_spyprof_load (bytes, &error);
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (spy_profile_get_string (loaded, 1), -1, NULL));
  g_assert_cmpuint (strlen (spy_profile_get_string (loaded, 2)), <=, SPY_PROFILE_MAX_STRING);
  g_assert_true (g_utf8_validate (spy_profile_get_string (loaded, 2), -1, NULL));
}

/* speedscope ---------------------------------------------------------- */

static const SpyExportOptions full_names = { SPY_AGGREGATE_LINE, TRUE, FALSE, NULL };

static void
test_speedscope_round_trip (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;

  bytes = spy_format_speedscope_save (profile, &full_names, &error);
  g_assert_no_error (error);
  loaded = spy_format_speedscope_load (bytes, &error);
  g_assert_no_error (error);

  before = count_stacks (profile, TRUE);
  after = count_stacks (loaded, TRUE);
  assert_same_counts (before, after);
  g_assert_cmpuint (spy_profile_get_n_threads (loaded), ==, 4);
  g_assert_cmpstr (spy_profile_get_string (loaded, spy_profile_get_thread (loaded, 1)->name), ==, "wörker-🧵");
  g_assert_cmpstr (spy_profile_get_string (loaded, spy_profile_get_thread (loaded, 3)->name), ==, HOSTILE);
  g_assert_cmpuint (spy_profile_get_meta (loaded)->rate, ==, 100);
}

/* The structure speedscope's schema asks for, read with json-glib. */
static void
test_speedscope_structure (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(GBytes) bytes = spy_format_speedscope_save (profile, NULL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *first;
  JsonArray *frames, *profiles, *samples, *stack;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "$schema"), ==,
                   "https://www.speedscope.app/file-format-schema.json");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (root, "exporter"), "spyglass "));
  g_assert_cmpint (json_object_get_int_member (root, "activeProfileIndex"), ==, 0);
  frames = json_object_get_array_member (json_object_get_object_member (root, "shared"), "frames");
  profiles = json_object_get_array_member (root, "profiles");
  g_assert_cmpuint (json_array_get_length (profiles), ==, 4);
  for (guint p = 0; p < json_array_get_length (profiles); p++)
    {
      JsonObject *prof = json_array_get_object_element (profiles, p);

      g_assert_cmpstr (json_object_get_string_member (prof, "type"), ==, "sampled");
      g_assert_cmpstr (json_object_get_string_member (prof, "unit"), ==, "microseconds");
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (prof, "samples")), ==,
                        json_array_get_length (json_object_get_array_member (prof, "weights")));
      g_assert_cmpint (json_object_get_int_member (prof, "endValue"), >, json_object_get_int_member (prof, "startValue"));
    }
  /* Root first: the main thread's samples start at "<module>", shortened
   * to the program's folder-relative name. */
  first = json_array_get_object_element (profiles, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, "MainThread");
  samples = json_object_get_array_member (first, "samples");
  stack = json_array_get_array_element (samples, 0);
  g_assert_cmpuint (json_array_get_length (stack), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (frames, json_array_get_int_element (stack, 0)), "name"), ==, "<module>");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (frames, json_array_get_int_element (stack, 1)), "file"), ==, "threading.py");
}

static void
test_speedscope_foreign (void)
{
  static const char json[] =
    "{\"shared\":{\"frames\":[{\"name\":\"main\",\"file\":\"m.py\",\"line\":3,\"col\":1},{\"name\":\"work\"}]},"
    "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
    "\"profiles\":[{\"type\":\"sampled\",\"name\":\"T1\",\"unit\":\"milliseconds\",\"startValue\":0,"
    "\"endValue\":40,\"samples\":[[0],[0,1],[0,1],[]],\"weights\":[10,10,20,10]},"
    "{\"type\":\"sampled\",\"name\":\"T2\",\"unit\":\"none\",\"startValue\":0,\"endValue\":3,"
    "\"samples\":[[1]],\"weights\":[3]}]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, sizeof json - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) loaded = spy_profile_load_bytes (bytes, &error);
  g_autoptr(GHashTable) counts = NULL;

  g_assert_no_error (error);
  counts = count_stacks (loaded, TRUE);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 3);
  /* A frame with neither line nor Python file is native (1). */
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\tmain|m.py|3|0")), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\tmain|m.py|3|0;work||0|1")), ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "1\twork||0|1")), ==, 3);
  g_assert_cmpuint (spy_profile_get_meta (loaded)->rate, ==, 100);
  /* Times follow the weights: 0, 10, 20 ms. */
  g_assert_cmpuint (spy_profile_get_sample_times (loaded)[spy_profile_get_n_samples (loaded) - 1], ==, 20000);
}

static const Hostile speedscope_hostile[] = {
  { "{\"shared\":{\"frames\":[]},\"profiles\":[{\"type\":\"evented\",\"events\":[]}]}",
    SPY_PROFILE_ERROR_FORMAT, "evented" },
  { "{\"shared\":{\"frames\":[]}}", SPY_PROFILE_ERROR_FORMAT, "no “profiles”" },
  { "{\"profiles\":[]}", SPY_PROFILE_ERROR_FORMAT, "no “shared”" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0,1]],\"weights\":[1]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "frame 1, but there are only 1 frames" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0]],\"weights\":[1,2]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "1 samples but 2 weights" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0]]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "no “weights”" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0]],\"weights\":[-1]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "negative" },
  { "{\"shared\":{\"frames\":[{\"file\":\"a\"}]},\"profiles\":[]}", SPY_PROFILE_ERROR_CORRUPT, "no name" },
  { "{\"shared\":{\"frames\":[{\"name\":7}]},\"profiles\":[]}", SPY_PROFILE_ERROR_CORRUPT, "expected" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[\"0\"]],\"weights\":[1]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "expected a number" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[-1]],\"weights\":[1]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "out of range" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[0]],\"weights\":[1e12]}]}",
    SPY_PROFILE_ERROR_LIMIT, "too many" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"unit\":\"none\",\"samples\":[[0],[0]],\"weights\":[3e7,3e7]}]}",
    SPY_PROFILE_ERROR_LIMIT, "too many" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0]],\"weights\":[1e999]}]}",
    SPY_PROFILE_ERROR_CORRUPT, "expected a number" },
  { "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0]],\"weights\":[1]}]}",
    -1, NULL },
};

static void
test_speedscope_hostile (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (speedscope_hostile); i++)
    {
      const Hostile *h = &speedscope_hostile[i];
      g_autoptr(GBytes) bytes = g_bytes_new_static (h->json, strlen (h->json));
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = spy_format_speedscope_load (bytes, &error);

      g_test_message ("case %u: %s", i, error ? error->message : "loaded");
      if (h->code < 0)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_null (loaded);
      g_assert_error (error, SPY_PROFILE_ERROR, h->code);
      if (strstr (error->message, h->message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, h->message);
    }
}

static void
test_speedscope_truncated (void)
{
  g_autoptr(SpyProfile) profile = small_profile ();
  g_autoptr(GBytes) bytes = spy_format_speedscope_save (profile, NULL, NULL);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  for (gsize n = 0; n + 1 < len; n++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new (data, n);
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = spy_format_speedscope_load (prefix, &error);

      g_assert_null (loaded);
      g_assert_nonnull (error);
    }
}

/* collapsed ----------------------------------------------------------- */

static char *
bytes_to_string (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return g_strndup (data, len);
}

static void
test_collapsed_round_trip (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autofree char *text = NULL;

  first = spy_format_collapsed_save (profile, &full_names, &error);
  g_assert_no_error (error);
  text = bytes_to_string (first);
  g_assert_nonnull (strstr (text, "<module> (/home/u/app/main.py:1);Wörker.run (/usr/lib/python3.12/threading.py:1010);leaf (/home/u/app/leaf.py:7) 52\n"));
  g_assert_nonnull (strstr (text, "<idle> () 60\n"));

  loaded = spy_format_collapsed_load (first, &error);
  g_assert_no_error (error);
  before = count_stacks (profile, FALSE);
  after = count_stacks (loaded, FALSE);
  assert_same_counts (before, after);

  second = spy_format_collapsed_save (loaded, &full_names, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (first, second));
}

static void
test_collapsed_per_thread (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  SpyExportOptions options = full_names;
  g_autofree char *text = NULL;

  options.per_thread = TRUE;
  bytes = spy_format_collapsed_save (profile, &options, &error);
  g_assert_no_error (error);
  text = bytes_to_string (bytes);
  g_assert_true (g_str_has_prefix (text, "thread (MainThread);<module> (/home/u/app/main.py:1);"));
  g_assert_nonnull (strstr (text, "\nthread (0x11);<idle> () 60\n"));

  loaded = spy_format_collapsed_load (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spy_profile_get_n_threads (loaded), ==, 4);
  g_assert_cmpstr (spy_profile_get_string (loaded, spy_profile_get_thread (loaded, 1)->name), ==, "wörker-🧵");
  before = count_stacks (profile, TRUE);
  after = count_stacks (loaded, TRUE);
  assert_same_counts (before, after);
}

static void
test_collapsed_function_aggregation (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  g_autoptr(GBytes) bytes = NULL;
  SpyExportOptions options = SPY_EXPORT_OPTIONS_INIT;
  guint32 thread = spy_profile_add_thread (profile, 1, 1, 1, "T");
  guint32 f[3];
  g_autofree char *text = NULL;

  f[0] = spy_profile_intern_frame (profile, "main", "/srv/app.py", 10, SPY_FRAME_PYTHON);
  f[1] = spy_profile_intern_frame (profile, "work", "/srv/app.py", 20, SPY_FRAME_PYTHON);
  f[2] = spy_profile_intern_frame (profile, "work", "/srv/app.py", 21, SPY_FRAME_PYTHON);
  spy_profile_add_sample (profile, 0, thread, spy_profile_intern_frames (profile, f, 2), 0);
  f[1] = f[2];
  spy_profile_add_samples (profile, 0, thread, spy_profile_intern_frames (profile, f, 2), 0, 2);

  options.aggregation = SPY_AGGREGATE_FUNCTION;
  options.full_filenames = TRUE;
  bytes = spy_format_collapsed_save (profile, &options, NULL);
  text = bytes_to_string (bytes);
  g_assert_cmpstr (text, ==, "main (/srv/app.py);work (/srv/app.py) 3\n");
}

static void
test_collapsed_foreign (void)
{
  static const char text[] =
    "<module> (/srv/a.py:3);run (threading.py:1010);leaf (x (y).py:7) 5\r\n"
    "\n"
    "main;foo;bar 12\n"
    "   \n"
    "main;native_[k] 1\n"
    "py (file only.py);f (a.py:x) 2\n"
    "qsort_r(void*, int (*)(void const*, void const*)) (libc.so.6);deflate (libz.so.1);cmp (app.py:3) 3\n"
    "a;;b 4";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) loaded = spy_profile_load_bytes (bytes, &error);
  g_autoptr(GHashTable) counts = NULL;

  g_assert_no_error (error);
  counts = count_stacks (loaded, FALSE);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 6);
  /* Kinds (0 Python, 1 native) from lines and files: perf's folded stacks
   * (no files) are native; a C++ name keeps its " (". */
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\t<module>|/srv/a.py|3|0;run|threading.py|1010|0;leaf|x (y).py|7|0")), ==, 5);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\tmain||0|1;foo||0|1;bar||0|1")), ==, 12);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\tmain||0|1;native_[k]||0|1")), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\tpy|file only.py|0|0;f|a.py:x|0|1")), ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts,
                    "0\tqsort_r(void*, int (*)(void const*, void const*))|libc.so.6|0|1;deflate|libz.so.1|0|1;cmp|app.py|3|0")), ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "0\ta||0|1;b||0|1")), ==, 4);
}

static void
test_collapsed_bad_lines (void)
{
  static const Hostile cases[] = {
    { "a;b", SPY_PROFILE_ERROR_FORMAT, "line 1 " },
    { "a;b 3\n\na;b", SPY_PROFILE_ERROR_CORRUPT, "line 3: it does not end with a sample count" },
    { "a;b 3\na;b 0", SPY_PROFILE_ERROR_CORRUPT, "line 2: its sample count" },
    { "a;b 3\na;b -3", SPY_PROFILE_ERROR_CORRUPT, "line 2" },
    { "a;b 3\na;b 1.5", SPY_PROFILE_ERROR_CORRUPT, "line 2" },
    { "a;b 3\na;b 0x10", SPY_PROFILE_ERROR_CORRUPT, "line 2" },
    { "a;b 3\n 5", SPY_PROFILE_ERROR_CORRUPT, "line 2: it has a count but no frames" },
    { "a 3\nb\0c 4", SPY_PROFILE_ERROR_CORRUPT, "line 2: it holds a NUL byte" },
    { "a;b 99999999999999999999", SPY_PROFILE_ERROR_FORMAT, "line 1" },
    { "a;b 30000000\nc 30000000", SPY_PROFILE_ERROR_LIMIT, "line 2" },
    { "", SPY_PROFILE_ERROR_FORMAT, "no stacks" },
    { "\n\n  \n", SPY_PROFILE_ERROR_FORMAT, "no stacks" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = strlen (cases[i].json);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = NULL;

      if (strstr (cases[i].message, "NUL") != NULL)
        len = 9;
      bytes = g_bytes_new (cases[i].json, len);
      loaded = spy_format_collapsed_load (bytes, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "loaded");
      g_assert_null (loaded);
      g_assert_error (error, SPY_PROFILE_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, cases[i].message);
    }
}

static void
test_collapsed_deep (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) loaded = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append (text, "f (a.py:1);");
  g_string_append (text, "g 1\n");
  bytes = g_bytes_new (text->str, text->len);
  loaded = spy_format_collapsed_load (bytes, &error);
  g_assert_null (loaded);
  g_assert_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT);
}

/* SVG ----------------------------------------------------------------- */

/* xmllint --noout on @bytes; skipped (with a message) when missing. */
static void
assert_well_formed_xml (GBytes *bytes)
{
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *path = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, "--noout", NULL, NULL };
  int fd, status;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (xmllint == NULL)
    {
      g_test_message ("xmllint is missing (Debian: libxml2-utils): well-formedness not checked");
      return;
    }
  fd = g_file_open_tmp ("spy-flame-XXXXXX.svg", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, data, len, &error));
  argv[0] = xmllint;
  argv[2] = path;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xmllint refuses the SVG: %s", err);
  g_unlink (path);
}

static void
assert_svg_safe (GBytes *bytes)
{
  g_autofree char *text = bytes_to_string (bytes);

  assert_well_formed_xml (bytes);
  g_assert_true (g_str_has_prefix (text, "<?xml version=\"1.0\""));
  /* The hostile name is text, never markup. */
  g_assert_null (strstr (text, "<script>alert"));
  g_assert_null (strstr (text, "</text><script>"));
  g_assert_null (strstr (text, "alert(1)</script>"));
  g_assert_nonnull (strstr (text, "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"));
  /* One script element, ours. */
  g_assert_nonnull (strstr (text, "<script type=\"text/ecmascript\">"));
  g_assert_null (strstr (strstr (text, "<script type=") + 1, "<script"));
}

static void
test_svg_well_formed (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  SpyExportOptions options = SPY_EXPORT_OPTIONS_INIT;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  options.title = "Title with <markup> & “quotes”";
  bytes = spy_format_svg_save (profile, &options, &error);
  g_assert_no_error (error);
  assert_svg_safe (bytes);
  text = bytes_to_string (bytes);
  g_assert_nonnull (strstr (text, "Title with &lt;markup&gt; &amp; “quotes”"));
  g_assert_nonnull (strstr (text, "data-n=\"Wörker.run\" data-l=\"threading.py:1010\""));
  g_assert_nonnull (strstr (text, "data-n=\"all\" data-l=\"\""));
  /* The deep recursion is all there: 1 root + 320 frames. */
  g_assert_nonnull (strstr (text, "data-d=\"320\""));
}

static void
test_svg_variants (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) empty = spy_profile_new ();
  SpyExportOptions options = SPY_EXPORT_OPTIONS_INIT;
  g_autoptr(GBytes) per_thread = NULL;
  g_autoptr(GBytes) by_function = NULL;
  g_autoptr(GBytes) nothing = NULL;
  g_autofree char *text = NULL;

  options.per_thread = TRUE;
  per_thread = spy_format_svg_save (profile, &options, NULL);
  assert_svg_safe (per_thread);
  text = bytes_to_string (per_thread);
  g_assert_nonnull (strstr (text, "data-n=\"thread (wörker-🧵)\""));
  g_assert_nonnull (strstr (text, "data-n=\"thread (&lt;/text&gt;&lt;script&gt;"));

  options.per_thread = FALSE;
  options.aggregation = SPY_AGGREGATE_FUNCTION;
  by_function = spy_format_svg_save (profile, &options, NULL);
  assert_svg_safe (by_function);

  nothing = spy_format_svg_save (empty, NULL, NULL);
  assert_well_formed_xml (nothing);
}

/* Past the sample limit every loader refuses, with the limit's own error. */
static void
test_sample_limit (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(GBytes) spyprof = spy_format_spyprof_save (profile, NULL);
  g_autoptr(GBytes) speedscope = spy_format_speedscope_save (profile, NULL, NULL);
  g_autoptr(GBytes) collapsed = spy_format_collapsed_save (profile, NULL, NULL);
  GBytes *files[] = { spyprof, speedscope, collapsed };
  guint n = spy_profile_get_n_samples (profile);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = NULL;

      spy_format_max_samples = n;
      loaded = spy_profile_load_bytes (files[i], &error);
      g_assert_no_error (error);
      g_clear_object (&loaded);

      spy_format_max_samples = n - 1;
      loaded = spy_profile_load_bytes (files[i], &error);
      spy_format_max_samples = SPY_FORMAT_MAX_SAMPLES;
      g_assert_null (loaded);
      g_assert_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT);
      g_test_message ("%s", error->message);
    }
}

/* Names, loading by content, saving ---------------------------------- */

static void
test_names (void)
{
  static const struct { const char *file; SpyFormat format; } files[] = {
    { "a.spyprof", SPY_FORMAT_SPYPROF }, { "A.SPYPROF", SPY_FORMAT_SPYPROF },
    { "x.speedscope.json", SPY_FORMAT_SPEEDSCOPE }, { "x.json", SPY_FORMAT_SPEEDSCOPE },
    { "x.txt", SPY_FORMAT_COLLAPSED }, { "x.collapsed", SPY_FORMAT_COLLAPSED },
    { "x.folded", SPY_FORMAT_COLLAPSED }, { "/a/b.svg", SPY_FORMAT_SVG },
  };
  SpyFormat format;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_assert_true (spy_format_from_filename (files[i].file, &format));
      g_assert_cmpint (format, ==, files[i].format);
    }
  g_assert_false (spy_format_from_filename ("x.pdf", &format));
  g_assert_false (spy_format_from_filename ("spyprof", &format));

  for (SpyFormat f = SPY_FORMAT_SPYPROF; f <= SPY_FORMAT_SVG; f++)
    {
      g_assert_true (spy_format_from_name (spy_format_to_name (f), &format));
      g_assert_cmpint (format, ==, f);
    }
  g_assert_true (spy_format_from_name ("raw", &format));
  g_assert_cmpint (format, ==, SPY_FORMAT_COLLAPSED);
  g_assert_false (spy_format_from_name ("pdf", &format));
}

static void
test_load_sniffing (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(GBytes) spyprof = spy_format_spyprof_save (profile, NULL);
  g_autoptr(GBytes) speedscope = spy_format_speedscope_save (profile, &full_names, NULL);
  g_autoptr(GBytes) collapsed = spy_format_collapsed_save (profile, &full_names, NULL);
  g_autoptr(GBytes) svg = spy_format_svg_save (profile, NULL, NULL);
  g_autoptr(GBytes) binary = g_bytes_new_static ("\x7f" "ELF\0\0\0", 7);
  g_autoptr(GBytes) nothing = g_bytes_new_static ("", 0);
  GBytes *good[] = { spyprof, speedscope, collapsed };
  GBytes *bad[] = { svg, binary, nothing };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = spy_profile_load_bytes (good[i], &error);

      g_assert_no_error (error);
      g_assert_cmpuint (spy_profile_get_n_samples (loaded), ==, spy_profile_get_n_samples (profile));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = spy_profile_load_bytes (bad[i], &error);

      g_assert_null (loaded);
      g_assert_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT);
    }
}

/* Random bytes, and random bytes after each format's opening. */
static void
test_load_random (void)
{
  static const char *openings[] = {
    "", "\x1f\x8b", "{\"format\":\"spyglass-profile\",\"version\":1,", "{\"shared\":{\"frames\":[",
    "{\"profiles\":[{\"type\":\"sampled\",\"samples\":[[", "a;b;c ",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);

  for (guint i = 0; i < 3000; i++)
    {
      const char *opening = openings[i % G_N_ELEMENTS (openings)];
      gsize n = strlen (opening) + g_rand_int_range (rand, 0, 200);
      g_autofree guint8 *data = g_malloc (n + 1);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(SpyProfile) loaded = NULL;

      memcpy (data, opening, strlen (opening));
      for (gsize j = strlen (opening); j < n; j++)
        data[j] = i % 2 ? (guint8) g_rand_int (rand) : (guint8) "[]{},:\"0123456789-.e \\u;"[g_rand_int_range (rand, 0, 24)];
      bytes = g_bytes_new (data, n);
      loaded = load_any (bytes, &error);
    }
}

static void
test_save_leaves_no_temp (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autofree char *dir = g_dir_make_tmp ("spy-format-XXXXXX", NULL);
  g_autoptr(GDir) listing = NULL;
  const char *name;
  guint n = 0;

  for (SpyFormat f = SPY_FORMAT_SPYPROF; f <= SPY_FORMAT_SVG; f++)
    {
      g_autofree char *file = g_strdup_printf ("out.%s", spy_format_to_name (f));
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(GError) error = NULL;

      g_assert_true (spy_profile_save (profile, path, f, NULL, &error));
      g_assert_no_error (error);
    }
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_true (g_str_has_prefix (name, "out."));
      g_assert_null (strchr (name + 4, '.'));
      g_unlink (path);
      n++;
    }
  g_assert_cmpuint (n, ==, 4);
  g_rmdir (dir);
}

/* In the child: without the right to write @dir (root drops to nobody). */
static void
save_into_unwritable (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("SPY_TEST_SAVE_PATH");
  struct passwd *nobody = getpwnam ("nobody");

  g_assert_nonnull (path);
  if (geteuid () == 0)
    {
      g_assert_nonnull (nobody);
      g_assert_cmpint (setgid (nobody->pw_gid), ==, 0);
      g_assert_cmpint (setuid (nobody->pw_uid), ==, 0);
    }
  g_assert_false (spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, !=, "");
}

/* A save that cannot write leaves the old file as it was, and no temporary. */
static void
test_save_unwritable_folder (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GDir) listing = NULL;

  if (g_test_subprocess ())
    {
      save_into_unwritable ();
      return;
    }
  dir = g_dir_make_tmp ("spy-format-XXXXXX", NULL);
  path = g_build_filename (dir, "keep.spyprof", NULL);
  g_assert_true (g_file_set_contents (path, "old profile", -1, NULL));
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  g_setenv ("SPY_TEST_SAVE_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old profile");
  listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "keep.spyprof");
  g_assert_null (g_dir_read_name (listing));

  g_chmod (dir, 0700);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/formats/spyprof/round-trip", test_spyprof_round_trip);
  g_test_add_func ("/formats/spyprof/round-trip-extremes", test_spyprof_round_trip_edges);
  g_test_add_func ("/formats/spyprof/file-round-trip", test_spyprof_file);
  g_test_add_func ("/formats/spyprof/plain-json", test_spyprof_plain_json);
  g_test_add_func ("/formats/spyprof/every-prefix-refused", test_spyprof_truncated);
  g_test_add_func ("/formats/spyprof/flipped-bytes-no-crash", test_spyprof_corrupt_bytes);
  g_test_add_func ("/formats/spyprof/hostile-clear-errors", test_spyprof_hostile);
  g_test_add_func ("/formats/spyprof/nesting-and-length-bounded", test_spyprof_bounds);
  g_test_add_func ("/formats/spyprof/strings-cleaned", test_spyprof_strings_cleaned);
  g_test_add_func ("/formats/speedscope/round-trip-per-thread", test_speedscope_round_trip);
  g_test_add_func ("/formats/speedscope/schema-structure", test_speedscope_structure);
  g_test_add_func ("/formats/speedscope/foreign-units", test_speedscope_foreign);
  g_test_add_func ("/formats/speedscope/hostile-clear-errors", test_speedscope_hostile);
  g_test_add_func ("/formats/speedscope/every-prefix-refused", test_speedscope_truncated);
  g_test_add_func ("/formats/collapsed/round-trip", test_collapsed_round_trip);
  g_test_add_func ("/formats/collapsed/per-thread-round-trip", test_collapsed_per_thread);
  g_test_add_func ("/formats/collapsed/function-aggregation", test_collapsed_function_aggregation);
  g_test_add_func ("/formats/collapsed/py-spy-and-flamegraph-input", test_collapsed_foreign);
  g_test_add_func ("/formats/collapsed/bad-lines-named", test_collapsed_bad_lines);
  g_test_add_func ("/formats/collapsed/depth-bounded", test_collapsed_deep);
  g_test_add_func ("/formats/svg/well-formed-and-escaped", test_svg_well_formed);
  g_test_add_func ("/formats/svg/per-thread-function-empty", test_svg_variants);
  g_test_add_func ("/formats/load/sample-limit", test_sample_limit);
  g_test_add_func ("/formats/names", test_names);
  g_test_add_func ("/formats/load/sniffs-content", test_load_sniffing);
  g_test_add_func ("/formats/load/random-bytes-no-crash", test_load_random);
  g_test_add_func ("/formats/save/no-temporary-left", test_save_leaves_no_temp);
  g_test_add_func ("/formats/save/unwritable-folder-keeps-old-file", test_save_unwritable_folder);

  return g_test_run ();
}
