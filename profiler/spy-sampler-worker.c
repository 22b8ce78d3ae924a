/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-sampler-worker.c: the sampler's worker thread and the batches it hands over */

#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "spy-native-merge.h"
#include "spy-process-tree.h"
#include "spy-sampler-worker.h"
#include "spy-stack-walker.h"

/* Batches go to the main thread at most this often. */
#define FLUSH_INTERVAL_NS (100 * G_GINT64_CONSTANT (1000000))
/* Thread names are read again this often (threads get renamed). */
#define NAMES_INTERVAL_NS (1000 * G_GINT64_CONSTANT (1000000))
/* New child processes are looked for this often (--subprocesses). */
#define CHILDREN_INTERVAL_NS (500 * G_GINT64_CONSTANT (1000000))
/* A child that is not (yet) readable as Python is tried for this long. */
#define CHILD_RETRY_NS (5000 * G_GINT64_CONSTANT (1000000))
/* A sleep costs the sampler 31–44 µs of CPU here (FACTS.md): a shorter
 * wait is cheaper spent spinning on the clock. */
#define SPIN_NS (40 * G_GINT64_CONSTANT (1000))

/* What the last read of thread names found of one thread. */
typedef struct {
  guint64 tstate;     /* its thread state then: a new one is a new thread */
  char   *name;       /* or NULL */
  gint64  native_id;  /* or 0 */
} Named;

static void
named_free (gpointer data)
{
  Named *named = data;

  g_free (named->name);
  g_free (named);
}

/* One process being sampled. */
typedef struct {
  GPid               pid;
  SpyStackWalker    *walker;
  SpyNativeUnwinder *unwinder;     /* --native, else NULL */
  guint              generation;
  guint              native_generation;
  GHashTable        *frame_ids;    /* (SpyCode*, line) → worker frame id */
  GHashTable        *native_ids;   /* symbol (or pc) address → worker frame id */
  GHashTable        *names;        /* thread id → Named, at the last read */
  gint64             names_read_at;
} Process;

typedef struct {
  gint64          pid;
  guint64         thread_id;
  guint32         index;
  gint64          native_id;
  char           *name;
} ThreadInfo;

struct _SpyWorker {
  gatomicrefcount  ref_count;

  SpyWorkerConfig  config;
  GMainContext    *context;
  SpyWorkerNotify  notify;
  gpointer         owner;        /* main thread only */

  GMutex           mutex;
  GCond            cond;
  gboolean         stop;
  gboolean         paused;
  GQueue           batches;      /* SpyBatch, under mutex */

  /* Worker thread only, from here on. */
  GPid             root_pid;
  GPtrArray       *processes;    /* Process */
  GHashTable      *not_python;   /* pid → first seen (ns): children we gave up on */
  SpyProfile      *interned;     /* frames and stacks in worker ids; no samples */
  guint            sent_frames;
  guint            sent_stacks;
  GHashTable      *threads;      /* "pid:thread_id" → ThreadInfo */
  guint32          n_threads;
  SpyBatch        *batch;
  guint64          taken, late, failed;
};

static void
process_free (gpointer data)
{
  Process *process = data;

  g_clear_object (&process->walker);
  g_clear_object (&process->unwinder);
  g_clear_pointer (&process->frame_ids, g_hash_table_unref);
  g_clear_pointer (&process->native_ids, g_hash_table_unref);
  g_clear_pointer (&process->names, g_hash_table_unref);
  g_free (process);
}

static void
thread_info_free (gpointer data)
{
  ThreadInfo *info = data;

  g_free (info->name);
  g_free (info);
}

static void
batch_frame_clear (gpointer data)
{
  SpyBatchFrame *frame = data;

  g_free (frame->function);
  g_free (frame->file);
}

static void
batch_thread_clear (gpointer data)
{
  g_free (((SpyBatchThread *) data)->name);
}

static SpyBatch *
batch_new (void)
{
  SpyBatch *batch = g_new0 (SpyBatch, 1);

  batch->frames = g_array_new (FALSE, FALSE, sizeof (SpyBatchFrame));
  g_array_set_clear_func (batch->frames, batch_frame_clear);
  batch->stacks = g_array_new (FALSE, FALSE, sizeof (SpyProfileStack));
  batch->threads = g_array_new (FALSE, FALSE, sizeof (SpyBatchThread));
  g_array_set_clear_func (batch->threads, batch_thread_clear);
  batch->samples = g_array_new (FALSE, FALSE, sizeof (SpyBatchSample));
  return batch;
}

void
spy_batch_free (SpyBatch *batch)
{
  if (batch == NULL)
    return;
  g_array_unref (batch->frames);
  g_array_unref (batch->stacks);
  g_array_unref (batch->threads);
  g_array_unref (batch->samples);
  g_clear_error (&batch->error);
  g_free (batch);
}

static Process *
process_new (SpyTarget *target,
             gboolean   native)
{
  Process *process = g_new0 (Process, 1);

  process->pid = spy_target_get_pid (target);
  process->walker = spy_stack_walker_new_for_target (target);
  if (native)
    process->unwinder = spy_native_unwinder_new_for_target (target);
  process->native_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  /* Who is running the sampler decides itself: see sample_process. */
  spy_stack_walker_set_skip_active (process->walker, TRUE);
  /* Each sample asks the target whether each thread ran (sample_process):
   * one that rested since the last is not read again. --native reads the
   * C stacks of those threads its own way. */
  spy_stack_walker_set_reuse_rested (process->walker, !native);
  process->frame_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  process->names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, named_free);
  process->names_read_at = 0;  /* monotonic time is never near 0 */
  return process;
}

SpyWorker *
spy_worker_new (GPid                   root_pid,
                SpyTarget             *target,
                const SpyWorkerConfig *config,
                SpyWorkerNotify        notify,
                gpointer               owner)
{
  SpyWorker *self = g_new0 (SpyWorker, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->config = *config;
  self->config.rate = CLAMP (config->rate, 1, SPY_SAMPLER_MAX_RATE);
  self->context = g_main_context_ref_thread_default ();
  self->notify = notify;
  self->owner = owner;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_queue_init (&self->batches);
  self->root_pid = root_pid;
  self->processes = g_ptr_array_new_with_free_func (process_free);
  /* No target: a root that is not Python, whose descendants we follow. */
  if (target != NULL)
    g_ptr_array_add (self->processes, process_new (target, self->config.native));
  self->not_python = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->interned = spy_profile_new ();
  self->threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, thread_info_free);
  self->batch = batch_new ();
  return self;
}

SpyWorker *
spy_worker_ref (SpyWorker *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
spy_worker_unref (SpyWorker *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_queue_clear_full (&self->batches, (GDestroyNotify) spy_batch_free);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->processes);
  g_hash_table_unref (self->not_python);
  g_object_unref (self->interned);
  g_hash_table_unref (self->threads);
  spy_batch_free (self->batch);
  g_free (self);
}

void
spy_worker_disown (SpyWorker *self)
{
  self->owner = NULL;
}

void
spy_worker_request_stop (SpyWorker *self)
{
  g_mutex_lock (&self->mutex);
  self->stop = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

void
spy_worker_set_paused (SpyWorker *self,
                       gboolean   paused)
{
  g_mutex_lock (&self->mutex);
  self->paused = paused;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

SpyBatch *
spy_worker_pop_batch (SpyWorker *self)
{
  SpyBatch *batch;

  g_mutex_lock (&self->mutex);
  batch = g_queue_pop_head (&self->batches);
  g_mutex_unlock (&self->mutex);
  return batch;
}

static gboolean
dispatch_on_main (gpointer data)
{
  SpyWorker *self = data;

  if (self->owner != NULL)
    self->notify (self->owner);
  return G_SOURCE_REMOVE;
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Hands the current batch over, with everything interned since the last. */
static void
flush (SpyWorker *self,
       gint64     elapsed_ns,
       gboolean   last)
{
  SpyBatch *batch = self->batch;

  for (; self->sent_frames < spy_profile_get_n_frames (self->interned); self->sent_frames++)
    {
      const SpyProfileFrame *f = spy_profile_get_frame (self->interned, self->sent_frames);
      SpyBatchFrame frame = {
        g_strdup (spy_profile_get_string (self->interned, f->function)),
        g_strdup (spy_profile_get_string (self->interned, f->file)),
        f->line, f->kind,
      };
      g_array_append_val (batch->frames, frame);
    }
  for (; self->sent_stacks < spy_profile_get_n_stacks (self->interned); self->sent_stacks++)
    g_array_append_vals (batch->stacks, spy_profile_get_stack (self->interned, self->sent_stacks), 1);

  batch->samples_taken = self->taken;
  batch->samples_late = self->late;
  batch->samples_failed = self->failed;
  batch->elapsed_us = elapsed_ns / 1000;
  batch->last = last;

  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->batches, batch);
  g_mutex_unlock (&self->mutex);
  self->batch = batch_new ();

  /* Always a source on the main context: g_main_context_invoke() runs the
   * callback right here when no thread owns the context at this moment,
   * and the owner's last batch then joins the worker from the worker. */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, dispatch_on_main, spy_worker_ref (self),
                           (GDestroyNotify) spy_worker_unref);
    g_source_set_static_name (source, "spyglass-batches");
    g_source_attach (source, self->context);
    g_source_unref (source);
  }
}

static ThreadInfo *
lookup_thread (SpyWorker            *self,
               GPid                  pid,
               const SpyThreadStack *stack,
               gboolean              create)
{
  char key[64];
  ThreadInfo *info;

  g_snprintf (key, sizeof key, "%d:%" G_GUINT64_FORMAT, (int) pid, stack->thread_id);
  info = g_hash_table_lookup (self->threads, key);
  if (info == NULL && create)
    {
      SpyBatchThread announce = { 0 };

      info = g_new0 (ThreadInfo, 1);
      info->pid = pid;
      info->thread_id = stack->thread_id;
      info->index = self->n_threads++;
      info->native_id = stack->native_id;
      info->name = g_strdup (stack->name);
      g_hash_table_insert (self->threads, g_strdup (key), info);

      announce.index = info->index;
      announce.pid = pid;
      announce.thread_id = info->thread_id;
      announce.native_id = info->native_id;
      announce.name = g_strdup (info->name ? info->name : "");
      g_array_append_val (self->batch->threads, announce);
    }
  return info;
}

/* Names and native ids: read when a thread is new, and every so often;
 * in between, each stack gets the name read last. (A thread that is never
 * recorded, an idle one without --idle, is new only once: reading names
 * costs more than a sample.) */
static void
update_thread_names (SpyWorker *self,
                     Process   *process,
                     GPtrArray *stacks,
                     gint64     now)
{
  gboolean unknown = FALSE;

  for (guint i = 0; i < stacks->len && !unknown; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      const Named *named = g_hash_table_lookup (process->names, &stack->thread_id);

      /* A thread id used again, by a thread started since: it is new. (A
       * thread state with no id, or one not started yet that shares its
       * maker's, gets its name once it runs.) */
      if (stack->thread_id != 0 && stack->frames->len > 0)
        unknown = named == NULL || named->tstate != stack->tstate;
    }
  if (!unknown && now - process->names_read_at < NAMES_INTERVAL_NS)
    {
      for (guint i = 0; i < stacks->len; i++)
        {
          SpyThreadStack *stack = g_ptr_array_index (stacks, i);
          const Named *named = g_hash_table_lookup (process->names, &stack->thread_id);

          if (named == NULL || named->tstate != stack->tstate)
            continue;
          if (stack->name == NULL)
            stack->name = g_strdup (named->name);
          if (stack->native_id == 0)
            stack->native_id = named->native_id;
        }
      return;
    }

  process->names_read_at = now;
  spy_stack_walker_read_thread_names (process->walker, stacks, NULL);
  /* Those of this sample only: a thread gone is forgotten. */
  g_hash_table_remove_all (process->names);
  for (guint i = 0; i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      ThreadInfo *info = lookup_thread (self, process->pid, stack, FALSE);
      Named *named = g_new0 (Named, 1);

      named->tstate = stack->tstate;
      named->name = g_strdup (stack->name);
      named->native_id = stack->native_id;
      g_hash_table_insert (process->names, g_memdup2 (&stack->thread_id, sizeof stack->thread_id), named);
      if (info == NULL || stack->name == NULL || g_strcmp0 (info->name, stack->name) == 0)
        continue;
      g_free (info->name);
      info->name = g_strdup (stack->name);
      if (stack->native_id != 0)
        info->native_id = stack->native_id;
      {
        SpyBatchThread rename = { info->index, info->pid, info->thread_id, info->native_id,
                                  g_strdup (info->name) };
        g_array_append_val (self->batch->threads, rename);
      }
    }
}

/* The worker frame id for (code, line); interned once per pair. */
static guint32
frame_id (SpyWorker      *self,
          Process        *process,
          const SpyFrame *frame)
{
  guint64 key[2] = { GPOINTER_TO_SIZE (frame->code), (guint64) (guint32) frame->line };
  guint64 hashed = key[0] * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) ^ key[1];
  gpointer found;
  guint32 id;

  /* Keyed by a hash of both: on a collision compare the real frame. */
  if (g_hash_table_lookup_extended (process->frame_ids, &hashed, NULL, &found))
    {
      const SpyProfileFrame *f;

      id = GPOINTER_TO_UINT (found);
      f = spy_profile_get_frame (self->interned, id);
      if (f->line == frame->line &&
          strcmp (spy_profile_get_string (self->interned, f->function), frame->code->function) == 0 &&
          strcmp (spy_profile_get_string (self->interned, f->file), frame->code->filename) == 0)
        return id;
    }
  id = spy_profile_intern_frame (self->interned, frame->code->function, frame->code->filename,
                                 frame->line, SPY_FRAME_PYTHON);
  g_hash_table_insert (process->frame_ids, g_memdup2 (&hashed, sizeof hashed), GUINT_TO_POINTER (id));
  return id;
}

/* The worker frame id for a native frame: one per function (per address
 * where it has no name), for as long as the libraries stay mapped. */
static guint32
native_frame_id (SpyWorker           *self,
                 Process             *process,
                 const SpyMixedFrame *frame)
{
  gint64 key = (gint64) frame->native.start;
  gpointer found;
  g_autofree char *name = NULL;
  guint32 id;

  if (g_hash_table_lookup_extended (process->native_ids, &key, NULL, &found))
    return GPOINTER_TO_UINT (found);
  name = spy_mixed_frame_native_name (frame);
  id = spy_profile_intern_frame (self->interned, name, spy_mixed_frame_native_file (frame),
                                 0, SPY_FRAME_NATIVE);
  g_hash_table_insert (process->native_ids, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (id));
  return id;
}

/* The stack id of @stack, outermost first into the trie. */
static guint32
stack_id (SpyWorker            *self,
          Process              *process,
          const SpyThreadStack *stack)
{
  guint32 id = SPY_STACK_ROOT;

  if (stack->mixed == NULL)
    {
      for (guint j = stack->frames->len; j > 0; j--)
        id = spy_profile_intern_stack (self->interned, id,
                                       frame_id (self, process, &g_array_index (stack->frames, SpyFrame, j - 1)));
      return id;
    }
  for (guint j = stack->mixed->len; j > 0; j--)
    {
      const SpyMixedFrame *frame = &g_array_index (stack->mixed, SpyMixedFrame, j - 1);

      id = spy_profile_intern_stack (self->interned, id,
                                     frame->python != NULL ? frame_id (self, process, frame->python)
                                                           : native_frame_id (self, process, frame));
    }
  return id;
}

static void
add_stack (SpyWorker            *self,
           Process              *process,
           const SpyThreadStack *stack,
           gint64                elapsed_ns)
{
  ThreadInfo *info = lookup_thread (self, process->pid, stack, TRUE);
  SpyBatchSample sample;
  guint32 id = stack_id (self, process, stack);

  if (id == SPY_STACK_ROOT)
    return;  /* a thread with no Python frames (starting or ending) */

  sample.time_us = elapsed_ns / 1000;
  sample.thread = info->index;
  sample.stack = id;
  sample.flags = (stack->active ? 0 : SPY_SAMPLE_IDLE) | (stack->gil ? SPY_SAMPLE_GIL : 0);
  g_array_append_val (self->batch->samples, sample);
}

/* The threads of @pid on a CPU now (before a SIGSTOP makes all of them
 * look stopped). */
static GHashTable *
running_threads (GPid pid)
{
  GHashTable *running = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autofree char *path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *stat_path = g_strdup_printf ("%s/%s/stat", path, name);
      g_autofree char *stat = NULL;
      const char *paren;

      if (g_file_get_contents (stat_path, &stat, NULL, NULL) &&
          (paren = strrchr (stat, ')')) != NULL && paren[1] == ' ' && paren[2] == 'R')
        g_hash_table_add (running, GINT_TO_POINTER (atoi (name)));
    }
  return running;
}

/* SIGSTOP the target while reading it, for an exact snapshot. */
static gboolean
stop_target (GPid pid)
{
  char path[64];

  if (kill (pid, SIGSTOP) != 0)
    return FALSE;
  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  for (int i = 0; i < 1000; i++)
    {
      g_autofree char *stat = NULL;
      const char *paren;

      if (!g_file_get_contents (path, &stat, NULL, NULL))
        return TRUE;
      paren = strrchr (stat, ')');
      if (paren != NULL && paren[1] == ' ' && (paren[2] == 'T' || paren[2] == 't'))
        return TRUE;
      g_usleep (10);
    }
  return TRUE;
}

/* Samples one process; FALSE when it has exited. */
static gboolean
sample_process (SpyWorker *self,
                Process   *process,
                gint64     now,
                gint64     elapsed_ns)
{
  g_autoptr(GPtrArray) stacks = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) running = NULL;
  gboolean stopped = FALSE, thread_failed = FALSE;

  if (self->config.blocking)
    {
      running = running_threads (process->pid);
      stopped = stop_target (process->pid);
    }
  stacks = process->unwinder != NULL ? spy_native_sample (process->unwinder, process->walker, &error)
                                     : spy_stack_walker_sample (process->walker, &error);
  if (stacks != NULL)
    update_thread_names (self, process, stacks, now);
  if (stopped)
    kill (process->pid, SIGCONT);

  if (stacks == NULL)
    {
      if (spy_process_is_gone (process->pid))
        return FALSE;
      self->failed++;
      return TRUE;
    }

  if (spy_stack_walker_get_generation (process->walker) != process->generation)
    {
      process->generation = spy_stack_walker_get_generation (process->walker);
      g_hash_table_remove_all (process->frame_ids);
    }
  /* A library unloaded: its addresses may hold another now. */
  if (process->unwinder != NULL &&
      spy_native_modules_get_generation (spy_native_unwinder_get_modules (process->unwinder)) !=
      process->native_generation)
    {
      process->native_generation =
        spy_native_modules_get_generation (spy_native_unwinder_get_modules (process->unwinder));
      g_hash_table_remove_all (process->native_ids);
    }

  for (guint i = 0; i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      ThreadInfo *info = lookup_thread (self, process->pid, stack, FALSE);
      SpyTarget *target = spy_stack_walker_get_target (process->walker);

      /* ≤3.10 may learn native ids from the threading module. */
      if (stack->native_id == 0 && info != NULL && info->native_id != 0)
        stack->native_id = info->native_id;
      /* Active: runnable now, and not counted running for more time than
       * it used a CPU (a waiter woken every few ms is runnable often and
       * runs little). Not "holds the GIL": that would count its CPU time
       * twice. A thread whose kernel id is not known (yet) runs when it
       * holds the GIL, as the walker says. --blocking looked at who was
       * runnable before it stopped them all: a thread that SIGCONT woke
       * from its wait is runnable for a moment but runs little. */
      if (stack->native_id == 0)
        stack->active = stack->gil;
      else if (running != NULL)
        stack->active = spy_target_thread_ran_known (target, stack->native_id, now,
                                                     g_hash_table_contains (running,
                                                                            GINT_TO_POINTER ((int) stack->native_id)));
      else
        stack->active = spy_target_thread_ran (target, stack->native_id, now);
      if (!self->config.idle && !stack->active)
        continue;
      if (self->config.gil_only && !stack->gil)
        continue;
      /* --native: a stack without its native part would be a stack of
       * another shape; it is left out, and the sample counts as failed
       * (once, however many of its threads failed). */
      if (process->unwinder != NULL && stack->mixed == NULL)
        {
          thread_failed = TRUE;
          continue;
        }
      add_stack (self, process, stack, elapsed_ns);
    }
  if (thread_failed)
    self->failed++;
  return TRUE;
}

static gboolean
is_sampled (SpyWorker *self,
            int        pid)
{
  for (guint i = 0; i < self->processes->len; i++)
    if (((Process *) g_ptr_array_index (self->processes, i))->pid == pid)
      return TRUE;
  return FALSE;
}

/* --subprocesses: start sampling descendants that are Python, and the
 * root itself when it becomes Python (a shell wrapper that execs it). */
static void
find_children (SpyWorker *self,
               gint64     now)
{
  g_autoptr(GHashTable) parents = spy_process_tree_read ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, parents);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      int pid = GPOINTER_TO_INT (key);
      gint64 pid64 = pid, *first_seen;
      g_autoptr(SpyTarget) target = NULL;

      if (is_sampled (self, pid) || !spy_process_tree_is_under (parents, pid, self->root_pid))
        continue;
      first_seen = g_hash_table_lookup (self->not_python, &pid64);
      if (first_seen != NULL && now - *first_seen > CHILD_RETRY_NS)
        continue;
      if ((target = spy_target_open (pid, NULL)) != NULL)
        {
          g_ptr_array_add (self->processes, process_new (target, self->config.native));
          g_hash_table_remove (self->not_python, &pid64);
        }
      else if (first_seen == NULL)
        g_hash_table_insert (self->not_python, g_memdup2 (&pid64, sizeof pid64),
                             g_memdup2 (&now, sizeof now));
    }
}

/* Waits for the tick at @deadline: asleep if it is far, spinning on the
 * clock if a sleep would cost more than the wait, not at all if it has
 * passed.  At high rates this is what lets the work, not the wake, set
 * how many samples a second the machine can take. */
static void
wait_for_tick (gint64 deadline)
{
  gint64 left = deadline - now_ns ();

  if (left > SPIN_NS)
    {
      struct timespec ts = {
        .tv_sec = deadline / G_GINT64_CONSTANT (1000000000),
        .tv_nsec = deadline % G_GINT64_CONSTANT (1000000000),
      };

      while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
      return;
    }
  while (left > 0)
    {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause ();
#endif
      left = deadline - now_ns ();
    }
}

/* Waits while paused; FALSE when asked to stop. */
static gboolean
wait_while_paused (SpyWorker *self,
                   gboolean  *was_paused)
{
  gboolean go_on;

  g_mutex_lock (&self->mutex);
  *was_paused = FALSE;
  while (self->paused && !self->stop)
    {
      *was_paused = TRUE;
      g_cond_wait (&self->cond, &self->mutex);
    }
  go_on = !self->stop;
  g_mutex_unlock (&self->mutex);
  return go_on;
}

gpointer
spy_worker_run (gpointer data)
{
  SpyWorker *self = data;
  gint64 period = G_GINT64_CONSTANT (1000000000) / self->config.rate;
  gint64 start = now_ns (), next = start, last_flush = start, last_children = 0;
  gint64 elapsed = 0;
  gboolean exited = FALSE, was_paused;

  /* The default 50 µs of timer slack would make every sleep at 10 kHz
   * and above end late; the schedule is ours to keep. */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  while (wait_while_paused (self, &was_paused))
    {
      gint64 now;

      if (was_paused)
        next = now_ns ();
      next += period;
      wait_for_tick (next);

      /* Behind schedule: count the ticks we missed and skip them. */
      now = now_ns ();
      if (now - next >= period)
        {
          gint64 missed = (now - next) / period;

          self->late += missed;
          next += missed * period;
        }
      elapsed = now - start;
      self->taken++;

      if (self->config.subprocesses && now - last_children >= CHILDREN_INTERVAL_NS)
        {
          find_children (self, now);
          last_children = now;
          /* A root we only follow ends the recording when it exits. */
          exited = !is_sampled (self, self->root_pid) && spy_process_is_gone (self->root_pid);
        }
      for (guint i = self->processes->len; i > 0; i--)
        {
          Process *process = g_ptr_array_index (self->processes, i - 1);

          if (sample_process (self, process, now, elapsed))
            continue;
          if (process->pid == self->root_pid)
            exited = TRUE;
          else
            g_ptr_array_remove_index (self->processes, i - 1);
        }
      if (exited)
        break;

      if (now - last_flush >= FLUSH_INTERVAL_NS)
        {
          flush (self, elapsed, FALSE);
          last_flush = now;
        }
      if (self->config.duration_us > 0 && (guint64) elapsed / 1000 >= self->config.duration_us)
        break;
    }

  self->batch->exited = exited;
  flush (self, elapsed, TRUE);
  spy_worker_unref (self);
  return NULL;
}
