/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-stack-check.c: telling a stack read while it moved from a real one */

#include "config.h"

#include <string.h>

#include "spy-stack-check.h"

/* One frame of a chain as walked: where it is, and how many SpyFrames the
 * stack held before it (what stays if the thread returned to it). */
typedef struct {
  guint64 addr;
  guint   n_frames;
} Link;

typedef struct {
  GArray  *frames;       /* SpyFrame, the stack being filled */
  guint64  top_addr;     /* where its innermost-frame pointer is; 0: settled */
  guint64  top;          /* that pointer, as read */
  guint    first_link;   /* in links */
  guint    n_links;
  guint    first_bytes;  /* in bytes */
  guint    keep_from;    /* the link the thread is at now */
} Thread;

/* Bytes of a frame, at links[link], as read. */
typedef struct {
  guint64  addr;
  guint8   bytes[SPY_STACK_CHECK_MAX_BYTES];
  guint    len;
  gboolean refcount_first;
  guint    thread;
  guint    link;         /* relative to the thread's first link */
} Bytes;

/* One read of merge_pieces(). */
typedef struct {
  guint64 addr;
  gsize   len;
} Span;

struct _SpyStackCheck {
  GArray    *threads;    /* Thread */
  GArray    *links;      /* Link */
  GArray    *bytes;      /* Bytes */
  GArray    *ops;        /* SpyReadOp, reused */
  GByteArray *now;       /* what the re-read found, reused */
  GArray    *pieces;     /* SpyReadOp: each re-read on its own, reused */
  GArray    *merged;     /* Span: merge_pieces()' reads, reused */
  GByteArray *spans;     /* the pieces' bytes as read together, reused */
  guint      n_reads;
};

SpyStackCheck *
spy_stack_check_new (void)
{
  SpyStackCheck *self = g_new0 (SpyStackCheck, 1);

  self->threads = g_array_new (FALSE, FALSE, sizeof (Thread));
  self->links = g_array_new (FALSE, FALSE, sizeof (Link));
  self->bytes = g_array_new (FALSE, FALSE, sizeof (Bytes));
  self->ops = g_array_new (FALSE, FALSE, sizeof (SpyReadOp));
  self->now = g_byte_array_new ();
  self->pieces = g_array_new (FALSE, FALSE, sizeof (SpyReadOp));
  self->merged = g_array_new (FALSE, FALSE, sizeof (Span));
  self->spans = g_byte_array_new ();
  return self;
}

void
spy_stack_check_free (SpyStackCheck *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->threads);
  g_array_unref (self->links);
  g_array_unref (self->bytes);
  g_array_unref (self->ops);
  g_byte_array_unref (self->now);
  g_array_unref (self->pieces);
  g_array_unref (self->merged);
  g_byte_array_unref (self->spans);
  g_free (self);
}

void
spy_stack_check_reset (SpyStackCheck *self)
{
  g_array_set_size (self->threads, 0);
  g_array_set_size (self->links, 0);
  g_array_set_size (self->bytes, 0);
}

/* Pieces closer than this, within pages they touch anyway, are read as one:
 * the kernel pays for each piece of a batched read, about as much as for a
 * few hundred bytes copied. */
#define MERGE_GAP 1024
#define MERGE_SPAN 8192
#define PAGE_SHIFT 12

/* Appends to self->ops the reads that cover self->pieces, each piece merged
 * into the read before it when that stays within the pages the two touch
 * (a walk's frames are mostly neighbours in memory, in one direction or the
 * other). Returns how many. scatter_spans() then copies each piece's bytes
 * where it wants them. */
static guint
merge_pieces (SpyStackCheck *self)
{
  const SpyReadOp *pieces = (const SpyReadOp *) self->pieces->data;
  guint n = self->pieces->len, n_spans = 0;
  guint64 start = 0, end = 0;
  Span *spans;
  gsize at = 0;

  /* First the spans, then the reads into them. */
  g_array_set_size (self->merged, n + 1);
  spans = (Span *) self->merged->data;
  for (guint i = 0; i <= n; i++)
    {
      const SpyReadOp *piece = i < n ? &pieces[i] : NULL;

      if (piece != NULL && i > 0)
        {
          guint64 piece_end = piece->addr + piece->len;
          guint64 lo = MIN (start, piece->addr), hi = MAX (end, piece_end);
          guint64 gap_before = piece_end < start ? start - piece_end : 0;
          guint64 gap_after = piece->addr > end ? piece->addr - end : 0;

          if (hi - lo <= MERGE_SPAN && (hi - 1) >> PAGE_SHIFT <= (lo >> PAGE_SHIFT) + 1 &&
              gap_before <= MERGE_GAP && gap_after <= MERGE_GAP)
            {
              start = lo;
              end = hi;
              continue;
            }
        }
      if (i > 0)
        spans[n_spans++] = (Span) { start, end - start };
      if (piece != NULL)
        {
          start = piece->addr;
          end = piece->addr + piece->len;
        }
    }
  for (guint k = 0; k < n_spans; k++)
    at += spans[k].len;
  g_byte_array_set_size (self->spans, at + 1);
  at = 0;
  for (guint k = 0; k < n_spans; k++)
    {
      SpyReadOp op = { spans[k].addr, self->spans->data + at, spans[k].len };

      g_array_append_val (self->ops, op);
      at += spans[k].len;
    }
  return n_spans;
}

/* After merge_pieces()' reads: each piece's bytes to its own buffer. The
 * pieces are in the order of the spans, each within the current one or the
 * next. */
static void
scatter_spans (SpyStackCheck   *self,
               const SpyReadOp *ops,
               guint            n_ops)
{
  const SpyReadOp *pieces = (const SpyReadOp *) self->pieces->data;
  guint span = 0;

  for (guint i = 0; i < self->pieces->len; i++)
    {
      const SpyReadOp *piece = &pieces[i];

      if (piece->addr < ops[span].addr || piece->addr + piece->len > ops[span].addr + ops[span].len)
        span++;
      g_assert (span < n_ops && piece->addr >= ops[span].addr &&
                piece->addr + piece->len <= ops[span].addr + ops[span].len);
      memcpy (piece->buf, (guint8 *) ops[span].buf + (piece->addr - ops[span].addr), piece->len);
    }
}

static Thread *
current_thread (SpyStackCheck *self)
{
  g_assert (self->threads->len > 0);
  return &g_array_index (self->threads, Thread, self->threads->len - 1);
}

void
spy_stack_check_begin_thread (SpyStackCheck *self,
                              GArray        *frames,
                              guint64        top_addr,
                              guint64        top)
{
  Thread thread = { frames, top_addr, top, self->links->len, 0, self->bytes->len, 0 };

  g_array_append_val (self->threads, thread);
}

void
spy_stack_check_restart_thread (SpyStackCheck *self,
                                guint64        top)
{
  Thread *thread = current_thread (self);

  g_array_set_size (self->links, thread->first_link);
  g_array_set_size (self->bytes, thread->first_bytes);
  g_array_set_size (thread->frames, 0);
  thread->n_links = 0;
  thread->top = top;
}

void
spy_stack_check_drop_thread (SpyStackCheck *self)
{
  Thread *thread = current_thread (self);

  g_array_set_size (self->links, thread->first_link);
  g_array_set_size (self->bytes, thread->first_bytes);
  g_array_set_size (thread->frames, 0);
  g_array_set_size (self->threads, self->threads->len - 1);
}

void
spy_stack_check_add_link (SpyStackCheck *self,
                          guint64        frame)
{
  Thread *thread = current_thread (self);
  Link link = { frame, thread->frames->len };

  g_array_append_val (self->links, link);
  thread->n_links++;
}

void
spy_stack_check_add_bytes (SpyStackCheck *self,
                           guint64        addr,
                           const guint8  *bytes,
                           guint          len,
                           gboolean       refcount_first)
{
  Thread *thread = current_thread (self);
  Bytes b = { addr, { 0 }, len, refcount_first, self->threads->len - 1, 0 };

  g_assert (len <= sizeof b.bytes && (!refcount_first || len > 8) && thread->n_links > 0);
  b.link = thread->n_links - 1;
  memcpy (b.bytes, bytes, len);
  g_array_append_val (self->bytes, b);
}

/* Where in @thread's chain the innermost-frame pointer @top_now points:
 * 0 for the frame walked from, or a frame further out. FALSE if nowhere. */
static gboolean
find_top (SpyStackCheck *self,
          const Thread  *thread,
          guint64        top_now,
          guint         *position)
{
  if (top_now == thread->top)
    {
      *position = 0;
      return TRUE;
    }
  for (guint i = 0; i < thread->n_links; i++)
    if (g_array_index (self->links, Link, thread->first_link + i).addr == top_now)
      {
        *position = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
spy_stack_check_settle_thread (SpyStackCheck *self,
                               guint64        top_now)
{
  Thread *thread = current_thread (self);

  thread->top_addr = 0;
  return find_top (self, thread, top_now, &thread->keep_from);
}

gboolean
spy_stack_check_verify (SpyStackCheck   *self,
                        SpyMemory       *memory,
                        const SpyReadOp *extra_ops,
                        guint            n_extra,
                        gboolean        *read)
{
  guint n_tops = 0, n_merged;
  gsize size = 0;
  guint8 *now;

  /* Where each thread is now and the frames' bytes, neighbours read as one,
   * after the caller's own reads. */
  g_array_set_size (self->ops, 0);
  g_array_set_size (self->pieces, 0);
  if (n_extra > 0)
    g_array_append_vals (self->ops, extra_ops, n_extra);
  for (guint i = 0; i < self->threads->len; i++)
    n_tops += g_array_index (self->threads, Thread, i).top_addr != 0;
  size = n_tops * sizeof (guint64) + self->bytes->len * sizeof ((Bytes *) NULL)->bytes;
  g_byte_array_set_size (self->now, size + 1);
  now = self->now->data;
  for (guint i = 0, at = 0; i < self->threads->len; i++)
    {
      const Thread *thread = &g_array_index (self->threads, Thread, i);

      if (thread->top_addr != 0)
        {
          SpyReadOp piece = { thread->top_addr, now + at, sizeof (guint64) };

          g_array_append_val (self->pieces, piece);
          at += sizeof (guint64);
        }
    }
  for (guint i = 0; i < self->bytes->len; i++)
    {
      const Bytes *b = &g_array_index (self->bytes, Bytes, i);
      SpyReadOp piece = { b->addr, now + n_tops * sizeof (guint64) + i * sizeof b->bytes, b->len };

      g_array_append_val (self->pieces, piece);
    }
  n_merged = merge_pieces (self);
  self->n_reads += n_merged;

  *read = self->ops->len == 0 ||
          spy_memory_readv (memory, (const SpyReadOp *) self->ops->data, self->ops->len, NULL);
  /* A frame freed and unmapped since is a change too. */
  if (!*read)
    return FALSE;
  scatter_spans (self, (const SpyReadOp *) self->ops->data + n_extra, n_merged);

  for (guint i = 0, at = 0; i < self->threads->len; i++)
    {
      Thread *thread = &g_array_index (self->threads, Thread, i);
      guint64 top_now;

      if (thread->top_addr == 0)
        continue;
      memcpy (&top_now, now + at, sizeof top_now);
      at += sizeof (guint64);
      if (!find_top (self, thread, top_now, &thread->keep_from))
        return FALSE;
    }
  for (guint i = 0; i < self->bytes->len; i++)
    {
      const Bytes *b = &g_array_index (self->bytes, Bytes, i);
      const Thread *thread = &g_array_index (self->threads, Thread, b->thread);
      const guint8 *bytes_now = now + n_tops * sizeof (guint64) + i * sizeof b->bytes;
      guint skip = b->refcount_first ? sizeof (gint64) : 0;
      gint64 refcount;

      /* Frames the thread has left may be reused already: they are dropped. */
      if (b->link < thread->keep_from)
        continue;
      memcpy (&refcount, bytes_now, sizeof refcount);
      if ((b->refcount_first && refcount <= 0) ||
          memcmp (b->bytes + skip, bytes_now + skip, b->len - skip) != 0)
        return FALSE;
    }

  for (guint i = 0; i < self->threads->len; i++)
    {
      const Thread *thread = &g_array_index (self->threads, Thread, i);

      if (thread->keep_from > 0)
        {
          const Link *link = &g_array_index (self->links, Link, thread->first_link + thread->keep_from);

          g_array_remove_range (thread->frames, 0, link->n_frames);
        }
    }
  return TRUE;
}

guint
spy_stack_check_get_n_reads (SpyStackCheck *self)
{
  return self->n_reads;
}
