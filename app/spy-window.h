/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-window.h: a window: pick a process or open a file, then its profile */
#pragma once

#include <gtk/gtk.h>

#include "spy-profile-view.h"
#include "spy-process-picker.h"

G_BEGIN_DECLS

#define SPY_TYPE_WINDOW (spy_window_get_type ())
G_DECLARE_FINAL_TYPE (SpyWindow, spy_window, SPY, WINDOW, GtkApplicationWindow)

SpyWindow        *spy_window_new                (GtkApplication *application);
/* Loads @file and shows it; errors are shown in the window (and returned). */
gboolean          spy_window_open_file          (SpyWindow      *self,
                                                 GFile          *file,
                                                 GError        **error);
/* Starts recording @pid; errors are shown in the window (and returned). */
gboolean          spy_window_record_pid         (SpyWindow      *self,
                                                 GPid            pid,
                                                 GError        **error);
/* Starts @argv under the profiler and records it. */
gboolean          spy_window_launch             (SpyWindow      *self,
                                                 const char * const *argv,
                                                 GError        **error);
void              spy_window_stop               (SpyWindow      *self);
/* Saves the profile as .spyprof at @file. */
gboolean          spy_window_save_to            (SpyWindow      *self,
                                                 GFile          *file,
                                                 GError        **error);
SpyProfileView   *spy_window_get_profile_view   (SpyWindow      *self);
SpyProcessPicker *spy_window_get_picker         (SpyWindow      *self);
/* The message shown in the error banner, or NULL. */
const char       *spy_window_get_error_message  (SpyWindow      *self);
/* TRUE when the profile has changes that were not saved. */
gboolean          spy_window_get_unsaved        (SpyWindow      *self);

/* Quitting on a signal: stops recording and writes an unsaved recording
 * to its recovery file, which then outlives the window for the next start
 * to offer. */
void              spy_window_quit_now           (SpyWindow      *self);
/* Offers, in a banner, the recordings that Spyglass instances which ended
 * (killed, say) did not save: open or discard, one after another. */
void              spy_window_offer_recovery     (SpyWindow      *self);
gboolean          spy_window_get_offering_recovery (SpyWindow   *self);
/* The file holding this window's unsaved recording, or NULL. */
const char       *spy_window_get_recovery_path  (SpyWindow      *self);

G_END_DECLS
