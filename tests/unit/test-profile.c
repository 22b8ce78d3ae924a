/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profile.c: the profile model: interning, copies, the call tree, top rows */

#include "config.h"

#include "spy-call-tree.h"
#include "spy-top-row.h"

/* thread 0: main;a:1;b ×3, main;a:1 ×2, main;c ×1, main;sleep (idle) ×4
 * thread 1: run;a:2;b ×2 (GIL)                                            */
static SpyProfile *
make_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  guint32 main_f = spy_profile_intern_frame (profile, "main", "app.py", 10, SPY_FRAME_PYTHON);
  guint32 a1 = spy_profile_intern_frame (profile, "a", "lib.py", 1, SPY_FRAME_PYTHON);
  guint32 a2 = spy_profile_intern_frame (profile, "a", "lib.py", 2, SPY_FRAME_PYTHON);
  guint32 b = spy_profile_intern_frame (profile, "b", "lib.py", 20, SPY_FRAME_PYTHON);
  guint32 c = spy_profile_intern_frame (profile, "c", "lib.py", 30, SPY_FRAME_PYTHON);
  guint32 sleep_f = spy_profile_intern_frame (profile, "sleep", "time.py", 5, SPY_FRAME_PYTHON);
  guint32 run = spy_profile_intern_frame (profile, "run", "threading.py", 99, SPY_FRAME_PYTHON);
  guint32 t0 = spy_profile_add_thread (profile, 1, 100, 1000, "MainThread");
  guint32 t1 = spy_profile_add_thread (profile, 1, 200, 2000, "worker-1");
  guint32 mab[] = { main_f, a1, b }, ma[] = { main_f, a1 }, mc[] = { main_f, c };
  guint32 ms[] = { main_f, sleep_f }, rab[] = { run, a2, b };

  spy_profile_get_meta (profile)->rate = 100;
  spy_profile_add_samples (profile, 0, t0, spy_profile_intern_frames (profile, mab, 3), 0, 3);
  spy_profile_add_samples (profile, 10, t0, spy_profile_intern_frames (profile, ma, 2), 0, 2);
  spy_profile_add_samples (profile, 20, t0, spy_profile_intern_frames (profile, mc, 2), 0, 1);
  spy_profile_add_samples (profile, 30, t0, spy_profile_intern_frames (profile, ms, 2), SPY_SAMPLE_IDLE, 4);
  spy_profile_add_samples (profile, 40, t1, spy_profile_intern_frames (profile, rab, 3), SPY_SAMPLE_GIL, 2);
  return profile;
}

static const char *
node_function (SpyCallTree *tree,
               guint32      node)
{
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  const SpyProfileFrame *frame = spy_profile_get_frame (profile, spy_call_tree_get_node (tree, node)->frame);

  return spy_profile_get_string (profile, frame->function);
}

static void
test_interning (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  guint32 again = spy_profile_intern_frame (profile, "main", "app.py", 10, SPY_FRAME_PYTHON);
  guint32 other_line = spy_profile_intern_frame (profile, "main", "app.py", 11, SPY_FRAME_PYTHON);
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint32));
  const guint32 *stacks = spy_profile_get_sample_stacks (profile);
  g_autofree char *long_name = g_strnfill (5000, 'x');
  guint32 cut;

  g_assert_cmpuint (again, ==, 0);
  g_assert_cmpuint (other_line, ==, 7);
  g_assert_cmpuint (spy_profile_get_n_samples (profile), ==, 12);
  /* main, main;a, main;a;b, main;c, main;sleep, run, run;a, run;a;b */
  g_assert_cmpuint (spy_profile_get_n_stacks (profile), ==, 8);
  spy_profile_stack_frames (profile, stacks[0], frames);
  g_assert_cmpuint (frames->len, ==, 3);
  g_assert_cmpuint (g_array_index (frames, guint32, 0), ==, 0);
  g_assert_cmpuint (g_array_index (frames, guint32, 2), ==, 3);

  /* Untrusted strings: invalid UTF-8 replaced, long ones cut. */
  cut = spy_profile_intern_string (profile, long_name);
  g_assert_cmpuint (strlen (spy_profile_get_string (profile, cut)), ==, SPY_PROFILE_MAX_STRING);
  g_assert_true (g_utf8_validate (spy_profile_get_string (profile, spy_profile_intern_string (profile, "a\xff" "b")), -1, NULL));

  /* 15 bytes a sample: time 8, stack 4, thread 2, flags 1. */
  g_assert_cmpuint (spy_profile_get_sample_bytes (profile), ==, 12 * 15);
}

/* A copy (what a recovery write reads on its thread) has the same ids,
 * meta and samples, and does not change when the original grows. */
static void
test_copy (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) copy = NULL;
  g_autofree char *why = NULL;
  guint32 frame;

  g_free (spy_profile_get_meta (profile)->command_line);
  spy_profile_get_meta (profile)->command_line = g_strdup ("python3 app.py");
  copy = spy_profile_copy (profile);
  if (!spy_profile_equal (profile, copy, &why))
    g_error ("the copy differs: %s", why);
  g_assert_true (spy_profile_get_meta (copy)->command_line != spy_profile_get_meta (profile)->command_line);

  frame = spy_profile_intern_frame (profile, "late", "late.py", 1, SPY_FRAME_PYTHON);
  spy_profile_add_sample (profile, 50, 0, spy_profile_intern_frames (profile, &frame, 1), 0);
  g_assert_cmpuint (spy_profile_get_n_samples (copy), ==, 12);
  g_assert_cmpuint (spy_profile_get_n_samples (profile), ==, 13);
  g_assert_cmpuint (spy_profile_get_n_frames (copy), ==, spy_profile_get_n_frames (profile) - 1);
  g_assert_false (spy_profile_equal (profile, copy, NULL));
}

static void
test_call_tree_all (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(SpyCallTree) tree = spy_call_tree_new (profile, &filter);
  const SpyCallTreeNode *root = spy_call_tree_get_node (tree, 0);
  const SpyCallTreeNode *main_node, *run_node, *a_node, *c_node, *sleep_node;

  g_assert_cmpuint (root->total, ==, 12);
  /* Children in name order: main before run. */
  main_node = spy_call_tree_get_node (tree, root->first_child);
  g_assert_cmpstr (node_function (tree, root->first_child), ==, "main");
  g_assert_cmpuint (main_node->total, ==, 10);
  g_assert_cmpuint (main_node->self, ==, 0);
  run_node = spy_call_tree_get_node (tree, main_node->next_sibling);
  g_assert_cmpstr (node_function (tree, main_node->next_sibling), ==, "run");
  g_assert_cmpuint (run_node->total, ==, 2);
  g_assert_cmpuint (run_node->next_sibling, ==, SPY_CALL_TREE_NONE);

  a_node = spy_call_tree_get_node (tree, main_node->first_child);
  g_assert_cmpstr (node_function (tree, main_node->first_child), ==, "a");
  g_assert_cmpuint (a_node->total, ==, 5);
  g_assert_cmpuint (a_node->self, ==, 2);
  g_assert_cmpuint (spy_call_tree_get_node (tree, a_node->first_child)->self, ==, 3);
  c_node = spy_call_tree_get_node (tree, a_node->next_sibling);
  g_assert_cmpuint (c_node->total, ==, 1);
  sleep_node = spy_call_tree_get_node (tree, c_node->next_sibling);
  g_assert_cmpuint (sleep_node->total, ==, 4);
  g_assert_cmpuint (spy_call_tree_get_max_depth (tree), ==, 3);
}

static void
test_call_tree_filters (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(SpyCallTree) busy = NULL;
  g_autoptr(SpyCallTree) worker = NULL;
  g_autoptr(SpyCallTree) gil = NULL;
  g_autoptr(SpyCallTree) range = NULL;

  filter.include_idle = FALSE;
  busy = spy_call_tree_new (profile, &filter);
  g_assert_cmpuint (spy_call_tree_get_node (busy, 0)->total, ==, 8);

  filter.include_idle = TRUE;
  filter.thread = 1;
  worker = spy_call_tree_new (profile, &filter);
  g_assert_cmpuint (spy_call_tree_get_node (worker, 0)->total, ==, 2);
  g_assert_cmpstr (node_function (worker, spy_call_tree_get_node (worker, 0)->first_child), ==, "run");

  filter.thread = -1;
  filter.gil_only = TRUE;
  gil = spy_call_tree_new (profile, &filter);
  g_assert_cmpuint (spy_call_tree_get_node (gil, 0)->total, ==, 2);

  filter.gil_only = FALSE;
  filter.start_us = 10;
  filter.end_us = 30;
  range = spy_call_tree_new (profile, &filter);
  g_assert_cmpuint (spy_call_tree_get_node (range, 0)->total, ==, 3);
}

/* By function, a:1 and a:2 are one "a"; by line they are two rows. */
static void
test_top_rows (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(GListModel) by_line = NULL;
  g_autoptr(GListModel) by_function = NULL;
  g_autoptr(SpyTopRow) first = NULL;
  guint64 counted;
  gboolean found_a = FALSE;

  by_line = spy_top_rows_new (profile, &filter, &counted);
  g_assert_cmpuint (counted, ==, 12);
  first = g_list_model_get_item (by_line, 0);
  g_assert_cmpstr (spy_top_row_get_function (first), ==, "b");
  g_assert_cmpuint (spy_top_row_get_own (first), ==, 5);
  g_assert_cmpuint (spy_top_row_get_total (first), ==, 5);
  g_assert_cmpfloat_with_epsilon (spy_top_row_get_own_fraction (first), 5.0 / 12, 1e-9);
  g_assert_cmpfloat_with_epsilon (spy_top_row_get_own_time (first), 0.05, 1e-9);
  g_assert_cmpuint (g_list_model_get_n_items (by_line), ==, 7);

  filter.aggregation = SPY_AGGREGATE_FUNCTION;
  by_function = spy_top_rows_new (profile, &filter, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (by_function), ==, 6);
  for (guint i = 0; i < g_list_model_get_n_items (by_function); i++)
    {
      g_autoptr(SpyTopRow) row = g_list_model_get_item (by_function, i);

      if (g_strcmp0 (spy_top_row_get_function (row), "a") == 0)
        {
          found_a = TRUE;
          g_assert_cmpuint (spy_top_row_get_total (row), ==, 7);
          g_assert_cmpuint (spy_top_row_get_own (row), ==, 2);
          g_assert_cmpint (spy_top_row_get_line (row), ==, 0);
        }
    }
  g_assert_true (found_a);
}

/* Recursion counts a function once per sample in its total. */
static void
test_top_rows_recursion (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  guint32 f = spy_profile_intern_frame (profile, "f", "r.py", 1, SPY_FRAME_PYTHON);
  guint32 frames[] = { f, f, f, f };
  guint32 thread = spy_profile_add_thread (profile, 1, 1, 1, "t");
  g_autoptr(GListModel) rows = NULL;
  g_autoptr(SpyTopRow) row = NULL;
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;

  spy_profile_add_samples (profile, 0, thread, spy_profile_intern_frames (profile, frames, 4), 0, 10);
  rows = spy_top_rows_new (profile, &filter, NULL);
  row = g_list_model_get_item (rows, 0);
  g_assert_cmpuint (spy_top_row_get_total (row), ==, 10);
  g_assert_cmpfloat_with_epsilon (spy_top_row_get_total_fraction (row), 1.0, 1e-9);
}

static SpyTopRow *
row_named (GListModel *rows,
           const char *function)
{
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      SpyTopRow *row = g_list_model_get_item (rows, i);

      if (g_strcmp0 (spy_top_row_get_function (row), function) == 0)
        return row;
      g_object_unref (row);
    }
  return NULL;
}

/* By library: a row per library for native frames (its functions added
 * up, recursion through it counted once), per file for Python frames;
 * rows keep their kind, for the table's marker. */
static void
test_top_rows_library (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  guint32 main_f = spy_profile_intern_frame (profile, "main", "/srv/app.py", 3, SPY_FRAME_PYTHON);
  guint32 squeeze = spy_profile_intern_frame (profile, "squeeze", "/srv/app.py", 9, SPY_FRAME_PYTHON);
  guint32 deflate = spy_profile_intern_frame (profile, "deflate", "libz.so.1", 0, SPY_FRAME_NATIVE);
  guint32 slow = spy_profile_intern_frame (profile, "libz.so.1+0x5d80", "libz.so.1", 0, SPY_FRAME_NATIVE);
  guint32 memcpy_f = spy_profile_intern_frame (profile, "memcpy", "libc.so.6", 0, SPY_FRAME_NATIVE);
  guint32 thread = spy_profile_add_thread (profile, 1, 1, 1, "t");
  guint32 a[] = { main_f, squeeze, deflate, slow }, b[] = { main_f, squeeze, deflate, slow, memcpy_f };
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(GListModel) rows = NULL;
  g_autoptr(SpyTopRow) libz = NULL, libc = NULL, app = NULL;

  spy_profile_add_samples (profile, 0, thread, spy_profile_intern_frames (profile, a, 4), 0, 6);
  spy_profile_add_samples (profile, 10, thread, spy_profile_intern_frames (profile, b, 5), 0, 4);
  filter.aggregation = SPY_AGGREGATE_LIBRARY;
  rows = spy_top_rows_new (profile, &filter, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);
  libz = row_named (rows, "libz.so.1");
  libc = row_named (rows, "libc.so.6");
  app = row_named (rows, "/srv/app.py");
  g_assert_nonnull (libz);
  g_assert_nonnull (libc);
  g_assert_nonnull (app);
  g_assert_cmpuint (spy_top_row_get_own (libz), ==, 6);
  g_assert_cmpuint (spy_top_row_get_total (libz), ==, 10);
  g_assert_cmpuint (spy_top_row_get_own (libc), ==, 4);
  g_assert_cmpuint (spy_top_row_get_total (app), ==, 10);
  g_assert_cmpuint (spy_top_row_get_own (app), ==, 0);
  g_assert_cmpint (spy_top_row_get_kind (libz), ==, SPY_FRAME_NATIVE);
  g_assert_cmpint (spy_top_row_get_kind (app), ==, SPY_FRAME_PYTHON);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/profile/interning-and-untrusted-strings", test_interning);
  g_test_add_func ("/profile/copy-same-ids-and-independent", test_copy);
  g_test_add_func ("/profile/call-tree/all-threads-sorted", test_call_tree_all);
  g_test_add_func ("/profile/call-tree/idle-thread-gil-and-time-filters", test_call_tree_filters);
  g_test_add_func ("/profile/top/line-and-function-aggregation", test_top_rows);
  g_test_add_func ("/profile/top/recursion-counted-once", test_top_rows_recursion);
  g_test_add_func ("/profile/top/by-library-native-marked", test_top_rows_library);
  return g_test_run ();
}
