/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-sampler.c: samples a process on a worker thread and fills a SpyProfile */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "spy-native-unwinder.h"
#include "spy-sampler.h"
#include "spy-sampler-worker.h"
#include "spy-stack-walker.h"
#include "spy-target.h"

struct _SpySampler {
  GObject          parent_instance;

  GPid             pid;
  guint            rate;
  double           duration;
  gboolean         idle;
  gboolean         gil_only;
  gboolean         subprocesses;
  gboolean         blocking;
  gboolean         native;

  SpyProfile      *profile;
  SpyWorker       *worker;
  GThread         *thread;
  gboolean         running;
  gboolean         paused;

  /* Worker ids → profile ids. */
  GArray          *frame_map;
  GArray          *stack_map;
  GArray          *thread_map;

  guint64          samples_taken;
  guint64          samples_late;
  guint64          samples_failed;
  guint64          elapsed_us;
};

G_DEFINE_FINAL_TYPE (SpySampler, spy_sampler, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PID,
  PROP_RATE,
  PROP_DURATION,
  PROP_IDLE,
  PROP_GIL_ONLY,
  PROP_SUBPROCESSES,
  PROP_BLOCKING,
  PROP_NATIVE,
  PROP_RUNNING,
  PROP_PAUSED,
  PROP_PROFILE,
  N_PROPS
};

enum {
  SIGNAL_SAMPLES_ADDED,
  SIGNAL_TARGET_EXITED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void drain_batches (SpySampler *self);

static void
spy_sampler_dispose (GObject *object)
{
  SpySampler *self = SPY_SAMPLER (object);

  spy_sampler_stop (self);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (spy_sampler_parent_class)->dispose (object);
}

static void
spy_sampler_finalize (GObject *object)
{
  SpySampler *self = SPY_SAMPLER (object);

  g_clear_pointer (&self->frame_map, g_array_unref);
  g_clear_pointer (&self->stack_map, g_array_unref);
  g_clear_pointer (&self->thread_map, g_array_unref);

  G_OBJECT_CLASS (spy_sampler_parent_class)->finalize (object);
}

static void
spy_sampler_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SpySampler *self = SPY_SAMPLER (object);

  switch (prop_id)
    {
    case PROP_PID: g_value_set_int (value, self->pid); break;
    case PROP_RATE: g_value_set_uint (value, self->rate); break;
    case PROP_DURATION: g_value_set_double (value, self->duration); break;
    case PROP_IDLE: g_value_set_boolean (value, self->idle); break;
    case PROP_GIL_ONLY: g_value_set_boolean (value, self->gil_only); break;
    case PROP_SUBPROCESSES: g_value_set_boolean (value, self->subprocesses); break;
    case PROP_BLOCKING: g_value_set_boolean (value, self->blocking); break;
    case PROP_NATIVE: g_value_set_boolean (value, self->native); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    case PROP_PAUSED: g_value_set_boolean (value, self->paused); break;
    case PROP_PROFILE: g_value_set_object (value, self->profile); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_sampler_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SpySampler *self = SPY_SAMPLER (object);

  switch (prop_id)
    {
    case PROP_PID: self->pid = g_value_get_int (value); break;
    case PROP_RATE: spy_sampler_set_rate (self, g_value_get_uint (value)); break;
    case PROP_DURATION: spy_sampler_set_duration (self, g_value_get_double (value)); break;
    case PROP_IDLE: spy_sampler_set_idle (self, g_value_get_boolean (value)); break;
    case PROP_GIL_ONLY: spy_sampler_set_gil_only (self, g_value_get_boolean (value)); break;
    case PROP_SUBPROCESSES: spy_sampler_set_subprocesses (self, g_value_get_boolean (value)); break;
    case PROP_BLOCKING: spy_sampler_set_blocking (self, g_value_get_boolean (value)); break;
    case PROP_NATIVE: spy_sampler_set_native (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_sampler_class_init (SpySamplerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = spy_sampler_dispose;
  object_class->finalize = spy_sampler_finalize;
  object_class->get_property = spy_sampler_get_property;
  object_class->set_property = spy_sampler_set_property;

  properties[PROP_PID] = g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0,
                                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RATE] = g_param_spec_uint ("rate", NULL, NULL, 1, SPY_SAMPLER_MAX_RATE, 100, rw);
  properties[PROP_DURATION] = g_param_spec_double ("duration", NULL, NULL, 0, G_MAXDOUBLE, 0, rw);
  properties[PROP_IDLE] = g_param_spec_boolean ("idle", NULL, NULL, FALSE, rw);
  properties[PROP_GIL_ONLY] = g_param_spec_boolean ("gil-only", NULL, NULL, FALSE, rw);
  properties[PROP_SUBPROCESSES] = g_param_spec_boolean ("subprocesses", NULL, NULL, FALSE, rw);
  properties[PROP_BLOCKING] = g_param_spec_boolean ("blocking", NULL, NULL, FALSE, rw);
  properties[PROP_NATIVE] = g_param_spec_boolean ("native", NULL, NULL, FALSE, rw);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE, ro);
  properties[PROP_PROFILE] = g_param_spec_object ("profile", NULL, NULL, SPY_TYPE_PROFILE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpySampler::samples-added:
   *
   * A batch of samples was merged into the profile (at most every ~100 ms).
   */
  signals[SIGNAL_SAMPLES_ADDED] =
    g_signal_new ("samples-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * SpySampler::target-exited:
   *
   * The target exited; sampling has ended and every sample is merged.
   */
  signals[SIGNAL_TARGET_EXITED] =
    g_signal_new ("target-exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * SpySampler::error:
   * @error: what went wrong
   *
   * Sampling stopped because of an error (e.g. permission was withdrawn).
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
spy_sampler_init (SpySampler *self)
{
  self->rate = 100;
  self->profile = spy_profile_new ();
  self->frame_map = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->stack_map = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->thread_map = g_array_new (FALSE, FALSE, sizeof (guint32));
}

SpySampler *
spy_sampler_new (GPid pid)
{
  return g_object_new (SPY_TYPE_SAMPLER, "pid", (int) pid, NULL);
}

static void
fill_meta (SpySampler *self,
           SpyTarget  *target)
{
  SpyProfileMeta *meta = spy_profile_get_meta (self->profile);

  g_free (meta->command_line);
  meta->command_line = target ? g_strdup (spy_target_get_cmdline (target)) : spy_process_read_cmdline (self->pid);
  meta->pid = self->pid;
  g_free (meta->python_version);
  /* A root that is not Python has none; its children may differ. */
  meta->python_version = g_strdup (target ? spy_target_get_version (target) : "");
  g_free (meta->host);
  meta->host = g_strdup (g_get_host_name ());
  meta->start_time = g_get_real_time ();
  meta->rate = self->rate;
}

static void
on_batches_waiting (gpointer owner)
{
  drain_batches (SPY_SAMPLER (owner));
}

gboolean
spy_sampler_start (SpySampler  *self,
                   GError     **error)
{
  g_autoptr(SpyTarget) target = NULL;
  g_autoptr(GError) local_error = NULL;
  SpyWorkerConfig config;

  g_return_val_if_fail (SPY_IS_SAMPLER (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  /* With subprocesses, any root will do (a shell script, make, a server's
   * C master): the Python processes under it are followed. */
  if (!(target = spy_target_open (self->pid, &local_error)) &&
      !(self->subprocesses && g_error_matches (local_error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON)))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* --native: find out now whether the threads can be stopped. */
  if (self->native && target != NULL && !spy_native_check_access (target, error))
    return FALSE;
  fill_meta (self, target);

  config.rate = self->rate;
  config.duration_us = (guint64) (self->duration * G_USEC_PER_SEC);
  config.idle = self->idle;
  config.gil_only = self->gil_only;
  config.subprocesses = self->subprocesses;
  config.blocking = self->blocking;
  config.native = self->native;
  self->worker = spy_worker_new (self->pid, target, &config, on_batches_waiting, self);
  self->thread = g_thread_new ("spyglass-sampler", spy_worker_run, spy_worker_ref (self->worker));
  self->running = TRUE;
  self->paused = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

static guint32
map_get (GArray  *map,
         guint32  id)
{
  g_assert (id < map->len);
  return g_array_index (map, guint32, id);
}

static void
merge_batch (SpySampler *self,
             SpyBatch   *batch)
{
  SpyProfileMeta *meta = spy_profile_get_meta (self->profile);

  for (guint i = 0; i < batch->frames->len; i++)
    {
      const SpyBatchFrame *f = &g_array_index (batch->frames, SpyBatchFrame, i);
      guint32 id = spy_profile_intern_frame (self->profile, f->function, f->file, f->line, f->kind);

      g_array_append_val (self->frame_map, id);
    }
  for (guint i = 0; i < batch->stacks->len; i++)
    {
      const SpyProfileStack *s = &g_array_index (batch->stacks, SpyProfileStack, i);
      guint32 parent = s->parent == SPY_STACK_ROOT ? SPY_STACK_ROOT : map_get (self->stack_map, s->parent);
      guint32 id = spy_profile_intern_stack (self->profile, parent, map_get (self->frame_map, s->frame));

      g_array_append_val (self->stack_map, id);
    }
  for (guint i = 0; i < batch->threads->len; i++)
    {
      const SpyBatchThread *t = &g_array_index (batch->threads, SpyBatchThread, i);

      if (t->index < self->thread_map->len)
        spy_profile_set_thread_name (self->profile, map_get (self->thread_map, t->index), t->name);
      else
        {
          guint32 id = spy_profile_add_thread (self->profile, t->pid, t->thread_id, t->native_id, t->name);

          g_array_append_val (self->thread_map, id);
        }
    }
  for (guint i = 0; i < batch->samples->len; i++)
    {
      const SpyBatchSample *s = &g_array_index (batch->samples, SpyBatchSample, i);

      spy_profile_add_sample (self->profile, s->time_us, map_get (self->thread_map, s->thread),
                              map_get (self->stack_map, s->stack), s->flags);
    }

  self->samples_taken = batch->samples_taken;
  self->samples_late = batch->samples_late;
  self->samples_failed = batch->samples_failed;
  self->elapsed_us = batch->elapsed_us;
  meta->samples_taken = batch->samples_taken;
  meta->samples_late = batch->samples_late;
  meta->samples_failed = batch->samples_failed;
  meta->duration = batch->elapsed_us;
}

static void
finish (SpySampler *self)
{
  if (self->thread != NULL)
    g_clear_pointer (&self->thread, g_thread_join);
  if (self->worker != NULL)
    spy_worker_disown (self->worker);
  g_clear_pointer (&self->worker, spy_worker_unref);
  if (self->running)
    {
      self->running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

static void
drain_batches (SpySampler *self)
{
  g_autoptr(GError) error = NULL;
  gboolean merged = FALSE, exited = FALSE, ended = FALSE;
  SpyBatch *batch;

  if (self->worker == NULL)
    return;
  while ((batch = spy_worker_pop_batch (self->worker)) != NULL)
    {
      merge_batch (self, batch);
      merged = TRUE;
      exited = exited || batch->exited;
      ended = ended || batch->last;
      if (batch->error != NULL && error == NULL)
        error = g_error_copy (batch->error);
      spy_batch_free (batch);
    }

  g_object_ref (self);
  if (merged)
    {
      spy_profile_samples_added (self->profile);
      g_signal_emit (self, signals[SIGNAL_SAMPLES_ADDED], 0);
    }
  if (ended)
    {
      finish (self);
      if (error != NULL)
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
      if (exited)
        g_signal_emit (self, signals[SIGNAL_TARGET_EXITED], 0);
    }
  g_object_unref (self);
}

void
spy_sampler_stop (SpySampler *self)
{
  g_return_if_fail (SPY_IS_SAMPLER (self));

  if (self->worker == NULL)
    return;
  spy_worker_request_stop (self->worker);
  g_clear_pointer (&self->thread, g_thread_join);
  /* The worker is gone: whatever it queued is merged now, not later. */
  drain_batches (self);
  finish (self);
}

void
spy_sampler_pause (SpySampler *self)
{
  g_return_if_fail (SPY_IS_SAMPLER (self));

  if (self->worker == NULL || self->paused)
    return;
  spy_worker_set_paused (self->worker, TRUE);
  self->paused = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

void
spy_sampler_resume (SpySampler *self)
{
  g_return_if_fail (SPY_IS_SAMPLER (self));

  if (self->worker == NULL || !self->paused)
    return;
  spy_worker_set_paused (self->worker, FALSE);
  self->paused = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

#define SETTER(name, type, field, prop)                                 \
  void                                                                  \
  spy_sampler_set_##name (SpySampler *self,                             \
                          type        value)                            \
  {                                                                     \
    g_return_if_fail (SPY_IS_SAMPLER (self));                           \
    if (self->field == value)                                           \
      return;                                                           \
    self->field = value;                                                \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);       \
  }                                                                     \
  type                                                                  \
  spy_sampler_get_##name (SpySampler *self)                             \
  {                                                                     \
    g_return_val_if_fail (SPY_IS_SAMPLER (self), 0);                    \
    return self->field;                                                 \
  }

SETTER (rate, guint, rate, PROP_RATE)
SETTER (duration, double, duration, PROP_DURATION)
SETTER (idle, gboolean, idle, PROP_IDLE)
SETTER (gil_only, gboolean, gil_only, PROP_GIL_ONLY)
SETTER (subprocesses, gboolean, subprocesses, PROP_SUBPROCESSES)
SETTER (blocking, gboolean, blocking, PROP_BLOCKING)
SETTER (native, gboolean, native, PROP_NATIVE)

GPid
spy_sampler_get_pid (SpySampler *self)
{
  g_return_val_if_fail (SPY_IS_SAMPLER (self), 0);
  return self->pid;
}

gboolean
spy_sampler_get_running (SpySampler *self)
{
  g_return_val_if_fail (SPY_IS_SAMPLER (self), FALSE);
  return self->running;
}

gboolean
spy_sampler_get_paused (SpySampler *self)
{
  g_return_val_if_fail (SPY_IS_SAMPLER (self), FALSE);
  return self->paused;
}

SpyProfile *
spy_sampler_get_profile (SpySampler *self)
{
  g_return_val_if_fail (SPY_IS_SAMPLER (self), NULL);
  return self->profile;
}

guint64 spy_sampler_get_samples_taken (SpySampler *self) { return self->samples_taken; }
guint64 spy_sampler_get_samples_late (SpySampler *self) { return self->samples_late; }
guint64 spy_sampler_get_samples_failed (SpySampler *self) { return self->samples_failed; }

double
spy_sampler_get_elapsed (SpySampler *self)
{
  return self->elapsed_us / (double) G_USEC_PER_SEC;
}
