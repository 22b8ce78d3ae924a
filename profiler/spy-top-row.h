/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-top-row.h: one row of the top table: a function's own and total samples */
#pragma once

#include "spy-call-tree.h"

G_BEGIN_DECLS

#define SPY_TYPE_TOP_ROW (spy_top_row_get_type ())
G_DECLARE_FINAL_TYPE (SpyTopRow, spy_top_row, SPY, TOP_ROW, GObject)

const char *spy_top_row_get_function      (SpyTopRow *self);
const char *spy_top_row_get_file          (SpyTopRow *self);
/* 0 under function aggregation. */
gint        spy_top_row_get_line          (SpyTopRow *self);
guint32     spy_top_row_get_frame         (SpyTopRow *self);
/* Python, native (a library's) or idle. */
SpyFrameKind spy_top_row_get_kind         (SpyTopRow *self);
guint64     spy_top_row_get_own           (SpyTopRow *self);
guint64     spy_top_row_get_total         (SpyTopRow *self);
/* Fractions of all counted samples, 0…1. */
double      spy_top_row_get_own_fraction  (SpyTopRow *self);
double      spy_top_row_get_total_fraction (SpyTopRow *self);
/* Seconds: samples divided by the rate. */
double      spy_top_row_get_own_time      (SpyTopRow *self);
double      spy_top_row_get_total_time    (SpyTopRow *self);

/* Takes @from's counts (a row for the same function and location, from a
 * later look at the profile); notifies "own" and "total" when they change. */
void        spy_top_row_update            (SpyTopRow *self,
                                           SpyTopRow *from);

/* Rows for every (function, location) that appears in a counted sample,
 * sorted by own samples, then total, descending. @n_counted: how many
 * samples passed the filter. */
GListModel *spy_top_rows_new              (SpyProfile             *profile,
                                           const SpyProfileFilter *filter,
                                           guint64                *n_counted);

G_END_DECLS
