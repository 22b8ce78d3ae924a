/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-application.c: the desktop app: windows, app actions, settings */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "spy-application.h"
#include "spy-window.h"

struct _SpyApplication {
  GtkApplication  parent_instance;

  GSettings      *settings;
  GStrv           launch_argv;
  gboolean        offered_recovery;
  guint           signal_sources[3];
};

G_DEFINE_FINAL_TYPE (SpyApplication, spy_application, GTK_TYPE_APPLICATION)

/* What a killed Spyglass left: offered once, in the first window. */
static void
offer_recovery_once (SpyApplication *self,
                     SpyWindow      *window)
{
  if (!self->offered_recovery)
    spy_window_offer_recovery (window);
  self->offered_recovery = TRUE;
}

static void
spy_application_activate (GApplication *app)
{
  SpyApplication *self = SPY_APPLICATION (app);
  SpyWindow *window = spy_window_new (GTK_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  if (self->launch_argv != NULL)
    {
      spy_window_launch (window, (const char * const *) self->launch_argv, NULL);
      g_clear_pointer (&self->launch_argv, g_strfreev);
    }
  offer_recovery_once (self, window);
}

static void
spy_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      SpyWindow *window = spy_window_new (GTK_APPLICATION (app));

      gtk_window_present (GTK_WINDOW (window));
      spy_window_open_file (window, files[i], NULL);
      offer_recovery_once (SPY_APPLICATION (app), window);
    }
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *authors[] = { "The Spyglass developers", NULL };

  gtk_show_about_dialog (parent,
                         "program-name", "Spyglass",
                         "logo-icon-name", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("See where a running Python program spends its time, without touching it."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         NULL);
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (spy_window_new (GTK_APPLICATION (user_data))));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  /* Each window asks about unsaved recordings as it closes. */
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  for (GList *l = g_list_copy (windows); l != NULL; l = g_list_delete_link (l, l))
    gtk_window_close (l->data);
}

/* SIGTERM (a logout, kill), SIGINT (Ctrl+C in the terminal), SIGHUP (the
 * terminal closed): no questions; recordings stop and what is unsaved
 * goes to the recovery folder; the windows close, which ends the commands
 * they started, and the app ends when those are gone. */
static gboolean
on_quit_signal (gpointer user_data)
{
  GtkApplication *app = user_data;
  GList *windows;

  /* The list is read anew each time: a window's dialogs go with it. */
  for (guint i = 0; i < 1000 && (windows = gtk_application_get_windows (app)) != NULL; i++)
    {
      if (SPY_IS_WINDOW (windows->data))
        spy_window_quit_now (windows->data);
      gtk_window_destroy (windows->data);
    }
  return G_SOURCE_CONTINUE;
}

static void
spy_application_startup (GApplication *app)
{
  SpyApplication *self = SPY_APPLICATION (app);
  static const GActionEntry entries[] = {
    { "about", about_action },
    { "new-window", new_window_action },
    { "quit", quit_action },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (spy_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  self->signal_sources[0] = g_unix_signal_add (SIGTERM, on_quit_signal, app);
  self->signal_sources[1] = g_unix_signal_add (SIGINT, on_quit_signal, app);
  self->signal_sources[2] = g_unix_signal_add (SIGHUP, on_quit_signal, app);
}

static void
spy_application_shutdown (GApplication *app)
{
  SpyApplication *self = SPY_APPLICATION (app);

  for (guint i = 0; i < G_N_ELEMENTS (self->signal_sources); i++)
    g_clear_handle_id (&self->signal_sources[i], g_source_remove);
  G_APPLICATION_CLASS (spy_application_parent_class)->shutdown (app);
}

static void
spy_application_finalize (GObject *object)
{
  g_clear_object (&SPY_APPLICATION (object)->settings);
  g_clear_pointer (&SPY_APPLICATION (object)->launch_argv, g_strfreev);
  G_OBJECT_CLASS (spy_application_parent_class)->finalize (object);
}

static void
spy_application_class_init (SpyApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = spy_application_finalize;
  G_APPLICATION_CLASS (klass)->activate = spy_application_activate;
  G_APPLICATION_CLASS (klass)->open = spy_application_open;
  G_APPLICATION_CLASS (klass)->startup = spy_application_startup;
  G_APPLICATION_CLASS (klass)->shutdown = spy_application_shutdown;
}

static void
spy_application_init (SpyApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Running from the build tree without the schema installed is fine. */
  if (source != NULL && (schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE)) != NULL)
    self->settings = g_settings_new (APPLICATION_ID);
}

SpyApplication *
spy_application_new (void)
{
  return g_object_new (SPY_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/spyglass/Spyglass",
                       NULL);
}

GSettings *
spy_application_get_settings (SpyApplication *self)
{
  g_return_val_if_fail (SPY_IS_APPLICATION (self), NULL);
  return self->settings;
}

void
spy_application_set_launch (SpyApplication     *self,
                            const char * const *argv)
{
  g_return_if_fail (SPY_IS_APPLICATION (self));

  g_strfreev (self->launch_argv);
  self->launch_argv = g_strdupv ((char **) argv);
}
