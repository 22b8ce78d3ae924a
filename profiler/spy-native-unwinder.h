/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-native-unwinder.h: each thread's C stack, read while the thread is stopped */
#pragma once

#include <glib-object.h>

#include "spy-native-module.h"
#include "spy-target.h"

G_BEGIN_DECLS

/* Native frames deeper than this end the unwind (a loop or garbage). */
#define SPY_MAX_NATIVE_DEPTH 1024

/* One native frame as unwound. */
typedef struct {
  guint64 pc;         /* the return address (the pc, innermost) */
  guint64 function;   /* where its function starts, from the unwind
                       * tables (names code without symbols); 0: unknown */
} SpyNativePc;

#define SPY_NATIVE_ERROR (spy_native_error_quark ())

typedef enum {
  SPY_NATIVE_ERROR_PERMISSION,  /* no right to stop the threads */
  SPY_NATIVE_ERROR_TRACED,      /* another tracer (a debugger) holds them */
  SPY_NATIVE_ERROR_BUSY,        /* another reader in this process holds one */
  SPY_NATIVE_ERROR_GONE,        /* the process or thread has exited */
  SPY_NATIVE_ERROR_NOT_STOPPED, /* a thread did not stop in time */
  SPY_NATIVE_ERROR_FAILED,      /* the unwind failed */
} SpyNativeError;

#define SPY_TYPE_NATIVE_UNWINDER (spy_native_unwinder_get_type ())
G_DECLARE_FINAL_TYPE (SpyNativeUnwinder, spy_native_unwinder, SPY, NATIVE_UNWINDER, GObject)

GQuark             spy_native_error_quark          (void);
/* @interpreter_paths: see spy_native_modules_new(). */
SpyNativeUnwinder *spy_native_unwinder_new         (GPid                pid,
                                                    const char * const *interpreter_paths);
/* Stops every thread of the process: PTRACE_SEIZE and PTRACE_INTERRUPT,
 * so that a Spyglass killed while they are stopped leaves them running
 * (the kernel detaches a dead tracer's tracees). Threads that exited are
 * passed over, and so are those whose frames are known without: one that
 * has not run since its last unwind, one that ran no Python at the last
 * sample. Every call must be followed by spy_native_unwinder_resume(),
 * on the same thread (ptrace ties a tracee to the thread that seized it). */
gboolean           spy_native_unwinder_stop        (SpyNativeUnwinder  *self,
                                                    GError            **error);
/* The frames of @tid's stack, innermost (its pc) first, into @pcs
 * (SpyNativePc; cleared first), while it is stopped. A stack whose
 * unwind information runs out ends there: @pcs holds what was found. */
gboolean           spy_native_unwinder_unwind      (SpyNativeUnwinder  *self,
                                                    gint64              tid,
                                                    GArray             *pcs,
                                                    GError            **error);
/* Lets every stopped thread go on, with any signal that arrived meanwhile. */
void               spy_native_unwinder_resume      (SpyNativeUnwinder  *self);
/* For @target: its executable and libpython are the interpreter; each
 * stop notes in @target which of the threads it stops were running
 * (spy_target_freeze_thread_states()). */
SpyNativeUnwinder *spy_native_unwinder_new_for_target (SpyTarget       *target);
/* Stops @target's threads once and lets them go: FALSE, with the reason
 * a person can act on, when --native could not work. */
gboolean           spy_native_check_access         (SpyTarget          *target,
                                                    GError            **error);
SpyNativeModules  *spy_native_unwinder_get_modules (SpyNativeUnwinder  *self);
/* What the caller made of @tid's frames (an array of its own, given to
 * spy_native_unwinder_keep()) while they are the ones it was made of:
 * the thread was left resting at this stop. NULL otherwise. */
GArray            *spy_native_unwinder_get_kept    (SpyNativeUnwinder  *self,
                                                    gint64              tid);
/* Keeps a reference to @array with @tid's frames as they are now. */
void               spy_native_unwinder_keep        (SpyNativeUnwinder  *self,
                                                    gint64              tid,
                                                    GArray             *array);
/* Thread-stacks given without stopping the thread: it had not run since
 * its frames were read. */
guint64            spy_native_unwinder_get_n_rested (SpyNativeUnwinder *self);
/* Unwinds that ended early for want of unwind information. */
guint64            spy_native_unwinder_get_n_truncated (SpyNativeUnwinder *self);

G_END_DECLS
