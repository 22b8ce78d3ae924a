/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-flamegraph.c: flamegraph layout and drawing of 100 000 distinct stacks, offscreen; figures, no asserts on time */

#include "config.h"

#include <stdio.h>

#include "spy-flamegraph-render.h"

#define N_STACKS   100000
#define MAX_DEPTH  40
#define N_FUNCTIONS 3000
#define N_FILES    300
#define N_DRAWS    50
#define WIDTH      1920
#define HEIGHT     1080

/* A function of the program: names and files from pools, a third of
 * them in the standard library and site-packages. */
static guint32
new_frame (SpyProfile *profile,
           GRand      *rand)
{
  guint n = g_rand_int_range (rand, 0, N_FUNCTIONS);
  guint file = n % N_FILES;
  g_autofree char *function = g_strdup_printf ("%s_%u", n % 3 == 0 ? "handle" : n % 3 == 1 ? "compute" : "load", n);
  g_autofree char *path = NULL;

  if (file < 60)
    path = g_strdup_printf ("/usr/lib/python3.11/module_%u.py", file);
  else if (file < 150)
    path = g_strdup_printf ("/srv/venv/lib/python3.11/site-packages/pkg_%u/core.py", file);
  else
    path = g_strdup_printf ("/srv/app/service/part_%u.py", file);
  return spy_profile_intern_frame (profile, function, path, 10 + n % 700, SPY_FRAME_PYTHON);
}

/* Each new stack is an earlier one with a few frames returned from and a
 * few new calls made, so stacks share long prefixes as in a real program;
 * recent stacks are picked more often, as a program moves on. */
static SpyProfile *
make_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GArray) stacks = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 thread = spy_profile_add_thread (profile, 1, 1, 1, "MainThread");
  guint32 stack;

  for (guint d = 0; d < 4; d++)
    {
      guint32 frame = new_frame (profile, rand);

      g_array_append_val (frames, frame);
    }
  stack = spy_profile_intern_frames (profile, (guint32 *) (gpointer) frames->data, frames->len);
  g_array_append_val (stacks, stack);
  while (stacks->len < N_STACKS)
    {
      double u = g_rand_double (rand);
      guint32 from = g_array_index (stacks, guint32, stacks->len - 1 - (guint) ((stacks->len - 1) * u * u * u));
      guint n_pops = g_rand_int_range (rand, 0, 4), n_pushes = g_rand_int_range (rand, 1, 4);
      guint n_before = spy_profile_get_n_stacks (profile);

      spy_profile_stack_frames (profile, from, frames);
      g_array_set_size (frames, MAX (frames->len, n_pops + 1) - n_pops);
      for (guint i = 0; i < n_pushes && frames->len < MAX_DEPTH; i++)
        {
          guint32 frame = new_frame (profile, rand);

          g_array_append_val (frames, frame);
        }
      stack = spy_profile_intern_frames (profile, (guint32 *) (gpointer) frames->data, frames->len);
      if (spy_profile_get_n_stacks (profile) == n_before)
        continue;
      g_array_append_val (stacks, stack);
    }
  for (guint i = 0; i < stacks->len; i++)
    spy_profile_add_samples (profile, 0, thread, g_array_index (stacks, guint32, i), 0,
                             1 + (guint64) (20 * g_rand_double (rand) * g_rand_double (rand)));
  return profile;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return values[n / 2];
}

/* Median ms of N_DRAWS draws; @scale_step > 0 changes the horizontal zoom
 * on every draw, as an animation does. */
static double
time_draws (cairo_t         *cr,
            SpyFlameLayout  *layout,
            GArray          *crumbs,
            SpyFlameOptions *options,
            double           scale_step)
{
  double times[N_DRAWS];

  for (guint i = 0; i < N_DRAWS; i++)
    {
      gint64 start = g_get_monotonic_time ();

      if (scale_step > 0)
        {
          options->x_scale = 1 + i * scale_step;
          options->x_offset = WIDTH * 0.25 * (1 - 1 / options->x_scale);
        }
      spy_flame_render (cr, WIDTH, HEIGHT, layout, crumbs, options);
      cairo_surface_flush (cairo_get_target (cr));
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  return median (times, N_DRAWS);
}

/* Down the heaviest child @depth times. */
static guint32
heavy_node (SpyCallTree *tree,
            guint        depth)
{
  guint32 node = 0;

  for (guint d = 0; d < depth; d++)
    {
      guint32 best = SPY_CALL_TREE_NONE;

      for (guint32 c = spy_call_tree_get_node (tree, node)->first_child; c != SPY_CALL_TREE_NONE;
           c = spy_call_tree_get_node (tree, c)->next_sibling)
        if (best == SPY_CALL_TREE_NONE || spy_call_tree_get_node (tree, c)->total > spy_call_tree_get_node (tree, best)->total)
          best = c;
      if (best == SPY_CALL_TREE_NONE)
        break;
      node = best;
    }
  return node;
}

/* Zoomed into the heaviest frame at depth 6: more, smaller frames. */
static void
bench_zoomed (cairo_t         *cr,
              SpyCallTree     *tree,
              SpyFlameOptions *options)
{
  guint32 zoom = heavy_node (tree, 6);
  g_autoptr(SpyFlameLayout) layout = NULL;
  g_autoptr(GArray) crumbs = spy_flame_crumbs_new (tree, zoom, WIDTH, NULL);
  gint64 start = g_get_monotonic_time ();
  guint n_rects;

  layout = spy_flame_layout_new (tree, zoom, WIDTH);
  printf ("zoomed layout: %.2f ms, %u rectangles\n", (g_get_monotonic_time () - start) / 1000.0,
          (spy_flame_layout_get_rects (layout, &n_rects), n_rects));
  options->x_scale = 1;
  options->x_offset = 0;
  spy_flame_render (cr, WIDTH, HEIGHT, layout, crumbs, options);
  printf ("draw %dx%d zoomed, redraw: %.2f ms (median of %d)\n", WIDTH, HEIGHT,
          time_draws (cr, layout, crumbs, options, 0), N_DRAWS);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SpyProfile) profile = NULL;
  g_autoptr(SpyCallTree) tree = NULL;
  g_autoptr(SpyFlameLayout) layout = NULL;
  g_autoptr(GArray) crumbs = NULL;
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  SpyFlameOptions options;
  double layout_times[10], tree_ms, cold_ms;
  gint64 start;
  guint n_rects;

  profile = make_profile ();
  start = g_get_monotonic_time ();
  tree = spy_call_tree_new (profile, &filter);
  tree_ms = (g_get_monotonic_time () - start) / 1000.0;
  for (guint i = 0; i < G_N_ELEMENTS (layout_times); i++)
    {
      g_clear_pointer (&layout, spy_flame_layout_free);
      start = g_get_monotonic_time ();
      layout = spy_flame_layout_new (tree, 0, WIDTH);
      layout_times[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  spy_flame_layout_get_rects (layout, &n_rects);
  crumbs = spy_flame_crumbs_new (tree, 0, WIDTH, NULL);
  spy_flame_options_init (&options);

  start = g_get_monotonic_time ();
  spy_flame_render (cr, WIDTH, HEIGHT, layout, crumbs, &options);
  cold_ms = (g_get_monotonic_time () - start) / 1000.0;

  printf ("stacks %u, call-tree nodes %u, max depth %u, samples %u\n", N_STACKS,
          spy_call_tree_get_n_nodes (tree), spy_call_tree_get_max_depth (tree), spy_profile_get_n_samples (profile));
  printf ("call tree: %.2f ms\n", tree_ms);
  printf ("layout at %d px: %.2f ms (median of %u), %u rectangles drawn of %u nodes\n", WIDTH,
          median (layout_times, G_N_ELEMENTS (layout_times)), (guint) G_N_ELEMENTS (layout_times),
          n_rects, spy_call_tree_get_n_nodes (tree));
  printf ("draw %dx%d, first (labels measured): %.2f ms\n", WIDTH, HEIGHT, cold_ms);
  {
    /* A live refresh: a new tree of the same profile, a new layout. */
    g_autoptr(SpyCallTree) again = spy_call_tree_new (profile, &filter);
    SpyFlameLayout *fresh = spy_flame_layout_new (again, 0, WIDTH);

    start = g_get_monotonic_time ();
    spy_flame_render (cr, WIDTH, HEIGHT, fresh, crumbs, &options);
    printf ("draw %dx%d, first after a live refresh (new tree and layout): %.2f ms\n", WIDTH, HEIGHT,
            (g_get_monotonic_time () - start) / 1000.0);
    spy_flame_layout_free (fresh);
  }
  printf ("draw %dx%d, redraw (hover): %.2f ms (median of %d)\n", WIDTH, HEIGHT,
          time_draws (cr, layout, crumbs, &options, 0), N_DRAWS);
  options.search = spy_flame_search_new (tree, "compute_1");
  printf ("draw %dx%d, with a search: %.2f ms (median of %d), %.1f %% matched\n", WIDTH, HEIGHT,
          time_draws (cr, layout, crumbs, &options, 0), N_DRAWS, 100 * spy_flame_search_get_fraction (options.search));
  g_clear_pointer (&options.search, spy_flame_search_free);
  printf ("draw %dx%d, zooming (scale changes every frame): %.2f ms (median of %d)\n", WIDTH, HEIGHT,
          time_draws (cr, layout, crumbs, &options, 0.02), N_DRAWS);

  bench_zoomed (cr, tree, &options);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return 0;
}
