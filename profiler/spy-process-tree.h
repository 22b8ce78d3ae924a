/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-tree.h: which processes run under a root (--subprocesses) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The parent of every process now (from /proc/PID/stat): pid → ppid. */
GHashTable *spy_process_tree_read       (void);
/* @pid is @root or one of its descendants in @tree. */
gboolean    spy_process_tree_is_under   (GHashTable *tree,
                                         GPid        pid,
                                         GPid        root);
/* @root and its descendants in @tree, as GPids, root first, then by pid. */
GArray     *spy_process_tree_list_under (GHashTable *tree,
                                         GPid        root);

G_END_DECLS
