/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-application.h: the desktop app: windows, app actions, settings */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPY_TYPE_APPLICATION (spy_application_get_type ())
G_DECLARE_FINAL_TYPE (SpyApplication, spy_application, SPY, APPLICATION, GtkApplication)

SpyApplication *spy_application_new          (void);
/* On activation, start @argv under the profiler and record it (the demo). */
void            spy_application_set_launch (SpyApplication     *self,
                                            const char * const *argv);
/* The app's settings, or NULL when the schema is not installed. */
GSettings      *spy_application_get_settings (SpyApplication *self);

G_END_DECLS
