/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-flamegraph.h: a zoomable flamegraph of a call tree, drawn with cairo */
#pragma once

#include <gtk/gtk.h>

#include "spy-call-tree.h"

G_BEGIN_DECLS

#define SPY_TYPE_FLAMEGRAPH (spy_flamegraph_get_type ())
G_DECLARE_FINAL_TYPE (SpyFlamegraph, spy_flamegraph, SPY, FLAMEGRAPH, GtkWidget)

GtkWidget   *spy_flamegraph_new                 (void);
/* Shows @tree. When the zoomed frame's path still exists in the new tree
 * (live recording), the zoom is kept. */
void         spy_flamegraph_set_tree            (SpyFlamegraph *self,
                                                 SpyCallTree   *tree);
SpyCallTree *spy_flamegraph_get_tree            (SpyFlamegraph *self);
/* Highlights frames whose function or file contains @text (case-folded). */
void         spy_flamegraph_set_search          (SpyFlamegraph *self,
                                                 const char    *text);
/* Share of all samples under a matching frame, 0…1. */
double       spy_flamegraph_get_search_fraction (SpyFlamegraph *self);
/* Highlights every frame of this function (function and file of a profile
 * frame, e.g. from the top table), or none with G_MAXUINT32. */
void         spy_flamegraph_set_highlight       (SpyFlamegraph *self,
                                                 guint32        frame);
/* Root at the top (icicle) instead of the bottom. */
void         spy_flamegraph_set_inverted        (SpyFlamegraph *self,
                                                 gboolean       inverted);
gboolean     spy_flamegraph_get_inverted        (SpyFlamegraph *self);
/* The node zoomed into (0: the root, all samples). */
guint32      spy_flamegraph_get_zoom_node       (SpyFlamegraph *self);
/* TRUE while a zoom is being animated (what is drawn still moves). */
gboolean     spy_flamegraph_get_animating       (SpyFlamegraph *self);
void         spy_flamegraph_zoom_to             (SpyFlamegraph *self,
                                                 guint32        node);
/* One level up; FALSE when already at the root. */
gboolean     spy_flamegraph_zoom_out            (SpyFlamegraph *self);
/* Where @node is drawn, in widget coordinates; FALSE when it is not in
 * view (outside the zoom, scrolled away, or merged with narrow ones). */
gboolean     spy_flamegraph_get_node_area       (SpyFlamegraph   *self,
                                                 guint32          node,
                                                 graphene_rect_t *area);
/* Where breadcrumb @index (0: all samples) is; FALSE past the last. */
gboolean     spy_flamegraph_get_crumb_area      (SpyFlamegraph   *self,
                                                 guint            index,
                                                 graphene_rect_t *area);

G_END_DECLS
