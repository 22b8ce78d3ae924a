/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-recovery.h: unsaved recordings kept on disk, so that a killed app
 * loses at most the last few seconds */
#pragma once

#include <gio/gio.h>

#include "spy-profile.h"

G_BEGIN_DECLS

#define SPY_RECOVERY_ERROR (spy_recovery_error_quark ())

typedef enum {
  SPY_RECOVERY_ERROR_TOO_LARGE,   /* over the size the recovery folder may use */
} SpyRecoveryError;

/* Recovery files older than this are deleted. */
#define SPY_RECOVERY_MAX_AGE (7 * G_TIME_SPAN_DAY)

/* One unsaved recording's file in the recovery folder. */
typedef struct _SpyRecovery SpyRecovery;

#define SPY_TYPE_RECOVERY (spy_recovery_get_type ())

GType        spy_recovery_get_type     (void) G_GNUC_CONST;
GQuark       spy_recovery_error_quark  (void);

/* $XDG_CACHE_HOME/spyglass/recovery */
char        *spy_recovery_get_dir      (void);

/* A new file of ours in the recovery folder (written on the first write);
 * the folder, its own file included, never holds more than @max_bytes. */
SpyRecovery *spy_recovery_new          (guint64       max_bytes);
SpyRecovery *spy_recovery_ref          (SpyRecovery  *self);
void         spy_recovery_unref        (SpyRecovery  *self);
const char  *spy_recovery_get_path     (SpyRecovery  *self);

/* Writes @profile now (atomically: the file is the old one or the new one,
 * never half). A file over the limit is deleted, with an error. */
gboolean     spy_recovery_write        (SpyRecovery  *self,
                                        SpyProfile   *profile,
                                        GError      **error);
/* The same on a thread, from a copy of @profile taken now. Of two writes,
 * the later one's profile stays, whichever finishes first. */
void         spy_recovery_write_async  (SpyRecovery         *self,
                                        SpyProfile          *profile,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean     spy_recovery_write_finish (GAsyncResult        *result,
                                        GError             **error);
/* Deletes the file (the recording was saved, or thrown away); writes
 * after this do nothing. */
void         spy_recovery_discard      (SpyRecovery  *self);

/* The recordings that Spyglass instances which are gone left behind, as
 * paths, newest first. Deletes on the way what is older than a week, the
 * halves of interrupted writes, and the oldest files beyond @max_bytes. */
GPtrArray   *spy_recovery_find_left    (guint64       max_bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyRecovery, spy_recovery_unref)

G_END_DECLS
