/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-formats.c: a million samples copied, saved and loaded as .spyprof; figures, no asserts on time */

#include "config.h"

#include <stdio.h>

#include <glib/gstdio.h>

#include "spy-format.h"

#define N_SAMPLES  1000000
#define N_THREADS  4
#define N_STACKS   1000
#define DEPTH      50

/* ~1000 distinct stacks of depth ~50 over a few hundred frames: a shared
 * trunk, then branches, as real programs have. */
static SpyProfile *
make_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint32 stacks[N_STACKS], frames[DEPTH + 8];
  guint32 threads[N_THREADS];

  spy_profile_get_meta (profile)->rate = 100;
  for (guint t = 0; t < N_THREADS; t++)
    {
      g_autofree char *name = g_strdup_printf ("worker-%u", t);

      threads[t] = spy_profile_add_thread (profile, 1000, 0x7f0000 + t, 1000 + t, name);
    }
  for (guint s = 0; s < N_STACKS; s++)
    {
      guint depth = DEPTH - 4 + g_rand_int_range (rand, 0, 9);

      for (guint d = 0; d < depth; d++)
        {
          guint variant = d < 20 ? 0 : g_rand_int_range (rand, 0, 6);
          g_autofree char *function = g_strdup_printf ("function_%u_%u", d, variant);
          g_autofree char *file = g_strdup_printf ("/srv/app/package/module_%u.py", d % 30);

          frames[d] = spy_profile_intern_frame (profile, function, file, 10 + d * 3 + variant,
                                                SPY_FRAME_PYTHON);
        }
      stacks[s] = spy_profile_intern_frames (profile, frames, depth);
    }
  /* Each 10 ms tick samples every thread, with jitter; a thread moves to
   * another stack on a third of its samples, as busy code does. */
  for (guint i = 0, current[N_THREADS] = { 0 }; i < N_SAMPLES; i++)
    {
      guint t = i % N_THREADS;
      guint64 time = (guint64) (i / N_THREADS) * 10000 + t * 13 + g_rand_int_range (rand, 0, 200);

      if (g_rand_int_range (rand, 0, 3) == 0)
        current[t] = g_rand_int_range (rand, 0, N_STACKS);
      spy_profile_add_sample (profile, time, threads[t], stacks[current[t]],
                              t == 0 ? SPY_SAMPLE_GIL : (g_rand_boolean (rand) ? SPY_SAMPLE_IDLE : 0));
    }
  return profile;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SpyProfile) profile = NULL;
  g_autoptr(SpyProfile) loaded = NULL;
  g_autoptr(SpyProfile) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("spy-bench-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bench.spyprof", NULL);
  g_autofree char *why = NULL;
  GStatBuf st;
  gint64 start, save_us, load_us, copy_us;
  guint n;

  profile = make_profile ();
  n = spy_profile_get_n_samples (profile);
  printf ("samples: %u, threads: %u, stacks: %u, frames: %u\n", n,
          spy_profile_get_n_threads (profile), spy_profile_get_n_stacks (profile),
          spy_profile_get_n_frames (profile));
  printf ("in memory: %.1f bytes per sample (+ %.1f KiB of tables)\n",
          (double) spy_profile_get_sample_bytes (profile) / n,
          spy_profile_get_table_bytes (profile) / 1024.0);

  /* What the window pays on the main loop for each recovery write. */
  start = g_get_monotonic_time ();
  copy = spy_profile_copy (profile);
  copy_us = g_get_monotonic_time () - start;
  if (!spy_profile_equal (profile, copy, &why))
    g_error ("the copy differs: %s", why);

  start = g_get_monotonic_time ();
  if (!spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, &error))
    g_error ("save: %s", error->message);
  save_us = g_get_monotonic_time () - start;
  g_stat (path, &st);

  start = g_get_monotonic_time ();
  loaded = spy_profile_load (path, &error);
  if (loaded == NULL)
    g_error ("load: %s", error->message);
  load_us = g_get_monotonic_time () - start;

  printf ("copy (main loop, per recovery write): %.3f s\n", copy_us / 1e6);
  printf ("save .spyprof: %.3f s\n", save_us / 1e6);
  printf ("load .spyprof: %.3f s\n", load_us / 1e6);
  printf ("file size: %.2f MiB (%.2f bytes per sample)\n", st.st_size / 1048576.0,
          (double) st.st_size / n);
  if (!spy_profile_equal (profile, loaded, &why))
    g_error ("the loaded profile differs: %s", why);

  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
