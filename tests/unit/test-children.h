/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-children.h: child processes for tests that die with the test and keep quiet */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Starts @argv; it is killed when the test dies and writes nothing to the
 * test's output (a failed test must not leave children holding meson's
 * pipes open). */
GPid test_child_spawn (const char * const *argv);
/* Kills and reaps @pid. */
void test_child_reap  (GPid                pid);

G_END_DECLS
