/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-flamegraph-render.h: flamegraph layout, hit testing and cairo drawing, without GTK */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "spy-call-tree.h"

G_BEGIN_DECLS

/* Geometry shared by the drawing and the widget's hit testing. */
#define SPY_FLAME_ROW_HEIGHT    20.0   /* a frame's row, with 1 px of gap */
#define SPY_FLAME_CRUMB_HEIGHT  28.0   /* the breadcrumb strip at the top */
#define SPY_FLAME_MIN_WIDTH      1.0   /* px: narrower frames are merged */

#define SPY_FLAME_NONE G_MAXUINT32

typedef struct {
  guint32 node;       /* call-tree node; for a merged run, its first node */
  guint32 n_merged;   /* 1, or how many narrow siblings this box stands for */
  guint32 depth;      /* row: 0 for the outermost frames (tree depth 1) */
  guint32 color;      /* 0xRRGGBB, stable per module */
  double  x;          /* px in layout coordinates */
  double  width;      /* px */
} SpyFlameRect;

/* Rectangles of one (tree, zoom node, width), sorted by (row, x). The zoom
 * node and its ancestors span the whole width. */
typedef struct _SpyFlameLayout SpyFlameLayout;

SpyFlameLayout     *spy_flame_layout_new        (SpyCallTree    *tree,
                                                 guint32         zoom_node,
                                                 double          width);
void                spy_flame_layout_free       (SpyFlameLayout *layout);
SpyCallTree        *spy_flame_layout_get_tree   (SpyFlameLayout *layout);
guint32             spy_flame_layout_get_zoom_node (SpyFlameLayout *layout);
double              spy_flame_layout_get_width  (SpyFlameLayout *layout);
guint               spy_flame_layout_get_n_rows (SpyFlameLayout *layout);
const SpyFlameRect *spy_flame_layout_get_rects  (SpyFlameLayout *layout,
                                                 guint          *n_rects);
/* The rectangle of @node, or NULL when it is culled or out of the zoom. */
const SpyFlameRect *spy_flame_layout_find_node  (SpyFlameLayout *layout,
                                                 guint32         node);
/* The rectangle in @row covering @x (layout coordinates), by binary search. */
const SpyFlameRect *spy_flame_layout_find       (SpyFlameLayout *layout,
                                                 guint           row,
                                                 double          x);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyFlameLayout, spy_flame_layout_free)

/* Frames whose function or file contains a text (case-folded). */
typedef struct _SpyFlameSearch SpyFlameSearch;

SpyFlameSearch     *spy_flame_search_new         (SpyCallTree    *tree,
                                                  const char     *text);
void                spy_flame_search_free        (SpyFlameSearch *search);
gboolean            spy_flame_search_matches     (SpyFlameSearch *search,
                                                  guint32         node);
/* Share of all samples with a matching frame in their stack, 0…1: a
 * sample counts once however many of its frames match. */
double              spy_flame_search_get_fraction (SpyFlameSearch *search);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyFlameSearch, spy_flame_search_free)

typedef struct {
  double r, g, b;
} SpyFlameColor;

typedef struct {
  gboolean        inverted;        /* root at the top (icicle) */
  SpyFlameSearch *search;          /* or NULL */
  guint32         highlight_frame; /* a profile frame (its function), or SPY_FLAME_NONE */
  guint32         hovered_node;    /* or SPY_FLAME_NONE */
  guint32         focused_node;    /* keyboard focus, or SPY_FLAME_NONE */
  int             hovered_crumb;   /* index, or -1 */
  gboolean        show_crumbs;     /* the breadcrumb strip at the top */
  /* Layout px to widget px: x' = (x - x_offset) * x_scale. */
  double          x_offset;
  double          x_scale;
  double          y_scroll;        /* px scrolled away from the root's end */
  gboolean        dark;
  SpyFlameColor   background;
  SpyFlameColor   foreground;
  const char     *font;            /* a Pango font description */
} SpyFlameOptions;

void                spy_flame_options_init       (SpyFlameOptions *options);

/* Breadcrumbs: the path from the root to the zoom node, middle elided
 * when it does not fit @width. */
typedef struct {
  guint32 node;       /* SPY_FLAME_NONE for the elision mark */
  double  x;
  double  width;
  char   *label;
} SpyFlameCrumb;

GArray             *spy_flame_crumbs_new         (SpyCallTree    *tree,
                                                  guint32         zoom_node,
                                                  double          width,
                                                  const char     *font);
int                 spy_flame_crumbs_find        (GArray         *crumbs,
                                                  double          x);

/* Draws the flamegraph into @cr over (0, 0, @width, @height). @crumbs may
 * be NULL (no strip). */
void                spy_flame_render             (cairo_t               *cr,
                                                  int                    width,
                                                  int                    height,
                                                  SpyFlameLayout        *layout,
                                                  GArray                *crumbs,
                                                  const SpyFlameOptions *options);
/* The row at widget @y (may be out of the layout's rows), or -1. */
int                 spy_flame_render_row_at      (int                    height,
                                                  const SpyFlameOptions *options,
                                                  double                 y);
/* The y of the top of @row in the widget. */
double              spy_flame_render_row_y       (int                    height,
                                                  const SpyFlameOptions *options,
                                                  guint                  row);
/* Height of the frames' area and of everything the layout needs. */
double              spy_flame_render_content_height (SpyFlameLayout     *layout);
/* The rectangle under widget (@x, @y), or NULL. */
const SpyFlameRect *spy_flame_render_hit         (SpyFlameLayout        *layout,
                                                  int                    height,
                                                  const SpyFlameOptions *options,
                                                  double                 x,
                                                  double                 y);
/* Text for a frame: "function (file:line)"; file is the base name when
 * @short_file. */
char               *spy_flame_describe_node      (SpyCallTree           *tree,
                                                  guint32                node,
                                                  gboolean               short_file);

G_END_DECLS
