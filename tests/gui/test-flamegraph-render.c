/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-flamegraph-render.c: flamegraph layout, search, hit testing and offscreen drawing, no display */

#include "config.h"

#include <string.h>

#include "spy-flamegraph-render.h"

/* Adds @count samples of a stack given outermost first as
 * "function@file:line" strings, NULL-terminated. */
static void
add_stack (SpyProfile *profile,
           guint       count,
           ...)
{
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *spec;
  va_list args;
  guint32 thread;

  if (spy_profile_get_n_threads (profile) == 0)
    spy_profile_add_thread (profile, 1, 1, 1, "MainThread");
  thread = 0;
  va_start (args, count);
  while ((spec = va_arg (args, const char *)) != NULL)
    {
      g_auto(GStrv) parts = g_strsplit_set (spec, "@", 2);
      const char *colon = strrchr (parts[1], ':');
      g_autofree char *file = g_strndup (parts[1], colon - parts[1]);
      guint32 frame = spy_profile_intern_frame (profile, parts[0], file, atoi (colon + 1), SPY_FRAME_PYTHON);

      g_array_append_val (frames, frame);
    }
  va_end (args);
  spy_profile_add_samples (profile, 0, thread,
                           spy_profile_intern_frames (profile, (guint32 *) (gpointer) frames->data, frames->len),
                           0, count);
}

/* main→a→b ×3, main→c ×1, run ×4. */
static SpyCallTree *
make_small_tree (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;

  add_stack (profile, 3, "main@/srv/tool.py:1", "a@/srv/tool.py:10", "b@/srv/tool.py:20", NULL);
  add_stack (profile, 1, "main@/srv/tool.py:1", "c@/srv/tool.py:30", NULL);
  add_stack (profile, 4, "run@/srv/loop.py:5", NULL);
  return spy_call_tree_new (profile, &filter);
}

/* The node whose function is @name (first in index order). */
static guint32
node_named (SpyCallTree *tree,
            const char  *name)
{
  SpyProfile *profile = spy_call_tree_get_profile (tree);

  for (guint i = 1; i < spy_call_tree_get_n_nodes (tree); i++)
    {
      const SpyProfileFrame *frame = spy_profile_get_frame (profile, spy_call_tree_get_node (tree, i)->frame);

      if (g_str_equal (spy_profile_get_string (profile, frame->function), name))
        return i;
    }
  g_assert_not_reached ();
}

static void
assert_rect (SpyFlameLayout *layout,
             SpyCallTree    *tree,
             const char     *name,
             guint           depth,
             double          x,
             double          width)
{
  const SpyFlameRect *rect = spy_flame_layout_find_node (layout, node_named (tree, name));

  g_assert_nonnull (rect);
  g_assert_cmpuint (rect->depth, ==, depth);
  g_assert_cmpfloat_with_epsilon (rect->x, x, 1e-9);
  g_assert_cmpfloat_with_epsilon (rect->width, width, 1e-9);
  g_assert_cmpuint (rect->n_merged, ==, 1);
}

static void
test_layout_exact (void)
{
  g_autoptr(SpyCallTree) tree = make_small_tree ();
  g_autoptr(SpyFlameLayout) layout = spy_flame_layout_new (tree, 0, 1000);
  const SpyFlameRect *rects;
  guint n_rects;

  rects = spy_flame_layout_get_rects (layout, &n_rects);
  g_assert_cmpuint (n_rects, ==, 5);
  g_assert_cmpuint (spy_flame_layout_get_n_rows (layout), ==, 3);
  assert_rect (layout, tree, "main", 0, 0, 500);
  assert_rect (layout, tree, "run", 0, 500, 500);
  assert_rect (layout, tree, "a", 1, 0, 375);
  assert_rect (layout, tree, "c", 1, 375, 125);
  assert_rect (layout, tree, "b", 2, 0, 375);
  /* Sorted by (row, x). */
  for (guint i = 1; i < n_rects; i++)
    g_assert_true (rects[i - 1].depth < rects[i].depth ||
                   (rects[i - 1].depth == rects[i].depth && rects[i - 1].x < rects[i].x));
}

static void
test_layout_zoom (void)
{
  g_autoptr(SpyCallTree) tree = make_small_tree ();
  g_autoptr(SpyFlameLayout) layout = spy_flame_layout_new (tree, node_named (tree, "main"), 1000);
  g_autoptr(SpyFlameLayout) deeper = spy_flame_layout_new (tree, node_named (tree, "a"), 1000);

  /* The zoomed frame spans the width; its children share it. */
  assert_rect (layout, tree, "main", 0, 0, 1000);
  assert_rect (layout, tree, "a", 1, 0, 750);
  assert_rect (layout, tree, "c", 1, 750, 250);
  assert_rect (layout, tree, "b", 2, 0, 750);
  g_assert_null (spy_flame_layout_find_node (layout, node_named (tree, "run")));
  /* Ancestors stay as full-width context. */
  assert_rect (deeper, tree, "main", 0, 0, 1000);
  assert_rect (deeper, tree, "a", 1, 0, 1000);
  assert_rect (deeper, tree, "b", 2, 0, 1000);
  g_assert_null (spy_flame_layout_find_node (deeper, node_named (tree, "c")));
}

static void
test_search_fraction (void)
{
  g_autoptr(SpyCallTree) tree = make_small_tree ();
  g_autoptr(SpyFlameSearch) b = spy_flame_search_new (tree, "b");
  g_autoptr(SpyFlameSearch) upper = spy_flame_search_new (tree, "B");
  g_autoptr(SpyFlameSearch) file = spy_flame_search_new (tree, "loop.py");
  g_autoptr(SpyFlameSearch) none = spy_flame_search_new (tree, "zzz");

  g_assert_cmpfloat_with_epsilon (spy_flame_search_get_fraction (b), 3.0 / 8, 1e-12);
  g_assert_true (spy_flame_search_matches (b, node_named (tree, "b")));
  g_assert_false (spy_flame_search_matches (b, node_named (tree, "a")));
  g_assert_cmpfloat_with_epsilon (spy_flame_search_get_fraction (upper), 3.0 / 8, 1e-12);
  g_assert_cmpfloat_with_epsilon (spy_flame_search_get_fraction (file), 4.0 / 8, 1e-12);
  g_assert_cmpfloat (spy_flame_search_get_fraction (none), ==, 0);
}

/* x→y→x ×2, x ×1, z ×1: a sample whose stack matches twice counts once. */
static void
test_search_counts_sample_once (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(SpyCallTree) tree = NULL;
  g_autoptr(SpyFlameSearch) search = NULL;

  add_stack (profile, 2, "x@/m.py:1", "y@/m.py:2", "x@/m.py:1", NULL);
  add_stack (profile, 1, "x@/m.py:1", NULL);
  add_stack (profile, 1, "z@/m.py:3", NULL);
  tree = spy_call_tree_new (profile, &filter);
  search = spy_flame_search_new (tree, "x");
  g_assert_cmpfloat_with_epsilon (spy_flame_search_get_fraction (search), 3.0 / 4, 1e-12);
}

static void
test_hit (void)
{
  g_autoptr(SpyCallTree) tree = make_small_tree ();
  g_autoptr(SpyFlameLayout) layout = spy_flame_layout_new (tree, 0, 1000);
  SpyFlameOptions options;
  const SpyFlameRect *rect;

  spy_flame_options_init (&options);
  /* Root at the bottom: row 0 is y 380…399 of 400. */
  g_assert_cmpuint (spy_flame_render_hit (layout, 400, &options, 100, 390)->node, ==, node_named (tree, "main"));
  g_assert_cmpuint (spy_flame_render_hit (layout, 400, &options, 500, 390)->node, ==, node_named (tree, "run"));
  g_assert_cmpuint (spy_flame_render_hit (layout, 400, &options, 999, 381)->node, ==, node_named (tree, "run"));
  g_assert_cmpuint (spy_flame_render_hit (layout, 400, &options, 400, 370)->node, ==, node_named (tree, "c"));
  g_assert_cmpuint (spy_flame_render_hit (layout, 400, &options, 100, 350)->node, ==, node_named (tree, "b"));
  g_assert_null (spy_flame_render_hit (layout, 400, &options, 700, 370));
  g_assert_null (spy_flame_render_hit (layout, 400, &options, 100, 10));
  g_assert_null (spy_flame_render_hit (layout, 400, &options, 1000, 390));

  /* Icicle: row 0 just under the breadcrumbs. */
  options.inverted = TRUE;
  rect = spy_flame_render_hit (layout, 400, &options, 100, SPY_FLAME_CRUMB_HEIGHT + 2);
  g_assert_cmpuint (rect->node, ==, node_named (tree, "main"));
  rect = spy_flame_render_hit (layout, 400, &options, 100, SPY_FLAME_CRUMB_HEIGHT + 2 * SPY_FLAME_ROW_HEIGHT + 2);
  g_assert_cmpuint (rect->node, ==, node_named (tree, "b"));

  /* Zoomed in horizontally: x 0…1000 of the widget shows 250…750. */
  options.x_offset = 250;
  options.x_scale = 2;
  rect = spy_flame_render_hit (layout, 400, &options, 490, SPY_FLAME_CRUMB_HEIGHT + 2);
  g_assert_cmpuint (rect->node, ==, node_named (tree, "main"));
  rect = spy_flame_render_hit (layout, 400, &options, 510, SPY_FLAME_CRUMB_HEIGHT + 2);
  g_assert_cmpuint (rect->node, ==, node_named (tree, "run"));
}

static void
test_culling (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(SpyCallTree) tree = NULL;
  g_autoptr(SpyFlameLayout) layout = NULL;
  const SpyFlameRect *rects;
  guint n_rects;

  add_stack (profile, 10000, "main@/srv/app.py:1", "big@/srv/app.py:2", NULL);
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *spec = g_strdup_printf ("tiny_%05u@/srv/app.py:%u", i, 100 + i);

      add_stack (profile, 1, "main@/srv/app.py:1", spec, NULL);
    }
  tree = spy_call_tree_new (profile, &filter);
  g_assert_cmpuint (spy_call_tree_get_n_nodes (tree), ==, 10003);
  layout = spy_flame_layout_new (tree, 0, 1000);
  rects = spy_flame_layout_get_rects (layout, &n_rects);
  g_assert_cmpuint (n_rects, <, 100);
  /* main, big, and the 10000 tiny frames merged into one 500 px box. */
  g_assert_cmpuint (n_rects, ==, 3);
  g_assert_cmpuint (rects[2].n_merged, ==, 10000);
  g_assert_cmpfloat_with_epsilon (rects[2].x, 500, 1e-9);
  g_assert_cmpfloat_with_epsilon (rects[2].width, 500, 1e-9);
}

/* A web service's profile: user code, the standard library, site-packages. */
static SpyCallTree *
make_realistic_tree (void)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  const char *main_ = "<module>@/srv/shop/app.py:88";
  const char *serve = "serve_forever@/usr/lib/python3.11/socketserver.py:233";
  const char *handle = "handle_request@/srv/shop/server.py:41";
  const char *route = "dispatch@/srv/shop/routes.py:17";

  add_stack (profile, 120, main_, serve, handle, route, "list_products@/srv/shop/views.py:52",
             "query@/srv/shop/db.py:30", "execute@/srv/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py:1412", NULL);
  add_stack (profile, 60, main_, serve, handle, route, "list_products@/srv/shop/views.py:52",
             "render@/srv/shop/templates.py:12", "render@/srv/venv/lib/python3.11/site-packages/jinja2/environment.py:1301", NULL);
  add_stack (profile, 45, main_, serve, handle, route, "list_products@/srv/shop/views.py:52",
             "dumps@/usr/lib/python3.11/json/__init__.py:231", "encode@/usr/lib/python3.11/json/encoder.py:199", NULL);
  add_stack (profile, 70, main_, serve, handle, route, "checkout@/srv/shop/views.py:97",
             "compute_total@/srv/shop/cart.py:64", "apply_discounts@/srv/shop/pricing.py:23", NULL);
  add_stack (profile, 25, main_, serve, handle, route, "checkout@/srv/shop/views.py:97",
             "compute_total@/srv/shop/cart.py:64", "quantize@/usr/lib/python3.11/decimal.py:300", NULL);
  add_stack (profile, 40, main_, serve, handle, "parse_headers@/usr/lib/python3.11/http/client.py:224",
             "readline@/usr/lib/python3.11/socket.py:705", NULL);
  add_stack (profile, 30, main_, serve, "select@/usr/lib/python3.11/selectors.py:415", NULL);
  add_stack (profile, 12, main_, "load_config@/srv/shop/config.py:9", "safe_load@/srv/venv/lib/python3.11/site-packages/yaml/__init__.py:125", NULL);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *leaf = g_strdup_printf ("helper_%02u@/srv/shop/util.py:%u", i, 10 + i);

      add_stack (profile, 1 + i % 4, main_, serve, handle, route, "checkout@/srv/shop/views.py:97", leaf, NULL);
    }
  add_stack (profile, 35, "run@/usr/lib/python3.11/threading.py:975", "worker@/srv/shop/jobs.py:14",
             "send_email@/srv/shop/mail.py:33", "sendmail@/usr/lib/python3.11/smtplib.py:870", NULL);
  return spy_call_tree_new (profile, &filter);
}

static gboolean
pixel_is_background (cairo_surface_t *surface,
                     int              x,
                     int              y,
                     guint32          background)
{
  guint32 *row = (guint32 *) (gpointer) (cairo_image_surface_get_data (surface) + y * cairo_image_surface_get_stride (surface));

  return (row[x] & 0xffffff) == background;
}

static void
write_png (cairo_surface_t *surface,
           const char      *name)
{
  g_autofree char *path = g_build_filename (g_test_get_dir (G_TEST_BUILT), name, NULL);

  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  g_test_message ("wrote %s", path);
}

static void
test_draw (void)
{
  g_autoptr(SpyCallTree) tree = make_realistic_tree ();
  guint32 zoom = node_named (tree, "serve_forever");
  g_autoptr(SpyFlameLayout) layout = spy_flame_layout_new (tree, zoom, 1920);
  g_autoptr(GArray) crumbs = spy_flame_crumbs_new (tree, zoom, 1920, "Sans 9");
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1920, 1080);
  cairo_t *cr = cairo_create (surface);
  SpyFlameOptions options;
  guint32 background;

  spy_flame_options_init (&options);
  options.hovered_node = node_named (tree, "checkout");
  options.focused_node = node_named (tree, "list_products");
  background = (guint32) (options.background.r * 255 + 0.5) << 16 |
               (guint32) (options.background.g * 255 + 0.5) << 8 | (guint32) (options.background.b * 255 + 0.5);
  spy_flame_render (cr, 1920, 1080, layout, crumbs, &options);
  cairo_surface_flush (surface);
  /* Frames at the bottom, nothing above the deepest row. */
  g_assert_false (pixel_is_background (surface, 10, 1080 - 10, background));
  g_assert_false (pixel_is_background (surface, 1900, 1080 - 10, background));
  g_assert_false (pixel_is_background (surface, 960, 1080 - 3 * SPY_FLAME_ROW_HEIGHT + 5, background));
  g_assert_true (pixel_is_background (surface, 960, 400, background));
  /* The breadcrumb strip. */
  g_assert_false (pixel_is_background (surface, 1900, 2, background));
  g_assert_cmpuint (crumbs->len, ==, 3);
  write_png (surface, "flamegraph-render.png");

  /* The same, searched and as an icicle, for a person to look at. */
  options.inverted = TRUE;
  options.search = spy_flame_search_new (tree, "compute");
  options.highlight_frame = spy_call_tree_get_node (tree, node_named (tree, "dumps"))->frame;
  spy_flame_render (cr, 1920, 1080, layout, crumbs, &options);
  write_png (surface, "flamegraph-render-search.png");
  g_clear_pointer (&options.search, spy_flame_search_free);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_crumbs_elide (void)
{
  g_autoptr(SpyCallTree) tree = make_realistic_tree ();
  guint32 leaf = node_named (tree, "execute");
  g_autoptr(GArray) wide = spy_flame_crumbs_new (tree, leaf, 2000, NULL);
  g_autoptr(GArray) narrow = spy_flame_crumbs_new (tree, leaf, 300, NULL);
  const SpyFlameCrumb *last;

  g_assert_cmpuint (wide->len, ==, 8);
  g_assert_cmpstr (g_array_index (wide, SpyFlameCrumb, 0).label, ==, "all");
  g_assert_cmpuint (narrow->len, <, 8);
  g_assert_cmpuint (g_array_index (narrow, SpyFlameCrumb, 1).node, ==, SPY_FLAME_NONE);
  last = &g_array_index (narrow, SpyFlameCrumb, narrow->len - 1);
  g_assert_cmpuint (last->node, ==, leaf);
  g_assert_cmpint (spy_flame_crumbs_find (narrow, last->x + 1), ==, (int) narrow->len - 1);
  g_assert_cmpint (spy_flame_crumbs_find (narrow, 5), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flamegraph/render/layout-exact-widths", test_layout_exact);
  g_test_add_func ("/flamegraph/render/zoom-children-span-width", test_layout_zoom);
  g_test_add_func ("/flamegraph/render/search-fraction", test_search_fraction);
  g_test_add_func ("/flamegraph/render/search-counts-sample-once", test_search_counts_sample_once);
  g_test_add_func ("/flamegraph/render/hit-by-binary-search", test_hit);
  g_test_add_func ("/flamegraph/render/narrow-siblings-merged", test_culling);
  g_test_add_func ("/flamegraph/render/crumbs-elide-middle", test_crumbs_elide);
  g_test_add_func ("/flamegraph/render/draw-offscreen-png", test_draw);
  return g_test_run ();
}
