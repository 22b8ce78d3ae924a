/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-spawn.c: programs Spyglass starts for profiling, and how they end */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "spy-memory.h"
#include "spy-spawn.h"

/* Runs in the child between fork and exec: async-signal-safe calls only.
 * @data is our pid, taken before the fork. */
static void
setup_child (gpointer data)
{
  static const int stop_signals[] = { SIGINT, SIGTERM, SIGQUIT };
  pid_t parent = GPOINTER_TO_INT (data);
  sigset_t none;

  for (guint i = 0; i < G_N_ELEMENTS (stop_signals); i++)
    signal (stop_signals[i], SIG_DFL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  /* Killed with us, even by SIGKILL. If we died before the call, nobody
   * will send it: the child has been handed to init already. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    raise (SIGKILL);
}

GSubprocess *
spy_spawn_command (const char * const  *argv,
                   GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  g_subprocess_launcher_set_child_setup (launcher, setup_child, GINT_TO_POINTER (getpid ()), NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

/* Exited: reaped already, or a zombie waiting to be. */
static gboolean
child_gone (GSubprocess *child,
            GPid         pid)
{
  return g_subprocess_get_identifier (child) == NULL || spy_process_is_gone (pid);
}

static GPid
child_pid (GSubprocess *child)
{
  const char *id = g_subprocess_get_identifier (child);

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

void
spy_spawn_end (GSubprocess *child)
{
  static const int signals[] = { SIGINT, SIGTERM };
  GPid pid;

  g_return_if_fail (G_IS_SUBPROCESS (child));

  if ((pid = child_pid (child)) > 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (signals) && !child_gone (child, pid); i++)
        {
          gint64 deadline = g_get_monotonic_time () + SPY_SPAWN_GRACE_US;

          g_subprocess_send_signal (child, signals[i]);
          while (!child_gone (child, pid) && g_get_monotonic_time () < deadline)
            g_usleep (5000);
        }
      if (!child_gone (child, pid))
        g_subprocess_force_exit (child);
    }
  g_subprocess_wait (child, NULL, NULL);
}

typedef struct {
  GSubprocess *child;
  GSource     *timer;
  guint        step;
} EndData;

static void
end_data_free (EndData *data)
{
  if (data->timer != NULL)
    g_source_destroy (data->timer);
  g_clear_pointer (&data->timer, g_source_unref);
  g_clear_object (&data->child);
  g_free (data);
}

/* The grace is over: SIGTERM, and after the next one SIGKILL. */
static gboolean
on_grace_over (gpointer user_data)
{
  EndData *data = g_task_get_task_data (G_TASK (user_data));

  if (data->step++ == 0)
    {
      g_subprocess_send_signal (data->child, SIGTERM);
      return G_SOURCE_CONTINUE;
    }
  g_subprocess_force_exit (data->child);
  return G_SOURCE_REMOVE;
}

static void
on_child_waited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

void
spy_spawn_end_async (GSubprocess         *child,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;
  EndData *data;

  g_return_if_fail (G_IS_SUBPROCESS (child));

  task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, spy_spawn_end_async);
  data = g_new0 (EndData, 1);
  data->child = g_object_ref (child);
  g_task_set_task_data (task, data, (GDestroyNotify) end_data_free);
  if (child_pid (child) > 0)
    {
      g_subprocess_send_signal (child, SIGINT);
      /* The timer holds no reference: it goes with the task's data. */
      data->timer = g_timeout_source_new (SPY_SPAWN_GRACE_US / 1000);
      g_source_set_callback (data->timer, on_grace_over, task, NULL);
      g_source_attach (data->timer, g_main_context_get_thread_default ());
    }
  g_subprocess_wait_async (child, NULL, on_child_waited, task);
}

gboolean
spy_spawn_end_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
