/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-top-view.c: the top table: functions by own and total time */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "spy-target.h"
#include "spy-top-row.h"
#include "spy-top-view.h"

typedef enum {
  COLUMN_OWN_PERCENT,
  COLUMN_TOTAL_PERCENT,
  COLUMN_OWN_TIME,
  COLUMN_TOTAL_TIME,
  COLUMN_FUNCTION,
  COLUMN_LOCATION,
  N_COLUMNS
} Column;

struct _SpyTopView {
  GtkWidget           parent_instance;

  GtkScrolledWindow  *scroller;
  GtkColumnView      *column_view;

  GListStore         *rows;
  GtkFilterListModel *filtered;
  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;
  GtkCustomFilter    *filter;
  char               *search;
  GtkColumnViewColumn *columns[N_COLUMNS];
  GtkPopoverMenu     *menu;
  SpyProfile         *profile;      /* what the rows are of */
  SpyAggregation      aggregation;
  Column              sort_column;  /* the last sort asked of us */
  GtkSortType         sort_order;
};

G_DEFINE_FINAL_TYPE (SpyTopView, spy_top_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_FUNCTION_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *column_titles[N_COLUMNS] = {
  N_("%Own"), N_("%Total"), N_("Own time"), N_("Total time"), N_("Function"), N_("Location"),
};

static char *
location_text (SpyTopRow *row)
{
  g_autofree char *file = spy_target_shorten_filename (NULL, spy_top_row_get_file (row));

  /* The marker of a native frame: its library, said to be native. */
  if (spy_top_row_get_kind (row) == SPY_FRAME_NATIVE)
    return g_strdup_printf (_("%s (native)"), *file != '\0' ? file : _("no library"));
  if (spy_top_row_get_line (row) > 0)
    return g_strdup_printf ("%s:%d", file, spy_top_row_get_line (row));
  return g_steal_pointer (&file);
}

static char *
cell_text (SpyTopRow *row,
           Column     column)
{
  switch (column)
    {
    case COLUMN_OWN_PERCENT: return g_strdup_printf ("%.1f %%", 100 * spy_top_row_get_own_fraction (row));
    case COLUMN_TOTAL_PERCENT: return g_strdup_printf ("%.1f %%", 100 * spy_top_row_get_total_fraction (row));
    case COLUMN_OWN_TIME: return g_strdup_printf ("%.2f s", spy_top_row_get_own_time (row));
    case COLUMN_TOTAL_TIME: return g_strdup_printf ("%.2f s", spy_top_row_get_total_time (row));
    case COLUMN_FUNCTION: return g_strdup (spy_top_row_get_function (row));
    case COLUMN_LOCATION: return location_text (row);
    case N_COLUMNS: default: g_assert_not_reached ();
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column < COLUMN_FUNCTION ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), column == COLUMN_LOCATION ? PANGO_ELLIPSIZE_START
                                                                        : PANGO_ELLIPSIZE_END);
  if (column < COLUMN_FUNCTION)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
show_cell (GtkLabel  *label,
           SpyTopRow *row)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "spy-column"));
  g_autofree char *text = cell_text (row, column);

  /* Names come from the target: plain text, never markup. */
  gtk_label_set_text (label, text);
}

static void
on_row_notify (SpyTopRow  *row,
               GParamSpec *pspec,
               GtkLabel   *label)
{
  show_cell (label, row);
}

/* Rows are updated in place while recording (see spy_top_view_update):
 * a bound cell follows its row. */
static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  SpyTopRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);

  g_object_set_data (G_OBJECT (label), "spy-column", user_data);
  show_cell (GTK_LABEL (label), row);
  if (GPOINTER_TO_INT (user_data) < COLUMN_FUNCTION)
    g_signal_connect_object (row, "notify", G_CALLBACK (on_row_notify), label, 0);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  SpyTopRow *row = gtk_list_item_get_item (item);

  if (row != NULL)
    g_signal_handlers_disconnect_by_func (row, on_row_notify, gtk_list_item_get_child (item));
}

static GtkSorter *
column_sorter (Column column)
{
  GtkExpression *expression;

  switch (column)
    {
    case COLUMN_OWN_PERCENT:
    case COLUMN_OWN_TIME:
      expression = gtk_property_expression_new (SPY_TYPE_TOP_ROW, NULL, "own");
      return GTK_SORTER (gtk_numeric_sorter_new (expression));
    case COLUMN_TOTAL_PERCENT:
    case COLUMN_TOTAL_TIME:
      expression = gtk_property_expression_new (SPY_TYPE_TOP_ROW, NULL, "total");
      return GTK_SORTER (gtk_numeric_sorter_new (expression));
    case COLUMN_FUNCTION:
      expression = gtk_property_expression_new (SPY_TYPE_TOP_ROW, NULL, "function");
      return GTK_SORTER (gtk_string_sorter_new (expression));
    case COLUMN_LOCATION:
      expression = gtk_property_expression_new (SPY_TYPE_TOP_ROW, NULL, "file");
      return GTK_SORTER (gtk_string_sorter_new (expression));
    case N_COLUMNS: default: g_assert_not_reached ();
    }
}

static void
add_columns (SpyTopView *self)
{
  for (int i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;
      g_autoptr(GtkSorter) sorter = column_sorter (i);

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (i));
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), GINT_TO_POINTER (i));
      column = gtk_column_view_column_new (_(column_titles[i]), factory);
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i >= COLUMN_FUNCTION);
      gtk_column_view_append_column (self->column_view, column);
      self->columns[i] = column;
      g_object_unref (column);
    }
  /* Hottest first, like top. */
  self->sort_column = COLUMN_OWN_PERCENT;
  self->sort_order = GTK_SORT_DESCENDING;
  gtk_column_view_sort_by_column (self->column_view, self->columns[COLUMN_OWN_PERCENT],
                                  GTK_SORT_DESCENDING);
}

static void
sort_by (SpyTopView  *self,
         Column       column,
         GtkSortType  order)
{
  self->sort_column = column;
  self->sort_order = order;
  /* Cleared first: GTK 4.8 otherwise leaves the old column's arrow up. */
  gtk_column_view_sort_by_column (self->column_view, NULL, GTK_SORT_ASCENDING);
  gtk_column_view_sort_by_column (self->column_view, self->columns[column], order);
}

/* ---- the table's menu: sorting without a mouse ------------------------- */

/* GTK 4.8's column headers take no keyboard focus: the menu (Shift+F10,
 * the Menu key or a right click) sorts by any column. Numbers sort the
 * largest first and names A to Z; asking again reverses. */
static void
sort_by_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SpyTopView *self = SPY_TOP_VIEW (widget);
  int column = g_variant_get_int32 (parameter);
  GtkSortType natural = column >= COLUMN_FUNCTION ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING;

  if (column < 0 || column >= N_COLUMNS)
    return;
  if ((Column) column == self->sort_column)
    sort_by (self, column, self->sort_order == GTK_SORT_ASCENDING ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
  else
    sort_by (self, column, natural);
}

static GMenuModel *
sort_menu_model (void)
{
  /* In column order; each with a letter of its own to press. */
  static const char *labels[N_COLUMNS] = {
    N_("Sort by _Own %"), N_("Sort by _Total %"), N_("Sort by Own T_ime"),
    N_("Sort by Total Ti_me"), N_("Sort by _Function"), N_("Sort by _Location"),
  };
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  for (int i = 0; i < N_COLUMNS; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(labels[i]), NULL);

      g_menu_item_set_action_and_target_value (item, "top.sort-by", g_variant_new_int32 (i));
      g_menu_append_item (section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  return G_MENU_MODEL (menu);
}

static void
show_menu (SpyTopView *self,
           double      x,
           double      y)
{
  GdkRectangle at = { (int) x, (int) y, 1, 1 };

  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &at);
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

static gboolean
menu_key (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  /* From the keyboard: under the header, where the columns are named. */
  show_menu (SPY_TOP_VIEW (widget), 24, 24);
  return TRUE;
}

/* The focus goes back to the table the menu came from. */
static void
on_menu_closed (GtkPopover *popover,
                SpyTopView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
on_right_click (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                SpyTopView      *self)
{
  show_menu (self, x, y);
}

static gboolean
filter_row (gpointer item,
            gpointer user_data)
{
  SpyTopView *self = user_data;
  g_autofree char *location = NULL;
  g_autofree char *haystack = NULL;
  g_autofree char *needle = NULL;

  if (self->search == NULL || self->search[0] == '\0')
    return TRUE;
  location = location_text (item);
  haystack = g_utf8_casefold (spy_top_row_get_function (item), -1);
  needle = g_utf8_casefold (self->search, -1);
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  g_free (haystack);
  haystack = g_utf8_casefold (location, -1);
  return strstr (haystack, needle) != NULL;
}

static void
on_selection_changed (GtkSingleSelection *selection,
                      guint               position,
                      guint               n_items,
                      SpyTopView         *self)
{
  SpyTopRow *row = gtk_single_selection_get_selected_item (selection);

  if (row != NULL)
    g_signal_emit (self, signals[SIGNAL_FUNCTION_SELECTED], 0, spy_top_row_get_frame (row));
}

static void
spy_top_view_dispose (GObject *object)
{
  SpyTopView *self = SPY_TOP_VIEW (object);

  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  gtk_widget_dispose_template (GTK_WIDGET (self), SPY_TYPE_TOP_VIEW);
  self->menu = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->profile);
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (spy_top_view_parent_class)->dispose (object);
}

static void
spy_top_view_class_init (SpyTopViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = spy_top_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/spyglass/Spyglass/ui/spy-top-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpyTopView, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpyTopView, column_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_install_action (widget_class, "top.sort-by", "i", sort_by_action);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, menu_key, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, menu_key, NULL);

  /**
   * SpyTopView::function-selected:
   * @frame: a profile frame id of the row's function
   */
  signals[SIGNAL_FUNCTION_SELECTED] =
    g_signal_new ("function-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
spy_top_view_init (SpyTopView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_list_store_new (SPY_TYPE_TOP_ROW);
  self->filter = gtk_custom_filter_new (filter_row, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->rows)),
                                              GTK_FILTER (self->filter));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->filtered),
                                          g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
  add_columns (self);

  {
    g_autoptr(GMenuModel) model = sort_menu_model ();
    GtkGesture *click = gtk_gesture_click_new ();

    self->menu = GTK_POPOVER_MENU (gtk_popover_menu_new_from_model (model));
    gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
    gtk_widget_set_halign (GTK_WIDGET (self->menu), GTK_ALIGN_START);
    gtk_widget_set_parent (GTK_WIDGET (self->menu), GTK_WIDGET (self));
    g_signal_connect (self->menu, "closed", G_CALLBACK (on_menu_closed), self);
    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (on_right_click), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  }
}

GtkWidget *
spy_top_view_new (void)
{
  return g_object_new (SPY_TYPE_TOP_VIEW, NULL);
}

static gboolean
same_row (SpyTopRow *a,
          SpyTopRow *b)
{
  return g_strcmp0 (spy_top_row_get_function (a), spy_top_row_get_function (b)) == 0 &&
         g_strcmp0 (spy_top_row_get_file (a), spy_top_row_get_file (b)) == 0 &&
         spy_top_row_get_line (a) == spy_top_row_get_line (b);
}

/* Replacing every row each refresh made GTK rebuild the visible rows'
 * widgets: 35–60 ms per refresh at 1000 Hz. Rows that are still there are
 * updated in place; only new ones are added and vanished ones removed;
 * the sort model is then told to look at the order again. */
static gboolean
update_in_place (SpyTopView *self,
                 GListModel *rows)
{
  GListModel *store = G_LIST_MODEL (self->rows);
  g_autoptr(GHashTable) fresh = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (rows);

  for (guint i = 0; i < n; i++)
    {
      SpyTopRow *row = g_list_model_get_item (rows, i);

      g_hash_table_insert (fresh, GUINT_TO_POINTER (spy_top_row_get_frame (row)), row);
    }
  if (g_hash_table_size (fresh) != n)
    return FALSE;  /* two rows for one frame: not ours to merge */

  /* Backwards, so that removals keep the positions still to visit. */
  for (guint i = g_list_model_get_n_items (store); i > 0; i--)
    {
      g_autoptr(SpyTopRow) old = g_list_model_get_item (store, i - 1);
      gpointer key = GUINT_TO_POINTER (spy_top_row_get_frame (old));
      SpyTopRow *now = g_hash_table_lookup (fresh, key);

      if (now != NULL && same_row (old, now))
        {
          spy_top_row_update (old, now);
          g_hash_table_remove (fresh, key);
        }
      else
        g_list_store_remove (self->rows, i - 1);
    }
  /* Sorted again with the new counts before any row is inserted: the
   * insertions compare against an order that holds. */
  gtk_sorter_changed (gtk_column_view_get_sorter (self->column_view), GTK_SORTER_CHANGE_DIFFERENT);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpyTopRow) row = g_list_model_get_item (rows, i);

      if (g_hash_table_contains (fresh, GUINT_TO_POINTER (spy_top_row_get_frame (row))))
        g_ptr_array_add (added, row);
    }
  g_list_store_splice (self->rows, g_list_model_get_n_items (store), 0, added->pdata, added->len);
  return TRUE;
}

void
spy_top_view_update (SpyTopView             *self,
                     SpyProfile             *profile,
                     const SpyProfileFilter *filter)
{
  g_autoptr(GListModel) rows = spy_top_rows_new (profile, filter, NULL);
  g_autoptr(SpyTopRow) selected = NULL;
  GtkRoot *root;
  GtkWidget *focus;
  gboolean had_focus;

  g_return_if_fail (SPY_IS_TOP_VIEW (self));

  if (gtk_single_selection_get_selected_item (self->selection) != NULL)
    selected = g_object_ref (gtk_single_selection_get_selected_item (self->selection));
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root ? gtk_root_get_focus (root) : NULL;
  had_focus = focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view));
  g_signal_handlers_block_by_func (self->selection, on_selection_changed, self);
  if (profile != self->profile || filter->aggregation != self->aggregation || !update_in_place (self, rows))
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
        g_ptr_array_add (items, g_list_model_get_item (rows, i));
      g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                           items->pdata, items->len);
      g_set_object (&self->profile, profile);
      self->aggregation = filter->aggregation;
    }

  /* The same function stays selected across refreshes. */
  if (gtk_single_selection_get_selected_item (self->selection) != selected)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      for (guint i = 0; selected != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->sorted)); i++)
        {
          g_autoptr(SpyTopRow) row = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);

          if (same_row (row, selected))
            {
              gtk_single_selection_set_selected (self->selection, i);
              break;
            }
        }
    }
  g_signal_handlers_unblock_by_func (self->selection, on_selection_changed, self);

  /* When rows were replaced, the focused row went with them: a person
   * moving in the table while it records stays in it. */
  focus = root ? gtk_root_get_focus (root) : NULL;
  if (had_focus && (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view))))
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

void
spy_top_view_set_search (SpyTopView *self,
                         const char *text)
{
  g_return_if_fail (SPY_IS_TOP_VIEW (self));

  g_free (self->search);
  self->search = g_strdup (text);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

GListModel *
spy_top_view_get_model (SpyTopView *self)
{
  g_return_val_if_fail (SPY_IS_TOP_VIEW (self), NULL);
  return G_LIST_MODEL (self->sorted);
}

void
spy_top_view_sort_by (SpyTopView  *self,
                      const char  *column,
                      GtkSortType  order)
{
  g_return_if_fail (SPY_IS_TOP_VIEW (self));

  for (int i = 0; i < N_COLUMNS; i++)
    if (g_strcmp0 (column, column_titles[i]) == 0)
      sort_by (self, i, order);
}
