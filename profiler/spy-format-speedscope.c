/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format-speedscope.c: speedscope.app JSON: one sampled profile per thread */

#include "config.h"

#include <math.h>
#include <string.h>

#include "spy-format-json.h"
#include "spy-format-private.h"

#define SCHEMA_URL "https://www.speedscope.app/file-format-schema.json"

/* Export -------------------------------------------------------------- */

typedef struct {
  SpyProfile             *profile;
  const SpyExportOptions *options;
  GString                *frames_json;   /* the "shared.frames" members */
  GHashTable             *frame_index;   /* frame key → shared index + 1 */
  guint                   n_frames;
  GPtrArray              *stack_json;    /* per stack id: "[0,3,7]" or NULL */
  GArray                 *scratch;       /* guint32 frame ids */
} Exporter;

static void
exporter_clear (Exporter *e)
{
  if (e->frames_json != NULL)
    g_string_free (g_steal_pointer (&e->frames_json), TRUE);
  g_clear_pointer (&e->frame_index, g_hash_table_unref);
  g_clear_pointer (&e->stack_json, g_ptr_array_unref);
  g_clear_pointer (&e->scratch, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Exporter, exporter_clear)

/* The shared frame for a profile frame; lines merge under function
 * aggregation. */
static guint
shared_frame (Exporter *e,
              guint32   frame_id)
{
  const SpyProfileFrame *frame = spy_profile_get_frame (e->profile, frame_id);
  gboolean by_line = e->options->aggregation == SPY_AGGREGATE_LINE;
  guint64 key = by_line ? frame_id : ((guint64) frame->function << 32 | frame->file) | (1ull << 63);
  g_autofree char *file = NULL;
  gpointer found;

  if (g_hash_table_lookup_extended (e->frame_index, &key, NULL, &found))
    return GPOINTER_TO_UINT (found) - 1;

  file = spy_format_file_name (e->options, spy_profile_get_string (e->profile, frame->file));
  g_string_append (e->frames_json, e->n_frames > 0 ? ",\n{\"name\":" : "{\"name\":");
  spy_format_append_json_string (e->frames_json, spy_profile_get_string (e->profile, frame->function));
  if (file[0] != '\0')
    {
      g_string_append (e->frames_json, ",\"file\":");
      spy_format_append_json_string (e->frames_json, file);
    }
  if (by_line && frame->line > 0)
    {
      g_string_append (e->frames_json, ",\"line\":");
      spy_format_append_int (e->frames_json, frame->line);
    }
  g_string_append_c (e->frames_json, '}');
  g_hash_table_insert (e->frame_index, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (++e->n_frames));
  return e->n_frames - 1;
}

/* "[root,…,leaf]" in shared frame indices, made once per stack. */
static const char *
stack_json (Exporter *e,
            guint32   stack)
{
  GString *json;

  if (g_ptr_array_index (e->stack_json, stack) != NULL)
    return g_ptr_array_index (e->stack_json, stack);

  spy_profile_stack_frames (e->profile, stack, e->scratch);
  json = g_string_new ("[");
  for (guint i = 0; i < e->scratch->len; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      spy_format_append_uint (json, shared_frame (e, g_array_index (e->scratch, guint32, i)));
    }
  g_string_append_c (json, ']');
  g_ptr_array_index (e->stack_json, stack) = g_string_free (json, FALSE);
  return g_ptr_array_index (e->stack_json, stack);
}

static char *
thread_title (SpyProfile *profile,
              guint32     index)
{
  const SpyProfileThread *thread = spy_profile_get_thread (profile, index);
  g_autofree char *label = spy_profile_dup_thread_label (profile, index);

  if (spy_profile_get_string (profile, thread->name)[0] != '\0')
    return g_steal_pointer (&label);
  return g_strdup_printf ("Thread %s", label);
}

/* One "sampled" profile: the thread's samples (@samples, @n of them) in
 * time order, each weighing one sampling interval (1 when the rate is
 * unknown). */
static void
write_thread_profile (Exporter      *e,
                      GString       *out,
                      guint32        thread,
                      const guint32 *samples,
                      guint          n)
{
  const guint32 *stacks = spy_profile_get_sample_stacks (e->profile);
  const guint64 *times = spy_profile_get_sample_times (e->profile);
  guint rate = spy_profile_get_meta (e->profile)->rate;
  guint64 weight = rate > 0 ? MAX (1, (1000000 + rate / 2) / rate) : 1;
  guint64 start = rate > 0 && n > 0 ? times[samples[0]] : 0;
  g_autofree char *title = thread_title (e->profile, thread);

  g_string_append (out, "{\"type\":\"sampled\",\"name\":");
  spy_format_append_json_string (out, title);
  g_string_append (out, rate > 0 ? ",\"unit\":\"microseconds\"" : ",\"unit\":\"none\"");
  g_string_append (out, ",\n\"samples\":[");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, stack_json (e, stacks[samples[i]]));
    }
  g_string_append (out, "],\n\"weights\":[");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      spy_format_append_uint (out, weight);
    }
  g_string_append (out, "],\"startValue\":");
  spy_format_append_uint (out, start);
  g_string_append (out, ",\"endValue\":");
  spy_format_append_uint (out, start + n * weight);
  g_string_append_c (out, '}');
}

/* Sample indices grouped by thread, in time order within each: thread
 * t's are order[first[t] .. first[t + 1]). */
static guint32 *
group_by_thread (SpyProfile *profile,
                 guint     **first_out)
{
  guint n = spy_profile_get_n_samples (profile);
  guint n_threads = spy_profile_get_n_threads (profile);
  const guint16 *threads = spy_profile_get_sample_threads (profile);
  guint32 *order = g_new (guint32, MAX (n, 1));
  guint *first = g_new0 (guint, n_threads + 1);
  g_autofree guint *next = g_new (guint, MAX (n_threads, 1));

  for (guint i = 0; i < n; i++)
    first[threads[i] + 1]++;
  for (guint t = 0; t < n_threads; t++)
    first[t + 1] += first[t];
  memcpy (next, first, n_threads * sizeof (guint));
  for (guint i = 0; i < n; i++)
    order[next[threads[i]]++] = i;
  *first_out = first;
  return order;
}

static void
write_header (GString    *out,
              SpyProfile *profile,
              Exporter   *e)
{
  const SpyProfileMeta *meta = spy_profile_get_meta (profile);
  g_autofree char *name = NULL;
  g_autofree char *valid = NULL;

  name = g_strdup (e->options->title != NULL ? e->options->title
                   : meta->command_line != NULL ? meta->command_line : "Spyglass profile");
  valid = g_utf8_make_valid (name, -1);
  g_string_append (out, "{\"$schema\":\"" SCHEMA_URL "\",\n\"name\":");
  spy_format_append_json_string (out, valid);
  g_string_append (out, ",\"activeProfileIndex\":0,\"exporter\":\"spyglass " PACKAGE_VERSION "\",\n");
}

GBytes *
spy_format_speedscope_save (SpyProfile             *profile,
                            const SpyExportOptions *options,
                            GError                **error)
{
  static const SpyExportOptions defaults = SPY_EXPORT_OPTIONS_INIT;
  g_auto(Exporter) e = { 0 };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) profiles = g_string_new (NULL);
  g_autofree guint32 *order = NULL;
  g_autofree guint *first = NULL;

  g_return_val_if_fail (SPY_IS_PROFILE (profile), NULL);

  e.profile = profile;
  e.options = options != NULL ? options : &defaults;
  e.frames_json = g_string_new (NULL);
  e.frame_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  e.stack_json = g_ptr_array_new_full (spy_profile_get_n_stacks (profile), g_free);
  g_ptr_array_set_size (e.stack_json, spy_profile_get_n_stacks (profile));
  e.scratch = g_array_new (FALSE, FALSE, sizeof (guint32));

  /* Threads that never ran Python code would be empty tabs: left out. */
  order = group_by_thread (profile, &first);
  for (guint t = 0; t < spy_profile_get_n_threads (profile); t++)
    if (first[t + 1] > first[t])
      {
        g_string_append (profiles, profiles->len > 0 ? ",\n" : "");
        write_thread_profile (&e, profiles, t, order + first[t], first[t + 1] - first[t]);
      }

  write_header (out, profile, &e);
  g_string_append (out, "\"shared\":{\"frames\":[\n");
  g_string_append_len (out, e.frames_json->str, e.frames_json->len);
  g_string_append (out, "]},\n\"profiles\":[\n");
  g_string_append_len (out, profiles->str, profiles->len);
  g_string_append (out, "]}\n");
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* Import -------------------------------------------------------------- */

typedef enum {
  UNIT_COUNT,    /* "none", "bytes", or one we do not know: weights count */
  UNIT_TIME,     /* weights are durations, scaled to µs */
} UnitKind;

typedef struct {
  char    *name;
  char    *file;
  gint32   line;
} RawFrame;

typedef struct {
  char    *name;
  UnitKind unit;
  double   scale;        /* to µs, for UNIT_TIME */
  double   start;        /* startValue, in the unit */
  guint    first_entry;  /* into Importer.entries */
  guint    n_entries;
  guint    first_weight; /* into Importer.weights */
  guint    n_weights;
  gboolean seen_samples;
  gboolean seen_weights;
} RawProfile;

typedef struct {
  SpyJsonCursor cursor;
  GArray       *frames;      /* RawFrame */
  GArray       *profiles;    /* RawProfile */
  GArray       *entries;     /* guint32: a node of stacks, or SPY_STACK_ROOT when empty */
  GArray       *weights;     /* double */
  GArray       *stacks;      /* SpyProfileStack of raw frame indices: a trie */
  GHashTable   *stack_index; /* (parent + 1) << 32 | raw frame → node + 1 */
  guint32       max_frame;   /* the largest raw frame index used, + 1 */
  gboolean      seen_shared;
  gboolean      seen_profiles;
} Importer;

static void
raw_frame_clear (gpointer data)
{
  RawFrame *frame = data;

  g_free (frame->name);
  g_free (frame->file);
}

static void
raw_profile_clear (gpointer data)
{
  g_free (((RawProfile *) data)->name);
}

static void
importer_init (Importer *im,
               GBytes   *bytes,
               GError  **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  spy_json_cursor_init (&im->cursor, data != NULL ? data : "", len, error);
  im->frames = g_array_new (FALSE, TRUE, sizeof (RawFrame));
  g_array_set_clear_func (im->frames, raw_frame_clear);
  im->profiles = g_array_new (FALSE, TRUE, sizeof (RawProfile));
  g_array_set_clear_func (im->profiles, raw_profile_clear);
  im->entries = g_array_new (FALSE, FALSE, sizeof (guint32));
  im->weights = g_array_new (FALSE, FALSE, sizeof (double));
  im->stacks = g_array_new (FALSE, FALSE, sizeof (SpyProfileStack));
  im->stack_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static void
importer_clear (Importer *im)
{
  g_clear_pointer (&im->frames, g_array_unref);
  g_clear_pointer (&im->profiles, g_array_unref);
  g_clear_pointer (&im->entries, g_array_unref);
  g_clear_pointer (&im->weights, g_array_unref);
  g_clear_pointer (&im->stacks, g_array_unref);
  g_clear_pointer (&im->stack_index, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Importer, importer_clear)

static gboolean
limit_reached (Importer   *im,
               const char *what,
               guint       limit)
{
  SpyJsonCursor *c = &im->cursor;

  if (!c->failed)
    {
      c->failed = TRUE;
      g_set_error (c->error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT,
                   "The speedscope file has more than %u %s, too many to open safely", limit, what);
    }
  return FALSE;
}

static gboolean
read_frame_member (Importer   *im,
                   RawFrame   *frame,
                   const char *key)
{
  SpyJsonCursor *c = &im->cursor;
  double line;

  if (strcmp (key, "name") == 0 && frame->name == NULL)
    return spy_json_cursor_string (c, SPY_FORMAT_MAX_INPUT_STRING, FALSE, &frame->name);
  if (strcmp (key, "file") == 0 && frame->file == NULL)
    return spy_json_cursor_string (c, SPY_FORMAT_MAX_INPUT_STRING, TRUE, &frame->file);
  if (strcmp (key, "line") == 0 && spy_json_cursor_peek (c) != 'n')
    {
      if (!spy_json_cursor_double (c, &line))
        return FALSE;
      frame->line = line >= 1 && line <= G_MAXINT32 ? (gint32) line : 0;
      return TRUE;
    }
  return spy_json_cursor_skip (c);
}

static gboolean
read_shared_frames (Importer *im)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE;

  if (!spy_json_cursor_take (c, '['))
    return FALSE;
  while (spy_json_cursor_array_next (c, &first))
    {
      RawFrame frame = { NULL, NULL, 0 };
      gboolean first_member = TRUE, ok = TRUE;
      char *key;

      if (im->frames->len >= SPY_FORMAT_MAX_TABLE)
        return limit_reached (im, "frames", SPY_FORMAT_MAX_TABLE);
      if (!spy_json_cursor_take (c, '{'))
        return FALSE;
      while (ok && spy_json_cursor_object_next (c, &first_member, &key))
        {
          ok = read_frame_member (im, &frame, key);
          g_free (key);
        }
      g_array_append_val (im->frames, frame);   /* owns the strings now */
      if (c->failed)
        return FALSE;
      if (frame.name == NULL)
        return spy_json_cursor_fail (c, "shared frame %u has no name", im->frames->len - 1);
    }
  return !c->failed;
}

static gboolean
read_shared (Importer *im)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE, ok = TRUE, seen_frames = FALSE;
  char *key;

  if (!spy_json_cursor_take (c, '{'))
    return FALSE;
  while (ok && spy_json_cursor_object_next (c, &first, &key))
    {
      if (strcmp (key, "frames") == 0 && !seen_frames)
        ok = seen_frames = read_shared_frames (im);
      else
        ok = spy_json_cursor_skip (c);
      g_free (key);
    }
  if (!c->failed && !seen_frames)
    return spy_json_cursor_fail (c, "“shared” has no “frames”");
  return !c->failed;
}

/* The trie node for @frame under @parent, made when new. */
static guint32
raw_stack (Importer *im,
           guint32   parent,
           guint32   frame)
{
  guint64 key = ((guint64) parent + 1) << 32 | frame;
  SpyProfileStack stack = { parent, frame };
  gpointer found;

  if (g_hash_table_lookup_extended (im->stack_index, &key, NULL, &found))
    return GPOINTER_TO_UINT (found) - 1;
  g_array_append_val (im->stacks, stack);
  g_hash_table_insert (im->stack_index, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (im->stacks->len));
  return im->stacks->len - 1;
}

/* "[0, 4, 9]", root first, into the trie. */
static gboolean
read_sample_stack (Importer *im,
                   guint32  *out)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE;
  guint32 stack = SPY_STACK_ROOT;
  guint depth = 0;

  if (!spy_json_cursor_take (c, '['))
    return FALSE;
  while (spy_json_cursor_array_next (c, &first))
    {
      gint64 frame;

      if (++depth > SPY_FORMAT_MAX_DEPTH)
        return limit_reached (im, "frames in a stack", SPY_FORMAT_MAX_DEPTH);
      if (im->stacks->len >= SPY_FORMAT_MAX_TABLE)
        return limit_reached (im, "distinct stacks", SPY_FORMAT_MAX_TABLE);
      if (!spy_json_cursor_int (c, 0, SPY_FORMAT_MAX_TABLE, &frame))
        return FALSE;
      im->max_frame = MAX (im->max_frame, (guint32) frame + 1);
      stack = raw_stack (im, stack, frame);
    }
  *out = stack;
  return !c->failed;
}

static gboolean
read_samples (Importer   *im,
              RawProfile *profile)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE;

  if (!spy_json_cursor_take (c, '['))
    return FALSE;
  profile->first_entry = im->entries->len;
  while (spy_json_cursor_array_next (c, &first))
    {
      guint32 stack;

      if (im->entries->len >= spy_format_max_samples)
        return limit_reached (im, "samples", spy_format_max_samples);
      if (!read_sample_stack (im, &stack))
        return FALSE;
      g_array_append_val (im->entries, stack);
    }
  profile->n_entries = im->entries->len - profile->first_entry;
  return !c->failed;
}

static gboolean
read_weights (Importer   *im,
              RawProfile *profile)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE;

  if (!spy_json_cursor_take (c, '['))
    return FALSE;
  profile->first_weight = im->weights->len;
  while (spy_json_cursor_array_next (c, &first))
    {
      double weight;

      if (im->weights->len >= spy_format_max_samples)
        return limit_reached (im, "samples", spy_format_max_samples);
      if (!spy_json_cursor_double (c, &weight))
        return FALSE;
      if (weight < 0)
        return spy_json_cursor_fail (c, "a weight is negative");
      g_array_append_val (im->weights, weight);
    }
  profile->n_weights = im->weights->len - profile->first_weight;
  return !c->failed;
}

static gboolean
read_type (Importer *im)
{
  SpyJsonCursor *c = &im->cursor;
  g_autofree char *type = NULL;

  if (!spy_json_cursor_string (c, 64, FALSE, &type))
    return FALSE;
  if (strcmp (type, "sampled") == 0)
    return TRUE;
  c->failed = TRUE;
  if (strcmp (type, "evented") == 0)
    g_set_error_literal (c->error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                         "This speedscope file holds an evented (traced) profile; "
                         "Spyglass opens only sampled profiles");
  else
    g_set_error (c->error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                 "This speedscope file holds a profile of unknown type “%s”", type);
  return FALSE;
}

static gboolean
read_unit (Importer   *im,
           RawProfile *profile)
{
  static const struct { const char *name; double scale; } units[] = {
    { "nanoseconds", 1e-3 }, { "microseconds", 1 }, { "milliseconds", 1e3 }, { "seconds", 1e6 },
  };
  g_autofree char *unit = NULL;

  if (!spy_json_cursor_string (&im->cursor, 64, FALSE, &unit))
    return FALSE;
  profile->unit = UNIT_COUNT;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (unit, units[i].name) == 0)
      {
        profile->unit = UNIT_TIME;
        profile->scale = units[i].scale;
      }
  return TRUE;
}

static gboolean
read_profile_member (Importer   *im,
                     RawProfile *profile,
                     const char *key)
{
  SpyJsonCursor *c = &im->cursor;

  if (strcmp (key, "type") == 0)
    return read_type (im);
  if (strcmp (key, "name") == 0 && profile->name == NULL)
    return spy_json_cursor_string (c, SPY_FORMAT_MAX_INPUT_STRING, TRUE, &profile->name);
  if (strcmp (key, "unit") == 0)
    return read_unit (im, profile);
  if (strcmp (key, "startValue") == 0)
    return spy_json_cursor_double (c, &profile->start);
  if (strcmp (key, "samples") == 0 && !profile->seen_samples)
    return profile->seen_samples = read_samples (im, profile);
  if (strcmp (key, "weights") == 0 && !profile->seen_weights)
    return profile->seen_weights = read_weights (im, profile);
  return spy_json_cursor_skip (c);
}

static gboolean
read_profile (Importer *im)
{
  SpyJsonCursor *c = &im->cursor;
  RawProfile profile = { NULL, UNIT_COUNT, 1, 0, 0, 0, 0, 0, FALSE, FALSE };
  gboolean first = TRUE, ok = TRUE;
  guint index = im->profiles->len;
  char *key;

  if (index >= SPY_FORMAT_MAX_THREADS)
    return limit_reached (im, "profiles", SPY_FORMAT_MAX_THREADS);
  if (!spy_json_cursor_take (c, '{'))
    return FALSE;
  while (ok && spy_json_cursor_object_next (c, &first, &key))
    {
      ok = read_profile_member (im, &profile, key);
      g_free (key);
    }
  g_array_append_val (im->profiles, profile);   /* owns the name now */
  if (c->failed)
    return FALSE;
  if (!profile.seen_samples || !profile.seen_weights)
    return spy_json_cursor_fail (c, "profile %u has no “%s”", index,
                                 profile.seen_samples ? "weights" : "samples");
  if (profile.n_entries != profile.n_weights)
    return spy_json_cursor_fail (c, "profile %u has %u samples but %u weights",
                                 index, profile.n_entries, profile.n_weights);
  return TRUE;
}

static gboolean
read_profiles (Importer *im)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE;

  if (!spy_json_cursor_take (c, '['))
    return FALSE;
  while (spy_json_cursor_array_next (c, &first))
    if (!read_profile (im))
      return FALSE;
  return !c->failed;
}

static gboolean
read_document (Importer *im)
{
  SpyJsonCursor *c = &im->cursor;
  gboolean first = TRUE, ok = TRUE;
  char *key;

  if (!spy_json_cursor_take (c, '{'))
    return FALSE;
  while (ok && spy_json_cursor_object_next (c, &first, &key))
    {
      if (strcmp (key, "shared") == 0 && !im->seen_shared)
        ok = im->seen_shared = read_shared (im);
      else if (strcmp (key, "profiles") == 0 && !im->seen_profiles)
        ok = im->seen_profiles = read_profiles (im);
      else
        ok = spy_json_cursor_skip (c);
      g_free (key);
    }
  if (c->failed || !spy_json_cursor_at_end (c))
    return FALSE;
  if (!im->seen_shared || !im->seen_profiles)
    {
      g_set_error (c->error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                   "This JSON file is not a speedscope profile: it has no “%s”",
                   im->seen_shared ? "profiles" : "shared");
      return FALSE;
    }
  if (im->max_frame > im->frames->len)
    {
      spy_format_set_corrupt (c->error, "a sample points to frame %u, but there are only %u frames",
                              im->max_frame - 1, im->frames->len);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  guint64 time;
  guint64 count;
  guint32 seq;
  guint32 thread;
  guint32 stack;     /* a node of Importer.stacks */
} Record;

static int
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const Record *ra = a, *rb = b;

  if (ra->time != rb->time)
    return ra->time < rb->time ? -1 : 1;
  return (ra->seq > rb->seq) - (ra->seq < rb->seq);
}

/* A time weight's length in µs; weights that are multiples of the
 * shortest one are that many samples. */
static double
sample_interval (Importer *im)
{
  double interval = 0;

  for (guint p = 0; p < im->profiles->len; p++)
    {
      const RawProfile *profile = &g_array_index (im->profiles, RawProfile, p);

      if (profile->unit != UNIT_TIME)
        continue;
      for (guint i = 0; i < profile->n_weights; i++)
        {
          double us = g_array_index (im->weights, double, profile->first_weight + i) * profile->scale;

          if (us > 0 && (interval == 0 || us < interval))
            interval = us;
        }
    }
  return interval;
}

static gboolean
add_profile_records (Importer         *im,
                     const RawProfile *profile,
                     guint32           thread,
                     double            interval,
                     GArray           *records,
                     guint64          *total)
{
  double offset = profile->start;

  for (guint i = 0; i < profile->n_entries; i++)
    {
      guint32 stack = g_array_index (im->entries, guint32, profile->first_entry + i);
      double weight = g_array_index (im->weights, double, profile->first_weight + i);
      double count = profile->unit == UNIT_TIME
        ? (interval > 0 ? round (weight * profile->scale / interval) : 0)
        : round (weight);
      double time = profile->unit == UNIT_TIME ? offset * profile->scale : 0;
      Record record;

      offset += weight;
      if (stack == SPY_STACK_ROOT || count <= 0)
        continue;
      if (count > spy_format_max_samples || (*total += (guint64) count) > spy_format_max_samples)
        {
          g_set_error (im->cursor.error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT,
                       "The speedscope file weighs more than %u samples, too many to open safely",
                       spy_format_max_samples);
          return FALSE;
        }
      record.time = (guint64) CLAMP (time, 0, 1e18);
      record.count = (guint64) count;
      record.seq = records->len;
      record.thread = thread;
      record.stack = stack;
      g_array_append_val (records, record);
    }
  return TRUE;
}

static void
build_tables (Importer   *im,
              SpyProfile *profile,
              guint32    *stacks)
{
  g_autofree guint32 *frames = g_new (guint32, MAX (im->frames->len, 1));

  for (guint i = 0; i < im->frames->len; i++)
    {
      const RawFrame *frame = &g_array_index (im->frames, RawFrame, i);

      const char *file = frame->file != NULL ? frame->file : "";

      frames[i] = spy_profile_intern_frame (profile, frame->name, file, frame->line,
                                            spy_format_guess_kind (frame->name, file, frame->line));
    }
  /* The trie lists parents before children. */
  for (guint i = 0; i < im->stacks->len; i++)
    {
      const SpyProfileStack *stack = &g_array_index (im->stacks, SpyProfileStack, i);

      stacks[i] = spy_profile_intern_stack (profile,
                                            stack->parent == SPY_STACK_ROOT ? SPY_STACK_ROOT : stacks[stack->parent],
                                            frames[stack->frame]);
    }
}

static SpyProfile *
build_profile (Importer *im)
{
  g_autoptr(SpyProfile) profile = spy_profile_new ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (Record));
  g_autofree guint32 *stacks = g_new (guint32, MAX (im->stacks->len, 1));
  double interval = sample_interval (im);
  guint64 total = 0;

  for (guint p = 0; p < im->profiles->len; p++)
    {
      const RawProfile *raw = &g_array_index (im->profiles, RawProfile, p);
      g_autofree char *fallback = g_strdup_printf ("Profile %u", p + 1);
      guint32 thread = spy_profile_add_thread (profile, 0, p, 0,
                                               raw->name != NULL ? raw->name : fallback);

      if (!add_profile_records (im, raw, thread, interval, records, &total))
        return NULL;
    }
  build_tables (im, profile, stacks);
  g_array_sort (records, compare_records);
  for (guint i = 0; i < records->len; i++)
    {
      const Record *r = &g_array_index (records, Record, i);

      spy_profile_add_samples (profile, r->time, r->thread, stacks[r->stack], 0, r->count);
    }
  if (interval > 0)
    spy_profile_get_meta (profile)->rate = MAX (1, (guint) round (1e6 / MAX (interval, 1)));
  return g_steal_pointer (&profile);
}

SpyProfile *
spy_format_speedscope_load (GBytes  *bytes,
                            GError **error)
{
  g_auto(Importer) im = { 0 };

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  importer_init (&im, bytes, error);
  if (!read_document (&im))
    return NULL;
  return build_profile (&im);
}
