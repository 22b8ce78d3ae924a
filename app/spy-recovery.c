/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-recovery.c: unsaved recordings kept on disk, so that a killed app
 * loses at most the last few seconds */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "spy-format.h"
#include "spy-recovery.h"

struct _SpyRecovery {
  gatomicrefcount  ref_count;
  char            *path;
  guint64          max_bytes;
  /* Writes from the main thread and from tasks take turns; a write older
   * than the one on disk is skipped. */
  GMutex           lock;
  guint64          next_generation;
  guint64          written_generation;
  gboolean         discarded;
};

G_DEFINE_BOXED_TYPE (SpyRecovery, spy_recovery, spy_recovery_ref, spy_recovery_unref)
G_DEFINE_QUARK (spy-recovery-error-quark, spy_recovery_error)

char *
spy_recovery_get_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "spyglass", "recovery", NULL);
}

SpyRecovery *
spy_recovery_new (guint64 max_bytes)
{
  static guint serial;
  SpyRecovery *self = g_new0 (SpyRecovery, 1);
  g_autofree char *dir = spy_recovery_get_dir ();
  g_autofree char *name = NULL;

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  /* Our pid tells other instances that the file is in use while we live;
   * the time keeps a file that a dead process of the same pid left. */
  name = g_strdup_printf ("recording-%d-%" G_GINT64_FORMAT "-%u.spyprof", (int) getpid (),
                          g_get_real_time (), g_atomic_int_add (&serial, 1));
  self->path = g_build_filename (dir, name, NULL);
  self->max_bytes = max_bytes;
  self->next_generation = 1;
  return self;
}

SpyRecovery *
spy_recovery_ref (SpyRecovery *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
spy_recovery_unref (SpyRecovery *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self);
}

const char *
spy_recovery_get_path (SpyRecovery *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

/* Bytes the regular files of @dir use, leaving out @except. */
static guint64
folder_bytes (const char *dir,
              const char *except)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  guint64 total = 0;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_strcmp0 (path, except) != 0 && g_lstat (path, &st) == 0 && S_ISREG (st.st_mode))
        total += st.st_size;
    }
  return total;
}

/* Keeps the folder under its limit: a file that would take it over goes. */
static gboolean
check_size (SpyRecovery  *self,
            GError      **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  guint64 others = folder_bytes (dir, self->path);
  GStatBuf st;

  if (g_stat (self->path, &st) != 0 || others + st.st_size <= self->max_bytes)
    return TRUE;
  g_unlink (self->path);
  {
    g_autofree char *size = g_format_size (st.st_size);
    g_autofree char *limit = g_format_size (self->max_bytes);

    g_set_error (error, SPY_RECOVERY_ERROR, SPY_RECOVERY_ERROR_TOO_LARGE,
                 _("The recording (%s) does not fit in the recovery folder (at most %s), so it is not kept "
                   "in case Spyglass is killed: save it to keep it."), size, limit);
  }
  return FALSE;
}

static gboolean
write_generation (SpyRecovery  *self,
                  SpyProfile   *profile,
                  guint64       generation,
                  GError      **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (!self->discarded && generation > self->written_generation)
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int errsv = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                       _("Cannot make the recovery folder %s: %s"), dir, g_strerror (errsv));
          ok = FALSE;
        }
      else if ((ok = spy_profile_save (profile, self->path, SPY_FORMAT_SPYPROF, NULL, error)))
        {
          self->written_generation = generation;
          ok = check_size (self, error);
        }
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

static guint64
take_generation (SpyRecovery *self)
{
  guint64 generation;

  g_mutex_lock (&self->lock);
  generation = self->next_generation++;
  g_mutex_unlock (&self->lock);
  return generation;
}

gboolean
spy_recovery_write (SpyRecovery  *self,
                    SpyProfile   *profile,
                    GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (SPY_IS_PROFILE (profile), FALSE);

  return write_generation (self, profile, take_generation (self), error);
}

typedef struct {
  SpyRecovery *recovery;
  SpyProfile  *profile;
  guint64      generation;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_clear_pointer (&data->recovery, spy_recovery_unref);
  g_clear_object (&data->profile);
  g_free (data);
}

static void
write_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  WriteData *data = task_data;
  GError *error = NULL;

  if (write_generation (data->recovery, data->profile, data->generation, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
spy_recovery_write_async (SpyRecovery         *self,
                          SpyProfile          *profile,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteData *data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (SPY_IS_PROFILE (profile));

  task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, spy_recovery_write_async);
  data = g_new0 (WriteData, 1);
  data->recovery = spy_recovery_ref (self);
  /* The main thread goes on adding samples to @profile. */
  data->profile = spy_profile_copy (profile);
  data->generation = take_generation (self);
  g_task_set_task_data (task, data, (GDestroyNotify) write_data_free);
  g_task_run_in_thread (task, write_in_thread);
}

gboolean
spy_recovery_write_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
spy_recovery_discard (SpyRecovery *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->discarded = TRUE;
  g_unlink (self->path);
  g_mutex_unlock (&self->lock);
}

/* ---- what others left ------------------------------------------------ */

/* @pid is a Spyglass that runs now (this one included): its files are in
 * use. */
static gboolean
instance_alive (int pid)
{
  g_autofree char *comm_path = g_strdup_printf ("/proc/%d/comm", pid);
  g_autofree char *comm = NULL;

  if (pid == (int) getpid ())
    return TRUE;
  if (kill (pid, 0) != 0 && errno == ESRCH)
    return FALSE;
  if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
    return FALSE;
  return g_str_equal (g_strchomp (comm), "spyglass");
}

typedef struct {
  char    *path;
  gint64   mtime;
  guint64  size;
} LeftFile;

static void
left_file_clear (gpointer data)
{
  g_free (((LeftFile *) data)->path);
}

static int
newest_first (gconstpointer a,
              gconstpointer b)
{
  const LeftFile *fa = a, *fb = b;

  return fa->mtime < fb->mtime ? 1 : fa->mtime > fb->mtime ? -1 : g_strcmp0 (fa->path, fb->path);
}

/* The files of instances that are gone; deletes the stale ones. */
static GArray *
scan_left (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  GArray *found = g_array_new (FALSE, FALSE, sizeof (LeftFile));
  gint64 now = g_get_real_time ();
  const char *name;

  g_array_set_clear_func (found, left_file_clear);
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      LeftFile file = { 0 };
      GStatBuf st;
      int pid = 0;

      if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (sscanf (name, "recording-%d-", &pid) == 1 && instance_alive (pid))
        continue;
      /* Half of a write that was interrupted (g_file_set_contents' own
       * temporary file), or older than a week. */
      if (!g_str_has_suffix (name, ".spyprof") || now - (gint64) st.st_mtime * G_USEC_PER_SEC > SPY_RECOVERY_MAX_AGE)
        {
          g_unlink (path);
          continue;
        }
      file.path = g_steal_pointer (&path);
      file.mtime = (gint64) st.st_mtime;
      file.size = st.st_size;
      g_array_append_val (found, file);
    }
  g_array_sort (found, newest_first);
  return found;
}

GPtrArray *
spy_recovery_find_left (guint64 max_bytes)
{
  g_autofree char *dir = spy_recovery_get_dir ();
  g_autoptr(GArray) found = scan_left (dir);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  guint64 total = folder_bytes (dir, NULL);

  /* The oldest go first when the folder is over its limit. */
  for (guint i = found->len; i > 0 && total > max_bytes; i--)
    {
      LeftFile *file = &g_array_index (found, LeftFile, i - 1);

      g_unlink (file->path);
      total -= MIN (total, file->size);
      g_clear_pointer (&file->path, g_free);
    }
  for (guint i = 0; i < found->len; i++)
    {
      LeftFile *file = &g_array_index (found, LeftFile, i);

      if (file->path != NULL)
        g_ptr_array_add (paths, g_steal_pointer (&file->path));
    }
  return paths;
}
