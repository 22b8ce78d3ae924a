/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-picker.h: choose a running (Python) process, or a command to launch */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPY_TYPE_PROCESS_PICKER (spy_process_picker_get_type ())
G_DECLARE_FINAL_TYPE (SpyProcessPicker, spy_process_picker, SPY, PROCESS_PICKER, GtkWidget)

GtkWidget *spy_process_picker_new            (void);
/* Refreshes the list now (it also refreshes itself every 2 s while mapped). */
void       spy_process_picker_refresh        (SpyProcessPicker *self);
/* Selects @pid's row; FALSE when it is not listed. For tests. */
gboolean   spy_process_picker_select_pid     (SpyProcessPicker *self,
                                              GPid              pid);
/* The selected process, or 0. */
GPid       spy_process_picker_get_selected_pid (SpyProcessPicker *self);
/* How many scans of /proc the list has taken in so far. */
guint      spy_process_picker_get_n_scans    (SpyProcessPicker *self);
/* Whether recordings started from here take native frames (its switch,
 * also in the launch dialog; the "native" property). */
gboolean   spy_process_picker_get_native     (SpyProcessPicker *self);
/* Shows @message (e.g. why a process may not be read) in the picker. */
void       spy_process_picker_show_message   (SpyProcessPicker *self,
                                              const char       *message);

/* Signals:
 *   process-activated (int pid): double-click or Enter on a row
 *   command-activated (GStrv argv): "Launch command…" confirmed */

G_END_DECLS
