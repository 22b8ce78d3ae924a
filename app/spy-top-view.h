/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-top-view.h: the top table: functions by own and total time */
#pragma once

#include <gtk/gtk.h>

#include "spy-call-tree.h"

G_BEGIN_DECLS

#define SPY_TYPE_TOP_VIEW (spy_top_view_get_type ())
G_DECLARE_FINAL_TYPE (SpyTopView, spy_top_view, SPY, TOP_VIEW, GtkWidget)

GtkWidget  *spy_top_view_new          (void);
/* Recomputes the rows from @profile with @filter, keeping the sort order
 * and the selected function. */
void        spy_top_view_update       (SpyTopView             *self,
                                       SpyProfile             *profile,
                                       const SpyProfileFilter *filter);
/* Shows only rows whose function or location contains @text. */
void        spy_top_view_set_search   (SpyTopView             *self,
                                       const char             *text);
/* The rows as shown (sorted and filtered), for tests: SpyTopRow items. */
GListModel *spy_top_view_get_model    (SpyTopView             *self);
/* Sorts by the column with this title ("%Own", "%Total", "Own time",
 * "Total time", "Function", "Location"). */
void        spy_top_view_sort_by      (SpyTopView             *self,
                                       const char             *column,
                                       GtkSortType             order);

/* Signal function-selected (guint frame): a row was selected. */

G_END_DECLS
