/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-process-picker.c: the process picker lists, filters, selects and activates a real Python child */

#include "config.h"

#include "test-children.h"

#include "gui-test-util.h"

#include <gtk/gtk.h>
#include <math.h>

#include "spy-process-list.h"
#include "spy-process-picker.h"

#define PYTHON "/usr/bin/python3.11"
#define N_SLEEPERS 40

typedef struct {
  GtkWindow        *window;
  SpyProcessPicker *picker;
  GtkColumnView    *column_view;
  GPid              python_pid;
  GPid              sleepers[N_SLEEPERS];
} Fixture;

/* The row for @pid as shown (after filtering and sorting), or NULL. */
static SpyProcessInfo *
listed (Fixture *fixture,
        GPid     pid)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (fixture->column_view));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpyProcessInfo) info = g_list_model_get_item (model, i);

      if (spy_process_info_get_pid (info) == pid)
        return info;
    }
  return NULL;
}

static gboolean
python_listed (gpointer data)
{
  Fixture *fixture = data;
  SpyProcessInfo *info = listed (fixture, fixture->python_pid);

  return info != NULL && spy_process_info_get_python_version (info) != NULL;
}

static gboolean
python_not_listed (gpointer data)
{
  return !python_listed (data);
}

/* Children die with the test, and keep quiet: a failed test must not leave
 * them holding meson's pipes open. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  const char *python_argv[] = { PYTHON, "-c", "import time; time.sleep(120)", NULL };
  const char *sleep_argv[] = { "/bin/sleep", "120", NULL };
  const int *size = user_data;

  fixture->python_pid = test_child_spawn (python_argv);
  for (guint i = 0; i < N_SLEEPERS; i++)
    fixture->sleepers[i] = test_child_spawn (sleep_argv);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, size[0], size[1]);
  fixture->picker = SPY_PROCESS_PICKER (spy_process_picker_new ());
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->picker));
  fixture->column_view = GTK_COLUMN_VIEW (gui_test_find_descendant (GTK_WIDGET (fixture->picker),
                                                           GTK_TYPE_COLUMN_VIEW));
  g_assert_nonnull (fixture->column_view);
  gtk_window_present (fixture->window);
  g_assert_true (gui_test_wait_for (python_listed, fixture, 10));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  gtk_window_destroy (fixture->window);
  test_child_reap (fixture->python_pid);
  for (guint i = 0; i < N_SLEEPERS; i++)
    test_child_reap (fixture->sleepers[i]);
}

static void
on_process_activated (SpyProcessPicker *picker,
                      int               pid,
                      GPid             *out)
{
  *out = pid;
}

/* Enter on the selected row, as the list view's own action does it. */
static void
activate_selected (Fixture *fixture)
{
  GtkSelectionModel *model = gtk_column_view_get_model (fixture->column_view);
  guint position = gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));
  GtkWidget *list_view = gui_test_find_descendant (GTK_WIDGET (fixture->column_view), GTK_TYPE_LIST_VIEW);

  g_assert_nonnull (list_view);
  gtk_widget_activate_action (list_view, "list.activate-item", "u", position);
}

static void
test_lists_selects_activates (Fixture       *fixture,
                              gconstpointer  user_data)
{
  SpyProcessInfo *info = listed (fixture, fixture->python_pid);
  g_autofree char *command = NULL;
  GPid activated = 0;

  g_assert_cmpstr (spy_process_info_get_python_version (info), ==, "3.11");
  command = g_strdup (spy_process_info_get_command_line (info));
  g_assert_cmpstr (command, ==, PYTHON " -c import time; time.sleep(120)");
  /* "Python only" is on: the sleepers are not listed. */
  g_assert_null (listed (fixture, fixture->sleepers[0]));

  g_assert_true (spy_process_picker_select_pid (fixture->picker, fixture->python_pid));
  g_assert_cmpint (spy_process_picker_get_selected_pid (fixture->picker), ==, fixture->python_pid);
  g_signal_connect (fixture->picker, "process-activated", G_CALLBACK (on_process_activated), &activated);
  activate_selected (fixture);
  g_assert_cmpint (activated, ==, fixture->python_pid);

  spy_process_picker_show_message (fixture->picker,
    "Cannot read process 1234 (/usr/bin/python3.11): Operation not permitted. Reading another "
    "user's process needs root or CAP_SYS_PTRACE: run `sudo setcap cap_sys_ptrace+ep spyglass`, "
    "or start the program from Spyglass with “Launch Command…”.");
  gui_test_screenshot ("process-picker-1280x800.png", 1280, 800);
  spy_process_picker_show_message (fixture->picker, NULL);
}

static void
set_search (Fixture    *fixture,
            const char *text)
{
  GtkWidget *entry = gui_test_find_descendant (GTK_WIDGET (fixture->picker), GTK_TYPE_SEARCH_ENTRY);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

static void
test_search_filters (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) fixture->python_pid);

  set_search (fixture, "no-such-process-at-all");
  g_assert_true (gui_test_wait_for (python_not_listed, fixture, 3));
  g_assert_false (spy_process_picker_select_pid (fixture->picker, fixture->python_pid));
  gui_test_screenshot ("process-picker-no-match.png", 1280, 800);

  set_search (fixture, pid_text);
  g_assert_true (gui_test_wait_for (python_listed, fixture, 3));

  set_search (fixture, "TIME.SLEEP(120)");  /* command line, any case */
  g_assert_true (gui_test_wait_for (python_listed, fixture, 3));

  set_search (fixture, "python3.11");  /* name */
  g_assert_true (gui_test_wait_for (python_listed, fixture, 3));

  set_search (fixture, "");
  g_assert_true (gui_test_wait_for (python_listed, fixture, 3));
}

static gboolean
sleepers_listed (gpointer data)
{
  Fixture *fixture = data;

  return listed (fixture, fixture->sleepers[N_SLEEPERS - 1]) != NULL;
}

static GtkAdjustment *
vadjustment (Fixture *fixture)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (fixture->column_view),
                                                 GTK_TYPE_SCROLLED_WINDOW);

  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
}

/* Where the selected row is in the viewport, in pixels from its top. */
static double
selected_row_offset (Fixture *fixture)
{
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (fixture->column_view));
  GtkAdjustment *adjustment = vadjustment (fixture);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  double row_height = gtk_adjustment_get_upper (adjustment) / n;

  return gtk_single_selection_get_selected (selection) * row_height -
         gtk_adjustment_get_value (adjustment);
}

/* Frames until the scroll position holds still over two of them. */
static void
wait_still (Fixture *fixture)
{
  double before;

  do
    {
      before = gtk_adjustment_get_value (vadjustment (fixture));
      gui_test_wait_frames (GTK_WIDGET (fixture->picker), 2);
    }
  while (gtk_adjustment_get_value (vadjustment (fixture)) != before);
}

/* The row to select below the fold: the list is newest first, so the
 * oldest sleeper has the other N_SLEEPERS - 1 above it, more than a screen
 * holds, whatever else runs on the machine. (The middle one was on screen
 * when no other test started processes meanwhile: nothing to scroll.) */
#define SCROLLED_SLEEPER 0

static gboolean
middle_selected_and_scrolled (gpointer data)
{
  Fixture *fixture = data;

  return spy_process_picker_select_pid (fixture->picker, fixture->sleepers[SCROLLED_SLEEPER]) &&
         gtk_adjustment_get_value (vadjustment (fixture)) > 0;
}

/* Two refreshes update rows in place: the same row object stays selected,
 * and where it is on screen, even when processes start or end meanwhile. */
static void
test_refresh_keeps_selection_and_scroll (Fixture       *fixture,
                                         gconstpointer  user_data)
{
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (fixture->column_view));
  GPid middle = fixture->sleepers[SCROLLED_SLEEPER];
  gpointer selected;
  double offset;

  g_object_set (fixture->picker, "python-only", FALSE, NULL);
  g_assert_true (gui_test_wait_for (sleepers_listed, fixture, 3));
  /* The list scrolls to a row only once it is laid out: on a slow machine
   * (a sanitizer build) that takes longer, so select until it has; then
   * frames until the scroll and layout have come to rest. */
  g_assert_true (gui_test_wait_for (middle_selected_and_scrolled, fixture, 5));
  wait_still (fixture);
  selected = gtk_single_selection_get_selected_item (selection);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment (fixture)), >, 0);
  offset = selected_row_offset (fixture);
  gui_test_screenshot ("process-picker-800x600.png", 800, 600);

  for (guint i = 0; i < 2; i++)
    {
      guint scans = spy_process_picker_get_n_scans (fixture->picker);

      spy_process_picker_refresh (fixture->picker);
      GUI_TEST_WAIT_UNTIL (spy_process_picker_get_n_scans (fixture->picker) > scans, 10.0);
      g_assert_cmpuint (spy_process_picker_get_n_scans (fixture->picker), >, scans);
      wait_still (fixture);
    }
  g_assert_cmpint (spy_process_picker_get_selected_pid (fixture->picker), ==, middle);
  g_assert_true (gtk_single_selection_get_selected_item (selection) == selected);
  g_test_message ("selected row %.0f px from the top, now %.0f", offset, selected_row_offset (fixture));
  g_assert_cmpfloat (fabs (selected_row_offset (fixture) - offset), <, 1);

  g_object_set (fixture->picker, "python-only", TRUE, NULL);
  spy_process_picker_show_message (fixture->picker,
    "Cannot read process 1234 (/usr/bin/python3.11): Operation not permitted. Reading another "
    "user's process needs root or CAP_SYS_PTRACE.");
  gui_test_screenshot ("process-picker-800x600-python-only.png", 800, 600);
}

static void
on_command_activated (SpyProcessPicker  *picker,
                      GStrv              argv,
                      GStrv             *out)
{
  *out = g_strdupv (argv);
}

static GtkWindow *
find_launch_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (window), "launch-dialog") == 0)
        return GTK_WINDOW (window);
    }
  return NULL;
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_launch_command (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_auto(GStrv) argv = NULL;
  GtkWindow *dialog;
  GtkWidget *entry, *launch;

  gtk_widget_activate_action (GTK_WIDGET (fixture->picker), "picker.launch-command", NULL);
  dialog = find_launch_dialog ();
  g_assert_nonnull (dialog);
  entry = find_named (GTK_WIDGET (dialog), "launch-entry");
  launch = find_named (GTK_WIDGET (dialog), "launch-button");
  g_assert_false (gtk_widget_get_sensitive (launch));
  gtk_editable_set_text (GTK_EDITABLE (entry), "python3 'my app.py' --port 8000");
  g_assert_true (gtk_widget_get_sensitive (launch));
  gui_test_screenshot ("process-picker-launch.png", 1280, 800);

  g_signal_connect (fixture->picker, "command-activated", G_CALLBACK (on_command_activated), &argv);
  g_signal_emit_by_name (launch, "clicked");
  g_assert_nonnull (argv);
  g_assert_cmpuint (g_strv_length (argv), ==, 4);
  g_assert_cmpstr (argv[0], ==, "python3");
  g_assert_cmpstr (argv[1], ==, "my app.py");
  g_assert_cmpstr (argv[3], ==, "8000");
  GUI_TEST_WAIT_UNTIL (find_launch_dialog () == NULL, 5.0);
  g_assert_null (find_launch_dialog ());
}

int
main (int   argc,
      char *argv[])
{
  static const int large[2] = { 1280, 800 };
  static const int small[2] = { 800, 600 };

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    return 77;
  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("%s is not installed\n", PYTHON);
      return 77;
    }

  g_test_add ("/process-picker/lists-selects-and-activates-python-child", Fixture, large,
              fixture_set_up, test_lists_selects_activates, fixture_tear_down);
  g_test_add ("/process-picker/search-filters-by-pid-name-and-command-line", Fixture, large,
              fixture_set_up, test_search_filters, fixture_tear_down);
  /* Small, so that the list scrolls. */
  g_test_add ("/process-picker/refresh-keeps-selection-and-scroll", Fixture, small,
              fixture_set_up, test_refresh_keeps_selection_and_scroll, fixture_tear_down);
  g_test_add ("/process-picker/launch-command-splits-like-a-shell", Fixture, large,
              fixture_set_up, test_launch_command, fixture_tear_down);

  return g_test_run ();
}
