/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-native-merge.h: a thread's native and Python stacks as one */
#pragma once

#include "spy-native-module.h"
#include "spy-native-unwinder.h"
#include "spy-stack-walker.h"

G_BEGIN_DECLS

/* What a native frame is to the merge. */
typedef enum {
  SPY_NATIVE_FRAME_CODE,       /* shown: a library's, a module's, the interpreter's own work */
  SPY_NATIVE_FRAME_EVAL,       /* the eval loop: replaced by the Python frames it runs */
  SPY_NATIVE_FRAME_MACHINERY,  /* the interpreter's call machinery around it: hidden */
  SPY_NATIVE_FRAME_STARTUP,    /* process and thread start (main, start_thread): hidden
                                * outside the outermost Python frame */
  SPY_NATIVE_FRAME_UNNAMED,    /* the interpreter's own code without a symbol (a
                                * stripped build): hidden next to an eval frame,
                                * where it is the call machinery, else shown */
} SpyNativeFrameRole;

/* One frame of a merged stack: a Python frame, or a native one. */
typedef struct {
  const SpyFrame     *python;   /* NULL for a native frame */
  SpyNativeSymbol     native;
  guint64             pc;
  SpyNativeFrameRole  role;
  gboolean            cut;      /* the unwind stopped here: its code has no
                                 * unwind information */
} SpyMixedFrame;

/* @python_major: 2 names the eval loop PyEval_EvalFrameEx. @eval_start:
 * spy_native_modules_get_eval_start() of the symbol's module. */
SpyNativeFrameRole spy_native_frame_role (const SpyNativeSymbol *symbol,
                                          guint                  python_major,
                                          guint64                eval_start);

/* Names each of @pcs (SpyNativePc, innermost first) into
 * @natives (SpyMixedFrame; cleared first), with its role. */
void               spy_native_symbolize  (SpyNativeModules      *modules,
                                          guint                  python_major,
                                          GArray                *pcs,
                                          GArray                *natives);

/* Merges @python (SpyFrame, innermost first) and @natives (from
 * spy_native_symbolize) into @out (SpyMixedFrame, innermost first; cleared
 * first): each eval-loop frame replaced by the Python frames it runs
 * (SpyFrame.entry ends each group; the @idle_evals innermost eval frames,
 * SpyThreadStack.idle_evals, run none), the machinery hidden, and, outside the
 * outermost Python frame, the interpreter's and the C library's start-up.
 * FALSE (and @out empty) when the unwind stopped short of eval frames:
 * Python frames are left over, or it stopped in code that Python called
 * (whose callers, and so the pairing, are not known). */
gboolean           spy_native_merge      (GArray                *natives,
                                          GArray                *python,
                                          guint                  idle_evals,
                                          GArray                *out);

/* One sample with native frames: stops every thread, reads the Python
 * stacks (consistent: nothing runs), unwinds each thread, lets them go
 * and merges. A thread whose native stack could not be read keeps its
 * Python frames, with mixed NULL and the reason in native_error. */
GPtrArray         *spy_native_sample     (SpyNativeUnwinder     *unwinder,
                                          SpyStackWalker        *walker,
                                          GError               **error);

/* "deflate" for a named frame, else "libz.so.1+0x5a3c" (where its function
 * starts in the file, or the pc; "0x7f…" in no module): what a native
 * frame is called in profiles and dumps. */
char              *spy_mixed_frame_native_name (const SpyMixedFrame *frame);
/* The module's file name, or "" outside any. */
const char        *spy_mixed_frame_native_file (const SpyMixedFrame *frame);

G_END_DECLS
