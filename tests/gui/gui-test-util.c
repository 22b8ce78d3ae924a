/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gui-test-util.c: running the main loop in GUI tests until something happens */

#include "config.h"

#include "gui-test-util.h"

gboolean
gui_test_wait_for (gboolean (*done) (gpointer),
                   gpointer   data,
                   double     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return done (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
gui_test_settle (double seconds)
{
  gui_test_wait_for (never, NULL, seconds);
}
