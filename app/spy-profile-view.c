/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-profile-view.c: one profile: its facts, a flamegraph above a top table */

#include "config.h"

#include <glib/gi18n.h>

#include "spy-profile-view.h"
#include "spy-native-merge.h"
#include "spy-stack-walker.h"

/* Live views refresh at most this often. */
#define REFRESH_MS 500

struct _SpyProfileView {
  GtkWidget        parent_instance;

  GtkLabel        *target_label;
  GtkLabel        *stats_label;
  GtkButton       *pause_button;
  GtkDropDown     *thread_dropdown;
  GtkDropDown     *aggregation_dropdown;
  GtkSearchEntry  *search_entry;
  GtkLabel        *search_label;
  GtkPaned        *paned;
  SpyFlamegraph   *flamegraph;
  SpyTopView      *top_view;

  SpyProfile      *profile;
  SpySampler      *sampler;
  SpyProfileFilter filter;
  GtkStringList   *threads;
  guint            n_threads_listed;
  guint            refresh_source;
  gboolean         stale;
  gboolean         split_placed;
};

/* The flamegraph's share of the height when the view is first shown;
 * GtkPaned keeps the proportion when the window is resized. */
#define FLAMEGRAPH_SHARE 0.55

G_DEFINE_FINAL_TYPE (SpyProfileView, spy_profile_view, GTK_TYPE_WIDGET)

static void
update_stats (SpyProfileView *self)
{
  const SpyProfileMeta *meta;
  g_autofree char *stats = NULL;
  g_autofree char *target = NULL;
  g_autofree char *samples = NULL;
  g_autofree char *errors = NULL;
  guint n_samples;
  double elapsed;

  if (self->profile == NULL)
    return;
  meta = spy_profile_get_meta (self->profile);
  elapsed = self->sampler ? spy_sampler_get_elapsed (self->sampler) : meta->duration / 1e6;
  target = g_strdup_printf (_("%s — pid %d, Python %s"),
                            meta->command_line ? meta->command_line : _("Profile"),
                            (int) meta->pid, meta->python_version ? meta->python_version : "?");
  gtk_label_set_text (self->target_label, target);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->target_label), target);
  n_samples = spy_profile_get_n_samples (self->profile);
  samples = g_strdup_printf (ngettext ("%u sample", "%u samples", n_samples), n_samples);
  errors = g_strdup_printf (ngettext ("%llu error", "%llu errors", (unsigned long) MIN (meta->samples_failed, G_MAXULONG)),
                            (unsigned long long) meta->samples_failed);
  stats = g_strdup_printf (_("%.1f s · %s · %u Hz · %s · %llu late"),
                           elapsed, samples, meta->rate, errors, (unsigned long long) meta->samples_late);
  gtk_label_set_text (self->stats_label, stats);
}

static void
update_threads (SpyProfileView *self)
{
  guint n = spy_profile_get_n_threads (self->profile);

  for (guint i = self->n_threads_listed; i < n; i++)
    {
      const SpyProfileThread *thread = spy_profile_get_thread (self->profile, i);
      const char *name = spy_profile_get_string (self->profile, thread->name);
      g_autofree char *label = NULL;

      if (thread->native_id != 0)
        label = g_strdup_printf ("%s (%" G_GINT64_FORMAT ")", name[0] ? name : _("Thread"), thread->native_id);
      else
        label = g_strdup (name[0] ? name : _("Thread"));
      gtk_string_list_append (self->threads, label);
    }
  self->n_threads_listed = n;
}

static void
update_search_label (SpyProfileView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *label = NULL;

  if (text[0] != '\0')
    label = g_strdup_printf (_("%.1f %% of samples match"), 100 * spy_flamegraph_get_search_fraction (self->flamegraph));
  gtk_label_set_text (self->search_label, label ? label : "");
}

void
spy_profile_view_refresh (SpyProfileView *self)
{
  g_autoptr(SpyCallTree) tree = NULL;

  g_return_if_fail (SPY_IS_PROFILE_VIEW (self));

  self->stale = FALSE;
  update_stats (self);
  if (self->profile == NULL)
    return;
  update_threads (self);
  tree = spy_call_tree_new (self->profile, &self->filter);
  spy_flamegraph_set_tree (self->flamegraph, tree);
  spy_top_view_update (self->top_view, self->profile, &self->filter);
  update_search_label (self);
}

static gboolean
on_refresh_tick (gpointer data)
{
  SpyProfileView *self = data;

  if (self->stale)
    spy_profile_view_refresh (self);
  else
    update_stats (self);
  return G_SOURCE_CONTINUE;
}

static void
on_samples_added (SpySampler     *sampler,
                  SpyProfileView *self)
{
  /* The first samples show at once; later ones with the next tick. */
  if (spy_profile_get_n_samples (self->profile) > 0 &&
      spy_flamegraph_get_tree (self->flamegraph) == NULL)
    spy_profile_view_refresh (self);
  else
    self->stale = TRUE;
}

static void
on_running_changed (SpySampler     *sampler,
                    GParamSpec     *pspec,
                    SpyProfileView *self)
{
  gboolean running = spy_sampler_get_running (sampler);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.toggle-pause", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.dump-stacks", running);
  if (!running)
    {
      g_clear_handle_id (&self->refresh_source, g_source_remove);
      spy_profile_view_refresh (self);
    }
}

static void
on_paused_changed (SpySampler     *sampler,
                   GParamSpec     *pspec,
                   SpyProfileView *self)
{
  gtk_button_set_label (self->pause_button, spy_sampler_get_paused (sampler) ? _("_Resume") : _("_Pause"));
}

static void
disconnect_sampler (SpyProfileView *self)
{
  if (self->sampler != NULL)
    g_signal_handlers_disconnect_by_data (self->sampler, self);
  g_clear_object (&self->sampler);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
}

static void
reset (SpyProfileView *self,
       SpyProfile     *profile)
{
  disconnect_sampler (self);
  g_set_object (&self->profile, profile);
  gtk_string_list_splice (self->threads, 1, g_list_model_get_n_items (G_LIST_MODEL (self->threads)) - 1, NULL);
  self->n_threads_listed = 0;
  self->filter.thread = -1;
  gtk_drop_down_set_selected (self->thread_dropdown, 0);
  spy_flamegraph_set_tree (self->flamegraph, NULL);
}

void
spy_profile_view_set_profile (SpyProfileView *self,
                              SpyProfile     *profile)
{
  g_return_if_fail (SPY_IS_PROFILE_VIEW (self));

  reset (self, profile);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.toggle-pause", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.dump-stacks", FALSE);
  spy_profile_view_refresh (self);
}

void
spy_profile_view_set_sampler (SpyProfileView *self,
                              SpySampler     *sampler)
{
  g_return_if_fail (SPY_IS_PROFILE_VIEW (self));
  g_return_if_fail (SPY_IS_SAMPLER (sampler));

  reset (self, spy_sampler_get_profile (sampler));
  self->sampler = g_object_ref (sampler);
  g_signal_connect (sampler, "samples-added", G_CALLBACK (on_samples_added), self);
  g_signal_connect (sampler, "notify::running", G_CALLBACK (on_running_changed), self);
  g_signal_connect (sampler, "notify::paused", G_CALLBACK (on_paused_changed), self);
  self->refresh_source = g_timeout_add (REFRESH_MS, on_refresh_tick, self);
  on_running_changed (sampler, NULL, self);
  on_paused_changed (sampler, NULL, self);
  spy_profile_view_refresh (self);
}

SpyProfile *
spy_profile_view_get_profile (SpyProfileView *self)
{
  g_return_val_if_fail (SPY_IS_PROFILE_VIEW (self), NULL);
  return self->profile;
}

SpySampler *
spy_profile_view_get_sampler (SpyProfileView *self)
{
  g_return_val_if_fail (SPY_IS_PROFILE_VIEW (self), NULL);
  return self->sampler;
}

SpyFlamegraph *
spy_profile_view_get_flamegraph (SpyProfileView *self)
{
  return self->flamegraph;
}

SpyTopView *
spy_profile_view_get_top_view (SpyProfileView *self)
{
  return self->top_view;
}

void
spy_profile_view_set_search (SpyProfileView *self,
                             const char     *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
}

void
spy_profile_view_set_thread (SpyProfileView *self,
                             gint64          thread)
{
  gtk_drop_down_set_selected (self->thread_dropdown, thread < 0 ? 0 : (guint) thread + 1);
}

void
spy_profile_view_set_aggregation (SpyProfileView *self,
                                  SpyAggregation  aggregation)
{
  gtk_drop_down_set_selected (self->aggregation_dropdown, (guint) aggregation);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   SpyProfileView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  spy_flamegraph_set_search (self->flamegraph, text);
  spy_top_view_set_search (self->top_view, text);
  update_search_label (self);
}

/* Escape in the search entry clears it. */
static void
on_stop_search (GtkSearchEntry *entry,
                SpyProfileView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_thread_selected (GtkDropDown    *dropdown,
                    GParamSpec     *pspec,
                    SpyProfileView *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  gint64 thread = selected == 0 || selected == GTK_INVALID_LIST_POSITION ? -1 : (gint64) selected - 1;

  if (thread == self->filter.thread)
    return;
  self->filter.thread = thread;
  spy_profile_view_refresh (self);
}

static void
on_aggregation_selected (GtkDropDown    *dropdown,
                         GParamSpec     *pspec,
                         SpyProfileView *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  /* The items are in SpyAggregation's order: line, function, library. */
  SpyAggregation aggregation = selected <= SPY_AGGREGATE_LIBRARY ? (SpyAggregation) selected
                                                                 : SPY_AGGREGATE_LINE;

  if (aggregation == self->filter.aggregation)
    return;
  self->filter.aggregation = aggregation;
  spy_profile_view_refresh (self);
}

static void
on_function_selected (SpyTopView     *top_view,
                      guint           frame,
                      SpyProfileView *self)
{
  spy_flamegraph_set_highlight (self->flamegraph, frame);
}

/* The first allocation tells the paned its height: split it there, so
 * neither half is squeezed in a small window. */
static void
on_paned_max_position (GtkPaned       *paned,
                       GParamSpec     *pspec,
                       SpyProfileView *self)
{
  int max = 0;

  g_object_get (paned, "max-position", &max, NULL);

  if (self->split_placed || max <= 0 || max == G_MAXINT)
    return;
  self->split_placed = TRUE;
  gtk_paned_set_position (paned, (int) (max * FLAMEGRAPH_SHARE));
}

static void
toggle_pause (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SpyProfileView *self = SPY_PROFILE_VIEW (widget);

  if (self->sampler == NULL)
    return;
  if (spy_sampler_get_paused (self->sampler))
    spy_sampler_resume (self->sampler);
  else
    spy_sampler_pause (self->sampler);
}

/* Text from the target, for a text view: valid UTF-8. */
static void
append_clean (GString    *text,
              const char *piece)
{
  g_autofree char *valid = g_utf8_make_valid (piece != NULL ? piece : "", -1);

  g_string_append (text, valid);
}

static char *
format_stacks (SpyTarget *target,
               GPtrArray *stacks)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      guint n = stack->mixed != NULL ? stack->mixed->len : stack->frames->len;

      /* A program that never imported threading has no thread names. */
      if (stack->name != NULL && stack->name[0] != '\0')
        {
          g_autofree char *name = g_utf8_make_valid (stack->name, -1);

          g_string_append_printf (text, _("Thread %lld (%s): “%s”\n"),
                                  (long long) stack->native_id, stack->active ? _("active") : _("idle"), name);
        }
      else
        g_string_append_printf (text, _("Thread %lld (%s)\n"),
                                (long long) stack->native_id, stack->active ? _("active") : _("idle"));
      /* With native frames, the merged stack; else the Python one. */
      for (guint j = 0; j < n; j++)
        {
          const SpyMixedFrame *mixed = stack->mixed != NULL ? &g_array_index (stack->mixed, SpyMixedFrame, j) : NULL;
          const SpyFrame *frame = mixed != NULL ? mixed->python : &g_array_index (stack->frames, SpyFrame, j);

          g_string_append (text, "    ");
          if (frame != NULL)
            {
              g_autofree char *file = spy_target_shorten_filename (target, frame->code->filename);

              append_clean (text, frame->code->function);
              g_string_append (text, " (");
              append_clean (text, file);
              g_string_append_printf (text, ":%d)\n", frame->line);
            }
          else
            {
              g_autofree char *name = spy_mixed_frame_native_name (mixed);

              append_clean (text, name);
              g_string_append (text, " (");
              append_clean (text, spy_mixed_frame_native_file (mixed));
              g_string_append (text, ")\n");
            }
        }
      if (stack->native_error != NULL)
        {
          g_autofree char *reason = g_utf8_make_valid (stack->native_error, -1);

          /* TRANSLATORS: %s is why, e.g. "Thread 42 has exited" */
          g_string_append_printf (text, _("    (native frames not read: %s)\n"), reason);
        }
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

static void
show_text_window (GtkWidget  *parent,
                  const char *title,
                  const char *text)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (gtk_widget_get_root (parent)));
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 560);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_present (GTK_WINDOW (window));
}

static void
dump_stacks (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpyProfileView *self = SPY_PROFILE_VIEW (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyTarget) target = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autoptr(SpyNativeUnwinder) unwinder = NULL;
  g_autoptr(GPtrArray) stacks = NULL;
  g_autofree char *text = NULL;

  if (self->sampler == NULL)
    return;
  /* A walker of our own: the sampler's belongs to its thread. */
  if ((target = spy_target_open (spy_sampler_get_pid (self->sampler), &error)) != NULL)
    {
      walker = spy_stack_walker_new_for_target (target);
      spy_stack_walker_watch_cpu (walker, SPY_CPU_WINDOW_US);
      /* As the recording reads them: with their native frames. */
      if (spy_sampler_get_native (self->sampler))
        unwinder = spy_native_unwinder_new_for_target (target);
      stacks = unwinder != NULL ? spy_native_sample (unwinder, walker, &error)
                                : spy_stack_walker_sample (walker, &error);
      if (stacks != NULL)
        spy_stack_walker_read_thread_names (walker, stacks, NULL);
    }
  text = stacks ? format_stacks (target, stacks) : g_strdup (error->message);
  show_text_window (widget, _("Stacks Now"), text);
}

static void
focus_search (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (SPY_PROFILE_VIEW (widget)->search_entry));
}

static void
spy_profile_view_dispose (GObject *object)
{
  SpyProfileView *self = SPY_PROFILE_VIEW (object);

  disconnect_sampler (self);
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  gtk_widget_dispose_template (GTK_WIDGET (self), SPY_TYPE_PROFILE_VIEW);
  g_clear_object (&self->profile);
  g_clear_object (&self->threads);

  G_OBJECT_CLASS (spy_profile_view_parent_class)->dispose (object);
}

static void
spy_profile_view_class_init (SpyProfileViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = spy_profile_view_dispose;

  g_type_ensure (SPY_TYPE_FLAMEGRAPH);
  g_type_ensure (SPY_TYPE_TOP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/spyglass/Spyglass/ui/spy-profile-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, target_label);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, stats_label);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, thread_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, aggregation_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, search_label);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, paned);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, flamegraph);
  gtk_widget_class_bind_template_child (widget_class, SpyProfileView, top_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "view.toggle-pause", NULL, toggle_pause);
  gtk_widget_class_install_action (widget_class, "view.dump-stacks", NULL, dump_stacks);
  gtk_widget_class_install_action (widget_class, "view.focus-search", NULL, focus_search);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "view.focus-search", NULL);
}

static void
spy_profile_view_init (SpyProfileView *self)
{
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->filter = filter;
  self->threads = gtk_string_list_new (NULL);
  gtk_string_list_append (self->threads, _("All threads"));
  gtk_drop_down_set_model (self->thread_dropdown, G_LIST_MODEL (self->threads));

  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect (self->search_entry, "stop-search", G_CALLBACK (on_stop_search), self);
  g_signal_connect (self->thread_dropdown, "notify::selected", G_CALLBACK (on_thread_selected), self);
  g_signal_connect (self->aggregation_dropdown, "notify::selected", G_CALLBACK (on_aggregation_selected), self);
  g_signal_connect (self->paned, "notify::max-position", G_CALLBACK (on_paned_max_position), self);
  g_signal_connect (self->top_view, "function-selected", G_CALLBACK (on_function_selected), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.toggle-pause", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "view.dump-stacks", FALSE);
}

GtkWidget *
spy_profile_view_new (void)
{
  return g_object_new (SPY_TYPE_PROFILE_VIEW, NULL);
}
