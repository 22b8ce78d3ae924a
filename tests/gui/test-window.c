/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the app window with real profiles and a real Python process */

#include "config.h"

#include "gui-test-util.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>
#include <utime.h>

#include "spy-format.h"
#include "spy-process-list.h"
#include "spy-recovery.h"
#include "spy-target.h"
#include "spy-top-row.h"
#include "spy-window.h"

static char *tmp_dir;

#define PYTHON "/usr/bin/python3.11"

/* FALSE (and the test skipped, saying why) when this machine cannot run
 * it: Debian's Python, and for @real_input xdotool on an X11 display. */
static gboolean
can_run (gboolean real_input)
{
  if (real_input && !gui_test_have_xdotool ())
    {
      g_test_skip ("xdotool (or an X11 display) is missing: no real key presses or clicks");
      return FALSE;
    }
  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip (PYTHON " is not installed");
      return FALSE;
    }
  return TRUE;
}


/* A process for a test, that dies with the test however the test ends
 * (spy_spawn_command asks the kernel for that). */
static GSubprocess *
start_child (const char **argv)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *child = spy_spawn_command (argv, &error);

  g_assert_no_error (error);
  return child;
}

static SpyProfile *
make_profile (void)
{
  SpyProfile *profile = spy_profile_new ();
  guint32 main_f = spy_profile_intern_frame (profile, "main", "/srv/app.py", 10, SPY_FRAME_PYTHON);
  guint32 handle = spy_profile_intern_frame (profile, "Server.handle", "/srv/server.py", 42, SPY_FRAME_PYTHON);
  guint32 parse = spy_profile_intern_frame (profile, "parse_json", "/srv/parse.py", 7, SPY_FRAME_PYTHON);
  guint32 render = spy_profile_intern_frame (profile, "render", "/srv/render.py", 99, SPY_FRAME_PYTHON);
  guint32 thread = spy_profile_add_thread (profile, 42, 1, 42, "MainThread");
  guint32 a[] = { main_f, handle, parse }, b[] = { main_f, handle, render };
  SpyProfileMeta *meta = spy_profile_get_meta (profile);

  meta->rate = 100;
  meta->pid = 42;
  meta->command_line = g_strdup ("python3 /srv/app.py");
  meta->python_version = g_strdup ("3.11.7");
  spy_profile_add_samples (profile, 0, thread, spy_profile_intern_frames (profile, a, 3), 0, 60);
  spy_profile_add_samples (profile, 1000, thread, spy_profile_intern_frames (profile, b, 3), 0, 40);
  return profile;
}

static SpyWindow *
new_window (void)
{
  SpyWindow *window = spy_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  GUI_TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 5.0);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  gui_test_wait_frames (GTK_WIDGET (window), 2);
  return window;
}

/* The function of the table's first row, or NULL; the table keeps the
 * row (and the string) until its next refresh. */
static const char *
first_function (SpyWindow *window)
{
  GListModel *rows = spy_top_view_get_model (spy_profile_view_get_top_view (spy_window_get_profile_view (window)));
  g_autoptr(SpyTopRow) row = NULL;

  if (g_list_model_get_n_items (rows) == 0)
    return NULL;
  row = g_list_model_get_item (rows, 0);
  return spy_top_row_get_function (row);
}

static gboolean
first_is (SpyWindow  *window,
          const char *function)
{
  const char *first = first_function (window);

  return g_strcmp0 (first, function) == 0;
}

static guint
n_samples (SpyWindow *window)
{
  SpyProfile *profile = spy_profile_view_get_profile (spy_window_get_profile_view (window));

  return profile ? spy_profile_get_n_samples (profile) : 0;
}

/* The window shows at least @n samples. */
static void
wait_samples (SpyWindow *window,
              guint      n)
{
  GUI_TEST_WAIT_UNTIL (n_samples (window) >= n, 20.0);
  g_assert_cmpuint (n_samples (window), >=, n);
}

static guint64
first_own (SpyWindow *window)
{
  GListModel *rows = spy_top_view_get_model (spy_profile_view_get_top_view (spy_window_get_profile_view (window)));
  g_autoptr(SpyTopRow) row = g_list_model_get_n_items (rows) > 0 ? g_list_model_get_item (rows, 0) : NULL;

  return row ? spy_top_row_get_own (row) : 0;
}

/* @n live refreshes of the table, seen as its first row's count moving. */
static void
wait_refreshes (SpyWindow *window,
                int        n)
{
  for (int i = 0; i < n; i++)
    {
      guint64 before = first_own (window);

      GUI_TEST_WAIT_UNTIL (first_own (window) != before, 10.0);
      g_assert_cmpuint (first_own (window), !=, before);
    }
}

/* A file chooser is up, drawn, and has the keyboard (given to it as a
 * window manager would). */
static GtkWidget *
wait_for_file_dialog (void)
{
  GtkWidget *dialog;

  GUI_TEST_WAIT_UNTIL ((dialog = gui_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG)) != NULL &&
                       gdk_surface_get_mapped (gtk_native_get_surface (GTK_NATIVE (dialog))), 5.0);
  g_assert_nonnull (dialog);
  gui_test_wait_frames (dialog, 2);
  gui_test_focus_window (GTK_WINDOW (dialog));
  GUI_TEST_WAIT_UNTIL (gtk_window_is_active (GTK_WINDOW (dialog)), 5.0);
  g_assert_true (gtk_window_is_active (GTK_WINDOW (dialog)));
  return dialog;
}

static void
test_open_profile (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autofree char *path = g_build_filename (tmp_dir, "fixture.spyprof", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  const char *first;
  SpyWindow *window;

  g_assert_true (spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, &error));
  window = new_window ();
  g_assert_true (spy_window_open_file (window, file, &error));
  g_assert_no_error (error);
  GUI_TEST_WAIT_UNTIL (first_is (window, "parse_json"), 5.0);
  first = first_function (window);
  g_assert_cmpstr (first, ==, "parse_json");
  g_assert_null (spy_window_get_error_message (window));
  g_assert_false (spy_window_get_unsaved (window));
  gui_test_screenshot ("window-open-profile.png", 1280, 800);

  /* Search narrows the table. */
  spy_profile_view_set_search (spy_window_get_profile_view (window), "render");
  GUI_TEST_WAIT_UNTIL (g_list_model_get_n_items (spy_top_view_get_model (
    spy_profile_view_get_top_view (spy_window_get_profile_view (window)))) == 1, 5.0);
  g_assert_cmpuint (g_list_model_get_n_items (spy_top_view_get_model (
    spy_profile_view_get_top_view (spy_window_get_profile_view (window)))), ==, 1);
  gui_test_screenshot ("window-search.png", 1280, 800);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A live refresh updates the table's rows in place (the same objects, so
 * GTK keeps their widgets), with new counts, the new order, and new rows. */
static void
test_table_updates_in_place (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  SpyWindow *window = new_window ();
  SpyProfileView *view = spy_window_get_profile_view (window);
  GListModel *rows = spy_top_view_get_model (spy_profile_view_get_top_view (view));
  g_autoptr(SpyTopRow) parse = NULL;
  g_autoptr(SpyTopRow) render = NULL;
  g_autoptr(SpyTopRow) first = NULL;
  g_autoptr(SpyTopRow) last = NULL;
  guint32 main_f, handle, render_f, log_f, thread = 0;

  spy_profile_view_set_profile (view, profile);
  GUI_TEST_WAIT_UNTIL (g_list_model_get_n_items (rows) == 4, 5.0);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 4);
  parse = g_list_model_get_item (rows, 0);
  render = g_list_model_get_item (rows, 1);
  g_assert_cmpstr (spy_top_row_get_function (parse), ==, "parse_json");
  g_assert_cmpstr (spy_top_row_get_function (render), ==, "render");

  /* 60 more in render (100 in all against parse_json's 60), 10 in a new
   * function. */
  main_f = spy_profile_intern_frame (profile, "main", "/srv/app.py", 10, SPY_FRAME_PYTHON);
  handle = spy_profile_intern_frame (profile, "Server.handle", "/srv/server.py", 42, SPY_FRAME_PYTHON);
  render_f = spy_profile_intern_frame (profile, "render", "/srv/render.py", 99, SPY_FRAME_PYTHON);
  log_f = spy_profile_intern_frame (profile, "log", "/srv/log.py", 3, SPY_FRAME_PYTHON);
  spy_profile_add_samples (profile, 2000, thread,
                           spy_profile_intern_frames (profile, (guint32[]) { main_f, handle, render_f }, 3), 0, 60);
  spy_profile_add_samples (profile, 3000, thread,
                           spy_profile_intern_frames (profile, (guint32[]) { main_f, handle, log_f }, 3), 0, 10);
  spy_profile_view_refresh (view);
  GUI_TEST_WAIT_UNTIL (g_list_model_get_n_items (rows) == 5, 5.0);

  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5);
  first = g_list_model_get_item (rows, 0);
  g_assert_true (first == render);
  g_assert_cmpuint (spy_top_row_get_own (render), ==, 100);
  g_assert_cmpfloat_with_epsilon (spy_top_row_get_own_fraction (render), 100.0 / 170, 1e-9);
  g_assert_cmpfloat_with_epsilon (spy_top_row_get_own_fraction (parse), 60.0 / 170, 1e-9);
  last = g_list_model_get_item (rows, 2);
  g_assert_cmpstr (spy_top_row_get_function (last), ==, "log");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_open_corrupt (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "corrupt.spyprof", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  SpyWindow *window;

  g_assert_true (g_file_set_contents (path, "\x1f\x8b\x08\x00garbage", -1, NULL));
  window = new_window ();
  g_assert_false (spy_window_open_file (window, file, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (spy_window_get_error_message (window));
  g_assert_nonnull (strstr (spy_window_get_error_message (window), "corrupt.spyprof"));
  gui_test_screenshot ("window-corrupt-file.png", 1280, 800);
  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct {
  SpyWindow *window;
  GPid       pid;
} RecordState;

/* The picker scans /proc in the background: wait for the row. */
static gboolean
picker_selects (gpointer data)
{
  RecordState *state = data;

  return spy_process_picker_select_pid (spy_window_get_picker (state->window), state->pid);
}

static void
test_record_save_reopen (void)
{
  g_autofree char *workload = g_test_build_filename (G_TEST_DIST, "..", "python", "top_workload.py", NULL);
  g_autofree char *saved = g_build_filename (tmp_dir, "recorded.spyprof", NULL);
  g_autoptr(GFile) saved_file = g_file_new_for_path (saved);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) reloaded = NULL;
  g_autofree char *why = NULL;
  g_autofree char *recovery = NULL;
  RecordState state;
  SpyWindow *window, *second;
  GPid pid;

  if (!can_run (FALSE))
    return;
  child = start_child ((const char *[]) { PYTHON, workload, NULL });
  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (child), NULL, 10);

  window = new_window ();
  state.window = window;
  state.pid = pid;
  spy_process_picker_refresh (spy_window_get_picker (window));
  /* Through the picker, as a person would: select it, then Record. */
  g_assert_true (gui_test_wait_for (picker_selects, &state, 5.0));
  gui_test_screenshot ("window-picker.png", 1280, 800);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.record", NULL));
  g_assert_null (spy_window_get_error_message (window));
  GUI_TEST_WAIT_UNTIL (first_is (window, "hot"), 4.0);
  g_assert_cmpstr (first_function (window), ==, "hot");
  /* Two seconds' worth, for the screenshot. */
  wait_samples (window, 200);
  gui_test_screenshot ("window-recording.png", 1280, 800);
  spy_window_stop (window);
  g_assert_true (spy_window_get_unsaved (window));
  /* Stopped: the unsaved recording is on disk, in case we are killed. */
  recovery = g_strdup (spy_window_get_recovery_path (window));
  g_assert_nonnull (recovery);
  GUI_TEST_WAIT_UNTIL (g_file_test (recovery, G_FILE_TEST_EXISTS), 10.0);
  g_assert_true (g_file_test (recovery, G_FILE_TEST_EXISTS));

  g_assert_true (spy_window_save_to (window, saved_file, &error));
  g_assert_no_error (error);
  g_assert_false (spy_window_get_unsaved (window));
  /* Saved: nothing left to recover. */
  g_assert_false (g_file_test (recovery, G_FILE_TEST_EXISTS));
  g_assert_null (spy_window_get_recovery_path (window));

  second = new_window ();
  g_assert_true (spy_window_open_file (second, saved_file, &error));
  reloaded = spy_profile_load (saved, &error);
  g_assert_no_error (error);
  g_assert_true (spy_profile_equal (spy_profile_view_get_profile (spy_window_get_profile_view (window)),
                                    reloaded, &why));
  g_assert_cmpstr (first_function (second), ==, "hot");
  gui_test_screenshot ("window-reopened.png", 1280, 800);

  g_subprocess_force_exit (child);
  gtk_window_destroy (GTK_WINDOW (second));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The Keyboard Shortcuts window (Ctrl+?) loads from the resource without
 * a warning and lists every shortcut the window binds. */
static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/spyglass/Spyglass/gtk/help-overlay.ui");
  GtkWindow *window = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
  const char *expected[] = { "<Control>o", "<Control>s", "<Control><Shift>s", "<Control>n", "<Control>r",
                             "<Control>w", "<Control>q", "<Control>f", "Return", "F5", "<Shift>F10 Menu" };
  g_autoptr(GString) seen = g_string_new ("|");

  g_assert_nonnull (window);
  for (GSList *l = gtk_builder_get_objects (builder); l != NULL; l = g_slist_delete_link (l, l))
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        g_autofree char *accelerator = NULL;

        g_object_get (l->data, "accelerator", &accelerator, NULL);
        g_string_append_printf (seen, "%s|", accelerator);
      }
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *needle = g_strdup_printf ("|%s|", expected[i]);

      if (strstr (seen->str, needle) == NULL)
        g_error ("the shortcuts window misses %s (has %s)", expected[i], seen->str);
    }
  gtk_window_set_default_size (window, 1280, 800);
  gtk_window_present (window);
  gui_test_screenshot ("shortcuts-window.png", 1280, 800);
  gtk_window_destroy (window);
}

/* ---- keyboard only ------------------------------------------------------ */

typedef struct {
  SpyWindow   *window;
  GPid         pid;
  const char  *path;
  GSubprocess *child;
  char        *pid_text;
} Walk;

/* The picker shows @pid (with no search typed). */
static void
count_down (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_assert_true (spy_recovery_write_finish (result, NULL));
  (*(int *) user_data)--;
}

static gboolean
is_listed (SpyWindow *window,
           GPid       pid)
{
  GtkWidget *view = gui_test_find_descendant (GTK_WIDGET (spy_window_get_picker (window)),
                                              GTK_TYPE_COLUMN_VIEW);
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (view)));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpyProcessInfo) info = g_list_model_get_item (model, i);

      if (spy_process_info_get_pid (info) == pid)
        return TRUE;
    }
  return FALSE;
}

static gboolean
pid_listed (gpointer data)
{
  Walk *walk = data;

  return is_listed (walk->window, walk->pid);
}

/* A walkthrough's start: the CPU workload running, a window listing it. */
static void
walk_begin (Walk       *walk,
            const char *saved)
{
  g_autofree char *workload = g_test_build_filename (G_TEST_DIST, "..", "python", "top_workload.py", NULL);

  walk->child = start_child ((const char *[]) { PYTHON, workload, NULL });
  walk->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (walk->child), NULL, 10);
  walk->pid_text = g_strdup_printf ("%d", (int) walk->pid);
  walk->path = saved;
  walk->window = new_window ();
  spy_process_picker_refresh (spy_window_get_picker (walk->window));
  g_assert_true (gui_test_wait_for (pid_listed, walk, 5.0));
}

static void
walk_end (Walk *walk)
{
  gtk_window_destroy (GTK_WINDOW (walk->window));
  g_subprocess_force_exit (walk->child);
  g_clear_object (&walk->child);
  g_clear_pointer (&walk->pid_text, g_free);
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (((Walk *) data)->path, G_FILE_TEST_EXISTS);
}

static gboolean
opened (gpointer data)
{
  return spy_profile_view_get_profile (spy_window_get_profile_view (((Walk *) data)->window)) != NULL;
}

/* The menu is up and has the keyboard: arrows will move in it. */
static gboolean
menu_has_focus (GtkWidget *menu)
{
  GtkWidget *focus = gui_test_focus (menu);

  return gtk_widget_get_mapped (menu) && focus != NULL && gtk_widget_is_ancestor (focus, menu);
}

/* The function of the frame the flamegraph is zoomed into. */
static const char *
zoomed_function (SpyWindow *window)
{
  SpyFlamegraph *flamegraph = spy_profile_view_get_flamegraph (spy_window_get_profile_view (window));
  SpyCallTree *tree = spy_flamegraph_get_tree (flamegraph);
  guint32 node = spy_flamegraph_get_zoom_node (flamegraph);
  SpyProfile *profile = spy_call_tree_get_profile (tree);

  if (node == 0)
    return "(root)";
  return spy_profile_get_string (profile, spy_profile_get_frame (profile,
                                 spy_call_tree_get_node (tree, node)->frame)->function);
}

/* Presses Tab until @widget (or a widget inside it) has the focus. */
static gboolean
tab_to (GtkWidget *widget)
{
  for (int i = 0; i < 40; i++)
    {
      GtkWidget *focus = gui_test_focus (widget);

      if (focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget)))
        return TRUE;
      g_test_message ("Tab %d: %s", i, focus ? G_OBJECT_TYPE_NAME (focus) : "(none)");
      gui_test_keys ("Tab");
    }
  return FALSE;
}

/* A person with only a keyboard: find the process by typing, record it,
 * walk and zoom the flamegraph, search, sort, stop, save, close, reopen. */
static void
test_keyboard_only (void)
{
  g_autofree char *saved = g_build_filename (tmp_dir, "keyboard.spyprof", NULL);
  g_autoptr(SpyProfile) recorded = NULL;
  g_autofree char *why = NULL;
  SpyProfileView *view;
  SpyFlamegraph *flamegraph;
  GtkWidget *menu;
  g_autoptr(GSubprocess) decoy = NULL;
  GPid decoy_pid;
  Walk walk = { 0 };

  if (!can_run (TRUE))
    return;
  walk_begin (&walk, saved);
  view = spy_window_get_profile_view (walk.window);
  flamegraph = spy_profile_view_get_flamegraph (view);
  /* A decoy, started after the workload, so listed above it (newest
   * first), whose command line holds the workload's PID. */
  decoy = start_child ((const char *[]) { PYTHON, "-c", "import time; time.sleep(120)", walk.pid_text, NULL });
  decoy_pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (decoy), NULL, 10);
  spy_process_picker_refresh (spy_window_get_picker (walk.window));
  GUI_TEST_WAIT_UNTIL (is_listed (walk.window, decoy_pid), 5.0);
  g_assert_true (is_listed (walk.window, decoy_pid));
  gui_test_focus_window (GTK_WINDOW (walk.window));

  /* Typing goes to the picker's search; Enter, pressed at once (before
   * GtkSearchEntry says the text changed), records the process of that
   * PID, not the decoy that merely mentions it. */
  gui_test_type_then_key (walk.pid_text, "Return");
  GUI_TEST_WAIT_UNTIL (spy_profile_view_get_sampler (view) != NULL, 5.0);
  g_assert_nonnull (spy_profile_view_get_sampler (view));
  g_assert_cmpint (spy_sampler_get_pid (spy_profile_view_get_sampler (view)), ==, walk.pid);
  g_subprocess_force_exit (decoy);
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "hot"), 4.0);
  g_assert_cmpstr (first_function (walk.window), ==, "hot");
  /* Enough samples that the widest path is hot's. */
  wait_samples (walk.window, 100);

  /* The flamegraph has the focus; Up climbs from the root towards the
   * leaves along the widest frames; Return zooms; Escape zooms out. */
  g_assert_true (tab_to (GTK_WIDGET (flamegraph)));
  gui_test_keys ("Up Up Up Return");
  GUI_TEST_WAIT_UNTIL (g_str_equal (zoomed_function (walk.window), "hot"), 5.0);
  g_assert_cmpstr (zoomed_function (walk.window), ==, "hot");
  gui_test_screenshot ("keyboard-zoomed.png", 1280, 800);
  gui_test_keys ("Escape");
  GUI_TEST_WAIT_UNTIL (g_str_equal (zoomed_function (walk.window), "main"), 5.0);
  g_assert_cmpstr (zoomed_function (walk.window), ==, "main");

  /* Ctrl+F, a search: the flamegraph and the table follow; Escape clears. */
  gui_test_keys ("ctrl+f");
  gui_test_type ("cold");
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "cold"), 5.0);
  g_assert_cmpstr (first_function (walk.window), ==, "cold");
  g_assert_cmpfloat (spy_flamegraph_get_search_fraction (flamegraph), >, 0.05);
  g_assert_cmpfloat (spy_flamegraph_get_search_fraction (flamegraph), <, 0.5);
  gui_test_screenshot ("keyboard-search.png", 1280, 800);
  gui_test_keys ("Escape");
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "hot"), 5.0);
  g_assert_cmpstr (first_function (walk.window), ==, "hot");

  /* Tab on to the table; its menu (Shift+F10) sorts by function name
   * (F, its mnemonic), A to Z; the same item again reverses. */
  g_assert_true (tab_to (GTK_WIDGET (spy_profile_view_get_top_view (view))));
  /* Live refreshes (every 500 ms) leave the focus where it is. */
  wait_refreshes (walk.window, 2);
  g_assert_true (gtk_widget_is_ancestor (gui_test_focus (GTK_WIDGET (view)),
                                         GTK_WIDGET (spy_profile_view_get_top_view (view))));
  menu = gui_test_find_descendant (GTK_WIDGET (spy_profile_view_get_top_view (view)), GTK_TYPE_POPOVER_MENU);
  gui_test_keys ("shift+F10");
  GUI_TEST_WAIT_UNTIL (menu_has_focus (menu), 5.0);
  g_assert_true (menu_has_focus (menu));
  gui_test_screenshot ("keyboard-sort-menu.png", 1280, 800);
  gui_test_keys ("f");
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "<module>") && !gtk_widget_get_mapped (menu), 5.0);
  g_assert_cmpstr (first_function (walk.window), ==, "<module>");
  g_assert_false (gtk_widget_get_mapped (menu));
  gui_test_keys ("shift+F10");
  GUI_TEST_WAIT_UNTIL (menu_has_focus (menu), 5.0);
  g_assert_true (menu_has_focus (menu));
  gui_test_keys ("f");
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "main") && !gtk_widget_get_mapped (menu), 5.0);
  g_assert_cmpstr (first_function (walk.window), ==, "main");
  /* The menu's keyboard grab ends as it is hidden and the focus is back
   * in the table: then keys reach the window again. */
  GUI_TEST_WAIT_UNTIL (gtk_widget_is_ancestor (gui_test_focus (GTK_WIDGET (view)),
                                               GTK_WIDGET (spy_profile_view_get_top_view (view))), 5.0);
  g_assert_true (gtk_widget_is_ancestor (gui_test_focus (GTK_WIDGET (view)),
                                         GTK_WIDGET (spy_profile_view_get_top_view (view))));
  gui_test_wait_frames (GTK_WIDGET (walk.window), 2);

  /* Ctrl+R stops; Ctrl+S asks where, the path is typed, Return saves. */
  gui_test_keys ("ctrl+r");
  GUI_TEST_WAIT_UNTIL (!spy_sampler_get_running (spy_profile_view_get_sampler (view)), 5.0);
  g_assert_false (spy_sampler_get_running (spy_profile_view_get_sampler (view)));
  recorded = g_object_ref (spy_profile_view_get_profile (view));
  gui_test_keys ("ctrl+s");
  wait_for_file_dialog ();
  gui_test_screenshot ("keyboard-save-dialog.png", 1280, 800);
  gui_test_keys ("ctrl+a");
  gui_test_type (saved);
  gui_test_keys ("Return");
  g_assert_true (gui_test_wait_for (file_exists, &walk, 5.0));
  GUI_TEST_WAIT_UNTIL (!spy_window_get_unsaved (walk.window), 5.0);
  g_assert_false (spy_window_get_unsaved (walk.window));

  /* Ctrl+W closes (nothing unsaved: no question); a new window, Ctrl+O,
   * the path typed, Return: the same profile. */
  g_object_add_weak_pointer (G_OBJECT (walk.window), (gpointer *) &walk.window);
  gui_test_keys ("ctrl+w");
  GUI_TEST_WAIT_UNTIL (walk.window == NULL, 5.0);
  g_assert_null (walk.window);
  walk.window = new_window ();
  gui_test_focus_window (GTK_WINDOW (walk.window));
  gui_test_keys ("ctrl+o");
  wait_for_file_dialog ();
  gui_test_type (saved);
  gui_test_keys ("Return");
  g_assert_true (gui_test_wait_for (opened, &walk, 5.0));
  if (!spy_profile_equal (recorded, spy_profile_view_get_profile (spy_window_get_profile_view (walk.window)), &why))
    g_error ("the reopened profile differs: %s", why);
  gui_test_screenshot ("keyboard-reopened.png", 1280, 800);

  walk_end (&walk);
}

/* ---- mouse only --------------------------------------------------------- */

/* The deepest node of @function on the widest path (the hot one). */
static guint32
node_of (SpyFlamegraph *flamegraph,
         const char    *function)
{
  SpyCallTree *tree = spy_flamegraph_get_tree (flamegraph);
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  guint32 best = 0;

  for (guint32 i = 1; i < spy_call_tree_get_n_nodes (tree); i++)
    {
      const SpyCallTreeNode *node = spy_call_tree_get_node (tree, i);
      const char *name = spy_profile_get_string (profile, spy_profile_get_frame (profile, node->frame)->function);

      if (g_str_equal (name, function) && (best == 0 || node->total > spy_call_tree_get_node (tree, best)->total))
        best = i;
    }
  return best;
}

/* The function whose frames the flamegraph highlights, or NULL. */
static const char *
highlighted_function (SpyFlamegraph *flamegraph)
{
  SpyProfile *profile = spy_call_tree_get_profile (spy_flamegraph_get_tree (flamegraph));
  guint frame = G_MAXUINT32;

  g_object_get (flamegraph, "highlight-frame", &frame, NULL);
  if (frame >= spy_profile_get_n_frames (profile))
    return NULL;
  return spy_profile_get_string (profile, spy_profile_get_frame (profile, frame)->function);
}

static void
click_area (GtkWidget             *widget,
            const graphene_rect_t *area,
            int                    count)
{
  gui_test_click (widget, area->origin.x + area->size.width / 2, area->origin.y + area->size.height / 2, 1, count);
}

/* A person with only a mouse: double-click the process, click frames and
 * breadcrumbs, a column header, a function to highlight, Stop, Save and
 * the dialog's Save, close the window, then Open Recent in the menu of a
 * new window. */
static void
test_mouse_only (void)
{
  g_autofree char *saved = g_build_filename (tmp_dir, "profile.spyprof", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(SpyProfile) recorded = NULL;
  g_autofree char *why = NULL;
  graphene_rect_t area;
  SpyProfileView *view;
  SpyFlamegraph *flamegraph;
  GtkWidget *widget, *dialog;
  Walk walk = { 0 };

  if (!can_run (TRUE))
    return;
  /* The save dialog starts in the working directory: the test's own. */
  g_assert_cmpint (g_chdir (tmp_dir), ==, 0);
  walk_begin (&walk, saved);
  view = spy_window_get_profile_view (walk.window);
  flamegraph = spy_profile_view_get_flamegraph (view);

  /* Double-click the process's row (its PID cell). */
  widget = gui_test_find (GTK_WIDGET (spy_window_get_picker (walk.window)), GTK_TYPE_LABEL, "label", walk.pid_text);
  g_assert_nonnull (widget);
  gui_test_click_center (widget, 2);
  GUI_TEST_WAIT_UNTIL (spy_profile_view_get_sampler (view) != NULL, 5.0);
  g_assert_nonnull (spy_profile_view_get_sampler (view));
  g_assert_cmpint (spy_sampler_get_pid (spy_profile_view_get_sampler (view)), ==, walk.pid);
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "hot"), 4.0);
  g_assert_cmpstr (first_function (walk.window), ==, "hot");
  wait_samples (walk.window, 100);

  /* Click the hot frame: zoomed; click the "main" breadcrumb (all,
   * <module>, main, hot): zoomed out to it. */
  g_assert_true (spy_flamegraph_get_node_area (flamegraph, node_of (flamegraph, "hot"), &area));
  click_area (GTK_WIDGET (flamegraph), &area, 1);
  GUI_TEST_WAIT_UNTIL (g_str_equal (zoomed_function (walk.window), "hot"), 5.0);
  g_assert_cmpstr (zoomed_function (walk.window), ==, "hot");
  GUI_TEST_WAIT_UNTIL (!spy_flamegraph_get_animating (flamegraph), 5.0);
  g_assert_false (spy_flamegraph_get_animating (flamegraph));
  gui_test_screenshot ("mouse-zoomed.png", 1280, 800);
  g_assert_true (spy_flamegraph_get_crumb_area (flamegraph, 2, &area));
  click_area (GTK_WIDGET (flamegraph), &area, 1);
  GUI_TEST_WAIT_UNTIL (g_str_equal (zoomed_function (walk.window), "main"), 5.0);
  g_assert_cmpstr (zoomed_function (walk.window), ==, "main");

  /* A click on the Function header sorts by name. */
  widget = gui_test_find (GTK_WIDGET (spy_profile_view_get_top_view (view)), GTK_TYPE_LABEL, "label", "Function");
  g_assert_nonnull (widget);
  gui_test_click_center (widget, 1);
  GUI_TEST_WAIT_UNTIL (first_is (walk.window, "<module>"), 5.0);
  g_assert_cmpstr (first_function (walk.window), ==, "<module>");

  /* The mouse's search: a click on a function in the table highlights
   * its frames in the flamegraph. */
  widget = gui_test_find (GTK_WIDGET (spy_profile_view_get_top_view (view)), GTK_TYPE_LABEL, "label", "cold");
  g_assert_nonnull (widget);
  gui_test_click_center (widget, 1);
  GUI_TEST_WAIT_UNTIL (highlighted_function (flamegraph) != NULL, 5.0);
  g_assert_cmpstr (highlighted_function (flamegraph), ==, "cold");
  gui_test_screenshot ("mouse-highlight.png", 1280, 800);

  /* Stop; Save; the dialog's Save (its suggested name, here). */
  gui_test_click_center (gui_test_find (GTK_WIDGET (walk.window), GTK_TYPE_BUTTON, "label", "_Stop"), 1);
  GUI_TEST_WAIT_UNTIL (!spy_sampler_get_running (spy_profile_view_get_sampler (view)), 5.0);
  g_assert_false (spy_sampler_get_running (spy_profile_view_get_sampler (view)));
  recorded = g_object_ref (spy_profile_view_get_profile (view));
  gui_test_click_center (gui_test_find (GTK_WIDGET (walk.window), GTK_TYPE_BUTTON, "label", "_Save"), 1);
  GUI_TEST_WAIT_UNTIL ((dialog = gui_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG)) != NULL, 5.0);
  g_assert_nonnull (dialog);
  gui_test_click_center (gui_test_find (dialog, GTK_TYPE_BUTTON, "label", "_Save"), 1);
  g_assert_true (gui_test_wait_for (file_exists, &walk, 5.0));
  GUI_TEST_WAIT_UNTIL (!spy_window_get_unsaved (walk.window), 5.0);
  g_assert_false (spy_window_get_unsaved (walk.window));

  /* The title bar's close button. */
  g_object_add_weak_pointer (G_OBJECT (walk.window), (gpointer *) &walk.window);
  widget = gui_test_find (GTK_WIDGET (walk.window), GTK_TYPE_IMAGE, "icon-name", "window-close-symbolic");
  g_assert_nonnull (widget);
  gui_test_click_center (widget, 1);
  GUI_TEST_WAIT_UNTIL (walk.window == NULL, 5.0);
  g_assert_null (walk.window);

  /* A new window: main menu, Open Recent, the file. */
  walk.window = new_window ();
  gui_test_click_center (gui_test_find (GTK_WIDGET (walk.window), GTK_TYPE_MENU_BUTTON, "icon-name", "open-menu-symbolic"), 1);
  GUI_TEST_WAIT_UNTIL ((widget = gui_test_find (GTK_WIDGET (walk.window), g_type_from_name ("GtkModelButton"), "text", "Open Recent")) != NULL, 5.0);
  g_assert_nonnull (widget);
  gui_test_click_center (widget, 1);
  GUI_TEST_WAIT_UNTIL ((widget = gui_test_find (GTK_WIDGET (walk.window), g_type_from_name ("GtkModelButton"), "text", "profile.spyprof")) != NULL, 5.0);
  g_assert_nonnull (widget);
  gui_test_screenshot ("mouse-open-recent.png", 1280, 800);
  gui_test_click_center (widget, 1);
  g_assert_true (gui_test_wait_for (opened, &walk, 5.0));
  if (!spy_profile_equal (recorded, spy_profile_view_get_profile (spy_window_get_profile_view (walk.window)), &why))
    g_error ("the reopened profile differs: %s", why);
  gui_test_screenshot ("mouse-reopened.png", 1280, 800);

  walk_end (&walk);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
}

/* ---- launch, dump stacks, closing unsaved, dropping a file -------------- */

static GtkWidget *
text_window_showing (const char *title)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_window_get_title (window), title) == 0 && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return GTK_WIDGET (window);
    }
  return NULL;
}

/* Launch runs the command under the profiler; Dump Stacks shows where
 * its thread is now; closing the window ends the command. */
static void
test_launch_and_dump_stacks (void)
{
  g_autofree char *workload = g_test_build_filename (G_TEST_DIST, "..", "python", "top_workload.py", NULL);
  const char *argv[] = { PYTHON, workload, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  SpyWindow *window;
  SpyProfileView *view;
  GtkWidget *stacks, *text_view;
  GtkTextIter start, end;
  GPid pid;

  if (!can_run (FALSE))
    return;
  window = new_window ();
  view = spy_window_get_profile_view (window);
  g_assert_true (spy_window_launch (window, argv, &error));
  g_assert_no_error (error);
  GUI_TEST_WAIT_UNTIL (first_is (window, "hot"), 10.0);
  g_assert_cmpstr (first_function (window), ==, "hot");
  pid = spy_sampler_get_pid (spy_profile_view_get_sampler (view));
  g_assert_cmpint (pid, >, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.dump-stacks", NULL));
  GUI_TEST_WAIT_UNTIL ((stacks = text_window_showing ("Stacks Now")) != NULL, 5.0);
  g_assert_nonnull (stacks);
  text_view = gui_test_find_descendant (stacks, GTK_TYPE_TEXT_VIEW);
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view)), &start, &end);
  text = gtk_text_iter_get_text (&start, &end);
  g_test_message ("%s", text);
  /* The one thread (threading never imported: no name), in hot or cold,
   * called from main, called from the module, at their exact lines. */
  {
    g_autofree char *pattern = g_strdup_printf ("^Thread %d \\(active\\)\n"
                                                "    (hot|cold) \\(\\S*top_workload\\.py:\\d+\\)\n"
                                                "    main \\(\\S*top_workload\\.py:50\\)\n"
                                                "    <module> \\(\\S*top_workload\\.py:55\\)\n", (int) pid);

    if (!g_regex_match_simple (pattern, text, 0, 0))
      g_error ("Dump Stacks shows:\n%s", text);
  }
  gui_test_screenshot ("window-dump-stacks.png", 1280, 800);
  gtk_window_destroy (GTK_WINDOW (stacks));

  spy_window_stop (window);
  gtk_window_destroy (GTK_WINDOW (window));
  GUI_TEST_WAIT_UNTIL (spy_process_is_gone (pid), 5.0);
  g_assert_true (spy_process_is_gone (pid));
}

static gboolean
has_native_frame (SpyWindow  *window,
                  const char *library)
{
  SpyProfile *profile = spy_profile_view_get_profile (spy_window_get_profile_view (window));

  for (guint i = 0; profile != NULL && i < spy_profile_get_n_frames (profile); i++)
    {
      const SpyProfileFrame *frame = spy_profile_get_frame (profile, i);

      if (frame->kind == SPY_FRAME_NATIVE &&
          g_str_has_prefix (spy_profile_get_string (profile, frame->file), library))
        return TRUE;
    }
  return FALSE;
}

/* The picker's Native frames switch, clicked, is the launch dialog's too,
 * and a command launched then is recorded with its C frames (libz's). */
static void
test_launch_native (void)
{
  const char *argv[] = { PYTHON, "-c",
                         "import zlib\ndata = bytes(range(256)) * 4096\n"
                         "while True: zlib.compress(data, 9)", NULL };
  SpyWindow *window;
  GtkWidget *check, *dialog, *dialog_check;
  GPid pid;

  if (!can_run (TRUE))
    return;
  window = new_window ();
  gui_test_focus_window (GTK_WINDOW (window));
  check = gui_test_find (GTK_WIDGET (window), GTK_TYPE_CHECK_BUTTON, "label", "_Native frames");
  g_assert_nonnull (check);
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  gui_test_click_center (check, 1);
  GUI_TEST_WAIT_UNTIL (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)), 5.0);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));

  g_assert_true (gtk_widget_activate_action (check, "picker.launch-command", NULL));
  GUI_TEST_WAIT_UNTIL ((dialog = text_window_showing ("Launch Command")) != NULL, 5.0);
  g_assert_nonnull (dialog);
  dialog_check = gui_test_find (dialog, GTK_TYPE_CHECK_BUTTON, "label",
                                "Also record _native frames (C, C++, Cython)");
  g_assert_nonnull (dialog_check);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (dialog_check)));
  gui_test_screenshot ("window-launch-native.png", 1280, 800);
  gtk_window_destroy (GTK_WINDOW (dialog));

  g_assert_true (spy_window_launch (window, argv, NULL));
  GUI_TEST_WAIT_UNTIL (has_native_frame (window, "libz.so"), 10.0);
  g_assert_true (has_native_frame (window, "libz.so"));
  pid = spy_sampler_get_pid (spy_profile_view_get_sampler (spy_window_get_profile_view (window)));
  gui_test_wait_frames (GTK_WIDGET (window), 2);
  gui_test_screenshot ("window-native-flamegraph.png", 1280, 800);

  /* Dump Stacks reads them as the recording does: libz's frames inside the
   * Python line that calls it. One look may catch the line itself; until
   * one shows the call. */
  {
    const char *pattern = "^Thread \\d+ \\(active\\)\n(    .*\n)*    \\S+ \\(libz\\.so[^\n]*\n"
                          "(    .*\n)*    <module> \\(<string>:3\\)\n";
    g_autofree char *text = NULL;

    for (guint attempt = 0; attempt < 20 && (text == NULL || !g_regex_match_simple (pattern, text, 0, 0)); attempt++)
      {
        GtkWidget *stacks, *text_view;
        GtkTextIter start, end;

        g_clear_pointer (&text, g_free);
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (spy_window_get_profile_view (window)),
                                                   "view.dump-stacks", NULL));
        GUI_TEST_WAIT_UNTIL ((stacks = text_window_showing ("Stacks Now")) != NULL, 5.0);
        g_assert_nonnull (stacks);
        text_view = gui_test_find_descendant (stacks, GTK_TYPE_TEXT_VIEW);
        gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view)), &start, &end);
        text = gtk_text_iter_get_text (&start, &end);
        if (g_regex_match_simple (pattern, text, 0, 0))
          gui_test_screenshot ("window-native-dump-stacks.png", 1280, 800);
        gtk_window_destroy (GTK_WINDOW (stacks));
        GUI_TEST_WAIT_UNTIL (text_window_showing ("Stacks Now") == NULL, 5.0);
      }
    g_test_message ("%s", text);
    if (!g_regex_match_simple (pattern, text, 0, 0))
      g_error ("Dump Stacks shows no libz frames inside <module>:\n%s", text);
  }

  /* By library: libz's functions add up in one row, marked native. */
  spy_profile_view_set_aggregation (spy_window_get_profile_view (window), SPY_AGGREGATE_LIBRARY);
  GUI_TEST_WAIT_UNTIL (g_str_has_prefix (first_function (window) ? first_function (window) : "", "libz.so"), 10.0);
  g_assert_true (g_str_has_prefix (first_function (window), "libz.so"));
  {
    g_autofree char *marked = g_strdup_printf ("%s (native)", first_function (window));

    g_assert_nonnull (gui_test_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "label", marked));
  }
  gui_test_wait_frames (GTK_WIDGET (window), 2);
  gui_test_screenshot ("window-native-by-library.png", 1280, 800);
  spy_window_stop (window);
  gtk_window_destroy (GTK_WINDOW (window));
  GUI_TEST_WAIT_UNTIL (spy_process_is_gone (pid), 5.0);
  g_assert_true (spy_process_is_gone (pid));
}

/* Records briefly in a new window; stops; the window has unsaved samples. */
static SpyWindow *
new_unsaved_window (void)
{
  const char *argv[] = { PYTHON, "-c", "import time\nfor _ in range(6000): time.sleep(0.01)", NULL };
  SpyWindow *window = new_window ();
  SpyProfileView *view = spy_window_get_profile_view (window);

  g_assert_true (spy_window_launch (window, argv, NULL));
  GUI_TEST_WAIT_UNTIL (spy_profile_view_get_profile (view) != NULL &&
                       spy_profile_get_n_samples (spy_profile_view_get_profile (view)) > 0, 10.0);
  g_assert_true (spy_window_get_unsaved (window));
  spy_window_stop (window);
  return window;
}

static GtkWidget *
close_and_wait_for_question (SpyWindow *window)
{
  GtkWidget *dialog;

  gtk_window_close (GTK_WINDOW (window));
  GUI_TEST_WAIT_UNTIL ((dialog = gui_test_find_toplevel (GTK_TYPE_MESSAGE_DIALOG)) != NULL, 5.0);
  g_assert_nonnull (dialog);
  return dialog;
}

/* Closing a window with an unsaved recording asks: Cancel keeps it; Save…
 * saves where the person says, then closes; Close Without Saving closes. */
static void
test_unsaved_close_asks (void)
{
  g_autofree char *saved = g_build_filename (tmp_dir, "profile.spyprof", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  SpyWindow *window;
  GtkWidget *dialog;

  if (!can_run (TRUE))
    return;
  g_assert_cmpint (g_chdir (tmp_dir), ==, 0);
  g_remove (saved);

  window = new_unsaved_window ();
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  dialog = close_and_wait_for_question (window);
  gui_test_screenshot ("window-unsaved-close.png", 1280, 800);
  gui_test_click_center (gui_test_find (dialog, GTK_TYPE_BUTTON, "label", "_Cancel"), 1);
  GUI_TEST_WAIT_UNTIL (gui_test_find_toplevel (GTK_TYPE_MESSAGE_DIALOG) == NULL, 5.0);
  g_assert_null (gui_test_find_toplevel (GTK_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (window);
  g_assert_true (spy_window_get_unsaved (window));

  dialog = close_and_wait_for_question (window);
  gui_test_click_center (gui_test_find (dialog, GTK_TYPE_BUTTON, "label", "_Save…"), 1);
  GUI_TEST_WAIT_UNTIL ((dialog = gui_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG)) != NULL, 5.0);
  g_assert_nonnull (dialog);
  gui_test_click_center (gui_test_find (dialog, GTK_TYPE_BUTTON, "label", "_Save"), 1);
  GUI_TEST_WAIT_UNTIL (window == NULL, 5.0);
  g_assert_null (window);
  g_assert_true (g_file_test (saved, G_FILE_TEST_EXISTS));

  window = new_unsaved_window ();
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  dialog = close_and_wait_for_question (window);
  gui_test_click_center (gui_test_find (dialog, GTK_TYPE_BUTTON, "label", "Close _Without Saving"), 1);
  GUI_TEST_WAIT_UNTIL (window == NULL, 5.0);
  g_assert_null (window);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
}

/* A file dropped on the window opens (what GTK hands the drop target for a
 * file manager's text/uri-list); a dropped file that is not a profile
 * says why in the window. */
static void
test_drop_file (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autofree char *path = g_build_filename (tmp_dir, "dropped.spyprof", NULL);
  g_autofree char *bad_path = g_build_filename (tmp_dir, "notes.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad_path);
  g_autoptr(GListModel) controllers = NULL;
  GtkDropTarget *target = NULL;
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;
  SpyWindow *window;

  g_assert_true (spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, NULL));
  g_assert_true (g_file_set_contents (bad_path, "shopping list\n", -1, NULL));
  window = new_window ();
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  for (guint i = 0; target == NULL && i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        target = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (target);
  g_assert_true (g_type_is_a (G_TYPE_FILE, gtk_drop_target_get_gtypes (target, NULL)[0]));

  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
  g_assert_nonnull (spy_profile_view_get_profile (spy_window_get_profile_view (window)));
  g_assert_true (spy_profile_equal (profile, spy_profile_view_get_profile (spy_window_get_profile_view (window)), NULL));

  g_value_set_object (&value, bad_file);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_assert_false (accepted);
  g_assert_nonnull (spy_window_get_error_message (window));
  g_assert_nonnull (strstr (spy_window_get_error_message (window), "notes.txt"));
  g_value_unset (&value);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- recovery ------------------------------------------------------------ */

/* A recording a killed Spyglass left: @name in the recovery folder. */
static char *
leave_recording (const char *name,
                 SpyProfile *profile)
{
  g_autofree char *dir = spy_recovery_get_dir ();
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, NULL));
  return path;
}

static void
set_age (const char *path,
         gint64      seconds)
{
  struct utimbuf times;

  times.actime = times.modtime = (time_t) (g_get_real_time () / G_USEC_PER_SEC - seconds);
  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

static void
empty_recovery_folder (void)
{
  g_autofree char *dir = spy_recovery_get_dir ();
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
}

/* At start, the window offers what a killed Spyglass left, newest first:
 * a click on Open Recording shows it as an unsaved recording of this
 * window (kept under the window's own name), a click on Discard deletes
 * the next; then the banner goes. */
static void
test_recovery_offer (void)
{
  g_autoptr(SpyProfile) older = make_profile ();
  g_autoptr(SpyProfile) newer = make_profile ();
  g_autofree char *older_path = NULL, *newer_path = NULL, *own = NULL, *why = NULL;
  SpyProfileView *view;
  SpyWindow *window;

  if (!can_run (TRUE))
    return;
  empty_recovery_folder ();
  spy_profile_add_samples (newer, 2000, 0, 0, 0, 7);
  older_path = leave_recording ("recording-999999998-1-0.spyprof", older);
  set_age (older_path, 60);
  newer_path = leave_recording ("recording-999999999-1-0.spyprof", newer);

  window = new_window ();
  view = spy_window_get_profile_view (window);
  spy_window_offer_recovery (window);
  g_assert_true (spy_window_get_offering_recovery (window));
  GUI_TEST_WAIT_UNTIL (gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "label", "Open _Recording") != NULL, 5.0);
  gui_test_screenshot ("window-recovery-offer.png", 1280, 800);

  gui_test_click_center (gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "label", "Open _Recording"), 1);
  GUI_TEST_WAIT_UNTIL (spy_profile_view_get_profile (view) != NULL, 5.0);
  g_assert_nonnull (spy_profile_view_get_profile (view));
  if (!spy_profile_equal (newer, spy_profile_view_get_profile (view), &why))
    g_error ("the recovered profile differs: %s", why);
  g_assert_true (spy_window_get_unsaved (window));
  g_assert_false (g_file_test (newer_path, G_FILE_TEST_EXISTS));
  own = g_strdup (spy_window_get_recovery_path (window));
  g_assert_nonnull (own);
  g_assert_true (g_file_test (own, G_FILE_TEST_EXISTS));
  /* The older one is offered next. */
  g_assert_true (spy_window_get_offering_recovery (window));
  gui_test_screenshot ("window-recovered.png", 1280, 800);

  gui_test_click_center (gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "label", "_Discard"), 1);
  GUI_TEST_WAIT_UNTIL (!spy_window_get_offering_recovery (window), 5.0);
  g_assert_false (spy_window_get_offering_recovery (window));
  g_assert_false (g_file_test (older_path, G_FILE_TEST_EXISTS));
  g_assert_true (spy_profile_equal (newer, spy_profile_view_get_profile (view), NULL));

  /* Closing the window throws its recording away (Close Without Saving). */
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_false (g_file_test (own, G_FILE_TEST_EXISTS));
}

/* The folder stays bounded: a week old, half-written and over-the-limit
 * files go; a running instance's files stay and are not offered; a
 * recording too large for the folder is not kept, with an error; of two
 * writes, the later one's profile stays. */
static void
test_recovery_folder_bounded (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autoptr(SpyProfile) larger = make_profile ();
  g_autofree char *old = NULL, *half = NULL, *ours = NULL, *oldest = NULL, *newest = NULL;
  g_autofree char *ours_name = g_strdup_printf ("recording-%d-1-0.spyprof", (int) getpid ());
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(SpyRecovery) recovery = NULL;
  g_autoptr(SpyProfile) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st_ours, st_newest;
  int pending = 2;

  empty_recovery_folder ();
  old = leave_recording ("recording-999999990-1-0.spyprof", profile);
  set_age (old, 8 * 24 * 3600);
  half = leave_recording ("recording-999999991-1-0.spyprof.X1Y2Z3", profile);
  ours = leave_recording (ours_name, profile);
  oldest = leave_recording ("recording-999999992-1-0.spyprof", profile);
  set_age (oldest, 120);
  newest = leave_recording ("recording-999999993-1-0.spyprof", profile);
  g_assert_cmpint (g_stat (ours, &st_ours), ==, 0);
  g_assert_cmpint (g_stat (newest, &st_newest), ==, 0);

  /* Room for ours and the newest only. */
  left = spy_recovery_find_left (st_ours.st_size + st_newest.st_size + 10);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (left, 0), ==, newest);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (half, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (oldest, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (ours, G_FILE_TEST_EXISTS));

  /* Too large for what is left of the limit: not kept. */
  recovery = spy_recovery_new (st_ours.st_size + st_newest.st_size + 10);
  g_assert_false (spy_recovery_write (recovery, profile, &error));
  g_assert_error (error, SPY_RECOVERY_ERROR, SPY_RECOVERY_ERROR_TOO_LARGE);
  g_assert_false (g_file_test (spy_recovery_get_path (recovery), G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_clear_pointer (&recovery, spy_recovery_unref);

  /* Two writes on threads: the later profile stays. */
  empty_recovery_folder ();
  spy_profile_add_samples (larger, 5000, 0, 0, 0, 1000);
  recovery = spy_recovery_new (G_MAXUINT64);
  spy_recovery_write_async (recovery, profile, count_down, &pending);
  spy_recovery_write_async (recovery, larger, count_down, &pending);
  GUI_TEST_WAIT_UNTIL (pending == 0, 10.0);
  g_assert_cmpint (pending, ==, 0);
  reloaded = spy_profile_load (spy_recovery_get_path (recovery), &error);
  g_assert_no_error (error);
  g_assert_true (spy_profile_equal (larger, reloaded, NULL));
  spy_recovery_discard (recovery);
  g_assert_false (g_file_test (spy_recovery_get_path (recovery), G_FILE_TEST_EXISTS));
  /* Written after the discard: nothing. */
  g_assert_true (spy_recovery_write (recovery, profile, NULL));
  g_assert_false (g_file_test (spy_recovery_get_path (recovery), G_FILE_TEST_EXISTS));
}

/* ---- screenshots --------------------------------------------------------- */

/* The demo recorded live, at 1280×800 (the README's and the AppStream
 * screenshot: build-aux/dev screenshot copies it to data/screenshots/)
 * and at 800×600, where both halves of the split must stay usable. */
static void
test_screenshots (void)
{
  g_autofree char *relative = g_test_build_filename (G_TEST_DIST, "..", "..", "data", "demo", "spyglass-demo.py", NULL);
  g_autofree char *demo = g_canonicalize_filename (relative, NULL);
  /* Bounded, so that a failed test leaves nothing running. */
  const char *argv[] = { PYTHON, demo, "--quiet", "--duration", "60", NULL };
  SpyWindow *window;
  SpyProfileView *view;
  GtkWidget *paned;
  int height;

  if (!can_run (FALSE))
    return;
  window = new_window ();
  view = spy_window_get_profile_view (window);
  g_assert_true (spy_window_launch (window, argv, NULL));
  GUI_TEST_WAIT_UNTIL (spy_profile_view_get_profile (view) != NULL &&
                       spy_profile_get_n_samples (spy_profile_view_get_profile (view)) > 300, 20.0);
  g_assert_cmpuint (spy_profile_get_n_samples (spy_profile_view_get_profile (view)), >, 300);
  gui_test_screenshot ("spyglass-main.png", 1280, 800);

  /* 800×600: the flamegraph and the table each keep a fair share. */
  paned = gui_test_find_descendant (GTK_WIDGET (view), GTK_TYPE_PANED);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  GUI_TEST_WAIT_UNTIL (gtk_widget_get_width (GTK_WIDGET (window)) <= 800 && gtk_widget_get_height (paned) < 600, 10.0);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 800);
  gui_test_wait_frames (GTK_WIDGET (window), 2);
  height = gtk_widget_get_height (paned);
  g_test_message ("800×600: split %d of %d px", gtk_paned_get_position (GTK_PANED (paned)), height);
  g_assert_cmpint (gtk_paned_get_position (GTK_PANED (paned)), >, height / 3);
  g_assert_cmpint (gtk_paned_get_position (GTK_PANED (paned)), <, height * 2 / 3);
  gui_test_screenshot ("window-800x600.png", 800, 600);

  spy_window_stop (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  /* The file chooser keeps its own settings, and recent files go to a
   * list of our own: not the user's. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  tmp_dir = g_dir_make_tmp ("spyglass-gui-XXXXXX", NULL);
  {
    g_autofree char *data_home = g_build_filename (tmp_dir, "data", NULL);

    g_autofree char *cache_home = g_build_filename (tmp_dir, "cache", NULL);

    g_setenv ("XDG_DATA_HOME", data_home, TRUE);
    /* Recovery files: our own folder, before GLib reads the variable. */
    g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  }
  g_set_application_name ("Spyglass");
  if (!gtk_init_check ())
    {
      g_print ("SKIP: no display (run under xvfb-run)\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/window/open-profile-shows-table-and-search", test_open_profile);
  g_test_add_func ("/window/corrupt-file-error-in-window", test_open_corrupt);
  g_test_add_func ("/window/table-updates-in-place", test_table_updates_in_place);
  g_test_add_func ("/window/record-from-picker-save-reopen", test_record_save_reopen);
  g_test_add_func ("/window/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/window/keyboard-only", test_keyboard_only);
  g_test_add_func ("/window/mouse-only", test_mouse_only);
  g_test_add_func ("/window/launch-and-dump-stacks", test_launch_and_dump_stacks);
  g_test_add_func ("/window/native-switch-records-c-frames", test_launch_native);
  g_test_add_func ("/window/unsaved-close-asks", test_unsaved_close_asks);
  g_test_add_func ("/window/drop-file", test_drop_file);
  g_test_add_func ("/window/recovery-offer-open-and-discard", test_recovery_offer);
  g_test_add_func ("/window/recovery-folder-bounded", test_recovery_folder_bounded);
  g_test_add_func ("/window/screenshots", test_screenshots);
  status = g_test_run ();
  return status;
}
