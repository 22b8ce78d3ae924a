/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-window.c: a window: pick a process or open a file, then its profile */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "spy-application.h"
#include "spy-format.h"
#include "spy-recovery.h"
#include "spy-target.h"
#include "spy-window.h"

/* Profiles listed under Open Recent. */
#define MAX_RECENT 8

/* How long a launched command may take to become Python. */
#define LAUNCH_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* Recovery without settings (an uninstalled schema): as their defaults. */
#define RECOVERY_INTERVAL_S 30
#define RECOVERY_MAX_MIB 512

struct _SpyWindow {
  GtkApplicationWindow  parent_instance;

  GtkButton            *record_button;
  GtkButton            *stop_button;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_label;
  GtkRevealer          *recovery_revealer;
  GtkLabel             *recovery_label;
  GtkStack             *stack;
  GMenu                *recent_menu;
  SpyProcessPicker     *picker;
  SpyProfileView       *profile_view;

  SpySampler           *sampler;
  GSubprocess          *child;        /* a command we launched */
  GFile                *file;         /* where the profile was loaded or saved */
  gboolean              unsaved;
  char                 *error_message;
  guint                 launch_source;
  gint64                launch_deadline;

  /* The unsaved recording's copy on disk, in case we are killed. */
  SpyRecovery          *recovery;
  guint                 recovery_source;
  guint                 recovery_samples;  /* at the last write */
  gboolean              recovery_warned;
  gboolean              keep_recovery;     /* quitting on a signal */
  GPtrArray            *recovery_offers;   /* paths others left */
};

G_DEFINE_FINAL_TYPE (SpyWindow, spy_window, GTK_TYPE_APPLICATION_WINDOW)

static void
show_error (SpyWindow  *self,
            const char *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  /* Messages may quote names from a target or a file: plain text. */
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
update_actions (SpyWindow *self)
{
  gboolean recording = self->sampler != NULL && spy_sampler_get_running (self->sampler);
  gboolean have_profile = spy_profile_view_get_profile (self->profile_view) != NULL;
  gboolean on_picker = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "picker") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), recording);
  gtk_widget_set_visible (GTK_WIDGET (self->record_button), !recording);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", recording);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", have_profile && !on_picker);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", have_profile && !on_picker);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", have_profile && !on_picker);
}

static void
update_title (SpyWindow *self)
{
  g_autofree char *title = NULL;

  if (self->file != NULL)
    {
      g_autofree char *name = g_file_get_basename (self->file);
      title = g_strdup_printf ("%s%s — Spyglass", self->unsaved ? "• " : "", name);
    }
  else if (spy_profile_view_get_profile (self->profile_view) != NULL)
    title = g_strdup_printf ("%s%s — Spyglass", self->unsaved ? "• " : "", _("Recording"));
  else
    title = g_strdup (_("Spyglass"));
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static GSettings *
window_settings (SpyWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return app ? spy_application_get_settings (SPY_APPLICATION (app)) : NULL;
}

/* ---- recovery: the unsaved recording on disk ---------------------------- */

static guint64
recovery_max_bytes (SpyWindow *self)
{
  GSettings *settings = window_settings (self);
  guint64 mib = settings ? g_settings_get_uint (settings, "recovery-max-size") : RECOVERY_MAX_MIB;

  return mib * 1024 * 1024;
}

static void
on_recovery_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SpyWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Said once per recording; nothing to say to a window that is gone. */
  if (!spy_recovery_write_finish (result, &error) && self->recovery != NULL && !self->recovery_warned)
    {
      self->recovery_warned = TRUE;
      show_error (self, error->message);
    }
}

/* Writes the recording to its recovery file when it has new samples. */
static void
write_recovery (SpyWindow *self)
{
  SpyProfile *profile = spy_profile_view_get_profile (self->profile_view);
  guint n = profile ? spy_profile_get_n_samples (profile) : 0;

  if (self->recovery == NULL || n == 0 || n == self->recovery_samples)
    return;
  self->recovery_samples = n;
  spy_recovery_write_async (self->recovery, profile, on_recovery_written, g_object_ref (self));
}

static gboolean
on_recovery_timer (gpointer data)
{
  write_recovery (data);
  return G_SOURCE_CONTINUE;
}

/* The recording is saved or thrown away: so is its recovery file. */
static void
end_recovery (SpyWindow *self)
{
  g_clear_handle_id (&self->recovery_source, g_source_remove);
  if (self->recovery != NULL)
    spy_recovery_discard (self->recovery);
  g_clear_pointer (&self->recovery, spy_recovery_unref);
}

/* A new unsaved recording: written every recovery-interval seconds while
 * it records, and once more when it stops. */
static void
begin_recovery (SpyWindow *self)
{
  GSettings *settings = window_settings (self);
  guint interval = settings ? g_settings_get_uint (settings, "recovery-interval") : RECOVERY_INTERVAL_S;

  end_recovery (self);
  self->recovery = spy_recovery_new (recovery_max_bytes (self));
  self->recovery_samples = 0;
  self->recovery_warned = FALSE;
  self->recovery_source = g_timeout_add_seconds (MAX (interval, 1), on_recovery_timer, self);
}

static void
on_child_ended (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GApplication) app = user_data;

  spy_spawn_end_finish (result, NULL);
  if (app != NULL)
    g_application_release (app);
}

/* SIGINT, then SIGTERM, then SIGKILL, without blocking; the app stays
 * until the command is gone (and if it quits first, the kernel kills the
 * command: spy_spawn_command). */
static void
end_child (SpyWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (app != NULL)
    g_application_hold (G_APPLICATION (app));
  spy_spawn_end_async (self->child, on_child_ended, app ? g_object_ref (app) : NULL);
}

void
spy_window_quit_now (SpyWindow *self)
{
  SpyProfile *profile;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SPY_IS_WINDOW (self));

  /* Written once, here, not again on a thread as the sampler stops. */
  self->keep_recovery = TRUE;
  g_clear_handle_id (&self->recovery_source, g_source_remove);
  spy_window_stop (self);
  /* What we started ends while we write. */
  if (self->child != NULL)
    end_child (self);
  g_clear_object (&self->child);
  profile = spy_profile_view_get_profile (self->profile_view);
  if (self->recovery == NULL || !self->unsaved || profile == NULL || spy_profile_get_n_samples (profile) == 0)
    return;
  if (spy_recovery_write (self->recovery, profile, &error))
    g_printerr ("spyglass: the unsaved recording (%u samples) is kept in %s; Spyglass offers it when it starts\n",
                spy_profile_get_n_samples (profile), spy_recovery_get_path (self->recovery));
  else
    g_printerr ("spyglass: the unsaved recording could not be kept: %s\n", error->message);
}

static void
show_page (SpyWindow  *self,
           const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
  /* The keyboard goes where the work is: typing a process name in the
   * picker, the arrow keys in the flamegraph. */
  if (g_strcmp0 (name, "picker") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->picker));
  else
    gtk_widget_grab_focus (GTK_WIDGET (spy_profile_view_get_flamegraph (self->profile_view)));
  update_actions (self);
  update_title (self);
}

static void
add_recent (GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);

  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}

/* Menu labels take _ as a mnemonic mark: a file name's own are doubled. */
static char *
escape_mnemonics (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

static int
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo **) a, *info_b = *(GtkRecentInfo **) b;

  return g_date_time_compare (gtk_recent_info_get_modified (info_b), gtk_recent_info_get_modified (info_a));
}

/* @menu lists the first MAX_RECENT of @ours already, in their order. */
static gboolean
recent_menu_shows (GMenu     *menu,
                   GPtrArray *ours)
{
  guint n = MIN (ours->len, MAX_RECENT);

  if (n == 0 || (guint) g_menu_model_get_n_items (G_MENU_MODEL (menu)) != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (G_MENU_MODEL (menu), i,
                                                                          G_MENU_ATTRIBUTE_TARGET,
                                                                          G_VARIANT_TYPE_STRING);

      if (target == NULL ||
          g_strcmp0 (g_variant_get_string (target, NULL), gtk_recent_info_get_uri (g_ptr_array_index (ours, i))) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Open Recent: the last profiles Spyglass opened or saved that still exist. */
static void
update_recent_menu (SpyWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) ours = g_ptr_array_new ();
  const char *app_name = g_get_application_name ();

  for (GList *l = items; l != NULL; l = l->next)
    if (app_name != NULL && gtk_recent_info_has_application (l->data, app_name) &&
        gtk_recent_info_is_local (l->data) && gtk_recent_info_exists (l->data))
      g_ptr_array_add (ours, l->data);
  g_ptr_array_sort (ours, compare_recent);
  /* The recent files change often without a change to ours: a menu built
   * again under an open popover moves its items under the pointer. */
  if (recent_menu_shows (self->recent_menu, ours))
    {
      g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
      return;
    }
  g_menu_remove_all (self->recent_menu);
  for (guint i = 0; i < MIN (ours->len, MAX_RECENT); i++)
    {
      GtkRecentInfo *info = g_ptr_array_index (ours, i);
      g_autofree char *label = escape_mnemonics (gtk_recent_info_get_display_name (info));
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->recent_menu, item);
    }
  if (ours->len == 0)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_("No Recent Profiles"), "win.no-recent");

      g_menu_append_item (self->recent_menu, item);
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

gboolean
spy_window_open_file (SpyWindow  *self,
                      GFile      *file,
                      GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SpyProfile) profile = NULL;
  g_autofree char *path = g_file_get_path (file);

  g_return_val_if_fail (SPY_IS_WINDOW (self), FALSE);

  if (path == NULL || !(profile = spy_profile_load (path, &local_error)))
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: %s"), name,
                                                  local_error ? local_error->message : _("not a local file"));

      show_error (self, message);
      g_set_error_literal (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_CORRUPT, message);
      return FALSE;
    }

  spy_window_stop (self);
  g_clear_object (&self->sampler);
  end_recovery (self);
  spy_profile_view_set_profile (self->profile_view, profile);
  g_set_object (&self->file, file);
  self->unsaved = FALSE;
  add_recent (file);
  show_error (self, NULL);
  show_page (self, "profile");
  return TRUE;
}

static void
on_sampler_running (SpySampler *sampler,
                    GParamSpec *pspec,
                    SpyWindow  *self)
{
  /* Stopped: the last samples go to the recovery file too. */
  if (!spy_sampler_get_running (sampler) && !self->keep_recovery)
    {
      g_clear_handle_id (&self->recovery_source, g_source_remove);
      write_recovery (self);
    }
  update_actions (self);
}

static void
on_target_exited (SpySampler *sampler,
                  SpyWindow  *self)
{
  g_autofree char *message = g_strdup_printf (_("Process %d exited; the recording has ended."),
                                              (int) spy_sampler_get_pid (sampler));

  show_error (self, message);
}

static void
on_sampler_error (SpySampler   *sampler,
                  const GError *error,
                  SpyWindow    *self)
{
  show_error (self, error->message);
}

static void
start_sampler (SpyWindow  *self,
               SpySampler *sampler)
{
  g_set_object (&self->sampler, sampler);
  g_signal_connect (sampler, "notify::running", G_CALLBACK (on_sampler_running), self);
  g_signal_connect (sampler, "target-exited", G_CALLBACK (on_target_exited), self);
  g_signal_connect (sampler, "error", G_CALLBACK (on_sampler_error), self);
  spy_profile_view_set_sampler (self->profile_view, sampler);
  g_clear_object (&self->file);
  self->unsaved = TRUE;
  begin_recovery (self);
  show_error (self, NULL);
  show_page (self, "profile");
}

/* ---- recovery: what a killed Spyglass left ------------------------------ */

/* The banner asks about the first recording left, or goes. */
static void
show_next_offer (SpyWindow *self)
{
  g_autofree char *text = NULL;
  g_autofree char *when = NULL;
  g_autoptr(GDateTime) time = NULL;
  GStatBuf st;
  const char *path;

  while (self->recovery_offers != NULL && self->recovery_offers->len > 0 &&
         g_stat (g_ptr_array_index (self->recovery_offers, 0), &st) != 0)
    g_ptr_array_remove_index (self->recovery_offers, 0);
  if (self->recovery_offers == NULL || self->recovery_offers->len == 0)
    {
      gtk_revealer_set_reveal_child (self->recovery_revealer, FALSE);
      return;
    }
  path = g_ptr_array_index (self->recovery_offers, 0);
  time = g_date_time_new_from_unix_local (st.st_mtime);
  when = g_date_time_format (time, "%x %X");
  if (self->recovery_offers->len == 1)
    text = g_strdup_printf (_("A recording was not saved before Spyglass ended (last written %s). "
                              "Open it to look at it and save it, or discard it."), when);
  else
    text = g_strdup_printf (ngettext ("A recording was not saved before Spyglass ended (last written %s); "
                                      "%u more is left after it. Open it to look at it and save it, or discard it.",
                                      "A recording was not saved before Spyglass ended (last written %s); "
                                      "%u more are left after it. Open it to look at it and save it, or discard it.",
                                      self->recovery_offers->len - 1),
                            when, self->recovery_offers->len - 1);
  g_debug ("offering %s", path);
  gtk_label_set_text (self->recovery_label, text);
  gtk_revealer_set_reveal_child (self->recovery_revealer, TRUE);
}

void
spy_window_offer_recovery (SpyWindow *self)
{
  g_return_if_fail (SPY_IS_WINDOW (self));

  g_clear_pointer (&self->recovery_offers, g_ptr_array_unref);
  self->recovery_offers = spy_recovery_find_left (recovery_max_bytes (self));
  show_next_offer (self);
}

gboolean
spy_window_get_offering_recovery (SpyWindow *self)
{
  g_return_val_if_fail (SPY_IS_WINDOW (self), FALSE);

  return gtk_revealer_get_reveal_child (self->recovery_revealer);
}

/* The window shows @profile as its own unsaved recording, with a recovery
 * file of its own, written now. */
static void
adopt_recording (SpyWindow  *self,
                 SpyProfile *profile)
{
  g_autoptr(GError) error = NULL;

  spy_window_stop (self);
  g_clear_object (&self->sampler);
  spy_profile_view_set_profile (self->profile_view, profile);
  g_clear_object (&self->file);
  self->unsaved = TRUE;
  begin_recovery (self);
  g_clear_handle_id (&self->recovery_source, g_source_remove);
  self->recovery_samples = spy_profile_get_n_samples (profile);
  if (!spy_recovery_write (self->recovery, profile, &error))
    show_error (self, error->message);
  else
    show_error (self, NULL);
  show_page (self, "profile");
}

static void
recovery_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SpyWindow *self = SPY_WINDOW (widget);
  g_autofree char *path = NULL;
  g_autoptr(SpyProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  if (self->recovery_offers == NULL || self->recovery_offers->len == 0)
    return;
  path = g_strdup (g_ptr_array_index (self->recovery_offers, 0));
  g_ptr_array_remove_index (self->recovery_offers, 0);
  if (g_str_equal (action_name, "win.recovery-open"))
    {
      if ((profile = spy_profile_load (path, &error)) != NULL)
        {
          GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
          SpyWindow *target = self;

          /* A window busy with a profile keeps it: the recording gets its own. */
          if (spy_profile_view_get_profile (self->profile_view) != NULL && app != NULL)
            {
              target = spy_window_new (app);
              gtk_window_present (GTK_WINDOW (target));
            }
          adopt_recording (target, profile);
        }
      else
        {
          g_autofree char *message = g_strdup_printf (_("The recording left behind cannot be opened: %s"),
                                                      error->message);
          show_error (self, message);
        }
    }
  /* Opened (and now kept under this window's own name), unreadable, or
   * discarded: the file left behind goes. */
  g_unlink (path);
  show_next_offer (self);
}

static SpySampler *
new_sampler (SpyWindow *self,
             GPid       pid)
{
  SpySampler *sampler = spy_sampler_new (pid);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GSettings *settings = app ? spy_application_get_settings (SPY_APPLICATION (app)) : NULL;

  if (settings != NULL)
    {
      spy_sampler_set_rate (sampler, g_settings_get_uint (settings, "sample-rate"));
      spy_sampler_set_idle (sampler, g_settings_get_boolean (settings, "record-idle"));
    }
  /* The picker's and the launch dialog's switch (bound to the setting). */
  spy_sampler_set_native (sampler, spy_process_picker_get_native (self->picker));
  return sampler;
}

gboolean
spy_window_record_pid (SpyWindow  *self,
                       GPid        pid,
                       GError    **error)
{
  g_autoptr(SpySampler) sampler = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SPY_IS_WINDOW (self), FALSE);

  spy_window_stop (self);
  sampler = new_sampler (self, pid);
  if (!spy_sampler_start (sampler, &local_error))
    {
      /* Say why in the window, where the person is looking. */
      show_error (self, local_error->message);
      spy_process_picker_show_message (self->picker, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  start_sampler (self, sampler);
  return TRUE;
}

static gboolean
try_launch_start (gpointer data)
{
  SpyWindow *self = data;
  g_autoptr(SpySampler) sampler = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (self->child), NULL, 10);

  sampler = new_sampler (self, pid);
  if (spy_sampler_start (sampler, &error))
    {
      self->launch_source = 0;
      start_sampler (self, sampler);
      return G_SOURCE_REMOVE;
    }
  /* A shell wrapper or a pyenv shim becomes Python a moment later. */
  if (g_error_matches (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON) &&
      !spy_process_is_gone (pid) && g_get_monotonic_time () < self->launch_deadline)
    return G_SOURCE_CONTINUE;

  self->launch_source = 0;
  show_error (self, error->message);
  return G_SOURCE_REMOVE;
}

gboolean
spy_window_launch (SpyWindow           *self,
                   const char * const  *argv,
                   GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SPY_IS_WINDOW (self), FALSE);

  spy_window_stop (self);
  g_clear_object (&self->child);
  self->child = spy_spawn_command (argv, &local_error);
  if (self->child == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not start %s: %s"), argv[0], local_error->message);

      show_error (self, message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->launch_deadline = g_get_monotonic_time () + LAUNCH_TIMEOUT_US;
  g_clear_handle_id (&self->launch_source, g_source_remove);
  if (try_launch_start (self) == G_SOURCE_CONTINUE)
    self->launch_source = g_timeout_add (20, try_launch_start, self);
  return TRUE;
}

void
spy_window_stop (SpyWindow *self)
{
  g_return_if_fail (SPY_IS_WINDOW (self));

  g_clear_handle_id (&self->launch_source, g_source_remove);
  if (self->sampler != NULL)
    spy_sampler_stop (self->sampler);
  update_actions (self);
}

static gboolean
save_profile (SpyWindow  *self,
              GFile      *file,
              SpyFormat   format,
              GError    **error)
{
  SpyProfile *profile = spy_profile_view_get_profile (self->profile_view);
  SpyExportOptions options = SPY_EXPORT_OPTIONS_INIT;
  g_autofree char *path = g_file_get_path (file);

  if (profile == NULL || path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no profile to save"));
      return FALSE;
    }
  return spy_profile_save (profile, path, format, &options, error);
}

gboolean
spy_window_save_to (SpyWindow  *self,
                    GFile      *file,
                    GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SPY_IS_WINDOW (self), FALSE);

  if (!save_profile (self, file, SPY_FORMAT_SPYPROF, &local_error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save: %s"), local_error->message);

      show_error (self, message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_set_object (&self->file, file);
  self->unsaved = FALSE;
  end_recovery (self);
  add_recent (file);
  update_title (self);
  return TRUE;
}

SpyProfileView *
spy_window_get_profile_view (SpyWindow *self)
{
  return self->profile_view;
}

SpyProcessPicker *
spy_window_get_picker (SpyWindow *self)
{
  return self->picker;
}

const char *
spy_window_get_error_message (SpyWindow *self)
{
  return gtk_revealer_get_reveal_child (self->error_revealer) ? self->error_message : NULL;
}

gboolean
spy_window_get_unsaved (SpyWindow *self)
{
  return self->unsaved;
}

const char *
spy_window_get_recovery_path (SpyWindow *self)
{
  g_return_val_if_fail (SPY_IS_WINDOW (self), NULL);

  return self->recovery ? spy_recovery_get_path (self->recovery) : NULL;
}

static void
on_process_activated (SpyWindow *self,
                      int        pid)
{
  spy_window_record_pid (self, pid, NULL);
}

static void
on_command_activated (SpyWindow  *self,
                      GStrv       argv)
{
  spy_window_launch (self, (const char * const *) argv, NULL);
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         SpyWindow     *self)
{
  if (!G_VALUE_HOLDS (value, G_TYPE_FILE))
    return FALSE;
  return spy_window_open_file (self, g_value_get_object (value), NULL);
}

static void
setup_drop_target (SpyWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);

  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

static void
remember_folder (SpyWindow *self,
                 GFile     *file)
{
  GSettings *settings = window_settings (self);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *path = parent ? g_file_get_path (parent) : NULL;

  if (settings != NULL && path != NULL)
    g_settings_set_string (settings, "last-folder", path);
}

static void
set_start_folder (SpyWindow      *self,
                  GtkFileChooser *chooser)
{
  GSettings *settings = window_settings (self);
  g_autofree char *folder = settings ? g_settings_get_string (settings, "last-folder") : NULL;

  if (folder != NULL && folder[0] != '\0')
    {
      g_autoptr(GFile) dir = g_file_new_for_path (folder);
      gtk_file_chooser_set_current_folder (chooser, dir, NULL);
    }
}

static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  SpyWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      remember_folder (self, file);
      spy_window_open_file (self, file, NULL);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpyWindow *self = SPY_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open a Profile"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Profiles (.spyprof, speedscope, collapsed stacks)"));
  gtk_file_filter_add_pattern (filter, "*.spyprof");
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_pattern (filter, "*.txt");
  gtk_file_filter_add_pattern (filter, "*.collapsed");
  gtk_file_filter_add_pattern (filter, "*.folded");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  set_start_folder (self, GTK_FILE_CHOOSER (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

typedef struct {
  SpyWindow *self;
  SpyFormat  format;
  gboolean   close_after;  /* asked from closing the window */
} SaveRequest;

static void
on_save_response (GtkNativeDialog *dialog,
                  int              response,
                  SaveRequest     *request)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      remember_folder (request->self, file);
      if (request->format == SPY_FORMAT_SPYPROF)
        {
          if (spy_window_save_to (request->self, file, NULL) && request->close_after)
            gtk_window_close (GTK_WINDOW (request->self));
        }
      else if (!save_profile (request->self, file, request->format, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Could not export: %s"), error->message);
          show_error (request->self, message);
        }
    }
  g_object_unref (dialog);
  g_free (request);
}

static void
ask_where_to_save (SpyWindow *self,
                   SpyFormat  format,
                   gboolean   close_after)
{
  static const char *extensions[] = { "spyprof", "speedscope.json", "txt", "svg" };
  SaveRequest *request = g_new0 (SaveRequest, 1);
  GtkFileChooserNative *dialog;
  g_autofree char *name = g_strdup_printf ("profile.%s", extensions[format]);

  request->self = self;
  request->format = format;
  request->close_after = close_after;
  dialog = gtk_file_chooser_native_new (format == SPY_FORMAT_SPYPROF ? _("Save the Profile") : _("Export the Profile"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  set_start_folder (self, GTK_FILE_CHOOSER (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), request);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpyWindow *self = SPY_WINDOW (widget);
  g_autofree char *path = self->file ? g_file_get_path (self->file) : NULL;

  /* Only our own format is saved in place; a loaded speedscope file is not overwritten. */
  if (path != NULL && g_str_has_suffix (path, ".spyprof") && g_strcmp0 (action_name, "win.save") == 0)
    spy_window_save_to (self, self->file, NULL);
  else
    ask_where_to_save (self, SPY_FORMAT_SPYPROF, FALSE);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpyFormat format;

  if (spy_format_from_name (g_variant_get_string (parameter, NULL), &format))
    ask_where_to_save (SPY_WINDOW (widget), format, FALSE);
}

static void
record_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpyWindow *self = SPY_WINDOW (widget);
  GPid pid = spy_process_picker_get_selected_pid (self->picker);

  /* Ctrl+R starts and stops, like the one header button it stands for. */
  if (self->sampler != NULL && spy_sampler_get_running (self->sampler))
    spy_window_stop (self);
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "picker") != 0)
    show_page (self, "picker");
  else if (pid > 0)
    spy_window_record_pid (self, pid, NULL);
  else
    show_error (self, _("Choose a process in the list first, or launch a command."));
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  spy_window_open_file (SPY_WINDOW (widget), file, NULL);
}

static void
simple_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpyWindow *self = SPY_WINDOW (widget);

  if (g_strcmp0 (action_name, "win.stop") == 0)
    spy_window_stop (self);
  else if (g_strcmp0 (action_name, "win.show-picker") == 0)
    show_page (self, "picker");
  else if (g_strcmp0 (action_name, "win.dismiss-error") == 0)
    show_error (self, NULL);
}

static void
on_close_response (GtkDialog *dialog,
                   int        response,
                   SpyWindow *self)
{
  /* The dialog outlives this handler (its button still holds it) and, as
   * it goes, would reach back to a parent already closed: cut the tie. */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_CLOSE)
    {
      self->unsaved = FALSE;
      gtk_window_close (GTK_WINDOW (self));
    }
  else if (response == GTK_RESPONSE_ACCEPT)
    ask_where_to_save (self, SPY_FORMAT_SPYPROF, TRUE);
}

/* Settings that follow the window: its size, and views' toggles. */
static void
bind_settings (SpyWindow *self)
{
  GSettings *settings = window_settings (self);

  if (settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self),
                               MAX (g_settings_get_int (settings, "window-width"), 360),
                               MAX (g_settings_get_int (settings, "window-height"), 294));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_settings_bind (settings, "python-only", self->picker, "python-only", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "record-native", self->picker, "native", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "flamegraph-inverted", spy_profile_view_get_flamegraph (self->profile_view),
                   "inverted", G_SETTINGS_BIND_DEFAULT);
}

static void
save_window_size (SpyWindow *self)
{
  GSettings *settings = window_settings (self);
  int width, height;

  if (settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)))
    {
      g_settings_set_int (settings, "window-width", width);
      g_settings_set_int (settings, "window-height", height);
    }
}

static void
spy_window_constructed (GObject *object)
{
  G_OBJECT_CLASS (spy_window_parent_class)->constructed (object);
  bind_settings (SPY_WINDOW (object));
}

static gboolean
spy_window_close_request (GtkWindow *window)
{
  SpyWindow *self = SPY_WINDOW (window);
  GtkWidget *dialog;

  if (!self->unsaved || spy_profile_view_get_profile (self->profile_view) == NULL ||
      spy_profile_get_n_samples (spy_profile_view_get_profile (self->profile_view)) == 0)
    {
      save_window_size (self);
      return GTK_WINDOW_CLASS (spy_window_parent_class)->close_request (window);
    }

  dialog = gtk_message_dialog_new (window, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Save the recording before closing?"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("The samples will be lost if you close without saving."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("Close _Without Saving"), GTK_RESPONSE_CLOSE,
                          _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Save…"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  /* Never enabled: greys out the "No Recent Profiles" placeholder. */
  gtk_widget_class_install_action (widget_class, "win.no-recent", NULL, simple_action);
  gtk_widget_class_install_action (widget_class, "win.record", NULL, record_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, simple_action);
  gtk_widget_class_install_action (widget_class, "win.show-picker", NULL, simple_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-error", NULL, simple_action);
  gtk_widget_class_install_action (widget_class, "win.recovery-open", NULL, recovery_action);
  gtk_widget_class_install_action (widget_class, "win.recovery-discard", NULL, recovery_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.show-picker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.record", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
spy_window_dispose (GObject *object)
{
  SpyWindow *self = SPY_WINDOW (object);

  g_clear_handle_id (&self->launch_source, g_source_remove);
  if (self->sampler != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sampler, self);
      spy_sampler_stop (self->sampler);
    }
  g_clear_object (&self->sampler);
  if (self->child != NULL)
    end_child (self);
  g_clear_object (&self->child);
  /* Kept when we quit on a signal, for the next start to offer. */
  g_clear_handle_id (&self->recovery_source, g_source_remove);
  if (!self->keep_recovery)
    end_recovery (self);
  g_clear_pointer (&self->recovery, spy_recovery_unref);
  g_clear_pointer (&self->recovery_offers, g_ptr_array_unref);
  g_clear_object (&self->file);
  g_clear_pointer (&self->error_message, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPY_TYPE_WINDOW);

  G_OBJECT_CLASS (spy_window_parent_class)->dispose (object);
}

static void
spy_window_class_init (SpyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = spy_window_dispose;
  object_class->constructed = spy_window_constructed;
  GTK_WINDOW_CLASS (klass)->close_request = spy_window_close_request;

  g_type_ensure (SPY_TYPE_PROCESS_PICKER);
  g_type_ensure (SPY_TYPE_PROFILE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/spyglass/Spyglass/ui/spy-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, record_button);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, recovery_revealer);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, recovery_label);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, picker);
  gtk_widget_class_bind_template_child (widget_class, SpyWindow, profile_view);
  install_actions (widget_class);
}

static void
load_css (void)
{
  static gsize loaded;

  if (g_once_init_enter (&loaded))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_data (provider,
                                       ".spy-error-banner { background-color: alpha(@error_color, 0.18);"
                                       " border-bottom: 1px solid alpha(@error_color, 0.5); }"
                                       ".spy-recovery-banner { background-color: alpha(@theme_selected_bg_color, 0.15);"
                                       " border-bottom: 1px solid alpha(@theme_selected_bg_color, 0.5); }", -1);
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&loaded, 1);
    }
}

static void
spy_window_init (SpyWindow *self)
{
  load_css ();
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->picker, "process-activated", G_CALLBACK (on_process_activated), self);
  g_signal_connect_swapped (self->picker, "command-activated", G_CALLBACK (on_command_activated), self);
  setup_drop_target (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.no-recent", FALSE);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (update_recent_menu), self, G_CONNECT_SWAPPED);
  update_recent_menu (self);
  show_page (self, "picker");
}

SpyWindow *
spy_window_new (GtkApplication *application)
{
  return g_object_new (SPY_TYPE_WINDOW, "application", application, NULL);
}
