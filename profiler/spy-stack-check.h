/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-stack-check.h: telling a stack read while it moved from a real one */
#pragma once

#include <glib.h>

#include "spy-memory.h"

G_BEGIN_DECLS

/* A walker reads a thread's frames one after the other while the thread
 * runs on. A thread that returns and calls again meanwhile leaves a chain
 * that mixes two moments: a caller from before under a callee from after,
 * or frames already freed. SpyStackCheck keeps what each stack was read
 * from (the thread's pointer to its innermost frame, each frame's link and
 * code, as read) and, once the sample is walked, compares it with the
 * target's memory read again in one call:
 *
 *  - every frame's link and code must be unchanged;
 *  - the innermost-frame pointer must still point to the frame walked
 *    from, or to a frame further out in the same chain: the thread
 *    returned to it. The stack is then kept from that frame outwards (it
 *    is the thread's stack at the time of the check), and the frames it
 *    left, which may already be reused, are dropped.
 *
 * A stack read from a snapshot (the pointer, the memory of its frames and
 * the pointer again, in one call) is settled at once instead. */
typedef struct _SpyStackCheck SpyStackCheck;

SpyStackCheck *spy_stack_check_new          (void);
void           spy_stack_check_free         (SpyStackCheck *self);
/* Forgets everything, for the next sample. */
void           spy_stack_check_reset        (SpyStackCheck *self);

/* The thread whose @frames (SpyFrame, innermost first, empty) are read
 * next, walked from @top, read from @top_addr (0: settled by a snapshot,
 * see below). */
void           spy_stack_check_begin_thread (SpyStackCheck *self,
                                             GArray        *frames,
                                             guint64        top_addr,
                                             guint64        top);
/* The thread's walk begins again, from @top: what it read so far (its
 * frames too) is forgotten. */
void           spy_stack_check_restart_thread (SpyStackCheck *self,
                                               guint64        top);
/* The thread begun last is forgotten, with what it read (its frames too):
 * it is read again from the start. */
void           spy_stack_check_drop_thread  (SpyStackCheck *self);
/* The walk reached the frame at @frame, with its SpyFrame (if any) to be
 * pushed next. */
void           spy_stack_check_add_link     (SpyStackCheck *self,
                                             guint64        frame);
/* @len (at most SPY_STACK_CHECK_MAX_BYTES) bytes at @addr of that frame,
 * as read: @bytes. With @refcount_first, the first 8 bytes are the frame's
 * reference count (≤3.10 frame objects): it must only stay above zero, as
 * a frame that is freed (and kept in a free list for reuse) drops to zero. */
#define SPY_STACK_CHECK_MAX_BYTES 48
void           spy_stack_check_add_bytes    (SpyStackCheck *self,
                                             guint64        addr,
                                             const guint8  *bytes,
                                             guint          len,
                                             gboolean       refcount_first);
/* Snapshot threads: the innermost-frame pointer read again right after the
 * frames were copied is @top_now. FALSE when the thread is at none of the
 * frames walked (it called further, or went elsewhere): read it again. */
gboolean       spy_stack_check_settle_thread (SpyStackCheck *self,
                                              guint64        top_now);

/* Reads everything again, in one call with @extra_ops (the caller's own
 * re-reads, done first; may be NULL when @n_extra is 0), and TRUE when
 * every stack holds: then the frames each thread left are dropped. @read
 * is set to whether the call succeeded, for the caller's @extra_ops. */
gboolean       spy_stack_check_verify       (SpyStackCheck   *self,
                                             SpyMemory       *memory,
                                             const SpyReadOp *extra_ops,
                                             guint            n_extra,
                                             gboolean        *read);

/* How many threads and bytes were checked, for benchmarks. */
guint          spy_stack_check_get_n_reads  (SpyStackCheck *self);

G_END_DECLS
