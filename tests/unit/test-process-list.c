/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-process-list.c: the /proc scan finds Python children, their version and command line */

#include "config.h"

#include "test-children.h"

#include <unistd.h>

#include "spy-process-list.h"

#define PYTHON "/usr/bin/python3.11"

/* Children die with the test, and keep quiet: a failed test must not leave
 * them holding meson's pipes open. */
static SpyProcessInfo *
find_pid (GPtrArray *list,
          GPid       pid)
{
  for (guint i = 0; i < list->len; i++)
    if (spy_process_info_get_pid (g_ptr_array_index (list, i)) == pid)
      return g_ptr_array_index (list, i);
  return NULL;
}

/* Scans until both children have exec'd (at most 5 s): before that they
 * are copies of this test. */
static GPtrArray *
scan_until_exec (SpyProcessList *list,
                 GPid            python_pid,
                 GPid            sleep_pid)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) result = spy_process_list_scan (list, &error);
      SpyProcessInfo *python, *sleeper;

      g_assert_no_error (error);
      python = find_pid (result, python_pid);
      sleeper = find_pid (result, sleep_pid);
      if (python != NULL && spy_process_info_get_python_version (python) != NULL &&
          sleeper != NULL && g_str_equal (spy_process_info_get_name (sleeper), "sleep"))
        return g_steal_pointer (&result);
      g_usleep (50 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_python_and_sleep (void)
{
  const char *python_argv[] = { PYTHON, "-c", "import time; time.sleep(30)", NULL };
  const char *sleep_argv[] = { "/bin/sleep", "30", NULL };
  g_autoptr(SpyProcessList) list = spy_process_list_new ();
  g_autoptr(GPtrArray) result = NULL;
  SpyProcessInfo *python, *sleeper, *self;
  GPid python_pid, sleep_pid;

  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip (PYTHON " is not installed");
      return;
    }
  python_pid = test_child_spawn (python_argv);
  sleep_pid = test_child_spawn (sleep_argv);
  result = scan_until_exec (list, python_pid, sleep_pid);

  python = find_pid (result, python_pid);
  g_assert_cmpstr (spy_process_info_get_python_version (python), ==, "3.11");
  g_assert_cmpstr (spy_process_info_get_command_line (python), ==,
                   PYTHON " -c import time; time.sleep(30)");
  g_assert_cmpstr (spy_process_info_get_name (python), ==, "python3.11");
  g_assert_true (spy_process_info_get_readable (python));
  g_assert_cmpuint (spy_process_info_get_start_time (python), >, 0);

  sleeper = find_pid (result, sleep_pid);
  g_assert_nonnull (sleeper);
  g_assert_null (spy_process_info_get_python_version (sleeper));
  g_assert_cmpstr (spy_process_info_get_command_line (sleeper), ==, "/bin/sleep 30");

  self = find_pid (result, getpid ());
  g_assert_nonnull (self);
  g_assert_true (spy_process_info_get_readable (self));
  g_assert_nonnull (spy_process_info_get_user (self));

  test_child_reap (python_pid);
  test_child_reap (sleep_pid);
}

/* A busy child uses about one core; an idle one about none. */
static void
test_cpu_between_scans (void)
{
  const char *busy_argv[] = { "/bin/sh", "-c", "while :; do :; done", NULL };
  const char *idle_argv[] = { "/bin/sleep", "30", NULL };
  g_autoptr(SpyProcessList) list = spy_process_list_new ();
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  GPid busy = test_child_spawn (busy_argv);
  GPid idle = test_child_spawn (idle_argv);
  double busy_cpu, idle_cpu;

  first = spy_process_list_scan (list, NULL);
  g_usleep (G_USEC_PER_SEC / 2);
  second = spy_process_list_scan (list, NULL);
  busy_cpu = spy_process_info_get_cpu_percent (find_pid (second, busy));
  idle_cpu = spy_process_info_get_cpu_percent (find_pid (second, idle));
  g_test_message ("busy %.1f%%, idle %.1f%%", busy_cpu, idle_cpu);
  /* Two cores, maybe shared with other tests: at least a fifth of one. */
  g_assert_cmpfloat (busy_cpu, >, 20);
  g_assert_cmpfloat (busy_cpu, <, 110);
  g_assert_cmpfloat (idle_cpu, <, 5);

  test_child_reap (busy);
  test_child_reap (idle);
}

static void
test_cpu_percent_arithmetic (void)
{
  g_assert_cmpfloat_with_epsilon (spy_process_cpu_percent (100, 150, 1.0, 100), 50.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (spy_process_cpu_percent (0, 400, 2.0, 100), 200.0, 1e-9);
  /* A pid reused by a process with fewer ticks, or no time: no CPU. */
  g_assert_cmpfloat (spy_process_cpu_percent (150, 100, 1.0, 100), ==, 0);
  g_assert_cmpfloat (spy_process_cpu_percent (100, 150, 0, 100), ==, 0);
}

static void
test_key_is_pid_and_start (void)
{
  g_autoptr(SpyProcessList) list = spy_process_list_new ();
  g_autoptr(GPtrArray) result = spy_process_list_scan (list, NULL);
  SpyProcessInfo *self = find_pid (result, getpid ());
  g_autofree char *key = spy_process_info_dup_key (self);
  g_autofree char *expected = g_strdup_printf ("%d:%" G_GUINT64_FORMAT, (int) getpid (),
                                               spy_process_info_get_start_time (self));

  g_assert_cmpstr (key, ==, expected);
}

static void
scan_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GPtrArray **out = user_data;

  *out = spy_process_list_scan_finish (SPY_PROCESS_LIST (source), result, NULL);
}

static void
test_scan_async (void)
{
  g_autoptr(SpyProcessList) list = spy_process_list_new ();
  g_autoptr(GPtrArray) result = NULL;

  spy_process_list_scan_async (list, NULL, scan_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (find_pid (result, getpid ()));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/process-list/python-child-found-with-version-and-command-line",
                   test_python_and_sleep);
  g_test_add_func ("/process-list/cpu-percent-between-scans", test_cpu_between_scans);
  g_test_add_func ("/process-list/cpu-percent-arithmetic", test_cpu_percent_arithmetic);
  g_test_add_func ("/process-list/key-is-pid-and-start-time", test_key_is_pid_and_start);
  g_test_add_func ("/process-list/scan-in-a-thread", test_scan_async);

  return g_test_run ();
}
