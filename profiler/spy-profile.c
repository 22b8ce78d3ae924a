/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-profile.c: the recorded samples: interned frames, a stack trie, columnar samples */

#include "config.h"

#include <string.h>

#include "spy-profile.h"

#define MAX_THREADS G_MAXUINT16

/* An open-addressing set of ids (stored as id + 1; 0 is empty) whose keys
 * live in the profile's arrays: one guint32 per slot. */
typedef struct {
  guint32 *slots;
  guint    mask;
  guint    n_used;
} IdTable;

struct _SpyProfile {
  GObject         parent_instance;

  SpyProfileMeta  meta;

  GPtrArray      *strings;         /* char*, owned */
  GHashTable     *string_ids;      /* char* (from strings) → id + 1 */
  GArray         *frames;          /* SpyProfileFrame */
  IdTable         frame_ids;
  GArray         *stacks;          /* SpyProfileStack */
  IdTable         stack_ids;
  GArray         *threads;         /* SpyProfileThread */

  GArray         *sample_times;    /* guint64 µs */
  GArray         *sample_stacks;   /* guint32 */
  GArray         *sample_threads;  /* guint16 */
  GArray         *sample_flags;    /* guint8 */
};

G_DEFINE_FINAL_TYPE (SpyProfile, spy_profile, G_TYPE_OBJECT)
G_DEFINE_QUARK (spy-profile-error-quark, spy_profile_error)

enum {
  SIGNAL_SAMPLES_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
id_table_init (IdTable *table)
{
  table->mask = 1023;
  table->slots = g_new0 (guint32, table->mask + 1);
  table->n_used = 0;
}

static void
id_table_clear (IdTable *table)
{
  g_clear_pointer (&table->slots, g_free);
}

static inline guint
mix (guint64 h)
{
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  return (guint) h;
}

static guint
frame_hash (const SpyProfileFrame *frame)
{
  return mix (((guint64) frame->function << 32 | frame->file) ^
              ((guint64) (guint32) frame->line << 8 | frame->kind) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
}

static guint
stack_hash (const SpyProfileStack *stack)
{
  return mix ((guint64) stack->parent << 32 | stack->frame);
}

static void
spy_profile_finalize (GObject *object)
{
  SpyProfile *self = SPY_PROFILE (object);

  g_free (self->meta.command_line);
  g_free (self->meta.python_version);
  g_free (self->meta.host);
  g_free (self->meta.spyglass_version);
  g_clear_pointer (&self->string_ids, g_hash_table_unref);
  g_clear_pointer (&self->strings, g_ptr_array_unref);
  g_clear_pointer (&self->frames, g_array_unref);
  g_clear_pointer (&self->stacks, g_array_unref);
  g_clear_pointer (&self->threads, g_array_unref);
  g_clear_pointer (&self->sample_times, g_array_unref);
  g_clear_pointer (&self->sample_stacks, g_array_unref);
  g_clear_pointer (&self->sample_threads, g_array_unref);
  g_clear_pointer (&self->sample_flags, g_array_unref);
  id_table_clear (&self->frame_ids);
  id_table_clear (&self->stack_ids);

  G_OBJECT_CLASS (spy_profile_parent_class)->finalize (object);
}

static void
spy_profile_class_init (SpyProfileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = spy_profile_finalize;

  /**
   * SpyProfile::samples-added:
   *
   * Samples were appended (by a sampler merging a batch, or a loader).
   */
  signals[SIGNAL_SAMPLES_ADDED] =
    g_signal_new ("samples-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
spy_profile_init (SpyProfile *self)
{
  self->strings = g_ptr_array_new_with_free_func (g_free);
  self->string_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->frames = g_array_new (FALSE, FALSE, sizeof (SpyProfileFrame));
  self->stacks = g_array_new (FALSE, FALSE, sizeof (SpyProfileStack));
  self->threads = g_array_new (FALSE, FALSE, sizeof (SpyProfileThread));
  self->sample_times = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->sample_stacks = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->sample_threads = g_array_new (FALSE, FALSE, sizeof (guint16));
  self->sample_flags = g_array_new (FALSE, FALSE, sizeof (guint8));
  id_table_init (&self->frame_ids);
  id_table_init (&self->stack_ids);
  self->meta.spyglass_version = g_strdup (PACKAGE_VERSION);
  /* "" is string 0: unnamed threads and unknown files point at it. */
  spy_profile_intern_string (self, "");
}

SpyProfile *
spy_profile_new (void)
{
  return g_object_new (SPY_TYPE_PROFILE, NULL);
}

static void
copy_meta (SpyProfileMeta       *to,
           const SpyProfileMeta *from)
{
  *to = *from;
  to->command_line = g_strdup (from->command_line);
  to->python_version = g_strdup (from->python_version);
  to->host = g_strdup (from->host);
  to->spyglass_version = g_strdup (from->spyglass_version);
}

SpyProfile *
spy_profile_copy (SpyProfile *self)
{
  SpyProfile *copy;

  g_return_val_if_fail (SPY_IS_PROFILE (self), NULL);

  copy = spy_profile_new ();
  g_clear_pointer (&copy->meta.spyglass_version, g_free);
  copy_meta (&copy->meta, &self->meta);
  /* Interned in the same order, so every id stays the same. */
  for (guint i = 1; i < self->strings->len; i++)
    spy_profile_intern_string (copy, g_ptr_array_index (self->strings, i));
  for (guint i = 0; i < self->frames->len; i++)
    {
      const SpyProfileFrame *frame = &g_array_index (self->frames, SpyProfileFrame, i);

      spy_profile_intern_frame (copy, spy_profile_get_string (self, frame->function),
                                spy_profile_get_string (self, frame->file), frame->line, frame->kind);
    }
  for (guint i = 0; i < self->stacks->len; i++)
    {
      const SpyProfileStack *stack = &g_array_index (self->stacks, SpyProfileStack, i);

      spy_profile_intern_stack (copy, stack->parent, stack->frame);
    }
  g_array_append_vals (copy->threads, self->threads->data, self->threads->len);
  g_array_append_vals (copy->sample_times, self->sample_times->data, self->sample_times->len);
  g_array_append_vals (copy->sample_stacks, self->sample_stacks->data, self->sample_stacks->len);
  g_array_append_vals (copy->sample_threads, self->sample_threads->data, self->sample_threads->len);
  g_array_append_vals (copy->sample_flags, self->sample_flags->data, self->sample_flags->len);
  return copy;
}

SpyProfileMeta *
spy_profile_get_meta (SpyProfile *self)
{
  g_return_val_if_fail (SPY_IS_PROFILE (self), NULL);
  return &self->meta;
}

void
spy_profile_samples_added (SpyProfile *self)
{
  g_return_if_fail (SPY_IS_PROFILE (self));
  g_signal_emit (self, signals[SIGNAL_SAMPLES_ADDED], 0);
}

/* Valid UTF-8, at most SPY_PROFILE_MAX_STRING bytes, cut between characters. */
static char *
clean_string (const char *string)
{
  char *valid = g_utf8_make_valid (string, -1);
  gsize len = strlen (valid);

  if (len > SPY_PROFILE_MAX_STRING)
    {
      const char *end = g_utf8_find_prev_char (valid, valid + SPY_PROFILE_MAX_STRING + 1);

      valid[end - valid] = '\0';
    }
  return valid;
}

guint32
spy_profile_intern_string (SpyProfile *self,
                           const char *string)
{
  gpointer id;
  char *clean;

  g_return_val_if_fail (SPY_IS_PROFILE (self), 0);

  if (string == NULL)
    return 0;
  if (g_hash_table_lookup_extended (self->string_ids, string, NULL, &id))
    return GPOINTER_TO_UINT (id) - 1;

  clean = clean_string (string);
  if (strcmp (clean, string) != 0 &&
      g_hash_table_lookup_extended (self->string_ids, clean, NULL, &id))
    {
      g_free (clean);
      return GPOINTER_TO_UINT (id) - 1;
    }
  g_ptr_array_add (self->strings, clean);
  g_hash_table_insert (self->string_ids, clean, GUINT_TO_POINTER (self->strings->len));
  return self->strings->len - 1;
}

const char *
spy_profile_get_string (SpyProfile *self,
                        guint32     id)
{
  g_return_val_if_fail (SPY_IS_PROFILE (self), NULL);
  g_return_val_if_fail (id < self->strings->len, "");
  return g_ptr_array_index (self->strings, id);
}

guint
spy_profile_get_n_strings (SpyProfile *self)
{
  return self->strings->len;
}

static void
id_table_grow (IdTable *table,
               GArray  *items,
               gsize    item_size,
               guint  (*hash) (gconstpointer))
{
  guint new_mask = table->mask * 2 + 1;
  guint32 *slots = g_new0 (guint32, new_mask + 1);

  for (guint i = 0; i <= table->mask; i++)
    {
      guint32 stored = table->slots[i];
      guint pos;

      if (stored == 0)
        continue;
      pos = hash (items->data + (gsize) (stored - 1) * item_size) & new_mask;
      while (slots[pos] != 0)
        pos = (pos + 1) & new_mask;
      slots[pos] = stored;
    }
  g_free (table->slots);
  table->slots = slots;
  table->mask = new_mask;
}

/* Finds @key among @items, or appends it. */
static guint32
id_table_intern (IdTable       *table,
                 GArray        *items,
                 gsize          item_size,
                 gconstpointer  key,
                 guint        (*hash) (gconstpointer))
{
  guint pos = hash (key) & table->mask;

  for (;;)
    {
      guint32 stored = table->slots[pos];

      if (stored == 0)
        break;
      if (memcmp (items->data + (gsize) (stored - 1) * item_size, key, item_size) == 0)
        return stored - 1;
      pos = (pos + 1) & table->mask;
    }

  g_array_append_vals (items, key, 1);
  table->slots[pos] = items->len;
  if (++table->n_used * 2 > table->mask)
    id_table_grow (table, items, item_size, hash);
  return items->len - 1;
}

guint32
spy_profile_intern_frame (SpyProfile  *self,
                          const char  *function,
                          const char  *file,
                          gint32       line,
                          SpyFrameKind kind)
{
  SpyProfileFrame frame;

  g_return_val_if_fail (SPY_IS_PROFILE (self), 0);

  memset (&frame, 0, sizeof frame);
  frame.function = spy_profile_intern_string (self, function);
  frame.file = spy_profile_intern_string (self, file);
  frame.line = line;
  frame.kind = kind;
  return id_table_intern (&self->frame_ids, self->frames, sizeof frame, &frame,
                          (guint (*) (gconstpointer)) frame_hash);
}

const SpyProfileFrame *
spy_profile_get_frame (SpyProfile *self,
                       guint32     id)
{
  g_return_val_if_fail (SPY_IS_PROFILE (self), NULL);
  g_return_val_if_fail (id < self->frames->len, NULL);
  return &g_array_index (self->frames, SpyProfileFrame, id);
}

guint
spy_profile_get_n_frames (SpyProfile *self)
{
  return self->frames->len;
}

guint32
spy_profile_intern_stack (SpyProfile *self,
                          guint32     parent,
                          guint32     frame)
{
  SpyProfileStack stack = { parent, frame };

  g_return_val_if_fail (SPY_IS_PROFILE (self), 0);
  g_return_val_if_fail (parent == SPY_STACK_ROOT || parent < self->stacks->len, 0);
  g_return_val_if_fail (frame < self->frames->len, 0);

  return id_table_intern (&self->stack_ids, self->stacks, sizeof stack, &stack,
                          (guint (*) (gconstpointer)) stack_hash);
}

const SpyProfileStack *
spy_profile_get_stack (SpyProfile *self,
                       guint32     id)
{
  g_return_val_if_fail (SPY_IS_PROFILE (self), NULL);
  g_return_val_if_fail (id < self->stacks->len, NULL);
  return &g_array_index (self->stacks, SpyProfileStack, id);
}

guint
spy_profile_get_n_stacks (SpyProfile *self)
{
  return self->stacks->len;
}

guint32
spy_profile_intern_frames (SpyProfile    *self,
                           const guint32 *frames,
                           guint          n_frames)
{
  guint32 stack = SPY_STACK_ROOT;

  for (guint i = 0; i < n_frames; i++)
    stack = spy_profile_intern_stack (self, stack, frames[i]);
  return stack;
}

void
spy_profile_stack_frames (SpyProfile *self,
                          guint32     stack,
                          GArray     *out)
{
  g_array_set_size (out, 0);
  /* Parents have smaller ids, so this ends. */
  while (stack != SPY_STACK_ROOT && stack < self->stacks->len)
    {
      const SpyProfileStack *s = &g_array_index (self->stacks, SpyProfileStack, stack);

      g_array_append_val (out, s->frame);
      stack = s->parent;
    }
  for (guint i = 0; i < out->len / 2; i++)
    {
      guint32 tmp = g_array_index (out, guint32, i);

      g_array_index (out, guint32, i) = g_array_index (out, guint32, out->len - 1 - i);
      g_array_index (out, guint32, out->len - 1 - i) = tmp;
    }
}

guint32
spy_profile_add_thread (SpyProfile *self,
                        gint64      pid,
                        guint64     thread_id,
                        gint64      native_id,
                        const char *name)
{
  SpyProfileThread thread = { pid, thread_id, native_id, 0 };

  g_return_val_if_fail (SPY_IS_PROFILE (self), 0);

  if (self->threads->len >= MAX_THREADS)
    return self->threads->len - 1;  /* a pathological target: fold the rest */
  thread.name = spy_profile_intern_string (self, name);
  g_array_append_val (self->threads, thread);
  return self->threads->len - 1;
}

char *
spy_profile_dup_thread_label (SpyProfile *self,
                              guint32     index)
{
  const SpyProfileThread *thread = spy_profile_get_thread (self, index);
  const char *name;

  g_return_val_if_fail (thread != NULL, NULL);

  name = spy_profile_get_string (self, thread->name);
  if (name[0] != '\0')
    return g_strdup (name);
  if (thread->native_id != 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, thread->native_id);
  return g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", thread->thread_id);
}

const SpyProfileThread *
spy_profile_get_thread (SpyProfile *self,
                        guint32     index)
{
  g_return_val_if_fail (SPY_IS_PROFILE (self), NULL);
  g_return_val_if_fail (index < self->threads->len, NULL);
  return &g_array_index (self->threads, SpyProfileThread, index);
}

guint
spy_profile_get_n_threads (SpyProfile *self)
{
  return self->threads->len;
}

void
spy_profile_set_thread_name (SpyProfile *self,
                             guint32     index,
                             const char *name)
{
  g_return_if_fail (SPY_IS_PROFILE (self));
  g_return_if_fail (index < self->threads->len);
  g_array_index (self->threads, SpyProfileThread, index).name = spy_profile_intern_string (self, name);
}

void
spy_profile_add_samples (SpyProfile *self,
                         guint64     time_us,
                         guint32     thread,
                         guint32     stack,
                         guint8      flags,
                         guint64     count)
{
  guint16 thread16 = (guint16) thread;

  g_return_if_fail (SPY_IS_PROFILE (self));
  g_return_if_fail (thread < self->threads->len);
  g_return_if_fail (stack < self->stacks->len);

  for (guint64 i = 0; i < count; i++)
    {
      g_array_append_val (self->sample_times, time_us);
      g_array_append_val (self->sample_stacks, stack);
      g_array_append_val (self->sample_threads, thread16);
      g_array_append_val (self->sample_flags, flags);
    }
}

void
spy_profile_add_sample (SpyProfile *self,
                        guint64     time_us,
                        guint32     thread,
                        guint32     stack,
                        guint8      flags)
{
  spy_profile_add_samples (self, time_us, thread, stack, flags, 1);
}

guint
spy_profile_get_n_samples (SpyProfile *self)
{
  return self->sample_stacks->len;
}

const guint64 *
spy_profile_get_sample_times (SpyProfile *self)
{
  return (const guint64 *) self->sample_times->data;
}

const guint32 *
spy_profile_get_sample_stacks (SpyProfile *self)
{
  return (const guint32 *) self->sample_stacks->data;
}

const guint16 *
spy_profile_get_sample_threads (SpyProfile *self)
{
  return (const guint16 *) self->sample_threads->data;
}

const guint8 *
spy_profile_get_sample_flags (SpyProfile *self)
{
  return (const guint8 *) self->sample_flags->data;
}

gsize
spy_profile_get_sample_bytes (SpyProfile *self)
{
  return (gsize) self->sample_stacks->len *
         (sizeof (guint64) + sizeof (guint32) + sizeof (guint16) + sizeof (guint8));
}

gsize
spy_profile_get_table_bytes (SpyProfile *self)
{
  gsize bytes = 0;

  for (guint i = 0; i < self->strings->len; i++)
    bytes += strlen (g_ptr_array_index (self->strings, i)) + 1 + sizeof (gpointer) * 3;
  bytes += self->frames->len * sizeof (SpyProfileFrame) + (self->frame_ids.mask + 1) * 4;
  bytes += self->stacks->len * sizeof (SpyProfileStack) + (self->stack_ids.mask + 1) * 4;
  bytes += self->threads->len * sizeof (SpyProfileThread);
  return bytes;
}

static gboolean
differ (char      **why,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static gboolean
differ (char      **why,
        const char *format,
        ...)
{
  va_list args;

  if (why != NULL)
    {
      va_start (args, format);
      *why = g_strdup_vprintf (format, args);
      va_end (args);
    }
  return FALSE;
}

static gboolean
frames_equal (SpyProfile *a,
              SpyProfile *b,
              char      **why)
{
  if (a->frames->len != b->frames->len)
    return differ (why, "%u frames against %u", a->frames->len, b->frames->len);
  for (guint i = 0; i < a->frames->len; i++)
    {
      const SpyProfileFrame *fa = &g_array_index (a->frames, SpyProfileFrame, i);
      const SpyProfileFrame *fb = &g_array_index (b->frames, SpyProfileFrame, i);

      if (g_strcmp0 (spy_profile_get_string (a, fa->function), spy_profile_get_string (b, fb->function)) != 0 ||
          g_strcmp0 (spy_profile_get_string (a, fa->file), spy_profile_get_string (b, fb->file)) != 0 ||
          fa->line != fb->line || fa->kind != fb->kind)
        return differ (why, "frame %u differs", i);
    }
  return TRUE;
}

static gboolean
threads_equal (SpyProfile *a,
               SpyProfile *b,
               char      **why)
{
  if (a->threads->len != b->threads->len)
    return differ (why, "%u threads against %u", a->threads->len, b->threads->len);
  for (guint i = 0; i < a->threads->len; i++)
    {
      const SpyProfileThread *ta = &g_array_index (a->threads, SpyProfileThread, i);
      const SpyProfileThread *tb = &g_array_index (b->threads, SpyProfileThread, i);

      if (ta->pid != tb->pid || ta->thread_id != tb->thread_id || ta->native_id != tb->native_id ||
          g_strcmp0 (spy_profile_get_string (a, ta->name), spy_profile_get_string (b, tb->name)) != 0)
        return differ (why, "thread %u differs", i);
    }
  return TRUE;
}

static gboolean
meta_equal (const SpyProfileMeta *a,
            const SpyProfileMeta *b,
            char                **why)
{
  if (g_strcmp0 (a->command_line, b->command_line) != 0 || a->pid != b->pid ||
      g_strcmp0 (a->python_version, b->python_version) != 0 || g_strcmp0 (a->host, b->host) != 0 ||
      a->start_time != b->start_time || a->duration != b->duration || a->rate != b->rate ||
      a->samples_taken != b->samples_taken || a->samples_late != b->samples_late ||
      a->samples_failed != b->samples_failed ||
      g_strcmp0 (a->spyglass_version, b->spyglass_version) != 0)
    return differ (why, "the metadata differs");
  return TRUE;
}

gboolean
spy_profile_equal (SpyProfile  *a,
                   SpyProfile  *b,
                   char       **why)
{
  guint n;

  g_return_val_if_fail (SPY_IS_PROFILE (a) && SPY_IS_PROFILE (b), FALSE);

  if (!frames_equal (a, b, why) || !threads_equal (a, b, why) || !meta_equal (&a->meta, &b->meta, why))
    return FALSE;
  /* An empty GArray's data is NULL: memcmp must not see it. */
  if (a->stacks->len != b->stacks->len ||
      (a->stacks->len > 0 &&
       memcmp (a->stacks->data, b->stacks->data, a->stacks->len * sizeof (SpyProfileStack)) != 0))
    return differ (why, "the stacks differ");
  n = a->sample_stacks->len;
  if (n != b->sample_stacks->len)
    return differ (why, "%u samples against %u", n, b->sample_stacks->len);
  if (n == 0)
    return TRUE;
  if (memcmp (a->sample_times->data, b->sample_times->data, n * sizeof (guint64)) != 0 ||
      memcmp (a->sample_stacks->data, b->sample_stacks->data, n * sizeof (guint32)) != 0 ||
      memcmp (a->sample_threads->data, b->sample_threads->data, n * sizeof (guint16)) != 0 ||
      memcmp (a->sample_flags->data, b->sample_flags->data, n) != 0)
    return differ (why, "the samples differ");
  return TRUE;
}
