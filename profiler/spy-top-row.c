/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-top-row.c: one row of the top table: a function's own and total samples */

#include "config.h"

#include "spy-profile-private.h"
#include "spy-target.h"
#include "spy-top-row.h"

struct _SpyTopRow {
  GObject  parent_instance;

  char    *function;
  char    *file;
  gint     line;
  guint32  frame;
  SpyFrameKind kind;
  guint64  own;
  guint64  total;
  guint64  n_counted;
  guint    rate;
};

G_DEFINE_FINAL_TYPE (SpyTopRow, spy_top_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FUNCTION,
  PROP_FILE,
  PROP_LINE,
  PROP_OWN,
  PROP_TOTAL,
  PROP_OWN_FRACTION,
  PROP_TOTAL_FRACTION,
  PROP_OWN_TIME,
  PROP_TOTAL_TIME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
spy_top_row_update (SpyTopRow *self,
                    SpyTopRow *from)
{
  gboolean own_changed, total_changed;

  g_return_if_fail (SPY_IS_TOP_ROW (self));
  g_return_if_fail (SPY_IS_TOP_ROW (from));

  own_changed = self->own != from->own || self->n_counted != from->n_counted || self->rate != from->rate;
  total_changed = self->total != from->total || self->n_counted != from->n_counted || self->rate != from->rate;
  self->own = from->own;
  self->total = from->total;
  self->n_counted = from->n_counted;
  self->rate = from->rate;
  if (own_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWN]);
  if (total_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
}

static void
spy_top_row_finalize (GObject *object)
{
  SpyTopRow *self = SPY_TOP_ROW (object);

  g_free (self->function);
  g_free (self->file);
  G_OBJECT_CLASS (spy_top_row_parent_class)->finalize (object);
}

static void
spy_top_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SpyTopRow *self = SPY_TOP_ROW (object);

  switch (prop_id)
    {
    case PROP_FUNCTION: g_value_set_string (value, self->function); break;
    case PROP_FILE: g_value_set_string (value, self->file); break;
    case PROP_LINE: g_value_set_int (value, self->line); break;
    case PROP_OWN: g_value_set_uint64 (value, self->own); break;
    case PROP_TOTAL: g_value_set_uint64 (value, self->total); break;
    case PROP_OWN_FRACTION: g_value_set_double (value, spy_top_row_get_own_fraction (self)); break;
    case PROP_TOTAL_FRACTION: g_value_set_double (value, spy_top_row_get_total_fraction (self)); break;
    case PROP_OWN_TIME: g_value_set_double (value, spy_top_row_get_own_time (self)); break;
    case PROP_TOTAL_TIME: g_value_set_double (value, spy_top_row_get_total_time (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_top_row_class_init (SpyTopRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = spy_top_row_finalize;
  object_class->get_property = spy_top_row_get_property;

  properties[PROP_FUNCTION] = g_param_spec_string ("function", NULL, NULL, NULL, flags);
  properties[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, NULL, flags);
  properties[PROP_LINE] = g_param_spec_int ("line", NULL, NULL, G_MININT, G_MAXINT, 0, flags);
  properties[PROP_OWN] = g_param_spec_uint64 ("own", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_OWN_FRACTION] = g_param_spec_double ("own-fraction", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_TOTAL_FRACTION] = g_param_spec_double ("total-fraction", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_OWN_TIME] = g_param_spec_double ("own-time", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_TOTAL_TIME] = g_param_spec_double ("total-time", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
spy_top_row_init (SpyTopRow *self)
{
}

const char *spy_top_row_get_function (SpyTopRow *self) { return self->function; }
const char *spy_top_row_get_file (SpyTopRow *self) { return self->file; }
gint spy_top_row_get_line (SpyTopRow *self) { return self->line; }
guint32 spy_top_row_get_frame (SpyTopRow *self) { return self->frame; }
SpyFrameKind spy_top_row_get_kind (SpyTopRow *self) { return self->kind; }
guint64 spy_top_row_get_own (SpyTopRow *self) { return self->own; }
guint64 spy_top_row_get_total (SpyTopRow *self) { return self->total; }

double
spy_top_row_get_own_fraction (SpyTopRow *self)
{
  return self->n_counted ? (double) self->own / self->n_counted : 0.0;
}

double
spy_top_row_get_total_fraction (SpyTopRow *self)
{
  return self->n_counted ? (double) self->total / self->n_counted : 0.0;
}

double
spy_top_row_get_own_time (SpyTopRow *self)
{
  return self->rate ? (double) self->own / self->rate : 0.0;
}

double
spy_top_row_get_total_time (SpyTopRow *self)
{
  return self->rate ? (double) self->total / self->rate : 0.0;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const SpyTopRow *ra = *(SpyTopRow * const *) a, *rb = *(SpyTopRow * const *) b;

  if (ra->own != rb->own)
    return ra->own < rb->own ? 1 : -1;
  if (ra->total != rb->total)
    return ra->total < rb->total ? 1 : -1;
  if (g_strcmp0 (ra->function, rb->function) != 0)
    return g_strcmp0 (ra->function, rb->function);
  if (g_strcmp0 (ra->file, rb->file) != 0)
    return g_strcmp0 (ra->file, rb->file);
  return (ra->line > rb->line) - (ra->line < rb->line);
}

/* Rows are keyed by frame (line aggregation), (function, file), or file
 * (the library of a native frame). */
static guint64
row_key (const SpyProfileFrame *frame,
         SpyAggregation         aggregation,
         guint32                frame_id)
{
  if (aggregation == SPY_AGGREGATE_LINE)
    return frame_id;
  if (aggregation == SPY_AGGREGATE_LIBRARY)
    return (guint64) 1 << 62 | (guint64) (frame->kind == SPY_FRAME_NATIVE) << 32 | frame->file;
  return (guint64) 1 << 63 | (guint64) frame->function << 32 | frame->file;
}

/* What a new row for @frame is called. */
static void
fill_row (SpyTopRow              *row,
          SpyProfile             *profile,
          const SpyProfileFrame  *frame,
          guint32                 frame_id,
          SpyAggregation          aggregation)
{
  const char *file = spy_profile_get_string (profile, frame->file);

  row->file = g_strdup (file);
  /* By library: the library (or file) stands for all its functions. */
  row->function = aggregation == SPY_AGGREGATE_LIBRARY && frame->kind != SPY_FRAME_IDLE && *file != '\0'
                  ? (frame->kind == SPY_FRAME_NATIVE ? g_strdup (file) : spy_target_shorten_filename (NULL, file))
                  : g_strdup (spy_profile_get_string (profile, frame->function));
  row->line = aggregation == SPY_AGGREGATE_LINE ? frame->line : 0;
  row->frame = frame_id;
  row->kind = frame->kind;
}

GListModel *
spy_top_rows_new (SpyProfile             *profile,
                  const SpyProfileFilter *filter,
                  guint64                *n_counted_out)
{
  g_autofree guint64 *counts = spy_profile_count_stacks (profile, filter);
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, NULL);
  GListStore *store = g_list_store_new (SPY_TYPE_TOP_ROW);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  guint n_stacks = spy_profile_get_n_stacks (profile);
  guint64 n_counted = 0;
  GHashTableIter iter;
  gpointer value;

  for (guint s = 0; s < n_stacks; s++)
    {
      guint32 stack = s;

      if (counts[s] == 0)
        continue;
      n_counted += counts[s];
      g_hash_table_remove_all (seen);
      /* Innermost first: own goes to the leaf; total once per row per stack. */
      for (gboolean leaf = TRUE; stack != SPY_STACK_ROOT; leaf = FALSE)
        {
          const SpyProfileStack *st = spy_profile_get_stack (profile, stack);
          const SpyProfileFrame *frame = spy_profile_get_frame (profile, st->frame);
          guint64 key = row_key (frame, filter->aggregation, st->frame);
          SpyTopRow *row = g_hash_table_lookup (rows, &key);

          if (row == NULL)
            {
              row = g_object_new (SPY_TYPE_TOP_ROW, NULL);
              fill_row (row, profile, frame, st->frame, filter->aggregation);
              g_hash_table_insert (rows, g_memdup2 (&key, sizeof key), row);
            }
          if (leaf)
            row->own += counts[s];
          if (!g_hash_table_contains (seen, row))
            {
              row->total += counts[s];
              g_hash_table_add (seen, row);
            }
          stack = st->parent;
        }
    }

  g_hash_table_iter_init (&iter, rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SpyTopRow *row = value;

      row->n_counted = n_counted;
      row->rate = spy_profile_get_meta (profile)->rate;
      g_ptr_array_add (sorted, row);
    }
  g_ptr_array_sort (sorted, compare_rows);
  g_list_store_splice (store, 0, 0, sorted->pdata, sorted->len);
  if (n_counted_out != NULL)
    *n_counted_out = n_counted;
  return G_LIST_MODEL (store);
}
