/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gui-test-util.c: helpers for GUI tests: waiting on the main loop,
 * screenshots, and real X input through xdotool */

#include "config.h"

#include "gui-test-util.h"

#include <string.h>

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

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

void
gui_test_wait_frames (GtkWidget *widget,
                      int        n_frames)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gint64 target;

  g_assert_nonnull (clock);
  target = gdk_frame_clock_get_frame_counter (clock) + n_frames;
  /* Ask for frames: an idle window draws none. */
  while (gdk_frame_clock_get_frame_counter (clock) < target && g_get_monotonic_time () < end)
    {
      gtk_widget_queue_draw (widget);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpint (gdk_frame_clock_get_frame_counter (clock), >=, target);
}

void
gui_test_take_events (void)
{
  /* xdotool has ended, so the X server has handled its fake input; a
   * round trip brings us every event the server made of it, then the main
   * loop dispatches them. */
  gdk_display_sync (gdk_display_get_default ());
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
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

void
gui_test_screenshot (const char *name,
                     int         width,
                     int         height)
{
  const char *dir = g_getenv ("SPY_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autofree char *import = g_find_program_in_path ("import");
  g_autofree char *geometry = g_strdup_printf ("%dx%d+0+0", width, height);

  if (dir == NULL || import == NULL)
    return;
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  gui_test_settle (0.5);
  {
    const char *argv[] = { import, "-window", "root", "-crop", geometry, "+repage", path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_test_message ("screenshot: %s", path);
}

GtkWidget *
gui_test_find_descendant (GtkWidget *widget,
                          GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gui_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
gui_test_have_xdotool (void)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");

#ifdef GDK_WINDOWING_X11
  return xdotool != NULL && GDK_IS_X11_DISPLAY (gdk_display_get_default ());
#else
  return FALSE;
#endif
}

/* Runs xdotool with @args; the test fails if it does. */
static void
xdotool (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xdotool %s failed: %s", args[0], err);
  gui_test_take_events ();
}

#ifdef GDK_WINDOWING_X11
static char *
native_xid (GtkNative *native)
{
  GdkSurface *surface = gtk_native_get_surface (native);

  return g_strdup_printf ("%lu", (unsigned long) gdk_x11_surface_get_xid (surface));
}
#endif

void
gui_test_focus_window (GtkWindow *window)
{
#ifdef GDK_WINDOWING_X11
  g_autofree char *xid = native_xid (GTK_NATIVE (window));
  const char *args[] = { "windowfocus", "--sync", xid, NULL };

  xdotool (args);
#endif
}

void
gui_test_keys (const char *keys)
{
  g_auto(GStrv) names = g_strsplit (keys, " ", -1);

  /* One at a time, each handled before the next: as a person types. */
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *args[] = { "key", "--clearmodifiers", names[i], NULL };

      if (names[i][0] != '\0')
        xdotool (args);
    }
}

void
gui_test_type (const char *text)
{
  const char *args[] = { "type", "--delay", "20", text, NULL };

  xdotool (args);
}

void
gui_test_type_then_key (const char *text,
                        const char *key)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  /* One xdotool key command: the key follows the text as quickly as
   * typing goes. (xdotool type takes every word after it as text.) */
  g_ptr_array_add (args, g_strdup ("key"));
  g_ptr_array_add (args, g_strdup ("--delay"));
  g_ptr_array_add (args, g_strdup ("20"));
  g_ptr_array_add (args, g_strdup ("--clearmodifiers"));
  for (const char *c = text; *c != '\0'; c++)
    {
      g_assert_true (g_ascii_isalnum (*c));  /* a character that is its own key name */
      g_ptr_array_add (args, g_strndup (c, 1));
    }
  g_ptr_array_add (args, g_strdup (key));
  g_ptr_array_add (args, NULL);
  xdotool ((const char * const *) args->pdata);
}

/* @widget is on a stack page that is still sliding or fading in. */
static gboolean
in_transition (GtkWidget *widget)
{
  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_STACK (w) && gtk_stack_get_transition_running (GTK_STACK (w)))
      return TRUE;
  return FALSE;
}

/* Where @widget is drawn: its surface's size and its place in it. */
static void
placement (GtkWidget *widget,
           double     where[4])
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t origin = GRAPHENE_POINT_INIT (0, 0), out = GRAPHENE_POINT_INIT (-1, -1);

  if (!gtk_widget_compute_point (widget, GTK_WIDGET (native), &origin, &out))
    out.x = out.y = -1;
  where[0] = gdk_surface_get_width (surface);
  where[1] = gdk_surface_get_height (surface);
  where[2] = out.x;
  where[3] = out.y;
}

/* Frames until @widget's surface (a popover that grows for a submenu, say)
 * and its place in it hold still: the X window then matches the layout. */
static void
wait_in_place (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  double before[4], after[4];
  int still = 0;

  placement (widget, before);
  while (still < 2 && g_get_monotonic_time () < end)
    {
      gui_test_take_events ();
      gui_test_wait_frames (widget, 2);
      placement (widget, after);
      still = memcmp (before, after, sizeof before) == 0 ? still + 1 : 0;
      memcpy (before, after, sizeof before);
    }
  g_assert_cmpint (still, ==, 2);
}

void
gui_test_click (GtkWidget *widget,
                double     x,
                double     y,
                int        button,
                int        count)
{
#ifdef GDK_WINDOWING_X11
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t in = GRAPHENE_POINT_INIT (x, y), out;
  double dx = 0, dy = 0;
  g_autofree char *xid = native_xid (native);
  g_autofree char *sx = NULL, *sy = NULL, *sbutton = g_strdup_printf ("%d", button);
  g_autofree char *srepeat = g_strdup_printf ("%d", count);

  /* A window or popover just shown takes clicks once the X server has
   * mapped it, a page sliding in (a submenu) once it is in place, and
   * both once GTK has drawn a frame of them where they are now. */
  GUI_TEST_WAIT_UNTIL (gdk_surface_get_mapped (gtk_native_get_surface (native)) && !in_transition (widget), 5.0);
  g_assert_true (gdk_surface_get_mapped (gtk_native_get_surface (native)));
  g_assert_false (in_transition (widget));
  wait_in_place (widget);
  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &in, &out));
  gtk_native_get_surface_transform (native, &dx, &dy);
  sx = g_strdup_printf ("%d", (int) (out.x + dx));
  sy = g_strdup_printf ("%d", (int) (out.y + dy));
  {
    const char *move[] = { "mousemove", "--sync", "--window", xid, sx, sy, NULL };
    const char *click[] = { "click", "--repeat", srepeat, "--delay", "80", sbutton, NULL };

    xdotool (move);
    xdotool (click);
  }
#endif
}

GtkWidget *
gui_test_find (GtkWidget  *widget,
               GType       type,
               const char *property,
               const char *value)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    {
      g_autofree char *text = NULL;

      g_object_get (widget, property, &text, NULL);
      if (g_strcmp0 (text, value) == 0)
        return widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gui_test_find (child, type, property, value);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
gui_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  for (guint i = 0; found == NULL && i < g_list_model_get_n_items (toplevels); i++)
    {
      GtkWidget *window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (window))
        found = window;
      g_object_unref (window);  /* GTK keeps its own reference */
    }
  return found;
}

void
gui_test_click_center (GtkWidget *widget,
                       int        count)
{
  gui_test_click (widget, gtk_widget_get_width (widget) / 2.0, gtk_widget_get_height (widget) / 2.0, 1, count);
}

GtkWidget *
gui_test_focus (GtkWidget *widget)
{
  return gtk_root_get_focus (gtk_widget_get_root (widget));
}
