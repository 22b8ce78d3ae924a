/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-flamegraph-widget.c: SpyFlamegraph in a window: drawing, actions, zoom, search, live refresh (needs a display) */

#include "config.h"

#include <string.h>

#include "spy-flamegraph.h"
#include "spy-flamegraph-render.h"

typedef struct {
  GtkWindow     *window;
  SpyFlamegraph *flamegraph;
  SpyProfile    *profile;
  SpyCallTree   *tree;
  guint          zoom_notifies;
  guint          fraction_notifies;
} Fixture;

static void
add_stack (SpyProfile *profile,
           guint       count,
           ...)
{
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *name;
  va_list args;

  if (spy_profile_get_n_threads (profile) == 0)
    spy_profile_add_thread (profile, 1, 1, 1, "MainThread");
  va_start (args, count);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      guint32 frame = spy_profile_intern_frame (profile, name, "/srv/tool.py", 1 + strlen (name), SPY_FRAME_PYTHON);

      g_array_append_val (frames, frame);
    }
  va_end (args);
  spy_profile_add_samples (profile, 0, 0,
                           spy_profile_intern_frames (profile, (guint32 *) (gpointer) frames->data, frames->len),
                           0, count);
}

static SpyCallTree *
make_tree (SpyProfile *profile)
{
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;

  return spy_call_tree_new (profile, &filter);
}

/* The node reached from the root by the functions in @path, or NONE. */
static guint32
find_path (SpyCallTree *tree,
           const char  *path)
{
  g_auto(GStrv) names = g_strsplit (path, "/", -1);
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  guint32 node = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      guint32 c = spy_call_tree_get_node (tree, node)->first_child;

      while (c != SPY_CALL_TREE_NONE &&
             !g_str_equal (spy_profile_get_string (profile, spy_profile_get_frame (profile, spy_call_tree_get_node (tree, c)->frame)->function), names[i]))
        c = spy_call_tree_get_node (tree, c)->next_sibling;
      if (c == SPY_CALL_TREE_NONE)
        return SPY_CALL_TREE_NONE;
      node = c;
    }
  return node;
}

static void
wait_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           Fixture    *fixture)
{
  if (g_str_equal (pspec->name, "zoom-node"))
    fixture->zoom_notifies++;
  else if (g_str_equal (pspec->name, "search-fraction"))
    fixture->fraction_notifies++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  fixture->profile = spy_profile_new ();
  /* main→a→b ×3, main→c ×1, run ×4 */
  add_stack (fixture->profile, 3, "main", "a", "b", NULL);
  add_stack (fixture->profile, 1, "main", "c", NULL);
  add_stack (fixture->profile, 4, "run", NULL);
  fixture->tree = make_tree (fixture->profile);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 1280, 800);
  fixture->flamegraph = SPY_FLAMEGRAPH (spy_flamegraph_new ());
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->flamegraph));
  g_signal_connect (fixture->flamegraph, "notify", G_CALLBACK (on_notify), fixture);
  spy_flamegraph_set_tree (fixture->flamegraph, fixture->tree);
  gtk_window_present (fixture->window);
  while (g_get_monotonic_time () < deadline &&
         (!gtk_widget_get_mapped (GTK_WIDGET (fixture->flamegraph)) ||
          gtk_widget_get_width (GTK_WIDGET (fixture->flamegraph)) < 1280))
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (fixture->flamegraph)));
  wait_ms (100);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  g_clear_pointer (&fixture->tree, spy_call_tree_unref);
  g_clear_object (&fixture->profile);
}

/* Renders the widget as the window would, into a texture. */
static GdkTexture *
render_widget (Fixture *fixture)
{
  GtkWidget *widget = GTK_WIDGET (fixture->flamegraph);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (fixture->window)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static guint32
texture_pixel (GdkTexture *texture,
               guchar     *data,
               int         x,
               int         y)
{
  return ((guint32 *) (gpointer) data)[y * gdk_texture_get_width (texture) + x] & 0xffffff;
}

static void
test_draws (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *path = g_build_filename (g_test_get_dir (G_TEST_BUILT), "flamegraph-widget.png", NULL);
  int width, height;
  guint32 empty;

  texture = render_widget (fixture);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  g_assert_cmpint (width, ==, 1280);
  g_assert_cmpint (height, ==, 800);
  pixels = g_malloc (width * height * 4);
  gdk_texture_download (texture, pixels, width * 4);
  /* Far above the 3 rows of frames: background; frames at the bottom. */
  empty = texture_pixel (texture, pixels, width / 2, height / 2);
  g_assert_cmphex (texture_pixel (texture, pixels, 5, height - 5), !=, empty);
  g_assert_cmphex (texture_pixel (texture, pixels, width - 5, height - 5), !=, empty);
  g_assert_cmphex (texture_pixel (texture, pixels, 5, height - 2 * SPY_FLAME_ROW_HEIGHT - 5), !=, empty);
  g_assert_cmphex (texture_pixel (texture, pixels, width - 5, height - 2 * SPY_FLAME_ROW_HEIGHT - 5), ==, empty);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
}

static void
test_actions (Fixture       *fixture,
              gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->flamegraph);
  guint32 b = find_path (fixture->tree, "main/a/b");
  guint32 a = find_path (fixture->tree, "main/a");

  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, 0);
  spy_flamegraph_zoom_to (fixture->flamegraph, b);
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, b);
  g_assert_cmpuint (fixture->zoom_notifies, ==, 1);
  wait_ms (250);   /* the animation runs and ends */

  g_assert_true (gtk_widget_activate_action (widget, "flamegraph.zoom-out", NULL));
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, a);
  g_assert_true (gtk_widget_activate_action (widget, "flamegraph.reset-zoom", NULL));
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, 0);
  g_assert_cmpuint (fixture->zoom_notifies, ==, 3);
  /* At the root there is nothing to zoom out of. */
  gtk_widget_activate_action (widget, "flamegraph.zoom-out", NULL);
  g_assert_false (spy_flamegraph_zoom_out (fixture->flamegraph));
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, 0);

  g_assert_false (spy_flamegraph_get_inverted (fixture->flamegraph));
  g_assert_true (gtk_widget_activate_action (widget, "flamegraph.toggle-inverted", NULL));
  g_assert_true (spy_flamegraph_get_inverted (fixture->flamegraph));
  wait_ms (50);
  g_object_set (fixture->flamegraph, "zoom-node", a, NULL);
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, a);
  wait_ms (250);
}

static void
test_search (Fixture       *fixture,
             gconstpointer  data)
{
  double fraction;

  spy_flamegraph_set_search (fixture->flamegraph, "b");
  g_assert_cmpfloat_with_epsilon (spy_flamegraph_get_search_fraction (fixture->flamegraph), 3.0 / 8, 1e-12);
  g_object_get (fixture->flamegraph, "search-fraction", &fraction, NULL);
  g_assert_cmpfloat_with_epsilon (fraction, 3.0 / 8, 1e-12);
  g_assert_cmpuint (fixture->fraction_notifies, ==, 1);
  wait_ms (50);
  spy_flamegraph_set_search (fixture->flamegraph, "");
  g_assert_cmpfloat (spy_flamegraph_get_search_fraction (fixture->flamegraph), ==, 0);
  g_assert_cmpuint (fixture->fraction_notifies, ==, 2);
}

/* Live recording: a new tree every second; the zoom follows the same
 * frames, also when node indices move. */
static void
test_refresh_keeps_zoom (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SpyCallTree) grown = NULL;
  g_autoptr(SpyCallTree) shifted = NULL;
  g_autoptr(SpyCallTree) shrunk = NULL;
  g_autoptr(SpyProfile) reloaded = spy_profile_new ();
  g_autoptr(SpyProfile) other = spy_profile_new ();

  spy_flamegraph_set_search (fixture->flamegraph, "b");
  spy_flamegraph_zoom_to (fixture->flamegraph, find_path (fixture->tree, "main/a/b"));
  wait_ms (200);
  add_stack (fixture->profile, 5, "start", "init", NULL);
  add_stack (fixture->profile, 2, "main", "a", "b", "deeper", NULL);
  add_stack (fixture->profile, 2, "main", "aa", NULL);
  grown = make_tree (fixture->profile);
  spy_flamegraph_set_tree (fixture->flamegraph, grown);
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, find_path (grown, "main/a/b"));
  /* b now has 5 of 17 samples. */
  g_assert_cmpfloat_with_epsilon (spy_flamegraph_get_search_fraction (fixture->flamegraph), 5.0 / 17, 1e-12);
  wait_ms (50);

  /* The same stacks in another order (another profile): indices move. */
  add_stack (reloaded, 5, "start", "init", NULL);
  add_stack (reloaded, 2, "main", "aa", NULL);
  add_stack (reloaded, 3, "main", "a", "b", NULL);
  shifted = make_tree (reloaded);
  g_assert_cmpuint (find_path (shifted, "main/a/b"), !=, find_path (grown, "main/a/b"));
  spy_flamegraph_set_tree (fixture->flamegraph, shifted);
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, find_path (shifted, "main/a/b"));

  /* Without main→a→b: the deepest frame of the path that remains. */
  add_stack (other, 1, "main", "a", "x", NULL);
  shrunk = make_tree (other);
  spy_flamegraph_set_tree (fixture->flamegraph, shrunk);
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, find_path (shrunk, "main/a"));
  spy_flamegraph_set_tree (fixture->flamegraph, NULL);
  g_assert_cmpuint (spy_flamegraph_get_zoom_node (fixture->flamegraph), ==, 0);
  wait_ms (50);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (!gtk_init_check ())
    {
      g_printerr ("No display: skipped\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/flamegraph/widget/draws-frames-in-window", Fixture, NULL, fixture_set_up, test_draws, fixture_tear_down);
  g_test_add ("/flamegraph/widget/actions-zoom-and-invert", Fixture, NULL, fixture_set_up, test_actions, fixture_tear_down);
  g_test_add ("/flamegraph/widget/search-fraction", Fixture, NULL, fixture_set_up, test_search, fixture_tear_down);
  g_test_add ("/flamegraph/widget/refresh-keeps-zoom", Fixture, NULL, fixture_set_up, test_refresh_keeps_zoom, fixture_tear_down);
  return g_test_run ();
}
