/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-thread-ids.c: kernel thread ids for thread states that keep none (≤3.10) */

#include "config.h"

#include <string.h>

#include "spy-stack-walker.h"
#include "spy-thread-ids.h"

/* struct pthread is about 2.3 KiB on x86-64 glibc; the tid lies well inside
 * the first 2 KiB (0x2d0 on glibc 2.36). */
#define SCAN_BYTES 2048

enum {
  OFFSET_UNKNOWN = -1,   /* not looked for yet */
  OFFSET_NONE = -2,      /* looked for, not found: not glibc, or not readable */
};

/* A thread seen: its state's address is the key. */
typedef struct {
  guint64 tstate;
  guint64 thread_id;
  gint32  tid;
  guint64 seen_in;       /* the last fill that saw it */
} Known;

struct _SpyThreadIds {
  SpyMemory  *memory;
  GPid        pid;
  gint64      offset;
  GHashTable *known;     /* &Known.tstate → Known */
  guint64     fills;
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

/* An offset where @main holds the pid and every other thread one of the
 * process's other tasks. */
static gboolean
offset_fits (SpyThreadIds *self,
             GPtrArray    *stacks,
             guint         main,
             gint64        offset)
{
  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      gint32 tid;

      if (i == main || stack->thread_id == 0)
        continue;
      if (!read_tid (self, stack->thread_id, offset, &tid) || tid == self->pid || !is_our_task (self, tid))
        return FALSE;
    }
  return TRUE;
}

static void
find_offset (SpyThreadIds *self,
             GPtrArray    *stacks)
{
  self->offset = OFFSET_NONE;
  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      guint8 buf[SCAN_BYTES];

      if (stack->thread_id == 0 || !spy_memory_read (self->memory, stack->thread_id, buf, sizeof buf, NULL))
        continue;
      for (gint64 offset = 0; offset + 4 <= SCAN_BYTES; offset += 4)
        {
          gint32 value;

          memcpy (&value, buf + offset, sizeof value);
          if (value == self->pid && offset_fits (self, stacks, i, offset))
            {
              self->offset = offset;
              return;
            }
        }
    }
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

  if (self->offset == OFFSET_UNKNOWN)
    find_offset (self, stacks);
  if (self->offset < 0)
    return;
  self->fills++;
  for (guint i = 0; i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      Known *known;
      gint32 tid;

      if (stack->native_id != 0 || stack->thread_id == 0)
        continue;
      /* A thread keeps its tid: read once while its thread state lives. */
      known = g_hash_table_lookup (self->known, &stack->tstate);
      if (known == NULL || known->thread_id != stack->thread_id)
        {
          if (!read_tid (self, stack->thread_id, self->offset, &tid) || !is_our_task (self, tid))
            continue;
          known = g_new (Known, 1);
          known->tstate = stack->tstate;
          known->thread_id = stack->thread_id;
          known->tid = tid;
          g_hash_table_replace (self->known, &known->tstate, known);
          added++;
        }
      known->seen_in = self->fills;
      stack->native_id = known->tid;
    }
  if (added > 0 || g_hash_table_size (self->known) > stacks->len)
    g_hash_table_foreach_remove (self->known, not_seen, &self->fills);
}
