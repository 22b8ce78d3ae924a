/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-spawn.h: programs Spyglass starts for profiling, and how they end */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a started program gets after SIGINT, then after SIGTERM, before
 * SIGKILL: gone within twice this. */
#define SPY_SPAWN_GRACE_US (G_USEC_PER_SEC)

/* Starts @argv for profiling. The child never outlives us: the kernel
 * sends it SIGKILL when we die, however we die (PR_SET_PDEATHSIG, asked
 * from the calling thread, so call this from one that lives as long as
 * the process: the main thread). It gets the default disposition of the
 * signals we stop it with (SIGINT, SIGTERM, SIGQUIT) even when we were
 * started with them ignored (a shell's background job): Python ignores
 * SIGINT for good when it starts with it ignored. SIGHUP is left as it
 * is, for nohup. */
GSubprocess *spy_spawn_command    (const char * const  *argv,
                                   GError             **error);

/* Ends @child and reaps it: SIGINT, then SIGTERM, then SIGKILL, each after
 * SPY_SPAWN_GRACE_US; returns at once when it has already exited. Blocks. */
void         spy_spawn_end        (GSubprocess         *child);

/* The same without blocking: the steps run on the thread-default main
 * context; @callback when @child is gone. */
void         spy_spawn_end_async  (GSubprocess         *child,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean     spy_spawn_end_finish (GAsyncResult        *result,
                                   GError             **error);

G_END_DECLS
