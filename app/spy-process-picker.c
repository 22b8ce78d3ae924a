/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-picker.c: STUB until the real picker lands (being written) */
#include "config.h"
#include "spy-process-picker.h"
struct _SpyProcessPicker { GtkWidget parent_instance; };
G_DEFINE_FINAL_TYPE (SpyProcessPicker, spy_process_picker, GTK_TYPE_WIDGET)
static void spy_process_picker_class_init (SpyProcessPickerClass *klass)
{
  g_signal_new ("process-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  g_signal_new ("command-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
}
static void spy_process_picker_init (SpyProcessPicker *self) {}
GtkWidget *spy_process_picker_new (void) { return g_object_new (SPY_TYPE_PROCESS_PICKER, NULL); }
void spy_process_picker_refresh (SpyProcessPicker *self) {}
gboolean spy_process_picker_select_pid (SpyProcessPicker *self, GPid pid) { return FALSE; }
GPid spy_process_picker_get_selected_pid (SpyProcessPicker *self) { return 0; }
void spy_process_picker_show_message (SpyProcessPicker *self, const char *message) {}
