/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-tree.c: which processes run under a root (--subprocesses) */

#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spy-process-tree.h"

/* A chain of parents longer than this is a loop read while pids were reused. */
#define MAX_DEPTH 64

GHashTable *
spy_process_tree_read (void)
{
  GHashTable *tree = g_hash_table_new (g_direct_hash, g_direct_equal);
  DIR *proc = opendir ("/proc");
  struct dirent *entry;

  if (proc == NULL)
    return tree;
  while ((entry = readdir (proc)) != NULL)
    {
      char path[300];
      char buf[512];
      FILE *file;
      size_t n;
      const char *paren;
      int ppid;

      if (!g_ascii_isdigit (entry->d_name[0]))
        continue;
      g_snprintf (path, sizeof path, "/proc/%s/stat", entry->d_name);
      if ((file = fopen (path, "re")) == NULL)
        continue;
      n = fread (buf, 1, sizeof buf - 1, file);
      fclose (file);
      buf[n] = '\0';
      /* "pid (comm) S ppid ...": comm may hold spaces and parentheses. */
      paren = strrchr (buf, ')');
      if (paren != NULL && sscanf (paren + 2, "%*c %d", &ppid) == 1)
        g_hash_table_insert (tree, GINT_TO_POINTER (atoi (entry->d_name)), GINT_TO_POINTER (ppid));
    }
  closedir (proc);
  return tree;
}

gboolean
spy_process_tree_is_under (GHashTable *tree,
                           GPid        pid,
                           GPid        root)
{
  g_return_val_if_fail (tree != NULL, FALSE);

  for (int i = 0; i < MAX_DEPTH && pid > 1; i++)
    {
      if (pid == root)
        return TRUE;
      pid = GPOINTER_TO_INT (g_hash_table_lookup (tree, GINT_TO_POINTER (pid)));
    }
  return pid == root;
}

static int
compare_pids (gconstpointer a,
              gconstpointer b)
{
  GPid pa = *(const GPid *) a, pb = *(const GPid *) b;

  return pa < pb ? -1 : pa > pb;
}

GArray *
spy_process_tree_list_under (GHashTable *tree,
                             GPid        root)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (tree != NULL, pids);

  g_hash_table_iter_init (&iter, tree);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      GPid pid = GPOINTER_TO_INT (key);

      if (pid != root && spy_process_tree_is_under (tree, pid, root))
        g_array_append_val (pids, pid);
    }
  g_array_sort (pids, compare_pids);
  g_array_prepend_val (pids, root);
  return pids;
}
