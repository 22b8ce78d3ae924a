/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-call-tree.h: samples merged into a tree of calls, for flamegraphs and top */
#pragma once

#include "spy-profile.h"

G_BEGIN_DECLS

typedef enum {
  SPY_AGGREGATE_LINE,      /* a frame is (function, file, line) */
  SPY_AGGREGATE_FUNCTION,  /* a frame is (function, file): lines merged */
  SPY_AGGREGATE_LIBRARY,   /* top rows: one per library (native frames) or
                            * file (Python); call trees: as FUNCTION */
} SpyAggregation;

/* Which samples count. */
typedef struct {
  gint64         thread;          /* thread index, or -1 for all threads */
  guint64        start_us;        /* time range [start_us, end_us) */
  guint64        end_us;          /* G_MAXUINT64: to the end */
  SpyAggregation aggregation;
  gboolean       include_idle;    /* count samples flagged idle */
  gboolean       gil_only;        /* count only samples holding the GIL */
  gint64         pid;             /* only this process, or -1 for all */
} SpyProfileFilter;

/* Every sample, all threads, by line. */
#define SPY_PROFILE_FILTER_INIT { -1, 0, G_MAXUINT64, SPY_AGGREGATE_LINE, TRUE, FALSE, -1 }

#define SPY_CALL_TREE_NONE G_MAXUINT32

typedef struct {
  guint32 parent;        /* SPY_CALL_TREE_NONE for the root */
  guint32 first_child;   /* SPY_CALL_TREE_NONE when a leaf */
  guint32 next_sibling;
  guint32 frame;         /* a profile frame id (with FUNCTION aggregation, one
                          * of the merged frames: ignore its line) */
  guint32 depth;         /* root 0 */
  guint64 total;         /* samples in this node and below */
  guint64 self;          /* samples that ended here */
} SpyCallTreeNode;

typedef struct _SpyCallTree SpyCallTree;

/* Node 0 is the root (no frame; total = every counted sample). Children are
 * ordered by function name, then file, then line: the same profile gives
 * the same tree. */
SpyCallTree           *spy_call_tree_new         (SpyProfile             *profile,
                                                  const SpyProfileFilter *filter);
SpyCallTree           *spy_call_tree_ref         (SpyCallTree            *self);
void                   spy_call_tree_unref       (SpyCallTree            *self);
guint                  spy_call_tree_get_n_nodes (SpyCallTree            *self);
const SpyCallTreeNode *spy_call_tree_get_node    (SpyCallTree            *self,
                                                  guint32                 index);
SpyProfile            *spy_call_tree_get_profile (SpyCallTree            *self);
guint32                spy_call_tree_get_max_depth (SpyCallTree          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyCallTree, spy_call_tree_unref)

G_END_DECLS
