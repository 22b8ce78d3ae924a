/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-list.h: the processes in /proc, which of them run Python, their CPU use */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPY_TYPE_PROCESS_INFO (spy_process_info_get_type ())
G_DECLARE_FINAL_TYPE (SpyProcessInfo, spy_process_info, SPY, PROCESS_INFO, GObject)

GPid        spy_process_info_get_pid            (SpyProcessInfo *self);
/* Clock ticks after boot when the process started: with the pid, it names
 * one process even after its pid is reused. */
guint64     spy_process_info_get_start_time     (SpyProcessInfo *self);
/* Arguments joined by spaces, or "[comm]" for kernel threads. Untrusted. */
const char *spy_process_info_get_command_line   (SpyProcessInfo *self);
/* The kernel's short name (comm). Untrusted. */
const char *spy_process_info_get_name           (SpyProcessInfo *self);
const char *spy_process_info_get_user           (SpyProcessInfo *self);
guint       spy_process_info_get_uid            (SpyProcessInfo *self);
/* "3.11", "3" when only the major version is known, NULL when not Python. */
const char *spy_process_info_get_python_version (SpyProcessInfo *self);
double      spy_process_info_get_cpu_percent    (SpyProcessInfo *self);
void        spy_process_info_set_cpu_percent    (SpyProcessInfo *self,
                                                 double          cpu_percent);
/* Whether we may read its memory (we could read /proc/PID/maps). */
gboolean    spy_process_info_get_readable       (SpyProcessInfo *self);
/* "PID:START_TIME", stable for the process's lifetime. */
char       *spy_process_info_dup_key            (SpyProcessInfo *self);

/* A scanner: remembers the previous scan for CPU % and caches what is slow to find. */
#define SPY_TYPE_PROCESS_LIST (spy_process_list_get_type ())
G_DECLARE_FINAL_TYPE (SpyProcessList, spy_process_list, SPY, PROCESS_LIST, GObject)

SpyProcessList *spy_process_list_new         (void);
/* Every process in /proc, as SpyProcessInfo; CPU % is over the time since
 * the previous scan (since the process started, on the first). */
GPtrArray      *spy_process_list_scan        (SpyProcessList       *self,
                                              GError              **error);
/* The same in a worker thread; one scan at a time per list. */
void            spy_process_list_scan_async  (SpyProcessList       *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GPtrArray      *spy_process_list_scan_finish (SpyProcessList       *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* CPU % of one core used over @elapsed_seconds by a process whose
 * utime+stime went from @ticks_before to @ticks_after. */
double          spy_process_cpu_percent      (guint64               ticks_before,
                                              guint64               ticks_after,
                                              double                elapsed_seconds,
                                              long                  ticks_per_second);

G_END_DECLS
