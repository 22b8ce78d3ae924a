/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-flamegraph.c: STUB until the real widget lands (being written) */
#include "config.h"
#include "spy-flamegraph.h"
struct _SpyFlamegraph { GtkWidget parent_instance; SpyCallTree *tree; };
G_DEFINE_FINAL_TYPE (SpyFlamegraph, spy_flamegraph, GTK_TYPE_WIDGET)
static void spy_flamegraph_class_init (SpyFlamegraphClass *klass) {}
static void spy_flamegraph_init (SpyFlamegraph *self) {}
GtkWidget *spy_flamegraph_new (void) { return g_object_new (SPY_TYPE_FLAMEGRAPH, NULL); }
void spy_flamegraph_set_tree (SpyFlamegraph *self, SpyCallTree *tree) { if (tree) spy_call_tree_ref (tree); g_clear_pointer (&self->tree, spy_call_tree_unref); self->tree = tree; }
SpyCallTree *spy_flamegraph_get_tree (SpyFlamegraph *self) { return self->tree; }
void spy_flamegraph_set_search (SpyFlamegraph *self, const char *text) {}
double spy_flamegraph_get_search_fraction (SpyFlamegraph *self) { return 0; }
void spy_flamegraph_set_highlight (SpyFlamegraph *self, guint32 frame) {}
void spy_flamegraph_set_inverted (SpyFlamegraph *self, gboolean inverted) {}
gboolean spy_flamegraph_get_inverted (SpyFlamegraph *self) { return FALSE; }
guint32 spy_flamegraph_get_zoom_node (SpyFlamegraph *self) { return 0; }
void spy_flamegraph_zoom_to (SpyFlamegraph *self, guint32 node) {}
gboolean spy_flamegraph_zoom_out (SpyFlamegraph *self) { return FALSE; }
