/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the app window with real profiles and a real Python process */

#include "config.h"

#include "gui-test-util.h"

#include <gtk/gtk.h>
#include <signal.h>

#include "spy-format.h"
#include "spy-top-row.h"
#include "spy-window.h"

static char *tmp_dir;

/* A screenshot of the whole (Xvfb) screen, for people to look at. */
static void
screenshot (const char *name)
{
  const char *dir = g_getenv ("SPY_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autofree char *command = NULL;
  g_autofree char *import = g_find_program_in_path ("import");

  if (dir == NULL || import == NULL)
    return;
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  command = g_strdup_printf ("import -window root %s", path);
  gui_test_settle (0.3);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  g_test_message ("screenshot: %s", path);
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
  gui_test_settle (0.3);
  return window;
}

static char *
first_function (SpyWindow *window)
{
  GListModel *rows = spy_top_view_get_model (spy_profile_view_get_top_view (spy_window_get_profile_view (window)));
  g_autoptr(SpyTopRow) row = NULL;

  if (g_list_model_get_n_items (rows) == 0)
    return NULL;
  row = g_list_model_get_item (rows, 0);
  return g_strdup (spy_top_row_get_function (row));
}

static void
test_open_profile (void)
{
  g_autoptr(SpyProfile) profile = make_profile ();
  g_autofree char *path = g_build_filename (tmp_dir, "fixture.spyprof", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  SpyWindow *window;

  g_assert_true (spy_profile_save (profile, path, SPY_FORMAT_SPYPROF, NULL, &error));
  window = new_window ();
  g_assert_true (spy_window_open_file (window, file, &error));
  g_assert_no_error (error);
  gui_test_settle (0.3);
  first = first_function (window);
  g_assert_cmpstr (first, ==, "parse_json");
  g_assert_null (spy_window_get_error_message (window));
  g_assert_false (spy_window_get_unsaved (window));
  screenshot ("window-open-profile.png");

  /* Search narrows the table. */
  spy_profile_view_set_search (spy_window_get_profile_view (window), "render");
  gui_test_settle (0.3);
  g_assert_cmpuint (g_list_model_get_n_items (spy_top_view_get_model (
    spy_profile_view_get_top_view (spy_window_get_profile_view (window)))), ==, 1);
  screenshot ("window-search.png");
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
  gui_test_settle (0.3);
  screenshot ("window-corrupt-file.png");
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

static gboolean
hot_is_first (gpointer data)
{
  RecordState *state = data;
  g_autofree char *first = first_function (state->window);

  return g_strcmp0 (first, "hot") == 0;
}

static void
test_record_save_reopen (void)
{
  const char *python = "/usr/bin/python3.11";
  g_autofree char *workload = g_test_build_filename (G_TEST_DIST, "..", "python", "top_workload.py", NULL);
  g_autofree char *saved = g_build_filename (tmp_dir, "recorded.spyprof", NULL);
  g_autoptr(GFile) saved_file = g_file_new_for_path (saved);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) reloaded = NULL;
  g_autofree char *why = NULL;
  RecordState state;
  SpyWindow *window, *second;
  GPid pid;

  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("/usr/bin/python3.11 is not installed");
      return;
    }
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, python, workload, NULL);
  g_assert_no_error (error);
  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (child), NULL, 10);
  gui_test_settle (0.5);

  window = new_window ();
  state.window = window;
  state.pid = pid;
  spy_process_picker_refresh (spy_window_get_picker (window));
  /* Through the picker, as a person would: select it, then Record. */
  g_assert_true (gui_test_wait_for (picker_selects, &state, 5.0));
  screenshot ("window-picker.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.record", NULL));
  g_assert_null (spy_window_get_error_message (window));
  g_assert_true (gui_test_wait_for (hot_is_first, &state, 4.0));
  gui_test_settle (2.0);
  screenshot ("window-recording.png");
  spy_window_stop (window);
  g_assert_true (spy_window_get_unsaved (window));

  g_assert_true (spy_window_save_to (window, saved_file, &error));
  g_assert_no_error (error);
  g_assert_false (spy_window_get_unsaved (window));

  second = new_window ();
  g_assert_true (spy_window_open_file (second, saved_file, &error));
  reloaded = spy_profile_load (saved, &error);
  g_assert_no_error (error);
  g_assert_true (spy_profile_equal (spy_profile_view_get_profile (spy_window_get_profile_view (window)),
                                    reloaded, &why));
  g_assert_true (hot_is_first (&(RecordState) { second, 0 }));
  screenshot ("window-reopened.png");

  g_subprocess_force_exit (child);
  gtk_window_destroy (GTK_WINDOW (second));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  if (!gtk_init_check ())
    {
      g_print ("SKIP: no display (run under xvfb-run)\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("spyglass-gui-XXXXXX", NULL);

  g_test_add_func ("/window/open-profile-shows-table-and-search", test_open_profile);
  g_test_add_func ("/window/corrupt-file-error-in-window", test_open_corrupt);
  g_test_add_func ("/window/record-from-picker-save-reopen", test_record_save_reopen);
  status = g_test_run ();
  return status;
}
