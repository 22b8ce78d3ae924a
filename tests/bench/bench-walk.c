/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-walk.c: how long reading every stack of a live 4-thread, 100-deep process takes, with and without --native */

#include "config.h"

#include <stdio.h>
#include <time.h>

#include <gio/gio.h>

#include "spy-native-merge.h"
#include "spy-stack-walker.h"
#include "spy-target.h"

/* Each way is measured twice for this long, interleaved. */
#define BENCH_SECONDS 1.0

typedef struct {
  guint64 samples, stacks, frames, failed, syscalls;
  gint64  wall_us, cpu_us;
} Run;

static gint64
cpu_now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Samples for BENCH_SECONDS: Python stacks only, or with @unwinder. */
static void
measure (Run               *run,
         SpyTarget         *target,
         SpyStackWalker    *walker,
         SpyNativeUnwinder *unwinder)
{
  guint64 syscalls0 = spy_memory_get_n_syscalls (spy_target_get_memory (target));
  gint64 start = g_get_monotonic_time (), cpu0 = cpu_now_us (), elapsed;

  do
    {
      g_autoptr(GPtrArray) stacks = unwinder != NULL ? spy_native_sample (unwinder, walker, NULL)
                                                     : spy_stack_walker_sample (walker, NULL);

      run->samples++;
      if (stacks == NULL)
        {
          run->failed++;
          continue;
        }
      run->stacks += stacks->len;
      for (guint i = 0; i < stacks->len; i++)
        {
          SpyThreadStack *stack = g_ptr_array_index (stacks, i);

          run->frames += stack->mixed != NULL ? stack->mixed->len : stack->frames->len;
        }
    }
  while ((elapsed = g_get_monotonic_time () - start) < BENCH_SECONDS * G_USEC_PER_SEC);
  run->wall_us += elapsed;
  run->cpu_us += cpu_now_us () - cpu0;
  run->syscalls += spy_memory_get_n_syscalls (spy_target_get_memory (target)) - syscalls0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SpyTarget) target = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autoptr(SpyNativeUnwinder) unwinder = NULL;
  g_autofree char *line = NULL;
  Run runs[2] = { { 0 }, { 0 } };
  GPid pid;

  if (argc != 3)
    {
      fprintf (stderr, "usage: bench-walk PYTHON deep_threads.py\n");
      return 2;
    }
  if (!g_file_test (argv[1], G_FILE_TEST_IS_EXECUTABLE))
    {
      printf ("SKIP: %s is not installed\n", argv[1]);
      return 77;
    }

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                            &error, argv[1], argv[2], NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_cmpstr (line, ==, "ready");
  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (child), NULL, 10);

  target = spy_target_open (pid, &error);
  g_assert_no_error (error);
  walker = spy_stack_walker_new_for_target (target);
  unwinder = spy_native_unwinder_new_for_target (target);

  /* Python only, then --native, twice over, on the same target. */
  for (guint round = 0; round < 4; round++)
    measure (&runs[round % 2], target, walker, round % 2 ? unwinder : NULL);

  printf ("python %s (%s)\n", spy_target_get_version (target), argv[1]);
  for (guint i = 0; i < 2; i++)
    {
      const Run *run = &runs[i];

      printf ("  %s\n", i == 0 ? "Python stacks only:" : "--native (threads stopped, unwound, merged):");
      printf ("    samples:            %" G_GUINT64_FORMAT " in %.2f s (%" G_GUINT64_FORMAT " failed)\n",
              run->samples, run->wall_us / 1e6, run->failed);
      printf ("    thread-stacks:      %" G_GUINT64_FORMAT " (%.1f frames each)\n",
              run->stacks, run->stacks ? (double) run->frames / run->stacks : 0.0);
      printf ("    µs per sample:      %.2f wall, %.2f CPU\n",
              (double) run->wall_us / run->samples, (double) run->cpu_us / run->samples);
      printf ("    µs per thread-stack: %.2f CPU\n", run->stacks ? (double) run->cpu_us / run->stacks : 0.0);
      printf ("    thread-stacks/s:    %.0f\n", run->stacks * 1e6 / run->wall_us);
      if (i == 0)
        printf ("    syscalls per thread-stack: %.2f; reads again of a stack that moved: %"
                G_GUINT64_FORMAT " samples, %" G_GUINT64_FORMAT " threads on their own\n",
                run->stacks ? (double) run->syscalls / run->stacks : 0.0,
                spy_stack_walker_get_n_torn (walker),
                spy_stack_walker_get_n_thread_rereads (walker));
    }
  if (runs[1].stacks > 0)
    printf ("    thread-stacks of threads left alone (had not run since read): %.0f %%\n",
            100.0 * spy_native_unwinder_get_n_rested (unwinder) / runs[1].stacks);
  if (runs[0].samples > 0 && runs[1].samples > 0)
    printf ("  --native costs %.1fx the CPU per sample; %" G_GUINT64_FORMAT " unwinds stopped short "
            "(no unwind information)\n",
            ((double) runs[1].cpu_us / runs[1].samples) / ((double) runs[0].cpu_us / runs[0].samples),
            spy_native_unwinder_get_n_truncated (unwinder));

  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, NULL);
  return runs[0].failed == runs[0].samples ? 1 : 0;
}
