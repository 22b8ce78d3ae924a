/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-call-tree.c: samples merged into a tree of calls, for flamegraphs and top */

#include "config.h"

#include <string.h>

#include "spy-call-tree.h"
#include "spy-profile-private.h"

struct _SpyCallTree {
  gatomicrefcount  ref_count;
  SpyProfile      *profile;
  GArray          *nodes;       /* SpyCallTreeNode */
  guint32          max_depth;
};

gboolean
spy_profile_filter_accepts (SpyProfile             *profile,
                            const SpyProfileFilter *filter,
                            guint                   sample)
{
  guint8 flags = spy_profile_get_sample_flags (profile)[sample];
  guint64 time = spy_profile_get_sample_times (profile)[sample];
  guint16 thread = spy_profile_get_sample_threads (profile)[sample];

  if (filter->thread >= 0 && thread != filter->thread)
    return FALSE;
  if (time < filter->start_us || time >= filter->end_us)
    return FALSE;
  if (!filter->include_idle && (flags & SPY_SAMPLE_IDLE))
    return FALSE;
  if (filter->gil_only && !(flags & SPY_SAMPLE_GIL))
    return FALSE;
  if (filter->pid >= 0 && spy_profile_get_thread (profile, thread)->pid != filter->pid)
    return FALSE;
  return TRUE;
}

/* Under function aggregation, frames that differ only in their line share
 * one key: the first such frame. */
static guint32 *
frame_keys (SpyProfile     *profile,
            SpyAggregation  aggregation)
{
  guint n = spy_profile_get_n_frames (profile);
  guint32 *keys = g_new (guint32, MAX (n, 1));
  g_autoptr(GHashTable) firsts = NULL;

  if (aggregation == SPY_AGGREGATE_LINE)
    {
      for (guint i = 0; i < n; i++)
        keys[i] = i;
      return keys;
    }

  firsts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    {
      const SpyProfileFrame *frame = spy_profile_get_frame (profile, i);
      guint64 *key = g_new (guint64, 1);
      gpointer first;

      *key = (guint64) frame->function << 32 | frame->file;
      if (g_hash_table_lookup_extended (firsts, key, NULL, &first))
        {
          keys[i] = GPOINTER_TO_UINT (first);
          g_free (key);
        }
      else
        {
          keys[i] = i;
          g_hash_table_insert (firsts, key, GUINT_TO_POINTER (i));
        }
    }
  return keys;
}

guint64 *
spy_profile_count_stacks (SpyProfile             *profile,
                          const SpyProfileFilter *filter)
{
  guint n_stacks = spy_profile_get_n_stacks (profile);
  guint n_samples = spy_profile_get_n_samples (profile);
  const guint32 *stacks = spy_profile_get_sample_stacks (profile);
  guint64 *counts = g_new0 (guint64, MAX (n_stacks, 1));

  for (guint i = 0; i < n_samples; i++)
    if (spy_profile_filter_accepts (profile, filter, i))
      counts[stacks[i]]++;
  return counts;
}

static int
compare_children (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  SpyCallTree *tree = user_data;
  const SpyCallTreeNode *na = &g_array_index (tree->nodes, SpyCallTreeNode, *(const guint32 *) a);
  const SpyCallTreeNode *nb = &g_array_index (tree->nodes, SpyCallTreeNode, *(const guint32 *) b);
  const SpyProfileFrame *fa = spy_profile_get_frame (tree->profile, na->frame);
  const SpyProfileFrame *fb = spy_profile_get_frame (tree->profile, nb->frame);
  int cmp;

  if ((cmp = strcmp (spy_profile_get_string (tree->profile, fa->function),
                     spy_profile_get_string (tree->profile, fb->function))) != 0)
    return cmp;
  if ((cmp = strcmp (spy_profile_get_string (tree->profile, fa->file),
                     spy_profile_get_string (tree->profile, fb->file))) != 0)
    return cmp;
  return (fa->line > fb->line) - (fa->line < fb->line);
}

/* Children were linked in creation order; relink them sorted by name. */
static void
sort_children (SpyCallTree *tree)
{
  g_autoptr(GArray) children = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < tree->nodes->len; i++)
    {
      SpyCallTreeNode *node = &g_array_index (tree->nodes, SpyCallTreeNode, i);
      guint32 child;

      g_array_set_size (children, 0);
      for (child = node->first_child; child != SPY_CALL_TREE_NONE;
           child = g_array_index (tree->nodes, SpyCallTreeNode, child).next_sibling)
        g_array_append_val (children, child);
      if (children->len < 2)
        continue;
      g_array_sort_with_data (children, compare_children, tree);
      node->first_child = g_array_index (children, guint32, 0);
      for (guint j = 0; j < children->len; j++)
        g_array_index (tree->nodes, SpyCallTreeNode, g_array_index (children, guint32, j)).next_sibling =
          j + 1 < children->len ? g_array_index (children, guint32, j + 1) : SPY_CALL_TREE_NONE;
    }
}

/* Keys are (parent node, frame key) packed in 64 bits, stored as pointers:
 * no allocation per node. */
G_STATIC_ASSERT (sizeof (gpointer) >= sizeof (guint64));

static guint
key_hash (gconstpointer key)
{
  guint64 k = GPOINTER_TO_SIZE (key);

  k ^= k >> 33;
  k *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  k ^= k >> 33;
  return (guint) k;
}

static guint32
add_child (SpyCallTree *tree,
           GHashTable  *index,
           guint32      parent,
           guint32      frame_key)
{
  guint64 key = (guint64) parent << 32 | frame_key;
  gpointer found;
  SpyCallTreeNode node = { parent, SPY_CALL_TREE_NONE, SPY_CALL_TREE_NONE, frame_key, 0, 0, 0 };
  SpyCallTreeNode *parent_node;
  if (g_hash_table_lookup_extended (index, GSIZE_TO_POINTER (key), NULL, &found))
    return GPOINTER_TO_UINT (found);

  parent_node = &g_array_index (tree->nodes, SpyCallTreeNode, parent);
  node.depth = parent_node->depth + 1;
  node.next_sibling = parent_node->first_child;
  parent_node->first_child = tree->nodes->len;
  tree->max_depth = MAX (tree->max_depth, node.depth);
  g_array_append_val (tree->nodes, node);

  g_hash_table_insert (index, GSIZE_TO_POINTER (key), GUINT_TO_POINTER (tree->nodes->len - 1));
  return tree->nodes->len - 1;
}

SpyCallTree *
spy_call_tree_new (SpyProfile             *profile,
                   const SpyProfileFilter *filter)
{
  SpyCallTree *tree;
  guint n_stacks = spy_profile_get_n_stacks (profile);
  g_autofree guint64 *self_counts = NULL;
  g_autofree guint64 *totals = g_new0 (guint64, MAX (n_stacks, 1));
  g_autofree guint32 *node_of = g_new (guint32, MAX (n_stacks, 1));
  g_autofree guint32 *keys = NULL;
  g_autoptr(GHashTable) index = g_hash_table_new (key_hash, g_direct_equal);
  SpyCallTreeNode root = { SPY_CALL_TREE_NONE, SPY_CALL_TREE_NONE, SPY_CALL_TREE_NONE,
                           SPY_CALL_TREE_NONE, 0, 0, 0 };

  g_return_val_if_fail (SPY_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (filter != NULL, NULL);

  tree = g_new0 (SpyCallTree, 1);
  g_atomic_ref_count_init (&tree->ref_count);
  tree->profile = g_object_ref (profile);
  tree->nodes = g_array_new (FALSE, FALSE, sizeof (SpyCallTreeNode));
  g_array_append_val (tree->nodes, root);

  self_counts = spy_profile_count_stacks (profile, filter);
  keys = frame_keys (profile, filter->aggregation);

  /* Parents have smaller ids than their children: totals flow down to up. */
  for (guint i = n_stacks; i > 0; i--)
    {
      const SpyProfileStack *stack = spy_profile_get_stack (profile, i - 1);

      totals[i - 1] += self_counts[i - 1];
      if (stack->parent != SPY_STACK_ROOT)
        totals[stack->parent] += totals[i - 1];
    }

  for (guint i = 0; i < n_stacks; i++)
    {
      const SpyProfileStack *stack = spy_profile_get_stack (profile, i);
      guint32 parent_node;
      SpyCallTreeNode *node;

      if (totals[i] == 0)
        continue;
      parent_node = stack->parent == SPY_STACK_ROOT ? 0 : node_of[stack->parent];
      node_of[i] = add_child (tree, index, parent_node, keys[stack->frame]);
      node = &g_array_index (tree->nodes, SpyCallTreeNode, node_of[i]);
      node->self += self_counts[i];
      if (stack->parent == SPY_STACK_ROOT)
        g_array_index (tree->nodes, SpyCallTreeNode, 0).total += totals[i];
    }

  /* Totals per node: each node's own samples plus its children's. */
  for (guint i = tree->nodes->len; i > 1; i--)
    {
      SpyCallTreeNode *node = &g_array_index (tree->nodes, SpyCallTreeNode, i - 1);

      node->total += node->self;
      if (node->parent != 0)
        g_array_index (tree->nodes, SpyCallTreeNode, node->parent).total += node->total;
    }

  sort_children (tree);
  return tree;
}

SpyCallTree *
spy_call_tree_ref (SpyCallTree *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
spy_call_tree_unref (SpyCallTree *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_object (&self->profile);
  g_clear_pointer (&self->nodes, g_array_unref);
  g_free (self);
}

guint
spy_call_tree_get_n_nodes (SpyCallTree *self)
{
  return self->nodes->len;
}

const SpyCallTreeNode *
spy_call_tree_get_node (SpyCallTree *self,
                        guint32      index)
{
  g_return_val_if_fail (index < self->nodes->len, NULL);
  return &g_array_index (self->nodes, SpyCallTreeNode, index);
}

SpyProfile *
spy_call_tree_get_profile (SpyCallTree *self)
{
  return self->profile;
}

guint32
spy_call_tree_get_max_depth (SpyCallTree *self)
{
  return self->max_depth;
}
