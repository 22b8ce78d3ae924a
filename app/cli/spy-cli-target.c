/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli-target.c: the process a command profiles: a pid, or a command it starts */

#include "config.h"

#include "spy-cli.h"

/* How long a started command may take to become Python. */
#define START_TIMEOUT_US (10 * G_USEC_PER_SEC)

gboolean
spy_cli_target_init (SpyCliTarget  *target,
                     GPid           pid,
                     char         **command,
                     GError       **error)
{
  target->pid = pid;
  target->child = NULL;
  if (command == NULL || command[0] == NULL)
    return TRUE;

  target->child = spy_spawn_command ((const char * const *) command, error);
  if (target->child == NULL)
    {
      g_prefix_error (error, "Cannot start %s: ", command[0]);
      return FALSE;
    }
  target->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (target->child), NULL, 10);
  return TRUE;
}

gboolean
spy_cli_target_start (SpyCliTarget  *target,
                      SpySampler    *sampler,
                      GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;

      if (spy_sampler_start (sampler, &local_error))
        return TRUE;
      /* A command we started may still be a shell script or a shim that
       * has not exec'd Python yet. */
      if (target->child == NULL || g_get_monotonic_time () > deadline ||
          !g_error_matches (local_error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON) ||
          spy_process_is_gone (target->pid))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_usleep (5000);
    }
}

void
spy_cli_target_clear (SpyCliTarget *target)
{
  if (target->child != NULL)
    spy_spawn_end (target->child);
  g_clear_object (&target->child);
}

gboolean
spy_cli_check_target_options (const char  *pid_text,
                              char       **command,
                              int          rate,
                              GError     **error)
{
  if ((pid_text == NULL) == (command == NULL))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           "give either -p PID or -- COMMAND [ARGS…]");
      return FALSE;
    }
  if (rate < 1 || rate > SPY_SAMPLER_MAX_RATE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "the rate must be between 1 and %d samples per second", SPY_SAMPLER_MAX_RATE);
      return FALSE;
    }
  return TRUE;
}
