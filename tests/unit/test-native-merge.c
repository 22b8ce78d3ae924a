/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-native-merge.c: native and Python stacks merged, on crafted stacks */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spy-native-merge.h"

static SpyCode codes[] = {
  { .function = "a" }, { .function = "b" }, { .function = "c" },
};

/* Python frames, innermost first: "a*" is an entry frame. */
static GArray *
python_stack (const char * const *names)
{
  GArray *frames = g_array_new (FALSE, TRUE, sizeof (SpyFrame));

  for (guint i = 0; names[i] != NULL; i++)
    {
      SpyFrame frame = { 0 };

      frame.code = &codes[names[i][0] - 'a'];
      frame.line = (int) i + 1;
      frame.entry = names[i][1] == '*';
      g_array_append_val (frames, frame);
    }
  return frames;
}

typedef struct {
  SpyNativeFrameRole role;
  const char        *name;
} Native;

static GArray *
native_stack (const Native *natives,
              guint         n)
{
  GArray *frames = g_array_new (FALSE, TRUE, sizeof (SpyMixedFrame));

  for (guint i = 0; i < n; i++)
    {
      SpyMixedFrame frame = { 0 };

      frame.role = natives[i].role;
      frame.native.function = natives[i].name;
      frame.native.start = frame.pc = 0x1000 + i;
      g_array_append_val (frames, frame);
    }
  return frames;
}

/* The merged stack as "name name …", innermost first; Python frames as "py:a". */
static char *
describe (GArray *merged)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < merged->len; i++)
    {
      const SpyMixedFrame *frame = &g_array_index (merged, SpyMixedFrame, i);
      g_autofree char *name = frame->python ? g_strdup_printf ("py:%s", frame->python->code->function)
                                            : spy_mixed_frame_native_name (frame);

      g_string_append_printf (out, "%s%s", i > 0 ? " " : "", name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* @want NULL: the merge must refuse. */
static void
check_idle (const Native       *natives,
            guint               n,
            const char * const *python_names,
            guint               idle_evals,
            const char         *want)
{
  g_autoptr(GArray) natives_array = native_stack (natives, n);
  g_autoptr(GArray) python = python_stack (python_names);
  g_autoptr(GArray) merged = g_array_new (FALSE, TRUE, sizeof (SpyMixedFrame));
  g_autofree char *got = NULL;
  gboolean merged_ok = spy_native_merge (natives_array, python, idle_evals, merged);

  g_assert_cmpint (merged_ok, ==, want != NULL);
  if (want == NULL)
    {
      g_assert_cmpuint (merged->len, ==, 0);
      return;
    }
  got = describe (merged);
  g_assert_cmpstr (got, ==, want);
}

/* Each eval frame takes its C call's Python frames, to the entry one;
 * machinery goes, C code stays in place, start-up goes outside. */
static void
check (const Native       *natives,
       guint               n,
       const char * const *python_names,
       const char         *want)
{
  check_idle (natives, n, python_names, 0, want);
}

static void
test_groups (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_CODE, "leaf" },
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
    { SPY_NATIVE_FRAME_MACHINERY, "_PyObject_MakeTpCall" },
    { SPY_NATIVE_FRAME_CODE, "qsort" },
    { SPY_NATIVE_FRAME_MACHINERY, "cfunction_call" },
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
    { SPY_NATIVE_FRAME_STARTUP, "Py_BytesMain" },
    { SPY_NATIVE_FRAME_STARTUP, "_start" },
  };
  const char *python[] = { "a*", "b", "c*", NULL };

  check (natives, G_N_ELEMENTS (natives), python, "leaf py:a qsort py:b py:c");
}

/* Before 3.11 every frame is an entry frame: one eval frame each. */
static void
test_one_eval_per_frame (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_EVAL, "PyEval_EvalFrameEx" },
    { SPY_NATIVE_FRAME_MACHINERY, "fast_function" },
    { SPY_NATIVE_FRAME_EVAL, "PyEval_EvalFrameEx" },
    { SPY_NATIVE_FRAME_CODE, "deflate" },
    { SPY_NATIVE_FRAME_EVAL, "PyEval_EvalFrameEx" },
  };
  const char *python[] = { "a*", "b*", "c*", NULL };

  check (natives, G_N_ELEMENTS (natives), python, "py:a py:b deflate py:c");
}

/* An eval frame entering or leaving the loop has no Python frame: the
 * innermost extra ones take none, and the others still pair up. */
static void
test_idle_eval (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_CODE, "_PyFrame_ClearExceptCode" },
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
    { SPY_NATIVE_FRAME_CODE, "spy_c_inner" },
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
  };
  const char *python[] = { "a", "b*", NULL };

  check (natives, G_N_ELEMENTS (natives), python, "_PyFrame_ClearExceptCode spy_c_inner py:a py:b");
}

/* 3.12+: the walker saw an entry frame before the innermost Python frame
 * (a C call leaving the loop): that eval frame runs none, even where the
 * counts agree (the unwind stopped in code without unwind tables). */
static void
test_idle_eval_known (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_CODE, "_PyThreadState_PopFrame" },
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
    { SPY_NATIVE_FRAME_CODE, "spy_c_inner" },
  };
  const char *python[] = { "a", "b*", NULL };

  check_idle (natives, G_N_ELEMENTS (natives), python, 1, NULL);
}

/* An unwind cut in code that Python called (no unwind tables there): the
 * eval frame found may be one entering the loop, and the one that runs
 * the Python frames is further out, so no stack; cut in start-up code
 * outside every eval frame, the stack stands. */
static void
test_cut_in_code (void)
{
  Native natives[] = {
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
    { SPY_NATIVE_FRAME_CODE, "spy_c_inner" },
  };
  const char *python[] = { "a", "b*", NULL };
  g_autoptr(GArray) natives_array = native_stack (natives, G_N_ELEMENTS (natives));
  g_autoptr(GArray) python_array = python_stack (python);
  g_autoptr(GArray) merged = g_array_new (FALSE, TRUE, sizeof (SpyMixedFrame));

  g_array_index (natives_array, SpyMixedFrame, 1).cut = TRUE;
  g_assert_false (spy_native_merge (natives_array, python_array, 0, merged));
  g_assert_cmpuint (merged->len, ==, 0);

  /* No Python frame read (a thread caught entering the loop, its frame
   * not linked yet): still no stack, not the C frames alone. */
  g_array_set_size (python_array, 0);
  g_assert_false (spy_native_merge (natives_array, python_array, 0, merged));
  g_assert_cmpuint (merged->len, ==, 0);

  g_array_index (natives_array, SpyMixedFrame, 1).role = SPY_NATIVE_FRAME_STARTUP;
  g_array_unref (python_array);
  python_array = python_stack (python);
  g_assert_true (spy_native_merge (natives_array, python_array, 0, merged));
  g_assert_cmpuint (merged->len, ==, 2);
}

/* An unwind that stopped short of some Python frames' eval frames: which
 * eval frame ran which is a guess (the one found may be entering the loop
 * for a frame not linked yet), so there is no merged stack. */
static void
test_unwind_stopped (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_EVAL, "_PyEval_EvalFrameDefault" },
    { SPY_NATIVE_FRAME_CODE, "spy_c_inner" },
  };
  const char *python[] = { "a*", "b", "c*", NULL };

  check (natives, G_N_ELEMENTS (natives), python, NULL);
}

/* A stripped interpreter's unnamed code: machinery next to an eval frame
 * (named machinery between or not), shown elsewhere. */
static void
test_unnamed (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_CODE, "deflate" },
    { SPY_NATIVE_FRAME_UNNAMED, NULL },
    { SPY_NATIVE_FRAME_CODE, "PyThread_acquire_lock_timed" },
    { SPY_NATIVE_FRAME_UNNAMED, NULL },
    { SPY_NATIVE_FRAME_MACHINERY, "PyObject_Vectorcall" },
    { SPY_NATIVE_FRAME_UNNAMED, NULL },
    { SPY_NATIVE_FRAME_EVAL, NULL },
    { SPY_NATIVE_FRAME_UNNAMED, NULL },
  };
  const char *python[] = { "a*", NULL };

  check (natives, G_N_ELEMENTS (natives), python, "deflate 0x1001 PyThread_acquire_lock_timed py:a");
}

/* No Python frame (a thread starting): its native frames, all of them. */
static void
test_no_python (void)
{
  const Native natives[] = {
    { SPY_NATIVE_FRAME_CODE, "futex_wait" },
    { SPY_NATIVE_FRAME_STARTUP, "start_thread" },
  };
  const char *python[] = { NULL };

  check (natives, G_N_ELEMENTS (natives), python, "futex_wait start_thread");
}

static void
test_demangle (void)
{
  g_autofree char *plain = spy_native_demangle ("deflate");
  char *name = spy_native_demangle ("_ZN8spyglass6WalkerIiE4stepEP7_object");

  g_assert_null (plain);
  g_assert_cmpstr (name, ==, "spyglass::Walker<int>::step(_object*)");
  free (name);
  g_assert_null (spy_native_demangle ("_Znot a mangled name"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/native/merge/eval-groups", test_groups);
  g_test_add_func ("/native/merge/one-eval-per-frame", test_one_eval_per_frame);
  g_test_add_func ("/native/merge/idle-eval", test_idle_eval);
  g_test_add_func ("/native/merge/idle-eval-known", test_idle_eval_known);
  g_test_add_func ("/native/merge/unwind-stopped", test_unwind_stopped);
  g_test_add_func ("/native/merge/cut-in-code", test_cut_in_code);
  g_test_add_func ("/native/merge/unnamed-machinery", test_unnamed);
  g_test_add_func ("/native/merge/no-python", test_no_python);
  g_test_add_func ("/native/demangle", test_demangle);
  return g_test_run ();
}
