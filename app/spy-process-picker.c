/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-picker.c: choose a running (Python) process, or a command to launch */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "spy-process-list.h"
#include "spy-process-picker.h"
#include "spy-target.h"

#define REFRESH_SECONDS 2

/* The message area stands out from the list without shouting. */
static const char picker_css[] =
  "spyprocesspicker .spy-picker-message {"
  "  background-color: alpha(@warning_color, 0.15);"
  "  border-radius: 6px;"
  "  padding: 8px 8px 8px 12px;"
  "}";

typedef enum {
  COLUMN_PID,
  COLUMN_COMMAND,
  COLUMN_USER,
  COLUMN_PYTHON,
  COLUMN_CPU,
  N_COLUMNS
} Column;

static const char *column_titles[N_COLUMNS] = {
  N_("PID"),
  N_("Command"),
  N_("User"),
  N_("Python"),
  N_("CPU %"),
};

struct _SpyProcessPicker {
  GtkWidget            parent_instance;

  /* Template children */
  GtkWidget           *box;
  GtkSearchEntry      *search_entry;
  GtkCheckButton      *python_only_check;
  GtkCheckButton      *native_check;
  GtkRevealer         *message_revealer;
  GtkLabel            *message_label;
  GtkStack            *stack;
  GtkColumnView       *column_view;
  GtkLabel            *empty_label;

  GtkColumnViewColumn *columns[N_COLUMNS];
  GtkSorter           *cpu_sorter;
  GListStore          *store;       /* SpyProcessInfo, in no order */
  GtkCustomFilter     *filter;
  GtkSingleSelection  *selection;
  SpyProcessList      *scanner;
  GCancellable        *cancellable;
  char                *search_text; /* casefolded */
  guint                refresh_id;
  gboolean             scanning;
  gboolean             scan_again;
  gboolean             scanned_once;
  guint                n_scans;       /* applied to the list */
};

enum {
  PROP_0,
  PROP_PYTHON_ONLY,
  PROP_NATIVE,
  N_PROPS
};

enum {
  PROCESS_ACTIVATED,
  COMMAND_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SpyProcessPicker, spy_process_picker, GTK_TYPE_WIDGET)

/* ---- cells ------------------------------------------------------------ */

static char *
unreadable_reason (SpyProcessInfo *info)
{
  return g_strdup_printf (_("Spyglass may not read the memory of this process: it belongs "
                            "to %s. Run Spyglass as that user or as root (or with "
                            "CAP_SYS_PTRACE), or start the program with “Launch Command…”."),
                          spy_process_info_get_user (info));
}

static char *
cell_text (SpyProcessInfo *info,
           Column          column)
{
  const char *version;

  switch (column)
    {
    case COLUMN_PID:
      return g_strdup_printf ("%d", (int) spy_process_info_get_pid (info));
    case COLUMN_COMMAND:
      return g_strdup (spy_process_info_get_command_line (info));
    case COLUMN_USER:
      return g_strdup (spy_process_info_get_user (info));
    case COLUMN_PYTHON:
      version = spy_process_info_get_python_version (info);
      return g_strdup (version ? version : "");
    case COLUMN_CPU:
      return g_strdup_printf ("%.1f", spy_process_info_get_cpu_percent (info));
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);
  gboolean numeric = column == COLUMN_PID || column == COLUMN_CPU;

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0 : 0.0);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (numeric)
    {
      g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      gtk_label_set_attributes (GTK_LABEL (label), attrs);
    }
  gtk_list_item_set_child (item, label);
}

static void
update_cpu_label (SpyProcessInfo *info,
                  GParamSpec     *pspec,
                  GtkLabel       *label)
{
  g_autofree char *text = cell_text (info, COLUMN_CPU);

  gtk_label_set_text (label, text);
}

/* Text from /proc is untrusted: plain text only, never markup. */
static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  SpyProcessInfo *info = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = cell_text (info, column);
  g_autofree char *tooltip = NULL;
  gboolean readable = spy_process_info_get_readable (info);

  gtk_label_set_text (GTK_LABEL (label), text);
  if (!readable)
    tooltip = unreadable_reason (info);
  else if (column == COLUMN_COMMAND)
    tooltip = g_strdup (spy_process_info_get_command_line (info));
  gtk_widget_set_tooltip_text (label, tooltip);
  if (readable)
    gtk_widget_remove_css_class (label, "dim-label");
  else
    gtk_widget_add_css_class (label, "dim-label");

  if (column == COLUMN_CPU)
    g_signal_connect_object (info, "notify::cpu-percent",
                             G_CALLBACK (update_cpu_label), label, 0);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  SpyProcessInfo *info = gtk_list_item_get_item (item);

  if (GPOINTER_TO_INT (user_data) == COLUMN_CPU && info != NULL)
    g_signal_handlers_disconnect_by_func (info, update_cpu_label, gtk_list_item_get_child (item));
}

/* ---- sorting ---------------------------------------------------------- */

/* "3.9" before "3.10"; non-Python processes last. */
static int
compare_python_versions (gconstpointer a,
                         gconstpointer b,
                         gpointer      user_data)
{
  const char *va = spy_process_info_get_python_version ((SpyProcessInfo *) a);
  const char *vb = spy_process_info_get_python_version ((SpyProcessInfo *) b);

  int order;

  if (va == NULL || vb == NULL)
    return (va == NULL) - (vb == NULL);
  order = strverscmp (va, vb);
  return (order > 0) - (order < 0);
}

static GtkSorter *
column_sorter (Column column)
{
  const char *property = NULL;

  switch (column)
    {
    case COLUMN_PID:     property = "pid"; break;
    case COLUMN_CPU:     property = "cpu-percent"; break;
    case COLUMN_COMMAND: property = "command-line"; break;
    case COLUMN_USER:    property = "user"; break;
    case COLUMN_PYTHON:
      return GTK_SORTER (gtk_custom_sorter_new (compare_python_versions, NULL, NULL));
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  if (column == COLUMN_PID || column == COLUMN_CPU)
    return GTK_SORTER (gtk_numeric_sorter_new (
      gtk_property_expression_new (SPY_TYPE_PROCESS_INFO, NULL, property)));
  return GTK_SORTER (gtk_string_sorter_new (
    gtk_property_expression_new (SPY_TYPE_PROCESS_INFO, NULL, property)));
}

static void
add_columns (SpyProcessPicker *self)
{
  for (Column i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkSorter) sorter = column_sorter (i);
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (i));
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), GINT_TO_POINTER (i));
      column = gtk_column_view_column_new (_(column_titles[i]), factory);
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i == COLUMN_COMMAND);
      gtk_column_view_append_column (self->column_view, column);
      self->columns[i] = column;
      g_object_unref (column);
      if (i == COLUMN_CPU)
        self->cpu_sorter = g_object_ref (sorter);
    }
  gtk_column_view_column_set_fixed_width (self->columns[COLUMN_PID], 90);
  gtk_column_view_column_set_fixed_width (self->columns[COLUMN_USER], 120);
  gtk_column_view_column_set_fixed_width (self->columns[COLUMN_PYTHON], 90);
  gtk_column_view_column_set_fixed_width (self->columns[COLUMN_CPU], 90);
  /* Newest first: what was just started is on top, and rows hold still. */
  gtk_column_view_sort_by_column (self->column_view, self->columns[COLUMN_PID],
                                  GTK_SORT_DESCENDING);
}

/* ---- filtering -------------------------------------------------------- */

static gboolean
contains_casefolded (const char *haystack,
                     const char *needle)
{
  g_autofree char *folded = haystack ? g_utf8_casefold (haystack, -1) : NULL;

  return folded != NULL && strstr (folded, needle) != NULL;
}

static gboolean
filter_process (gpointer item,
                gpointer user_data)
{
  SpyProcessPicker *self = user_data;
  SpyProcessInfo *info = item;
  char pid[16];

  if (gtk_check_button_get_active (self->python_only_check) &&
      spy_process_info_get_python_version (info) == NULL)
    return FALSE;
  if (self->search_text == NULL)
    return TRUE;
  g_snprintf (pid, sizeof pid, "%d", (int) spy_process_info_get_pid (info));
  return strstr (pid, self->search_text) != NULL ||
         contains_casefolded (spy_process_info_get_name (info), self->search_text) ||
         contains_casefolded (spy_process_info_get_command_line (info), self->search_text);
}

static void
update_empty_state (SpyProcessPicker *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  gboolean python_only = gtk_check_button_get_active (self->python_only_check);
  g_autofree char *text = NULL;

  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "list");
      return;
    }
  if (!self->scanned_once)
    text = g_strdup (_("Looking for processes…"));
  else if (self->search_text != NULL)
    text = g_strdup_printf (_("No process matches “%s”."),
                            gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  else if (python_only)
    text = g_strdup (_("No Python process is running.\nStart one, or use “Launch Command…”."));
  else
    text = g_strdup (_("No process is running."));
  gtk_label_set_text (self->empty_label, text);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* Filters the list by the entry's text now. GtkSearchEntry says that the
 * text changed a moment after a key press; Enter must not act on the list
 * as it was before the last keys. */
static void
apply_search (SpyProcessPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *folded = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;

  if (g_strcmp0 (folded, self->search_text) == 0)
    return;
  g_free (self->search_text);
  self->search_text = g_steal_pointer (&folded);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty_state (self);
}

static void
on_search_changed (SpyProcessPicker *self,
                   GtkSearchEntry   *entry)
{
  apply_search (self);
}

/* Escape in the search entry clears it. */
static void
on_stop_search (SpyProcessPicker *self,
                GtkSearchEntry   *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_python_only_toggled (SpyProcessPicker *self,
                        GParamSpec       *pspec,
                        GtkCheckButton   *check)
{
  gboolean python_only = gtk_check_button_get_active (check);

  gtk_filter_changed (GTK_FILTER (self->filter),
                      python_only ? GTK_FILTER_CHANGE_MORE_STRICT : GTK_FILTER_CHANGE_LESS_STRICT);
  update_empty_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PYTHON_ONLY]);
}

static void
on_native_toggled (SpyProcessPicker *self,
                   GParamSpec       *pspec,
                   GtkCheckButton   *check)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NATIVE]);
}

/* ---- refreshing ------------------------------------------------------- */

/* What we show that cannot change in place: a change means a new row. */
static gboolean
same_process (SpyProcessInfo *a,
              SpyProcessInfo *b)
{
  return g_strcmp0 (spy_process_info_get_command_line (a), spy_process_info_get_command_line (b)) == 0 &&
         g_strcmp0 (spy_process_info_get_python_version (a), spy_process_info_get_python_version (b)) == 0 &&
         g_strcmp0 (spy_process_info_get_user (a), spy_process_info_get_user (b)) == 0 &&
         spy_process_info_get_readable (a) == spy_process_info_get_readable (b);
}

/* Updates rows still there in place, removes the others (in runs, from the
 * end) and leaves in @fresh only the processes to add. */
static void
update_and_remove (SpyProcessPicker *self,
                   GHashTable       *fresh)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint run_end = n;  /* one past the last row of the run to remove */

  for (guint i = n; i > 0; i--)
    {
      g_autoptr(SpyProcessInfo) old = g_list_model_get_item (G_LIST_MODEL (self->store), i - 1);
      g_autofree char *key = spy_process_info_dup_key (old);
      SpyProcessInfo *now = g_hash_table_lookup (fresh, key);
      gboolean keep = now != NULL && same_process (old, now);

      if (keep)
        {
          spy_process_info_set_cpu_percent (old, spy_process_info_get_cpu_percent (now));
          g_hash_table_remove (fresh, key);
          if (run_end > i)
            g_list_store_splice (self->store, i, run_end - i, NULL, 0);
          run_end = i - 1;
        }
    }
  if (run_end > 0)
    g_list_store_splice (self->store, 0, run_end, NULL, 0);
}

static void
apply_scan (SpyProcessPicker *self,
            GPtrArray        *processes)
{
  g_autoptr(GHashTable) fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) added = g_ptr_array_new ();

  for (guint i = 0; i < processes->len; i++)
    {
      SpyProcessInfo *info = g_ptr_array_index (processes, i);

      g_hash_table_insert (fresh, spy_process_info_dup_key (info), info);
    }
  update_and_remove (self, fresh);
  for (guint i = 0; i < processes->len; i++)
    {
      SpyProcessInfo *info = g_ptr_array_index (processes, i);
      g_autofree char *key = spy_process_info_dup_key (info);

      if (g_hash_table_contains (fresh, key))
        g_ptr_array_add (added, info);
    }
  g_list_store_splice (self->store, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       0, added->pdata, added->len);
  /* CPU % changed in place: re-sort if it is a sort key (rows that keep
   * their place are not touched, so selection and scrolling stay). */
  gtk_sorter_changed (self->cpu_sorter, GTK_SORTER_CHANGE_DIFFERENT);
  self->scanned_once = TRUE;
  self->n_scans++;
  update_empty_state (self);
}

static void
scan_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SpyProcessPicker) self = user_data;
  g_autoptr(GPtrArray) processes = NULL;
  g_autoptr(GError) error = NULL;

  processes = spy_process_list_scan_finish (SPY_PROCESS_LIST (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->scanning = FALSE;
  if (processes == NULL)
    g_warning ("Cannot list processes: %s", error->message);
  else
    apply_scan (self, processes);
  if (self->scan_again)
    spy_process_picker_refresh (self);
}

void
spy_process_picker_refresh (SpyProcessPicker *self)
{
  g_return_if_fail (SPY_IS_PROCESS_PICKER (self));

  if (self->scanning)
    {
      self->scan_again = TRUE;
      return;
    }
  self->scanning = TRUE;
  self->scan_again = FALSE;
  spy_process_list_scan_async (self->scanner, self->cancellable, scan_done, g_object_ref (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  spy_process_picker_refresh (SPY_PROCESS_PICKER (widget));
}

static gboolean
refresh_timeout (gpointer data)
{
  spy_process_picker_refresh (data);
  return G_SOURCE_CONTINUE;
}

static void
spy_process_picker_map (GtkWidget *widget)
{
  SpyProcessPicker *self = SPY_PROCESS_PICKER (widget);

  GTK_WIDGET_CLASS (spy_process_picker_parent_class)->map (widget);
  spy_process_picker_refresh (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_timeout, self);
}

static void
spy_process_picker_unmap (GtkWidget *widget)
{
  SpyProcessPicker *self = SPY_PROCESS_PICKER (widget);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  GTK_WIDGET_CLASS (spy_process_picker_parent_class)->unmap (widget);
}

/* ---- activation ------------------------------------------------------- */

static void
on_row_activated (SpyProcessPicker *self,
                  guint             position,
                  GtkColumnView    *column_view)
{
  g_autoptr(SpyProcessInfo) info = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (info != NULL)
    g_signal_emit (self, signals[PROCESS_ACTIVATED], 0, (int) spy_process_info_get_pid (info));
}

static void
on_message_dismissed (SpyProcessPicker *self,
                      GtkButton        *button)
{
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
}

/* The "Launch Command…" dialog: a command line, split like a shell would. */
typedef struct {
  SpyProcessPicker *picker;
  GtkWindow        *window;
  GtkEntry         *entry;
  GtkLabel         *error_label;
} LaunchDialog;

static void
launch_dialog_free (gpointer data)
{
  LaunchDialog *dialog = data;

  g_object_unref (dialog->picker);
  g_free (dialog);
}

static void
launch_dialog_launch (GtkWidget    *widget,
                      LaunchDialog *dialog)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (dialog->entry));
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_shell_parse_argv (text, NULL, &argv, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot run this command: %s"), error->message);

      gtk_label_set_text (dialog->error_label, message);
      gtk_widget_show (GTK_WIDGET (dialog->error_label));
      return;
    }
  g_signal_emit (dialog->picker, signals[COMMAND_ACTIVATED], 0, argv);
  gtk_window_destroy (dialog->window);
}

static void
launch_dialog_text_changed (GtkEditable  *editable,
                            GParamSpec   *pspec,
                            GtkWidget    *launch_button)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (editable)));

  gtk_widget_set_sensitive (launch_button, *text != '\0');
}

static GtkWidget *
launch_dialog_buttons (LaunchDialog *dialog)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *launch = gtk_button_new_with_mnemonic (_("_Launch"));

  gtk_widget_set_halign (box, GTK_ALIGN_END);
  gtk_widget_set_name (launch, "launch-button");
  gtk_widget_add_css_class (launch, "suggested-action");
  gtk_widget_set_sensitive (launch, FALSE);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), dialog->window);
  g_signal_connect (launch, "clicked", G_CALLBACK (launch_dialog_launch), dialog);
  g_signal_connect (dialog->entry, "notify::text", G_CALLBACK (launch_dialog_text_changed), launch);
  gtk_box_append (GTK_BOX (box), cancel);
  gtk_box_append (GTK_BOX (box), launch);
  gtk_window_set_default_widget (dialog->window, launch);
  return box;
}

static GtkWidget *
launch_dialog_content (LaunchDialog *dialog)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("_Command line to run under the profiler:"));
  GtkWidget *hint = gtk_label_new (_("Spyglass starts the program and records it from its first "
                                     "line. This needs no special rights."));
  GtkWidget *native;

  g_object_set (box, "margin-start", 18, "margin-end", 18, "margin-top", 18,
                "margin-bottom", 18, NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (dialog->entry));
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_label_set_xalign (dialog->error_label, 0);
  gtk_label_set_wrap (dialog->error_label, TRUE);
  gtk_label_set_selectable (dialog->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (dialog->error_label), "error");
  gtk_widget_hide (GTK_WIDGET (dialog->error_label));
  native = gtk_check_button_new_with_mnemonic (_("Also record _native frames (C, C++, Cython)"));
  gtk_widget_set_name (native, "launch-native");
  g_object_bind_property (dialog->picker, "native", native, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (dialog->entry));
  gtk_box_append (GTK_BOX (box), native);
  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (dialog->error_label));
  gtk_box_append (GTK_BOX (box), launch_dialog_buttons (dialog));
  return box;
}

static void
launch_command_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  LaunchDialog *dialog = g_new0 (LaunchDialog, 1);
  GtkRoot *root = gtk_widget_get_root (widget);

  dialog->picker = g_object_ref (SPY_PROCESS_PICKER (widget));
  dialog->window = GTK_WINDOW (gtk_window_new ());
  dialog->entry = GTK_ENTRY (gtk_entry_new ());
  dialog->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (dialog->window), "launch-dialog");
  gtk_widget_set_name (GTK_WIDGET (dialog->entry), "launch-entry");
  gtk_entry_set_placeholder_text (dialog->entry, _("python3 app.py --port 8000"));
  gtk_entry_set_activates_default (dialog->entry, TRUE);
  gtk_window_set_title (dialog->window, _("Launch Command"));
  gtk_window_set_modal (dialog->window, TRUE);
  gtk_window_set_default_size (dialog->window, 520, -1);
  gtk_window_set_resizable (dialog->window, FALSE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (dialog->window, GTK_WINDOW (root));
  gtk_window_set_child (dialog->window, launch_dialog_content (dialog));
  g_object_set_data_full (G_OBJECT (dialog->window), "spy-launch-dialog", dialog,
                          launch_dialog_free);
  gtk_window_present (dialog->window);
}

/* ---- public API ------------------------------------------------------- */

gboolean
spy_process_picker_get_native (SpyProcessPicker *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_PICKER (self), FALSE);

  return gtk_check_button_get_active (self->native_check);
}

GtkWidget *
spy_process_picker_new (void)
{
  return g_object_new (SPY_TYPE_PROCESS_PICKER, NULL);
}

static guint
find_pid (SpyProcessPicker *self,
          GPid              pid)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpyProcessInfo) info = g_list_model_get_item (model, i);

      if (spy_process_info_get_pid (info) == pid)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* GTK 4.8 has no gtk_column_view_scroll_to (): ask its list view. */
static void
scroll_to (SpyProcessPicker *self,
           guint             position)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
}

/* The row Enter in the search entry means, for the text typed so far: the
 * process whose PID it is; else the selected row if it is shown; else the
 * first; GTK_INVALID_LIST_POSITION when none is shown. */
static guint
row_for_keyboard (SpyProcessPicker *self)
{
  guint selected;
  GPid pid;

  apply_search (self);
  if (self->search_text != NULL && spy_parse_pid (self->search_text, &pid) &&
      (selected = find_pid (self, pid)) != GTK_INVALID_LIST_POSITION)
    return selected;
  selected = gtk_single_selection_get_selected (self->selection);
  if (selected != GTK_INVALID_LIST_POSITION)
    return selected;
  return g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0 ? 0 : GTK_INVALID_LIST_POSITION;
}

/* Enter in the search entry records the match, as a launcher would. */
static void
on_search_activate (SpyProcessPicker *self,
                    GtkSearchEntry   *entry)
{
  guint position = row_for_keyboard (self);
  g_autoptr(SpyProcessInfo) info = NULL;

  if (position == GTK_INVALID_LIST_POSITION)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  info = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  g_signal_emit (self, signals[PROCESS_ACTIVATED], 0, (int) spy_process_info_get_pid (info));
}

/* Down in the search entry goes on to the list, at the match. */
static gboolean
on_search_key (GtkEventControllerKey *controller,
               guint                  keyval,
               guint                  keycode,
               GdkModifierType        state,
               SpyProcessPicker      *self)
{
  guint position;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (position = row_for_keyboard (self)) == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
  return TRUE;
}

gboolean
spy_process_picker_select_pid (SpyProcessPicker *self,
                               GPid              pid)
{
  guint position;

  g_return_val_if_fail (SPY_IS_PROCESS_PICKER (self), FALSE);

  position = find_pid (self, pid);
  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  return TRUE;
}

guint
spy_process_picker_get_n_scans (SpyProcessPicker *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_PICKER (self), 0);

  return self->n_scans;
}

GPid
spy_process_picker_get_selected_pid (SpyProcessPicker *self)
{
  SpyProcessInfo *info;

  g_return_val_if_fail (SPY_IS_PROCESS_PICKER (self), 0);

  info = gtk_single_selection_get_selected_item (self->selection);
  return info ? spy_process_info_get_pid (info) : 0;
}

void
spy_process_picker_show_message (SpyProcessPicker *self,
                                 const char       *message)
{
  g_return_if_fail (SPY_IS_PROCESS_PICKER (self));

  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL && *message != '\0');
}

/* ---- GObject ---------------------------------------------------------- */

static void
spy_process_picker_dispose (GObject *object)
{
  SpyProcessPicker *self = SPY_PROCESS_PICKER (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  /* The models outlive the template children that the callbacks read. */
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPY_TYPE_PROCESS_PICKER);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_object (&self->cpu_sorter);

  G_OBJECT_CLASS (spy_process_picker_parent_class)->dispose (object);
}

static void
spy_process_picker_finalize (GObject *object)
{
  SpyProcessPicker *self = SPY_PROCESS_PICKER (object);

  g_clear_object (&self->scanner);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->search_text, g_free);

  G_OBJECT_CLASS (spy_process_picker_parent_class)->finalize (object);
}

static void
spy_process_picker_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SpyProcessPicker *self = SPY_PROCESS_PICKER (object);

  switch (prop_id)
    {
    case PROP_PYTHON_ONLY:
      g_value_set_boolean (value, gtk_check_button_get_active (self->python_only_check));
      break;
    case PROP_NATIVE:
      g_value_set_boolean (value, gtk_check_button_get_active (self->native_check));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_process_picker_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SpyProcessPicker *self = SPY_PROCESS_PICKER (object);

  switch (prop_id)
    {
    case PROP_PYTHON_ONLY:
      /* Notifies through on_python_only_toggled (). */
      gtk_check_button_set_active (self->python_only_check, g_value_get_boolean (value));
      break;
    case PROP_NATIVE:
      /* Notifies through on_native_toggled (). */
      gtk_check_button_set_active (self->native_check, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Focusing the picker focuses its search: typing finds a process. */
static gboolean
spy_process_picker_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (SPY_PROCESS_PICKER (widget)->search_entry));
}

static void
spy_process_picker_class_init (SpyProcessPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = spy_process_picker_dispose;
  object_class->finalize = spy_process_picker_finalize;
  object_class->get_property = spy_process_picker_get_property;
  object_class->set_property = spy_process_picker_set_property;
  widget_class->map = spy_process_picker_map;
  widget_class->unmap = spy_process_picker_unmap;
  widget_class->grab_focus = spy_process_picker_grab_focus;

  /* Bound to the "Python-only filter" setting by the window. */
  properties[PROP_PYTHON_ONLY] =
    g_param_spec_boolean ("python-only", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether recordings started here take native frames: bound to the
   * setting by the window, and shown in the launch dialog too. */
  properties[PROP_NATIVE] =
    g_param_spec_boolean ("native", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PROCESS_ACTIVATED] =
    g_signal_new ("process-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[COMMAND_ACTIVATED] =
    g_signal_new ("command-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);

  gtk_widget_class_install_action (widget_class, "picker.launch-command", NULL,
                                   launch_command_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "picker.refresh", NULL);
  gtk_widget_class_install_action (widget_class, "picker.refresh", NULL, refresh_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/spyglass/Spyglass/ui/spy-process-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, box);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, python_only_check);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, native_check);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, message_label);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, stack);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, column_view);
  gtk_widget_class_bind_template_child (widget_class, SpyProcessPicker, empty_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_python_only_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_native_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_message_dismissed);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "spyprocesspicker");
}

static void
setup_model (SpyProcessPicker *self)
{
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;

  self->store = g_list_store_new (SPY_TYPE_PROCESS_INFO);
  self->filter = gtk_custom_filter_new (filter_process, self, NULL);
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                        GTK_FILTER (g_object_ref (self->filter)));
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (filtered),
                                    g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "items-changed",
                            G_CALLBACK (update_empty_state), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
}

static void
ensure_style (GtkWidget *widget)
{
  static GtkCssProvider *provider;

  if (provider != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, picker_css, -1);
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (widget),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
spy_process_picker_init (SpyProcessPicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->scanner = spy_process_list_new ();
  self->cancellable = g_cancellable_new ();
  add_columns (self);
  setup_model (self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    g_signal_connect (keys, "key-pressed", G_CALLBACK (on_search_key), self);
    gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);
  }
  ensure_style (GTK_WIDGET (self));
  update_empty_state (self);
}
