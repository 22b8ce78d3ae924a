/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-target.h: a Python process we read from outside */
#pragma once

#include <gio/gio.h>

#include "spy-memory.h"
#include "spy-python-layout.h"
#include "spy-pyrepr.h"

#include "spy-spawn.h"

G_BEGIN_DECLS

#define SPY_TARGET_ERROR (spy_target_error_quark ())

typedef enum {
  SPY_TARGET_ERROR_NO_SUCH_PROCESS,
  SPY_TARGET_ERROR_NOT_PYTHON,
  SPY_TARGET_ERROR_UNSUPPORTED_VERSION,
  SPY_TARGET_ERROR_PERMISSION,
  SPY_TARGET_ERROR_EXITED,
  SPY_TARGET_ERROR_FAILED,
} SpyTargetError;

#define SPY_TYPE_TARGET (spy_target_get_type ())
G_DECLARE_FINAL_TYPE (SpyTarget, spy_target, SPY, TARGET, GObject)

GQuark                 spy_target_error_quark          (void);
SpyTarget             *spy_target_open                 (GPid        pid,
                                                        GError    **error);
GPid                   spy_target_get_pid              (SpyTarget  *self);
const char            *spy_target_get_executable       (SpyTarget  *self);
/* The file that holds _PyRuntime: libpython*.so or the executable. */
const char            *spy_target_get_python_path      (SpyTarget  *self);
const char            *spy_target_get_cmdline          (SpyTarget  *self);
/* "3.11.7" */
const char            *spy_target_get_version          (SpyTarget  *self);
guint                  spy_target_get_version_hex      (SpyTarget  *self);
guint64                spy_target_get_runtime_address  (SpyTarget  *self);
/* &PyCode_Type in the target, or 0 when unknown. */
guint64                spy_target_get_code_type_address (SpyTarget *self);
/* 3.12: where the count that numbers new code objects is (3.13+ has it in
 * the layout); 0 when unknown (a stripped interpreter) or another version. */
guint64                spy_target_get_code_versions_address (SpyTarget *self);
/* Where a pointer to the GIL holder's thread state is kept, for versions
 * without a GIL struct in the layout (3.6); 0 otherwise. */
guint64                spy_target_get_gil_holder_address (SpyTarget *self);
/* The built-in types and singletons, by address, for reprs. */
const SpyBuiltins     *spy_target_get_builtins         (SpyTarget  *self);
SpyMemory             *spy_target_get_memory           (SpyTarget  *self);
const SpyPythonLayout *spy_target_get_layout           (SpyTarget  *self);
/* TRUE when @tid is on a CPU or runnable ('R' in /proc/PID/task/TID/stat). */
gboolean               spy_target_thread_is_running    (SpyTarget  *self,
                                                        gint64      tid);
/* Before stopping threads (--native): from here to the next freeze, or a
 * thaw, spy_target_thread_is_running() answers from a note: TRUE for the
 * threads spy_target_freeze_thread_state() found running, each just before
 * it stopped one; FALSE for any other. */
void                   spy_target_freeze_thread_states (SpyTarget  *self);
void                   spy_target_freeze_thread_state  (SpyTarget  *self,
                                                        gint64      tid);
void                   spy_target_thaw_thread_states   (SpyTarget  *self);
/* For a sampler that asks once per sample, at @now_ns (CLOCK_MONOTONIC):
 * TRUE when @tid is runnable now ('R') and has not been counted running for
 * more time than it ran on a CPU (/proc/PID/task/TID/schedstat), give or
 * take the kernel's ticks: a waiter woken every few ms, runnable at many
 * samples, counts for the little CPU it uses, and a counted sample always
 * shows the stack the thread runs. The first call says what 'R' says. */
gboolean               spy_target_thread_ran           (SpyTarget  *self,
                                                        gint64      tid,
                                                        gint64      now_ns);
/* Where a thread's CPU time stood at one look (schedstat): see
 * spy_target_thread_rested(). */
typedef struct {
  guint64 run_ns;   /* on a CPU */
  guint64 pcount;   /* times put on one */
} SpyRunMark;

/* Before reading @tid's stack: looks at its CPU time (@mark: where it
 * stands now, all 0 when it cannot be read), and TRUE when the last
 * spy_target_thread_ran() found it waiting and it has not been on a CPU
 * since. A stack read after a look with the same @mark is then the stack
 * it has now (it may yet count as running: woken, with CPU time not yet
 * counted, and waiting for a CPU). The one spy_target_thread_ran() that
 * follows, for the same sample, uses this look rather than taking
 * another. */
gboolean               spy_target_thread_rested        (SpyTarget  *self,
                                                        gint64      tid,
                                                        SpyRunMark *mark);
/* The same, for a caller that knows whether @tid was runnable (it looked
 * before stopping the whole process: --blocking). */
gboolean               spy_target_thread_ran_known     (SpyTarget  *self,
                                                        gint64      tid,
                                                        gint64      now_ns,
                                                        gboolean    runnable);
/* For a single look: each thread's CPU time now (tid → guint64 ns, from
 * schedstat), and then whether @tid is runnable and ran on a CPU since
 * @then. A thread runnable all that time without a CPU did not run. */
GHashTable            *spy_target_read_cpu_times       (SpyTarget  *self);
gboolean               spy_target_thread_ran_since     (SpyTarget  *self,
                                                        gint64      tid,
                                                        GHashTable *then);
gboolean               spy_target_is_alive             (SpyTarget  *self);
/* Maps a memory error to a target error with the same message. */
void                   spy_target_propagate_error      (SpyTarget  *self,
                                                        GError    **dest,
                                                        GError     *src);

/* @filename relative to the sys.path-like root it lies under, or its
 * program's working directory; unchanged when none applies. */
char                  *spy_target_shorten_filename     (SpyTarget  *self,
                                                        const char *filename);

/* The command line of @pid, arguments joined by spaces, valid UTF-8; ""
 * when it cannot be read. */
char                  *spy_process_read_cmdline        (GPid        pid);

/* "123" → 123; FALSE for anything but a positive pid in decimal digits. */
gboolean               spy_parse_pid                   (const char *text,
                                                        GPid       *pid);

/* Parses "3.X" out of an interpreter file name ("libpython3.11.so.1.0"). */
gboolean               spy_python_version_from_name    (const char *path,
                                                        guint      *major,
                                                        guint      *minor);

G_END_DECLS
