/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gui-test-util.h: helpers for GUI tests: waiting on the main loop,
 * screenshots, and real X input through xdotool */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs the main loop until @done says so or @seconds pass; @done's answer. */
gboolean   gui_test_wait_for        (gboolean (*done) (gpointer),
                                     gpointer   data,
                                     double     seconds);
/* Runs the main loop until @cond holds or @seconds pass; assert after it,
 * so that a failure shows the values. */
#define GUI_TEST_WAIT_UNTIL(cond, seconds)                                      \
  G_STMT_START {                                                              \
    gint64 gui_test_end_ = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    while (!(cond) && g_get_monotonic_time () < gui_test_end_)                \
      {                                                                       \
        g_main_context_iteration (NULL, FALSE);                               \
        g_usleep (1000);                                                      \
      }                                                                       \
  } G_STMT_END

/* Runs the main loop until @widget's window has drawn @n_frames more
 * frames: what was laid out before is on the screen. */
void       gui_test_wait_frames     (GtkWidget *widget,
                                     int        n_frames);
/* Runs the main loop for @seconds. */
void       gui_test_settle          (double     seconds);
/* Saves the top left @width × @height of the (Xvfb) screen as @name in
 * $SPY_SCREENSHOT_DIR, for people to look at; does nothing without it. */
void       gui_test_screenshot      (const char *name,
                                     int         width,
                                     int         height);
/* The first widget of @type in @widget's tree (depth first), or NULL. */
GtkWidget *gui_test_find_descendant (GtkWidget  *widget,
                                     GType       type);

/* Real input: xdotool sends X events (XTEST) as a keyboard and mouse would.
 * gui_test_have_xdotool() is FALSE where it, or an X11 display, is missing. */
gboolean   gui_test_have_xdotool    (void);
/* Dispatches the events the X server has sent for input made so far
 * (each of the functions below ends with it). */
void       gui_test_take_events     (void);
/* Gives @window the X input focus. */
void       gui_test_focus_window    (GtkWindow  *window);
/* Presses @keys, xdotool's names separated by spaces ("ctrl+f Down Return"),
 * one after another, and lets the main loop handle them. */
void       gui_test_keys            (const char *keys);
/* Types @text as key presses. */
void       gui_test_type            (const char *text);
/* Types @text (letters and digits) and presses @key (an xdotool key
 * name) 20 ms after it. */
void       gui_test_type_then_key   (const char *text,
                                     const char *key);
/* Clicks mouse @button (1 left, 3 right) at @x, @y in @widget's coordinates;
 * @count 2 is a double click. */
void       gui_test_click           (GtkWidget  *widget,
                                     double      x,
                                     double      y,
                                     int         button,
                                     int         count);
/* Clicks the middle of @widget @count times with the left button. */
void       gui_test_click_center    (GtkWidget  *widget,
                                     int         count);
/* The first shown widget of @type under @widget whose string @property is
 * @value (a label's "label", a button's "label", a model button's "text"). */
GtkWidget *gui_test_find            (GtkWidget  *widget,
                                     GType       type,
                                     const char *property,
                                     const char *value);
/* The first shown toplevel window of @type (a dialog), or NULL. */
GtkWidget *gui_test_find_toplevel   (GType       type);
/* The widget that has the keyboard focus in @widget's window. */
GtkWidget *gui_test_focus           (GtkWidget  *widget);

G_END_DECLS
