/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-live.c: the window's frame time while it records (1000 Hz unless
 * told), against the same window showing the same profile without
 * recording.
 *
 *   bench-live PYTHON WORKLOAD [RATE]     (needs a display: xvfb-run)
 *
 * The flamegraph is redrawn on every frame (as during a zoom animation or
 * a drag), so each frame does the full layout and paint. Figures: the time
 * between frames, the main thread's work per frame, and the longest stall
 * of the main loop (a 5 ms timer's lateness), where a refresh of the call
 * tree and the table shows. */

#include "config.h"

#include <gtk/gtk.h>
#include <signal.h>
#include <stdio.h>

#include "spy-profile-view.h"

#define DEFAULT_RATE 1000
#define PHASE_SECONDS 10.0

typedef struct {
  GArray *intervals;   /* ms between frames */
  GArray *work;        /* ms from the frame's start (update) to its end */
  GArray *lateness;    /* ms a 5 ms timer fired late */
  gint64  last_frame;
  gint64  layout_start;
  gint64  timer_due;
} Figures;

static void
figures_reset (Figures *figures)
{
  g_array_set_size (figures->intervals, 0);
  g_array_set_size (figures->work, 0);
  g_array_set_size (figures->lateness, 0);
  figures->last_frame = 0;
}

static void
on_update (GdkFrameClock *clock,
           Figures       *figures)
{
  figures->layout_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Figures       *figures)
{
  gint64 now = g_get_monotonic_time ();
  double ms;

  if (figures->layout_start != 0)
    {
      ms = (now - figures->layout_start) / 1000.0;
      g_array_append_val (figures->work, ms);
    }
  if (figures->last_frame != 0)
    {
      ms = (now - figures->last_frame) / 1000.0;
      g_array_append_val (figures->intervals, ms);
    }
  figures->last_frame = now;
}

static gboolean
redraw_every_frame (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timer (gpointer data)
{
  Figures *figures = data;
  gint64 now = g_get_monotonic_time ();
  double late = MAX (0, now - figures->timer_due) / 1000.0;

  g_array_append_val (figures->lateness, late);
  figures->timer_due = now + 5000;
  return G_SOURCE_CONTINUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

static void
run_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

static void
report (const char *name,
        Figures    *figures)
{
  printf ("  %-28s %4u frames; between frames p50 %5.1f p95 %5.1f max %6.1f ms; "
          "work per frame p50 %4.1f p95 %4.1f max %5.1f ms; main loop stall p99 %5.1f max %6.1f ms\n",
          name, figures->intervals->len,
          percentile (figures->intervals, 0.5), percentile (figures->intervals, 0.95), percentile (figures->intervals, 1.0),
          percentile (figures->work, 0.5), percentile (figures->work, 0.95), percentile (figures->work, 1.0),
          percentile (figures->lateness, 0.99), percentile (figures->lateness, 1.0));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(SpySampler) sampler = NULL;
  g_autoptr(GError) error = NULL;
  Figures figures = { 0 };
  GtkWidget *window, *view;
  GdkFrameClock *clock;
  GPid pid;
  guint rate = DEFAULT_RATE;
  g_autofree char *what = NULL;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (argc == 4)
    rate = (guint) g_ascii_strtoull (argv[3], NULL, 10);
  if ((argc != 3 && argc != 4) || rate == 0 || rate > SPY_SAMPLER_MAX_RATE)
    {
      fprintf (stderr, "usage: bench-live PYTHON WORKLOAD [RATE]\n");
      return 2;
    }
  if (!g_file_test (argv[1], G_FILE_TEST_IS_EXECUTABLE))
    {
      printf ("SKIP: %s is not installed\n", argv[1]);
      return 77;
    }
  if (!gtk_init_check ())
    {
      printf ("SKIP: no display (run under xvfb-run)\n");
      return 77;
    }
  figures.intervals = g_array_new (FALSE, FALSE, sizeof (double));
  figures.work = g_array_new (FALSE, FALSE, sizeof (double));
  figures.lateness = g_array_new (FALSE, FALSE, sizeof (double));

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, argv[1], argv[2], "--quiet", NULL);
  if (child == NULL)
    g_error ("%s", error->message);
  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (child), NULL, 10);
  g_usleep (G_USEC_PER_SEC / 2);

  window = gtk_window_new ();
  view = spy_profile_view_new ();
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  run_for (0.5);

  sampler = spy_sampler_new (pid);
  spy_sampler_set_rate (sampler, rate);
  spy_sampler_set_idle (sampler, TRUE);
  if (!spy_sampler_start (sampler, &error))
    g_error ("%s", error->message);
  spy_profile_view_set_sampler (SPY_PROFILE_VIEW (view), sampler);

  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "update", G_CALLBACK (on_update), &figures);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &figures);
  gtk_widget_add_tick_callback (GTK_WIDGET (spy_profile_view_get_flamegraph (SPY_PROFILE_VIEW (view))),
                                redraw_every_frame, NULL, NULL);
  figures.timer_due = g_get_monotonic_time () + 5000;
  g_timeout_add (5, on_timer, &figures);

  printf ("The window (1280×800) redrawing every frame, demo workload (%s):\n", argv[1]);
  run_for (1.0);
  figures_reset (&figures);
  run_for (PHASE_SECONDS);
  what = g_strdup_printf ("recording at %u Hz", rate);
  report (what, &figures);
  printf ("  (%llu samples in %.0f s, %llu late ticks)\n",
          (unsigned long long) spy_sampler_get_samples_taken (sampler), spy_sampler_get_elapsed (sampler),
          (unsigned long long) spy_sampler_get_samples_late (sampler));

  /* The same view with the same (now larger) profile, not recording. */
  spy_sampler_stop (sampler);
  run_for (1.0);
  figures_reset (&figures);
  run_for (PHASE_SECONDS / 2);
  report ("the same profile, stopped", &figures);

  g_subprocess_send_signal (child, SIGINT);
  g_subprocess_wait (child, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (figures.intervals);
  g_array_unref (figures.work);
  g_array_unref (figures.lateness);
  return 0;
}
