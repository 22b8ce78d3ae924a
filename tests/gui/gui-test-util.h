/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gui-test-util.h: running the main loop in GUI tests until something happens */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs the main loop until @done says so or @seconds pass; @done's answer. */
gboolean gui_test_wait_for (gboolean (*done) (gpointer),
                            gpointer   data,
                            double     seconds);
/* Runs the main loop for @seconds. */
void     gui_test_settle   (double     seconds);

G_END_DECLS
