/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-walk.c: how long reading every stack of a live 4-thread, 100-deep process takes */

#include "config.h"

#include <stdio.h>

#include <gio/gio.h>

#include "spy-stack-walker.h"
#include "spy-target.h"

#define BENCH_SECONDS 2.0

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SpyTarget) target = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autofree char *line = NULL;
  guint64 samples = 0, stacks_read = 0, frames = 0, failed = 0, syscalls0;
  gint64 start, elapsed;
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

  syscalls0 = spy_memory_get_n_syscalls (spy_target_get_memory (target));
  start = g_get_monotonic_time ();
  do
    {
      g_autoptr(GPtrArray) stacks = spy_stack_walker_sample (walker, NULL);

      samples++;
      if (stacks == NULL)
        {
          failed++;
          continue;
        }
      stacks_read += stacks->len;
      for (guint i = 0; i < stacks->len; i++)
        frames += ((SpyThreadStack *) g_ptr_array_index (stacks, i))->frames->len;
    }
  while ((elapsed = g_get_monotonic_time () - start) < BENCH_SECONDS * G_USEC_PER_SEC);

  printf ("python %s (%s)\n", spy_target_get_version (target), argv[1]);
  printf ("  samples:            %" G_GUINT64_FORMAT " in %.2f s (%" G_GUINT64_FORMAT " failed, %"
          G_GUINT64_FORMAT " reads again of a stack that moved)\n",
          samples, elapsed / 1e6, failed, spy_stack_walker_get_n_torn (walker));
  printf ("  thread-stacks:      %" G_GUINT64_FORMAT " (%.1f frames each)\n",
          stacks_read, stacks_read ? (double) frames / stacks_read : 0.0);
  printf ("  µs per sample:      %.2f\n", (double) elapsed / samples);
  printf ("  µs per thread-stack: %.2f\n", stacks_read ? (double) elapsed / stacks_read : 0.0);
  printf ("  thread-stacks/s:    %.0f\n", stacks_read * 1e6 / elapsed);
  printf ("  syscalls per thread-stack: %.2f\n",
          stacks_read ? (double) (spy_memory_get_n_syscalls (spy_target_get_memory (target)) - syscalls0) / stacks_read : 0.0);

  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, NULL);
  return failed == samples ? 1 : 0;
}
