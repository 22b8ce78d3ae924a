/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-stack-walker.h: interpreter → threads → frames → (function, file, line) */
#pragma once

#include <glib-object.h>

#include "spy-linetable.h"
#include "spy-memory.h"
#include "spy-python-layout.h"
#include "spy-target.h"

G_BEGIN_DECLS

/* Frames deeper than this end the walk with an error (cycle or garbage). */
#define SPY_MAX_STACK_DEPTH 8192

#define SPY_STACK_WALKER_ERROR (spy_stack_walker_error_quark ())

typedef enum {
  SPY_STACK_WALKER_ERROR_GARBAGE,  /* inconsistent memory: torn or corrupt */
  SPY_STACK_WALKER_ERROR_CYCLE,    /* a chain that loops or never ends */
  SPY_STACK_WALKER_ERROR_TORN,     /* a stack changed while it was read */
} SpyStackWalkerError;

/* A code object, decoded once and cached by address. */
#define SPY_CODE_NAME_HEAD 56

typedef struct _SpyCode {
  guint64       addr;
  char         *function;     /* co_qualname on 3.11+, co_name before */
  char         *name;         /* co_name */
  char         *filename;     /* co_filename */
  int           firstlineno;  /* co_firstlineno */
  SpyLineTable *lines;
  /* What identifies the code object at addr, re-read to catch a freed code
   * object whose address now holds another one. */
  guint8        identity[256];
  /* ≤3.11, which numbers no code objects: the bytes of its name's string
   * object after the reference count, as read. A name pointer may be the
   * same for another code object at the same address (its name made where
   * an older name was freed); the string there then says another name. */
  guint8        name_head[SPY_CODE_NAME_HEAD];
  gboolean      has_name_head;
  guint64       checked_in;   /* the sample that last confirmed it */
  /* 3.12+: the count of code objects made (at versions_addr) when it was
   * last confirmed; while that count stands, none has been made since, so
   * none can have taken its place. versions_addr 0: not known. */
  guint64       versions_addr;
  guint32       versions;
  guint64       pending_addr;  /* the same, for the confirmation under way */
  guint32       pending;
} SpyCode;

typedef struct {
  const SpyCode *code;
  int            line;
  guint64        addr;   /* the frame in the target, for reading its locals */
  /* The outermost frame that its C call of the eval loop runs: where the
   * native stack has an evaluation frame (every frame before 3.11; from
   * 3.11 the loop runs Python-to-Python calls without C recursion). */
  gboolean       entry;
} SpyFrame;

typedef struct {
  guint64   thread_id;   /* threading.get_ident() */
  gint64    native_id;   /* the OS thread id, 0 when unknown */
  char     *name;        /* threading's name for it, or NULL */
  gboolean  active;      /* on a CPU (or runnable) */
  gboolean  gil;         /* holds the GIL */
  guint64   tstate;      /* address of its PyThreadState */
  GArray   *frames;      /* SpyFrame, innermost first */
  /* 3.12+: entry frames before the innermost Python frame: C calls of the
   * eval loop entering or leaving it, which run no Python frame. */
  guint     idle_evals;
  /* --native (spy_native_sample): SpyMixedFrame, innermost first; NULL
   * without it, or with the reason in native_error. */
  GArray   *mixed;
  char     *native_error;
} SpyThreadStack;

#define SPY_TYPE_STACK_WALKER (spy_stack_walker_get_type ())
G_DECLARE_FINAL_TYPE (SpyStackWalker, spy_stack_walker, SPY, STACK_WALKER, GObject)

GQuark          spy_stack_walker_error_quark  (void);
/* A walker over any memory (a fake one in tests). @code_type is
 * &PyCode_Type in the target, or 0 to skip that check. */
SpyStackWalker *spy_stack_walker_new          (SpyMemory             *memory,
                                               const SpyPythonLayout *layout,
                                               guint64                runtime,
                                               guint64                code_type);
SpyStackWalker *spy_stack_walker_new_for_target (SpyTarget           *target);

/* For a layout without a GIL struct (3.6): where the pointer to the thread
 * state holding the GIL is (&_PyThreadState_Current). Set from the target
 * by spy_stack_walker_new_for_target(). */
void            spy_stack_walker_set_gil_holder_address (SpyStackWalker *self,
                                                         guint64         addr);
/* For a single look (a dump): notes each thread's CPU time, then waits
 * @window_us. The samples after it count a thread active when it holds
 * the GIL, or is runnable and used a CPU during that time (a thread queued
 * for a CPU all along did not run). A few kernel ticks are enough: the
 * kernel updates a running thread's time at each tick (4 ms at HZ=250). */
#define SPY_CPU_WINDOW_US 20000
void            spy_stack_walker_watch_cpu    (SpyStackWalker        *self,
                                               guint                  window_us);
/* With @skip, samples leave SpyThreadStack.active FALSE, for a caller that
 * tells running threads apart itself (the sampler: by CPU time). */
void            spy_stack_walker_set_skip_active (SpyStackWalker    *self,
                                                  gboolean           skip);
/* With @reuse (3.11+, a walker made for a target whose threads the caller
 * passes to spy_target_thread_ran() after every sample), a thread that the
 * target says has rested since the last sample (spy_target_thread_rested())
 * is not read again: it gets the frames it had then. */
void            spy_stack_walker_set_reuse_rested (SpyStackWalker   *self,
                                                   gboolean          reuse);
/* One snapshot of every thread: a GPtrArray of SpyThreadStack. Frames point
 * into the walker's code cache: valid until the next call or the walker's
 * end. All or nothing: an inconsistent read fails the whole sample. */
GPtrArray      *spy_stack_walker_sample       (SpyStackWalker        *self,
                                               GError               **error);
/* Fills in name and native_id from the threading module (slow: many reads;
 * call it when a new thread shows up, not every sample). */
gboolean        spy_stack_walker_read_thread_names (SpyStackWalker  *self,
                                                    GPtrArray       *stacks,
                                                    GError         **error);

/* One argument or local variable of a frame, as dump --locals shows it. */
typedef struct {
  char     *name;
  char     *repr;   /* see spy_pyrepr() */
  gboolean  arg;    /* an argument (positional, keyword-only, *args, **kw) */
} SpyLocal;

void            spy_local_free                (SpyLocal              *local);

/* The arguments and locals of @frame (from the last sample), read now, in
 * their order in the code object; unbound ones are left out. The values
 * are read while the thread runs: a frame that returned since gives an
 * error or other values. A GPtrArray of SpyLocal. */
GPtrArray      *spy_stack_walker_read_locals  (SpyStackWalker        *self,
                                               const SpyFrame        *frame,
                                               GError               **error);

/* Samples that were read again because a stack changed under the walker. */
guint64         spy_stack_walker_get_n_torn   (SpyStackWalker        *self);
/* Threads copied again on their own, their stack having moved under the
 * copy (3.11+), for benchmarks. */
guint64         spy_stack_walker_get_n_thread_rereads (SpyStackWalker *self);
/* Thread-stacks given from the last sample, their thread having rested. */
guint64         spy_stack_walker_get_n_rested (SpyStackWalker *self);

/* Changes whenever cached SpyCode pointers were freed: callers that keep
 * their own maps keyed by SpyCode must drop them. */
guint           spy_stack_walker_get_generation (SpyStackWalker      *self);
SpyTarget      *spy_stack_walker_get_target   (SpyStackWalker        *self);

void            spy_thread_stack_free         (SpyThreadStack        *stack);

G_END_DECLS
