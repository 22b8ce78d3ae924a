/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-thread-ids.c: kernel thread ids for thread states that keep none (≤3.10) */

#include "config.h"

#include <string.h>

#include "spy-stack-walker.h"
#include "spy-thread-ids.h"

/* struct pthread is about 2.3 KiB on x86-64 glibc; the tid lies well inside
 * the first 2 KiB (0x2d0 on glibc 2.36). */
#define SCAN_BYTES 2048

/* Not found in the threads there were (not glibc, or a thread between
 * its creation and its start): looked for again after 1, 2, 4 … fills,
 * at most this many apart. Fills with no thread to look at (Python
 * starting) do not count. */
#define MAX_RETRY_FILLS 1024

/* A thread's tid is read again this many fills after the last read: a
 * thread that ended and a new one that got both its thread state's
 * address and its struct pthread between two fills has another tid. */
#define RECHECK_FILLS 512

enum {
  OFFSET_UNKNOWN = -1,   /* not found yet */
};

/* A thread seen: its state's address is the key. */
typedef struct {
  guint64 tstate;
  guint64 thread_id;
  gint32  tid;
  guint64 seen_in;       /* the last fill that saw it */
  guint64 read_in;       /* the fill that read its tid */
} Known;

struct _SpyThreadIds {
  SpyMemory  *memory;
  GPid        pid;
  gint64      offset;
  GHashTable *known;     /* &Known.tstate → Known */
  guint64     fills;
  guint64     retry_at;  /* the fill that looks for the offset again */
  guint64     retry_gap;
};

SpyThreadIds *
spy_thread_ids_new (SpyMemory *memory,
                    GPid       pid)
{
  SpyThreadIds *self = g_new0 (SpyThreadIds, 1);

  self->memory = spy_memory_ref (memory);
  self->pid = pid;
  self->offset = OFFSET_UNKNOWN;
  self->known = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  return self;
}

void
spy_thread_ids_free (SpyThreadIds *self)
{
  g_clear_pointer (&self->memory, spy_memory_unref);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_free (self);
}

static gboolean
read_tid (SpyThreadIds *self,
          guint64       pthread,
          gint64        offset,
          gint32       *tid)
{
  return spy_memory_read (self->memory, pthread + offset, tid, sizeof *tid, NULL);
}

static gboolean
is_our_task (SpyThreadIds *self,
             gint32        tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d", (int) self->pid, tid);

  return tid > 0 && g_file_test (path, G_FILE_TEST_IS_DIR);
}

/* A thread state made for a thread not started yet carries the id of the
 * thread that made it until the new thread runs (≤3.10), and no frame:
 * it has no tid of its own yet. */
static gboolean
not_started (GPtrArray            *stacks,
             const SpyThreadStack *stack)
{
  if (stack->frames != NULL && stack->frames->len > 0)
    return FALSE;
  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *other = g_ptr_array_index (stacks, i);

      if (other != stack && other->thread_id == stack->thread_id)
        return TRUE;
    }
  return FALSE;
}

/* An offset where @main holds the pid and every other thread one of the
 * process's other tasks. A thread state that shares @main's thread id is
 * one not started yet, or @main is: it says nothing. */
static gboolean
offset_fits (SpyThreadIds *self,
             GPtrArray    *stacks,
             guint         main,
             gint64        offset)
{
  const SpyThreadStack *main_stack = g_ptr_array_index (stacks, main);

  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      gint32 tid;

      if (i == main || stack->thread_id == 0 || stack->thread_id == main_stack->thread_id)
        continue;
      if (!read_tid (self, stack->thread_id, offset, &tid) || tid == self->pid || !is_our_task (self, tid))
        return FALSE;
    }
  return TRUE;
}

/* FALSE when no thread could be looked at: the interpreter has no thread
 * state yet, or not one that is filled in. */
static gboolean
find_offset (SpyThreadIds *self,
             GPtrArray    *stacks)
{
  gboolean looked = FALSE;

  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      guint8 buf[SCAN_BYTES];

      if (stack->thread_id == 0 || !spy_memory_read (self->memory, stack->thread_id, buf, sizeof buf, NULL))
        continue;
      looked = TRUE;
      for (gint64 offset = 0; offset + 4 <= SCAN_BYTES; offset += 4)
        {
          gint32 value;

          memcpy (&value, buf + offset, sizeof value);
          if (value == self->pid && offset_fits (self, stacks, i, offset))
            {
              self->offset = offset;
              return TRUE;
            }
        }
    }
  return looked;
}

/* Threads that were not seen in this fill are gone. */
static gboolean
not_seen (gpointer key,
          gpointer value,
          gpointer user_data)
{
  return ((Known *) value)->seen_in != *(guint64 *) user_data;
}

void
spy_thread_ids_fill (SpyThreadIds *self,
                     GPtrArray    *stacks)
{
  guint added = 0;

  g_return_if_fail (self != NULL && stacks != NULL);

  self->fills++;
  if (self->offset == OFFSET_UNKNOWN)
    {
      if (self->fills < self->retry_at)
        return;
      if (!find_offset (self, stacks))
        return;
      if (self->offset == OFFSET_UNKNOWN)
        {
          self->retry_gap = CLAMP (self->retry_gap * 2, 1, MAX_RETRY_FILLS);
          self->retry_at = self->fills + self->retry_gap;
          return;
        }
    }
  for (guint i = 0; i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      Known *known;
      gint32 tid;

      if (stack->native_id != 0 || stack->thread_id == 0 || not_started (stacks, stack))
        continue;
      /* A thread keeps its tid: read while its thread state lives, and
       * again now and then. */
      known = g_hash_table_lookup (self->known, &stack->tstate);
      if (known == NULL || known->thread_id != stack->thread_id ||
          self->fills - known->read_in >= RECHECK_FILLS)
        {
          if (!read_tid (self, stack->thread_id, self->offset, &tid) || !is_our_task (self, tid))
            {
              g_hash_table_remove (self->known, &stack->tstate);
              continue;
            }
          if (known == NULL || known->thread_id != stack->thread_id)
            {
              known = g_new (Known, 1);
              known->tstate = stack->tstate;
              known->thread_id = stack->thread_id;
              g_hash_table_replace (self->known, &known->tstate, known);
              added++;
            }
          known->tid = tid;
          known->read_in = self->fills;
        }
      known->seen_in = self->fills;
      stack->native_id = known->tid;
    }
  if (added > 0 || g_hash_table_size (self->known) > stacks->len)
    g_hash_table_foreach_remove (self->known, not_seen, &self->fills);
}
