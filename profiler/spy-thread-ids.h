/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-thread-ids.h: kernel thread ids for thread states that keep none (≤3.10) */
#pragma once

#include <glib.h>

#include "spy-memory.h"

G_BEGIN_DECLS

/* Python before 3.11 keeps only the pthread_t in a thread state. On glibc
 * that is the address of the thread's struct pthread, which holds the
 * kernel tid at an offset fixed for each glibc build: found once, from the
 * main thread, whose tid is the pid. */
typedef struct _SpyThreadIds SpyThreadIds;

SpyThreadIds *spy_thread_ids_new  (SpyMemory    *memory,
                                   GPid          pid);
void          spy_thread_ids_free (SpyThreadIds *self);
/* Sets native_id on the SpyThreadStacks of @stacks that have none. */
void          spy_thread_ids_fill (SpyThreadIds *self,
                                   GPtrArray    *stacks);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyThreadIds, spy_thread_ids_free)

G_END_DECLS
