/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-memory.h: read another process's memory (or a fake one, for tests) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SPY_MEMORY_ERROR (spy_memory_error_quark ())

typedef enum {
  SPY_MEMORY_ERROR_EXITED,      /* ESRCH: the process is gone */
  SPY_MEMORY_ERROR_PERMISSION,  /* EPERM/EACCES: no ptrace rights */
  SPY_MEMORY_ERROR_BAD_ADDRESS, /* EFAULT, or outside a fake's regions */
  SPY_MEMORY_ERROR_FAILED,
} SpyMemoryError;

typedef struct _SpyMemory SpyMemory;

/* One piece of a batched read. */
typedef struct {
  guint64  addr;
  gpointer buf;
  gsize    len;
} SpyReadOp;

GQuark     spy_memory_error_quark   (void);

SpyMemory *spy_memory_new_for_pid   (GPid          pid);
SpyMemory *spy_memory_new_fake      (void);
void       spy_memory_fake_add      (SpyMemory    *self,
                                     guint64       addr,
                                     gconstpointer data,
                                     gsize         len);
SpyMemory *spy_memory_ref           (SpyMemory    *self);
void       spy_memory_unref         (SpyMemory    *self);

GPid       spy_memory_get_pid       (SpyMemory    *self);
gboolean   spy_memory_read          (SpyMemory    *self,
                                     guint64       addr,
                                     gpointer      buf,
                                     gsize         len,
                                     GError      **error);
/* All @ops in one system call where the kernel allows. Fails as a whole. */
gboolean   spy_memory_readv         (SpyMemory       *self,
                                     const SpyReadOp *ops,
                                     guint            n_ops,
                                     GError         **error);
gboolean   spy_memory_read_ptr      (SpyMemory    *self,
                                     guint64       addr,
                                     guint64      *out,
                                     GError      **error);

/* A local copy of [addr, addr+len) that later reads are served from until
 * spy_memory_forget(): a 3.11+ data-stack chunk read in one call. */
void       spy_memory_remember      (SpyMemory    *self,
                                     guint64       addr,
                                     GBytes       *bytes);
void       spy_memory_forget        (SpyMemory    *self);
/* Small reads fetch and keep whole pages until spy_memory_forget(): frames,
 * code objects and strings that share a page cost one system call, and
 * what one sample sees of a page is from one instant. */
void       spy_memory_set_page_cache (SpyMemory   *self,
                                      gboolean     enabled);

/* A journal of one sample's reads, which the next sample fetches ahead,
 * all in one call: a sampler reads much the same places each time (the
 * interpreter, the thread states, frames, the GIL). Begin at the start of
 * a sample: fetches what the last journal noted, served to reads until
 * spy_memory_forget(), and starts a new journal, which end stops. Reads
 * are served from that one moment as they would be from the target a
 * moment later: checks that the target held still must read it again
 * after spy_memory_forget(), as without a journal. */
void       spy_memory_journal_begin (SpyMemory    *self);
void       spy_memory_journal_end   (SpyMemory    *self);
/* @ops from the target itself, now: no copy, no journal. For reads whose
 * point is the moment they are made (a pointer read before and after a
 * copy, to see that it held still). */
gboolean   spy_memory_readv_direct  (SpyMemory       *self,
                                     const SpyReadOp *ops,
                                     guint            n_ops,
                                     GError         **error);

/* How many system calls this reader has made (for benchmarks). */
guint64    spy_memory_get_n_syscalls (SpyMemory   *self);

/* TRUE when @pid has exited or is a zombie. */
gboolean   spy_process_is_gone        (GPid        pid);

/* A sentence or two a person can act on when @pid may not be read. */
char      *spy_memory_permission_help (GPid        pid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyMemory, spy_memory_unref)

G_END_DECLS
