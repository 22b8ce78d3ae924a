/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-flamegraph-render.c: flamegraph layout, hit testing and cairo drawing, without GTK */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "spy-flamegraph-render.h"

#define LABEL_PAD        4.0    /* px left and right of a label */
#define LABEL_MIN       16.0    /* px: narrower boxes get no label */
#define LABEL_MIN_CUT   40.0    /* px: narrower room gets no ellipsized label */
#define LABEL_BUCKET     8.0    /* ellipsized labels are cached per this many px */
#define CRUMB_PAD        8.0
#define CRUMB_MAX_CHARS 40
#define DEFAULT_FONT    "Sans 9"

/* A frame's label, measured once; the ellipsized form is cached for the
 * width bucket it was made for, so redraws and small changes are cheap. */
typedef struct {
  PangoLayout *full;
  int          full_width;     /* px */
  PangoLayout *cut;
  int          cut_bucket;
} Label;

struct _SpyFlameLayout {
  SpyCallTree  *tree;
  guint32       zoom_node;
  guint         zoom_row;      /* rows above it (below it in the data) are context */
  double        width;
  GArray       *rects;         /* SpyFlameRect, sorted by (row, x) */
  GArray       *row_starts;    /* guint: first rect of each row, plus the end */
  Label        *labels;        /* one per rect, lazily */
  char         *label_font;
};

struct _SpyFlameSearch {
  SpyCallTree *tree;
  guint8      *matches;        /* per node */
  double       fraction;
};

/* Pango context of our own: labels are measured the same way whatever
 * surface they are drawn on (widget, image, benchmark). */
static PangoContext *
get_pango_context (void)
{
  static PangoContext *context;

  if (context == NULL)
    {
      cairo_font_options_t *font_options = cairo_font_options_create ();

      context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      cairo_font_options_set_antialias (font_options, CAIRO_ANTIALIAS_GRAY);
      cairo_font_options_set_hint_style (font_options, CAIRO_HINT_STYLE_SLIGHT);
      cairo_font_options_set_hint_metrics (font_options, CAIRO_HINT_METRICS_ON);
      pango_cairo_context_set_font_options (context, font_options);
      cairo_font_options_destroy (font_options);
    }
  return context;
}

static PangoLayout *
new_text_layout (const char *font,
                 const char *text)
{
  PangoLayout *layout = pango_layout_new (get_pango_context ());
  PangoFontDescription *desc = pango_font_description_from_string (font ? font : DEFAULT_FONT);

  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  /* Names come from the target: text, never markup. */
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

/* Measured labels shared by every layout: a live refresh makes a new tree
 * and layout twice a second, and shaping each visible label again cost
 * the first draw after it several milliseconds. Keyed by font and text;
 * the layouts are never changed once made (ellipsized copies are). */
#define SHARED_LABELS_MAX 8192    /* about as many as two full screens show */

typedef struct {
  PangoLayout *layout;
  int          width;   /* px */
} SharedLabel;

static void
shared_label_free (gpointer data)
{
  SharedLabel *label = data;

  g_object_unref (label->layout);
  g_free (label);
}

static SharedLabel *
shared_label (const char *font,
              const char *text)
{
  static GHashTable *labels;
  g_autofree char *key = g_strconcat (font ? font : DEFAULT_FONT, "\n", text, NULL);
  SharedLabel *label;

  if (labels == NULL)
    labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, shared_label_free);
  if ((label = g_hash_table_lookup (labels, key)) != NULL)
    return label;
  /* Bounded: a long session of many profiles starts the cache afresh. */
  if (g_hash_table_size (labels) >= SHARED_LABELS_MAX)
    g_hash_table_remove_all (labels);
  label = g_new0 (SharedLabel, 1);
  label->layout = new_text_layout (font, text);
  pango_layout_get_pixel_size (label->layout, &label->width, NULL);
  g_hash_table_insert (labels, g_steal_pointer (&key), label);
  return label;
}

/* Colours ---------------------------------------------------------------- */

typedef enum {
  MODULE_USER,
  MODULE_STDLIB,
  MODULE_THIRD_PARTY,
  MODULE_NATIVE,
  MODULE_IDLE,
} ModuleKind;

static ModuleKind
classify (const SpyProfileFrame *frame,
          const char            *file)
{
  if (frame->kind == SPY_FRAME_IDLE)
    return MODULE_IDLE;
  if (frame->kind == SPY_FRAME_NATIVE)
    return MODULE_NATIVE;
  if (strstr (file, "site-packages/") || strstr (file, "dist-packages/"))
    return MODULE_THIRD_PARTY;
  if (g_str_has_prefix (file, "<frozen ") || strstr (file, "/lib/python") ||
      strstr (file, "/lib64/python") || strstr (file, "\\Lib\\"))
    return MODULE_STDLIB;
  return MODULE_USER;
}

static guint32
hsl_to_rgb (double h,
            double s,
            double l)
{
  double c = (1 - fabs (2 * l - 1)) * s;
  double hp = fmod (h, 360.0) / 60.0;
  double x = c * (1 - fabs (fmod (hp, 2.0) - 1));
  double m = l - c / 2, r = 0, g = 0, b = 0;

  if (hp < 1) { r = c; g = x; }
  else if (hp < 2) { r = x; g = c; }
  else if (hp < 3) { g = c; b = x; }
  else if (hp < 4) { g = x; b = c; }
  else if (hp < 5) { r = x; b = c; }
  else { r = c; b = x; }
  return (guint32) lround ((r + m) * 255) << 16 | (guint32) lround ((g + m) * 255) << 8 |
         (guint32) lround ((b + m) * 255);
}

/* A hue family per kind of module; the file's name picks the hue in it,
 * so a module keeps its colour across zooms, refreshes and runs. */
static guint32
frame_color (SpyProfile *profile,
             guint32     frame_id)
{
  static const struct { double hue, hue_span, sat, light; } families[] = {
    [MODULE_USER]        = {   6, 40, 0.80, 0.64 },
    [MODULE_STDLIB]      = { 196, 32, 0.58, 0.70 },
    [MODULE_THIRD_PARTY] = { 146, 34, 0.42, 0.66 },
    [MODULE_NATIVE]      = { 262, 28, 0.22, 0.72 },
    [MODULE_IDLE]        = {   0,  0, 0.00, 0.82 },
  };
  const SpyProfileFrame *frame = spy_profile_get_frame (profile, frame_id);
  const char *file = spy_profile_get_string (profile, frame->file);
  ModuleKind kind = classify (frame, file);
  guint32 hash = g_str_hash (file) * 2654435761u;
  guint32 function_hash = g_str_hash (spy_profile_get_string (profile, frame->function)) * 2654435761u;
  double shade = (hash >> 16) / 65535.0;
  /* The function nudges the lightness, so neighbours of one file differ. */
  double light = families[kind].light + 0.06 * (((hash >> 4) & 0xff) / 255.0 - 0.5) +
                 0.07 * ((function_hash >> 24) / 255.0 - 0.5);

  return hsl_to_rgb (families[kind].hue + families[kind].hue_span * shade,
                     families[kind].sat, light);
}

/* Layout ----------------------------------------------------------------- */

static void
add_rect (SpyFlameLayout *layout,
          SpyProfile     *profile,
          guint32         node,
          guint32         n_merged,
          double          x,
          double          width)
{
  const SpyCallTreeNode *n = spy_call_tree_get_node (layout->tree, node);
  SpyFlameRect rect = { node, n_merged, n->depth - 1, 0, x, width };

  rect.color = frame_color (profile, n->frame);
  g_array_append_val (layout->rects, rect);
}

static void
open_row (SpyFlameLayout *layout)
{
  guint start = layout->rects->len;

  g_array_append_val (layout->row_starts, start);
}

/* Children of @parent_rect's node, left to right; runs of narrow siblings
 * become one merged box, or nothing when even the run is narrow. */
static void
lay_out_children (SpyFlameLayout *layout,
                  SpyProfile     *profile,
                  guint32         parent,
                  double          x,
                  double          scale)
{
  guint64 offset = 0, run_offset = 0, run_total = 0;
  guint32 run_first = SPY_FLAME_NONE, run_n = 0;
  guint32 child = spy_call_tree_get_node (layout->tree, parent)->first_child;

  for (;;)
    {
      const SpyCallTreeNode *c = child != SPY_CALL_TREE_NONE ? spy_call_tree_get_node (layout->tree, child) : NULL;
      gboolean narrow = c != NULL && c->total * scale < SPY_FLAME_MIN_WIDTH;

      if (run_n > 0 && !narrow)
        {
          if (run_total * scale >= SPY_FLAME_MIN_WIDTH)
            add_rect (layout, profile, run_first, run_n, x + run_offset * scale, run_total * scale);
          run_n = 0;
        }
      if (c == NULL)
        break;
      if (narrow)
        {
          if (run_n++ == 0)
            {
              run_first = child;
              run_offset = offset;
              run_total = 0;
            }
          run_total += c->total;
        }
      else
        add_rect (layout, profile, child, 1, x + offset * scale, c->total * scale);
      offset += c->total;
      child = c->next_sibling;
    }
}

static void
lay_out_path (SpyFlameLayout *layout,
              SpyProfile     *profile)
{
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint32 n = layout->zoom_node; n != 0 && n != SPY_CALL_TREE_NONE;
       n = spy_call_tree_get_node (layout->tree, n)->parent)
    g_array_prepend_val (path, n);
  for (guint i = 0; i < path->len; i++)
    {
      open_row (layout);
      add_rect (layout, profile, g_array_index (path, guint32, i), 1, 0, layout->width);
    }
  layout->zoom_row = path->len > 0 ? path->len - 1 : 0;
}

SpyFlameLayout *
spy_flame_layout_new (SpyCallTree *tree,
                      guint32      zoom_node,
                      double       width)
{
  SpyFlameLayout *layout;
  SpyProfile *profile;
  const SpyCallTreeNode *zoom;
  double scale;
  guint parents_start, parents_end;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (zoom_node < spy_call_tree_get_n_nodes (tree), NULL);

  layout = g_new0 (SpyFlameLayout, 1);
  layout->tree = spy_call_tree_ref (tree);
  layout->zoom_node = zoom_node;
  layout->width = MAX (width, 1);
  layout->rects = g_array_new (FALSE, FALSE, sizeof (SpyFlameRect));
  layout->row_starts = g_array_new (FALSE, FALSE, sizeof (guint));
  profile = spy_call_tree_get_profile (tree);
  zoom = spy_call_tree_get_node (tree, zoom_node);
  scale = zoom->total > 0 ? layout->width / zoom->total : 0;

  lay_out_path (layout, profile);
  if (zoom_node == 0)
    {
      open_row (layout);
      lay_out_children (layout, profile, 0, 0, scale);
    }
  /* Row by row: parents are in x order, so their children are too. */
  /* The first parents: the top-level frames, or the zoomed frame. */
  parents_end = layout->rects->len;
  parents_start = zoom_node == 0 ? 0 : parents_end - 1;
  while (parents_start < parents_end)
    {
      open_row (layout);
      for (guint i = parents_start; i < parents_end; i++)
        {
          SpyFlameRect parent = g_array_index (layout->rects, SpyFlameRect, i);

          if (parent.n_merged == 1)
            lay_out_children (layout, profile, parent.node, parent.x, scale);
        }
      parents_start = parents_end;
      parents_end = layout->rects->len;
    }
  /* The last row opened may be empty. */
  while (layout->row_starts->len > 0 &&
         g_array_index (layout->row_starts, guint, layout->row_starts->len - 1) == layout->rects->len)
    g_array_set_size (layout->row_starts, layout->row_starts->len - 1);
  g_array_append_val (layout->row_starts, layout->rects->len);
  layout->labels = g_new0 (Label, MAX (layout->rects->len, 1));
  return layout;
}

static void
clear_labels (SpyFlameLayout *layout)
{
  for (guint i = 0; i < layout->rects->len; i++)
    {
      g_clear_object (&layout->labels[i].full);
      g_clear_object (&layout->labels[i].cut);
    }
}

void
spy_flame_layout_free (SpyFlameLayout *layout)
{
  if (layout == NULL)
    return;
  clear_labels (layout);
  g_free (layout->labels);
  g_free (layout->label_font);
  g_array_unref (layout->rects);
  g_array_unref (layout->row_starts);
  spy_call_tree_unref (layout->tree);
  g_free (layout);
}

SpyCallTree *
spy_flame_layout_get_tree (SpyFlameLayout *layout)
{
  return layout->tree;
}

guint32
spy_flame_layout_get_zoom_node (SpyFlameLayout *layout)
{
  return layout->zoom_node;
}

double
spy_flame_layout_get_width (SpyFlameLayout *layout)
{
  return layout->width;
}

guint
spy_flame_layout_get_n_rows (SpyFlameLayout *layout)
{
  return layout->row_starts->len - 1;
}

const SpyFlameRect *
spy_flame_layout_get_rects (SpyFlameLayout *layout,
                            guint          *n_rects)
{
  if (n_rects)
    *n_rects = layout->rects->len;
  return (const SpyFlameRect *) (gpointer) layout->rects->data;
}

/* First rect of @row whose right edge is past @x. */
static guint
row_lower_bound (SpyFlameLayout *layout,
                 guint           row,
                 double          x)
{
  const SpyFlameRect *rects = (const SpyFlameRect *) (gpointer) layout->rects->data;
  guint lo = g_array_index (layout->row_starts, guint, row);
  guint hi = g_array_index (layout->row_starts, guint, row + 1);

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (rects[mid].x + rects[mid].width <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

const SpyFlameRect *
spy_flame_layout_find (SpyFlameLayout *layout,
                       guint           row,
                       double          x)
{
  const SpyFlameRect *rect;
  guint i;

  if (row >= spy_flame_layout_get_n_rows (layout))
    return NULL;
  i = row_lower_bound (layout, row, x);
  if (i >= g_array_index (layout->row_starts, guint, row + 1))
    return NULL;
  rect = &g_array_index (layout->rects, SpyFlameRect, i);
  return rect->x <= x ? rect : NULL;
}

const SpyFlameRect *
spy_flame_layout_find_node (SpyFlameLayout *layout,
                            guint32         node)
{
  const SpyCallTreeNode *n;
  guint row;

  if (node == 0 || node >= spy_call_tree_get_n_nodes (layout->tree))
    return NULL;
  n = spy_call_tree_get_node (layout->tree, node);
  row = n->depth - 1;
  if (row >= spy_flame_layout_get_n_rows (layout))
    return NULL;
  for (guint i = g_array_index (layout->row_starts, guint, row);
       i < g_array_index (layout->row_starts, guint, row + 1); i++)
    {
      const SpyFlameRect *rect = &g_array_index (layout->rects, SpyFlameRect, i);

      if (rect->node == node && rect->n_merged == 1)
        return rect;
    }
  return NULL;
}

/* Search ----------------------------------------------------------------- */

static gboolean
string_matches (SpyProfile *profile,
                guint32     string,
                const char *folded_text,
                GHashTable *cache)
{
  gpointer cached;
  g_autofree char *folded = NULL;
  gboolean matches;

  if (g_hash_table_lookup_extended (cache, GUINT_TO_POINTER (string), NULL, &cached))
    return GPOINTER_TO_INT (cached);
  folded = g_utf8_casefold (spy_profile_get_string (profile, string), -1);
  matches = strstr (folded, folded_text) != NULL;
  g_hash_table_insert (cache, GUINT_TO_POINTER (string), GINT_TO_POINTER (matches));
  return matches;
}

SpyFlameSearch *
spy_flame_search_new (SpyCallTree *tree,
                      const char  *text)
{
  SpyFlameSearch *search;
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  guint n_nodes = spy_call_tree_get_n_nodes (tree);
  g_autofree char *folded_text = g_utf8_casefold (text ? text : "", -1);
  g_autoptr(GHashTable) cache = g_hash_table_new (NULL, NULL);
  g_autofree guint8 *under_match = g_new0 (guint8, n_nodes);
  guint64 matched = 0, all = spy_call_tree_get_node (tree, 0)->total;

  search = g_new0 (SpyFlameSearch, 1);
  search->tree = spy_call_tree_ref (tree);
  search->matches = g_new0 (guint8, n_nodes);
  if (folded_text[0] == '\0')
    return search;

  /* A parent's index is below its children's: one pass suffices. */
  for (guint i = 1; i < n_nodes; i++)
    {
      const SpyCallTreeNode *node = spy_call_tree_get_node (tree, i);
      const SpyProfileFrame *frame = spy_profile_get_frame (profile, node->frame);

      search->matches[i] = string_matches (profile, frame->function, folded_text, cache) ||
                           string_matches (profile, frame->file, folded_text, cache);
      /* Count a sample once: only matches with no matching ancestor. */
      if (search->matches[i] && !under_match[node->parent])
        matched += node->total;
      under_match[i] = search->matches[i] || under_match[node->parent];
    }
  search->fraction = all > 0 ? (double) matched / all : 0;
  return search;
}

void
spy_flame_search_free (SpyFlameSearch *search)
{
  if (search == NULL)
    return;
  spy_call_tree_unref (search->tree);
  g_free (search->matches);
  g_free (search);
}

gboolean
spy_flame_search_matches (SpyFlameSearch *search,
                          guint32         node)
{
  return node < spy_call_tree_get_n_nodes (search->tree) && search->matches[node];
}

double
spy_flame_search_get_fraction (SpyFlameSearch *search)
{
  return search->fraction;
}

/* Text ------------------------------------------------------------------- */

char *
spy_flame_describe_node (SpyCallTree *tree,
                         guint32      node,
                         gboolean     short_file)
{
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  const SpyProfileFrame *frame;
  const char *file, *base;

  if (node == 0)
    return g_strdup (_("all"));
  frame = spy_profile_get_frame (profile, spy_call_tree_get_node (tree, node)->frame);
  file = spy_profile_get_string (profile, frame->file);
  base = short_file && strrchr (file, '/') ? strrchr (file, '/') + 1 : file;
  if (*base == '\0')
    return g_strdup (spy_profile_get_string (profile, frame->function));
  if (frame->line > 0)
    return g_strdup_printf ("%s (%s:%d)", spy_profile_get_string (profile, frame->function), base, frame->line);
  return g_strdup_printf ("%s (%s)", spy_profile_get_string (profile, frame->function), base);
}

void
spy_flame_options_init (SpyFlameOptions *options)
{
  memset (options, 0, sizeof *options);
  options->highlight_frame = SPY_FLAME_NONE;
  options->hovered_node = SPY_FLAME_NONE;
  options->focused_node = SPY_FLAME_NONE;
  options->hovered_crumb = -1;
  options->show_crumbs = TRUE;
  options->x_scale = 1;
  options->background = (SpyFlameColor) { 0.98, 0.98, 0.98 };
  options->foreground = (SpyFlameColor) { 0.12, 0.12, 0.12 };
  options->font = DEFAULT_FONT;
}

/* Geometry --------------------------------------------------------------- */

static double
frames_top (const SpyFlameOptions *options)
{
  return options->show_crumbs ? SPY_FLAME_CRUMB_HEIGHT : 0;
}

double
spy_flame_render_row_y (int                    height,
                        const SpyFlameOptions *options,
                        guint                  row)
{
  if (options->inverted)
    return frames_top (options) + row * SPY_FLAME_ROW_HEIGHT - options->y_scroll;
  return height - (row + 1) * SPY_FLAME_ROW_HEIGHT + options->y_scroll;
}

int
spy_flame_render_row_at (int                    height,
                         const SpyFlameOptions *options,
                         double                 y)
{
  double row;

  if (y < frames_top (options) || y >= height)
    return -1;
  if (options->inverted)
    row = floor ((y - frames_top (options) + options->y_scroll) / SPY_FLAME_ROW_HEIGHT);
  else
    row = floor ((height + options->y_scroll - y) / SPY_FLAME_ROW_HEIGHT);
  return row >= 0 && row < G_MAXINT ? (int) row : -1;
}

double
spy_flame_render_content_height (SpyFlameLayout *layout)
{
  return spy_flame_layout_get_n_rows (layout) * SPY_FLAME_ROW_HEIGHT;
}

const SpyFlameRect *
spy_flame_render_hit (SpyFlameLayout        *layout,
                      int                    height,
                      const SpyFlameOptions *options,
                      double                 x,
                      double                 y)
{
  int row = spy_flame_render_row_at (height, options, y);

  if (row < 0 || options->x_scale <= 0)
    return NULL;
  return spy_flame_layout_find (layout, row, options->x_offset + x / options->x_scale);
}

/* Drawing ---------------------------------------------------------------- */

static SpyFlameColor
color_from_rgb (guint32 rgb)
{
  return (SpyFlameColor) { (rgb >> 16) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0 };
}

static SpyFlameColor
mix (SpyFlameColor a,
     SpyFlameColor b,
     double        t)
{
  return (SpyFlameColor) { a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

static void
set_color (cairo_t       *cr,
           SpyFlameColor  color)
{
  cairo_set_source_rgb (cr, color.r, color.g, color.b);
}

static const SpyFlameColor text_on_frame = { 0.10, 0.10, 0.10 };
static const SpyFlameColor highlight_fill = { 0.57, 0.25, 0.80 };
static const SpyFlameColor focus_ring = { 0.11, 0.44, 0.85 };

typedef struct {
  cairo_t               *cr;
  SpyFlameLayout        *layout;
  SpyProfile            *profile;
  const SpyFlameOptions *options;
  const SpyProfileFrame *highlight;   /* or NULL */
  int                    width;
  int                    height;
} Draw;

static PangoLayout *
label_for (Draw   *d,
           guint   index,
           double  avail)
{
  Label *label = &d->layout->labels[index];
  const SpyFlameRect *rect = &g_array_index (d->layout->rects, SpyFlameRect, index);
  int bucket;

  if (label->full == NULL)
    {
      g_autofree char *text = spy_flame_describe_node (d->layout->tree, rect->node, TRUE);
      SharedLabel *shared = shared_label (d->options->font, text);

      label->full = g_object_ref (shared->layout);
      label->full_width = shared->width;
    }
  if (label->full_width <= avail)
    return label->full;
  /* A lone "…" says nothing: cut labels keep a few characters. */
  if (avail < LABEL_MIN_CUT)
    return NULL;
  bucket = (int) (avail / LABEL_BUCKET);
  if (label->cut == NULL || label->cut_bucket != bucket)
    {
      if (label->cut == NULL)
        {
          label->cut = pango_layout_copy (label->full);
          pango_layout_set_ellipsize (label->cut, PANGO_ELLIPSIZE_END);
        }
      pango_layout_set_width (label->cut, (int) (bucket * LABEL_BUCKET * PANGO_SCALE));
      label->cut_bucket = bucket;
    }
  return label->cut;
}

static void
draw_label (Draw          *d,
            guint          index,
            double         x,
            double         y,
            double         w,
            SpyFlameColor  color)
{
  double avail = w - 2 * LABEL_PAD;
  PangoLayout *text;
  PangoRectangle logical;

  if (w < LABEL_MIN)
    return;
  if ((text = label_for (d, index, avail)) == NULL)
    return;
  pango_layout_get_pixel_extents (text, NULL, &logical);
  set_color (d->cr, color);
  cairo_move_to (d->cr, x + LABEL_PAD, y + floor ((SPY_FLAME_ROW_HEIGHT - 1 - logical.height) / 2));
  pango_cairo_show_layout (d->cr, text);
}

static gboolean
is_highlighted (Draw               *d,
                const SpyFlameRect *rect)
{
  const SpyProfileFrame *frame;

  if (d->highlight == NULL || rect->n_merged != 1)
    return FALSE;
  frame = spy_profile_get_frame (d->profile, spy_call_tree_get_node (d->layout->tree, rect->node)->frame);
  return frame->function == d->highlight->function && frame->file == d->highlight->file;
}

/* Fill and text colours of a frame for the current search, highlight and
 * zoom: frames that are not the point are faded into the background. */
static void
frame_colors (Draw               *d,
              const SpyFlameRect *rect,
              SpyFlameColor      *fill,
              SpyFlameColor      *text)
{
  double fade = 0;

  *fill = color_from_rgb (rect->color);
  *text = text_on_frame;
  if (is_highlighted (d, rect))
    {
      *fill = highlight_fill;
      *text = (SpyFlameColor) { 1, 1, 1 };
      return;
    }
  if (d->options->dark)
    *fill = mix (*fill, (SpyFlameColor) { 0, 0, 0 }, 0.12);
  if (rect->n_merged > 1)
    *fill = mix (*fill, (SpyFlameColor) { 0.6, 0.6, 0.6 }, 0.6);
  if (d->options->search != NULL && !spy_flame_search_matches (d->options->search, rect->node))
    fade = 0.72;
  else if (rect->depth < d->layout->zoom_row)
    fade = 0.5;
  if (fade > 0)
    {
      *fill = mix (*fill, d->options->background, fade);
      *text = mix (*text, *fill, 0.45);
    }
}

/* Widget x of a layout x, in whole pixels so that boxes are crisp. */
static double
to_widget_x (Draw   *d,
             double  x)
{
  double wx = (x - d->options->x_offset) * d->options->x_scale;

  return round (CLAMP (wx, -2.0, d->width + 2.0));
}

static void
draw_row (Draw  *d,
          guint  row)
{
  const SpyFlameRect *rects = spy_flame_layout_get_rects (d->layout, NULL);
  double y = spy_flame_render_row_y (d->height, d->options, row);
  double right = d->options->x_offset + d->width / d->options->x_scale;
  guint end = g_array_index (d->layout->row_starts, guint, row + 1);

  for (guint i = row_lower_bound (d->layout, row, d->options->x_offset);
       i < end && rects[i].x < right; i++)
    {
      double x0 = to_widget_x (d, rects[i].x);
      double x1 = to_widget_x (d, rects[i].x + rects[i].width);
      double w = x1 - x0 >= 3 ? x1 - x0 - 1 : MAX (x1 - x0, 1);
      SpyFlameColor fill, text;

      frame_colors (d, &rects[i], &fill, &text);
      set_color (d->cr, fill);
      cairo_rectangle (d->cr, x0, y, w, SPY_FLAME_ROW_HEIGHT - 1);
      cairo_fill (d->cr);
      if (rects[i].n_merged == 1)
        draw_label (d, i, MAX (x0, 0), y, MIN (x0 + w, d->width) - MAX (x0, 0), text);
    }
}

static void
outline_node (Draw          *d,
              guint32        node,
              SpyFlameColor  color,
              double         line_width)
{
  const SpyFlameRect *rect;
  double x0, x1, y;

  if (node == SPY_FLAME_NONE || (rect = spy_flame_layout_find_node (d->layout, node)) == NULL)
    return;
  x0 = to_widget_x (d, rect->x);
  x1 = to_widget_x (d, rect->x + rect->width);
  y = spy_flame_render_row_y (d->height, d->options, rect->depth);
  cairo_set_line_width (d->cr, line_width);
  set_color (d->cr, color);
  cairo_rectangle (d->cr, x0 + line_width / 2, y + line_width / 2,
                   MAX (x1 - x0 - 1 - line_width, 1), SPY_FLAME_ROW_HEIGHT - 1 - line_width);
  cairo_stroke (d->cr);
}

static void
draw_frames (Draw *d)
{
  double top = frames_top (d->options);
  guint n_rows = spy_flame_layout_get_n_rows (d->layout);

  cairo_save (d->cr);
  cairo_rectangle (d->cr, 0, top, d->width, d->height - top);
  cairo_clip (d->cr);
  for (guint row = 0; row < n_rows; row++)
    {
      double y = spy_flame_render_row_y (d->height, d->options, row);

      if (y + SPY_FLAME_ROW_HEIGHT > top && y < d->height)
        draw_row (d, row);
    }
  outline_node (d, d->options->hovered_node, d->options->foreground, 1);
  outline_node (d, d->options->focused_node, focus_ring, 2);
  cairo_restore (d->cr);
}

/* Breadcrumbs ------------------------------------------------------------ */

static void
clear_crumb (gpointer data)
{
  g_free (((SpyFlameCrumb *) data)->label);
}

static char *
crumb_label (SpyCallTree *tree,
             guint32      node)
{
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  const char *function;

  if (node == 0)
    return g_strdup (_("all"));
  function = spy_profile_get_string (profile, spy_profile_get_frame (profile, spy_call_tree_get_node (tree, node)->frame)->function);
  if (g_utf8_strlen (function, -1) <= CRUMB_MAX_CHARS)
    return g_strdup (function);
  return g_strconcat (g_utf8_substring (function, 0, CRUMB_MAX_CHARS - 1), "…", NULL);
}

static double
text_width (const char *font,
            const char *text)
{
  g_autoptr(PangoLayout) layout = new_text_layout (font, text);
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

static double
crumbs_width (GArray *crumbs,
              double  separator)
{
  double total = 0;

  for (guint i = 0; i < crumbs->len; i++)
    total += g_array_index (crumbs, SpyFlameCrumb, i).width + (i > 0 ? separator : 0);
  return total;
}

GArray *
spy_flame_crumbs_new (SpyCallTree *tree,
                      guint32      zoom_node,
                      double       width,
                      const char  *font)
{
  GArray *crumbs = g_array_new (FALSE, FALSE, sizeof (SpyFlameCrumb));
  double separator = text_width (font, "›") + 2 * CRUMB_PAD, x = CRUMB_PAD / 2;

  g_array_set_clear_func (crumbs, clear_crumb);
  for (guint32 n = zoom_node; n != SPY_CALL_TREE_NONE; n = spy_call_tree_get_node (tree, n)->parent)
    {
      SpyFlameCrumb crumb = { n, 0, 0, crumb_label (tree, n) };

      crumb.width = text_width (font, crumb.label) + 2 * CRUMB_PAD;
      g_array_prepend_val (crumbs, crumb);
    }
  /* Too long: keep "all" and the innermost crumbs, elide the middle. */
  if (crumbs_width (crumbs, separator) + CRUMB_PAD > width && crumbs->len > 2)
    {
      SpyFlameCrumb more = { SPY_FLAME_NONE, 0, text_width (font, "…") + 2 * CRUMB_PAD, g_strdup ("…") };

      g_array_insert_val (crumbs, 1, more);
      while (crumbs->len > 3 && crumbs_width (crumbs, separator) + CRUMB_PAD > width)
        g_array_remove_index (crumbs, 2);
    }
  for (guint i = 0; i < crumbs->len; i++)
    {
      g_array_index (crumbs, SpyFlameCrumb, i).x = x;
      x += g_array_index (crumbs, SpyFlameCrumb, i).width + separator;
    }
  return crumbs;
}

int
spy_flame_crumbs_find (GArray *crumbs,
                       double  x)
{
  for (guint i = 0; crumbs != NULL && i < crumbs->len; i++)
    {
      const SpyFlameCrumb *crumb = &g_array_index (crumbs, SpyFlameCrumb, i);

      if (x >= crumb->x && x < crumb->x + crumb->width)
        return crumb->node != SPY_FLAME_NONE ? (int) i : -1;
    }
  return -1;
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   w,
                   double   h,
                   double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_text (Draw          *d,
           const char    *text,
           double         x,
           SpyFlameColor  color,
           gboolean       bold)
{
  g_autoptr(PangoLayout) layout = new_text_layout (d->options->font, text);
  PangoRectangle logical;

  if (bold)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  set_color (d->cr, color);
  cairo_move_to (d->cr, x, floor ((SPY_FLAME_CRUMB_HEIGHT - logical.height) / 2));
  pango_cairo_show_layout (d->cr, layout);
}

static void
draw_crumb (Draw                *d,
            const SpyFlameCrumb *crumb,
            gboolean             last,
            gboolean             hovered)
{
  SpyFlameColor fg = d->options->foreground;
  SpyFlameColor dim = mix (fg, d->options->background, 0.35);

  if (hovered && !last)
    {
      set_color (d->cr, mix (d->options->background, fg, 0.12));
      rounded_rectangle (d->cr, crumb->x, 4, crumb->width, SPY_FLAME_CRUMB_HEIGHT - 8, 5);
      cairo_fill (d->cr);
    }
  draw_text (d, crumb->label, crumb->x + CRUMB_PAD, last ? fg : dim, last);
  if (!last)
    draw_text (d, "›", crumb->x + crumb->width + CRUMB_PAD, mix (fg, d->options->background, 0.55), FALSE);
}

static void
draw_crumbs (Draw   *d,
             GArray *crumbs)
{
  SpyFlameColor fg = d->options->foreground;
  const SpyCallTreeNode *zoom;
  g_autofree char *summary = NULL;
  double all, summary_width;

  set_color (d->cr, mix (d->options->background, fg, 0.05));
  cairo_rectangle (d->cr, 0, 0, d->width, SPY_FLAME_CRUMB_HEIGHT);
  cairo_fill (d->cr);
  set_color (d->cr, mix (d->options->background, fg, 0.18));
  cairo_rectangle (d->cr, 0, SPY_FLAME_CRUMB_HEIGHT - 1, d->width, 1);
  cairo_fill (d->cr);
  for (guint i = 0; i < crumbs->len; i++)
    draw_crumb (d, &g_array_index (crumbs, SpyFlameCrumb, i), i + 1 == crumbs->len,
                d->options->hovered_crumb == (int) i);
  if (d->layout == NULL)
    return;
  zoom = spy_call_tree_get_node (d->layout->tree, d->layout->zoom_node);
  all = spy_call_tree_get_node (d->layout->tree, 0)->total;
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'llu sample · %.1f %%",
                                          "%'llu samples · %.1f %%", zoom->total),
                             (unsigned long long) zoom->total, all > 0 ? 100 * zoom->total / all : 0);
  summary_width = text_width (d->options->font, summary);
  if (crumbs->len == 0 || summary_width + 3 * CRUMB_PAD <
      d->width - crumbs_width (crumbs, 0) - 2 * CRUMB_PAD * crumbs->len)
    draw_text (d, summary, d->width - summary_width - CRUMB_PAD * 1.5, mix (fg, d->options->background, 0.35), FALSE);
}

void
spy_flame_render (cairo_t               *cr,
                  int                    width,
                  int                    height,
                  SpyFlameLayout        *layout,
                  GArray                *crumbs,
                  const SpyFlameOptions *options)
{
  Draw d = { cr, layout, NULL, options, NULL, width, height };

  g_return_if_fail (cr != NULL && options != NULL);

  cairo_save (cr);
  set_color (cr, options->background);
  cairo_paint (cr);
  if (layout != NULL)
    {
      if (g_strcmp0 (layout->label_font, options->font) != 0)
        {
          clear_labels (layout);
          g_free (layout->label_font);
          layout->label_font = g_strdup (options->font);
        }
      d.profile = spy_call_tree_get_profile (layout->tree);
      if (options->highlight_frame < spy_profile_get_n_frames (d.profile))
        d.highlight = spy_profile_get_frame (d.profile, options->highlight_frame);
      if (options->x_scale > 0)
        draw_frames (&d);
    }
  if (options->show_crumbs && crumbs != NULL)
    draw_crumbs (&d, crumbs);
  cairo_restore (cr);
}
