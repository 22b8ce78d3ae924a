/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format-collapsed.c: "root;child;leaf COUNT" lines (py-spy raw, FlameGraph folded) */

#include "config.h"

#include <string.h>

#include "spy-format-private.h"

/* Export -------------------------------------------------------------- */

static void
append_thread_root (GString    *out,
                    SpyProfile *profile,
                    guint32     thread)
{
  g_autofree char *name = spy_profile_dup_thread_label (profile, thread);

  g_string_append (out, "thread (");
  for (const char *p = name; *p != '\0'; p++)
    g_string_append_c (out, *p == ';' ? ',' : *p == '\n' || *p == '\r' ? ' ' : *p);
  g_string_append (out, ");");
}

/* One line per call-tree node that has samples of its own, depth first:
 * the tree has merged the stacks and ordered them. */
static void
write_tree (GString                *out,
            SpyCallTree            *tree,
            const SpyExportOptions *options,
            const char             *prefix)
{
  SpyProfile *profile = spy_call_tree_get_profile (tree);
  g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GString) path = g_string_new (prefix);
  guint32 node = spy_call_tree_get_node (tree, 0)->first_child;
  gsize end = path->len;

  /* ends[d] is the length of the path with d frames in it. */
  g_array_append_val (ends, end);
  while (node != SPY_CALL_TREE_NONE)
    {
      const SpyCallTreeNode *n = spy_call_tree_get_node (tree, node);

      g_string_truncate (path, g_array_index (ends, gsize, n->depth - 1));
      if (n->depth > 1)
        g_string_append_c (path, ';');
      spy_format_append_frame_text (path, profile, spy_profile_get_frame (profile, n->frame), options);
      g_array_set_size (ends, n->depth);
      g_array_append_val (ends, path->len);
      if (n->self > 0)
        {
          g_string_append_len (out, path->str, path->len);
          g_string_append_c (out, ' ');
          spy_format_append_uint (out, n->self);
          g_string_append_c (out, '\n');
        }
      /* Next in depth-first order: a child, else a sibling of the nearest
       * node up the tree that has one. */
      if (n->first_child != SPY_CALL_TREE_NONE)
        node = n->first_child;
      else
        {
          while (n->next_sibling == SPY_CALL_TREE_NONE && n->parent != 0)
            n = spy_call_tree_get_node (tree, n->parent);
          node = n->next_sibling;
        }
    }
}

GBytes *
spy_format_collapsed_save (SpyProfile             *profile,
                           const SpyExportOptions *options,
                           GError                **error)
{
  static const SpyExportOptions defaults = SPY_EXPORT_OPTIONS_INIT;
  g_autoptr(GString) out = g_string_new (NULL);
  SpyProfileFilter filter;

  g_return_val_if_fail (SPY_IS_PROFILE (profile), NULL);

  if (options == NULL)
    options = &defaults;
  spy_format_filter_init (&filter, options);
  if (!options->per_thread)
    {
      g_autoptr(SpyCallTree) tree = spy_call_tree_new (profile, &filter);

      write_tree (out, tree, options, "");
      return g_string_free_to_bytes (g_steal_pointer (&out));
    }
  for (guint t = 0; t < spy_profile_get_n_threads (profile); t++)
    {
      g_autoptr(SpyCallTree) tree = NULL;
      g_autoptr(GString) prefix = g_string_new (NULL);

      filter.thread = t;
      tree = spy_call_tree_new (profile, &filter);
      append_thread_root (prefix, profile, t);
      write_tree (out, tree, options, prefix->str);
    }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* Import -------------------------------------------------------------- */

typedef struct {
  const char *start;      /* of the frames */
  gsize       len;        /* of the frames */
  guint64     count;
} Line;

/* Sets @error about line @number: FORMAT when nothing before it looked
 * like collapsed stacks, CORRUPT after. */
static void
line_error (GError    **error,
            guint       number,
            gboolean    first,
            const char *problem)
{
  if (first)
    g_set_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                 "This is not a profile Spyglass can read: line %u is not collapsed "
                 "stacks (“frame;frame;… COUNT”): %s", number, problem);
  else
    spy_format_set_corrupt (error, "line %u: %s", number, problem);
}

/* "frames COUNT": splits at the last space; the count is a positive integer. */
static gboolean
parse_line (const char *text,
            gsize       len,
            Line       *line,
            const char **problem)
{
  const char *space = NULL;
  g_autofree char *digits = NULL;

  for (gsize i = len; i > 0; i--)
    if (text[i - 1] == ' ' || text[i - 1] == '\t')
      {
        space = text + i - 1;
        break;
      }
  if (space == NULL || space + 1 == text + len)
    {
      *problem = "it does not end with a sample count";
      return FALSE;
    }
  digits = g_strndup (space + 1, text + len - space - 1);
  if (!g_ascii_string_to_unsigned (digits, 10, 1, SPY_FORMAT_MAX_SAMPLES, &line->count, NULL))
    {
      *problem = "its sample count is not a whole number from 1 to 50 000 000";
      return FALSE;
    }
  line->start = text;
  line->len = space - text;
  while (line->len > 0 && (line->start[line->len - 1] == ' ' || line->start[line->len - 1] == '\t'))
    line->len--;
  if (line->len == 0)
    {
      *problem = "it has a count but no frames";
      return FALSE;
    }
  return TRUE;
}

/* "thread (NAME)": the root frame the per-thread export writes. */
static gboolean
is_thread_root (const char *frames,
                gsize       len,
                gsize      *root_len)
{
  const char *semicolon = memchr (frames, ';', len);

  *root_len = semicolon != NULL ? (gsize) (semicolon - frames) : len;
  return semicolon != NULL && *root_len > strlen ("thread ()") &&
         strncmp (frames, "thread (", 8) == 0 && frames[*root_len - 1] == ')';
}

static gboolean
is_blank (const char *text,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (text[i] != ' ' && text[i] != '\t')
      return FALSE;
  return TRUE;
}

/* Lines of @data, without line ends and blank lines, each checked. */
static gboolean
split_lines (const char *data,
             gsize       len,
             GArray     *lines,
             GError    **error)
{
  guint number = 0;
  guint64 total = 0;

  for (const char *p = data, *end = data + len; p < end; )
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize n = (nl != NULL ? nl : end) - p;
      const char *problem = NULL;
      Line line;

      number++;
      if (n > 0 && p[n - 1] == '\r')
        n--;
      if (!is_blank (p, n))
        {
          if (memchr (p, '\0', n) != NULL)
            problem = "it holds a NUL byte";
          if (problem != NULL || !parse_line (p, n, &line, &problem))
            {
              line_error (error, number, lines->len == 0, problem);
              return FALSE;
            }
          if ((total += line.count) > spy_format_max_samples)
            {
              g_set_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT,
                           "The stacks up to line %u add up to more than %u samples, "
                           "too many to open safely", number, spy_format_max_samples);
              return FALSE;
            }
          g_array_append_val (lines, line);
        }
      p += (nl != NULL ? nl + 1 : end) - p;
    }
  if (lines->len == 0)
    g_set_error_literal (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                         "This file holds no stacks");
  return lines->len > 0;
}

/* The first " (" of @text after which its parentheses pair up, or NULL. */
static char *
first_open (char *text)
{
  int depth = 0;

  for (char *p = text; *p != '\0'; p++)
    {
      if (depth == 0 && p[0] == ' ' && p[1] == '(')
        return p;
      depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
    }
  return NULL;
}

/* "function (file:line)", "function (file)" or just "function". */
static guint32
intern_frame_text (SpyProfile *profile,
                   const char *text,
                   gsize       len)
{
  g_autofree char *copy = g_strndup (text, len);
  char *open = NULL, *colon;
  gint64 line = 0;

  /* The first " (" after a name whose parentheses pair up: Python names
   * hold none, a C++ name's may hold " (" ("f(void (*)(int))"), and file
   * names may hold anything. */
  if (len >= 4 && copy[len - 1] == ')')
    open = first_open (copy);
  if (open == NULL || open == copy)
    return spy_profile_intern_frame (profile, copy, "", 0, spy_format_guess_kind (copy, "", 0));

  copy[len - 1] = '\0';
  *open = '\0';
  colon = strrchr (open + 2, ':');
  if (colon != NULL && colon[1] != '\0' &&
      g_ascii_string_to_signed (colon + 1, 10, 1, G_MAXINT32, &line, NULL))
    *colon = '\0';
  else
    line = 0;
  return spy_profile_intern_frame (profile, copy, open + 2, line,
                                   spy_format_guess_kind (copy, open + 2, line));
}

/* The stack for the ';'-separated frames of @text (empty frames skipped). */
static gboolean
intern_line_stack (SpyProfile *profile,
                   const char *text,
                   gsize       len,
                   guint32    *stack)
{
  const char *end = text + len;
  guint depth = 0;

  *stack = SPY_STACK_ROOT;
  while (text < end)
    {
      const char *semicolon = memchr (text, ';', end - text);
      const char *frame_end = semicolon != NULL ? semicolon : end;

      if (frame_end > text)
        {
          if (++depth > SPY_FORMAT_MAX_DEPTH)
            return FALSE;
          *stack = spy_profile_intern_stack (profile, *stack,
                                             intern_frame_text (profile, text, frame_end - text));
        }
      text = frame_end + (semicolon != NULL);
    }
  return TRUE;
}

/* Per-thread exports put "thread (NAME)" first on every line. */
static guint32
line_thread (SpyProfile *profile,
             const Line *line,
             GHashTable *threads,
             gsize      *skip)
{
  g_autofree char *name = g_strndup (line->start + 8, *skip - 9);
  gpointer found;
  guint32 thread;

  *skip += 1;   /* the ';' */
  if (g_hash_table_lookup_extended (threads, name, NULL, &found))
    return GPOINTER_TO_UINT (found);
  thread = spy_profile_add_thread (profile, 0, g_hash_table_size (threads), 0, name);
  g_hash_table_insert (threads, g_steal_pointer (&name), GUINT_TO_POINTER (thread));
  return thread;
}

static SpyProfile *
build_profile (GArray  *lines,
               GError **error)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  g_autoptr(GHashTable) threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean per_thread = TRUE;
  guint32 thread = 0;
  gsize skip = 0;

  for (guint i = 0; i < lines->len && per_thread; i++)
    per_thread = is_thread_root (g_array_index (lines, Line, i).start,
                                 g_array_index (lines, Line, i).len, &skip);
  if (!per_thread)
    thread = spy_profile_add_thread (profile, 0, 0, 0, "");

  for (guint i = 0; i < lines->len; i++)
    {
      const Line *line = &g_array_index (lines, Line, i);
      guint32 stack;

      skip = 0;
      if (per_thread)
        {
          is_thread_root (line->start, line->len, &skip);
          thread = line_thread (profile, line, threads, &skip);
        }
      if (!intern_line_stack (profile, line->start + skip, line->len - skip, &stack))
        {
          g_set_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT,
                       "A stack has more than %u frames, too many to open safely", SPY_FORMAT_MAX_DEPTH);
          return NULL;
        }
      if (stack != SPY_STACK_ROOT)
        spy_profile_add_samples (profile, 0, thread, stack, 0, line->count);
    }
  return g_steal_pointer (&profile);
}

SpyProfile *
spy_format_collapsed_load (GBytes  *bytes,
                           GError **error)
{
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (Line));
  const char *data;
  gsize len;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (data == NULL || !split_lines (data, len, lines, error))
    {
      if (data == NULL)
        g_set_error_literal (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                             "This file holds no stacks");
      return NULL;
    }
  return build_profile (lines, error);
}
