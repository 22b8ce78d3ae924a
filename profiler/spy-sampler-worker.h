/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-sampler-worker.h: the sampler's worker thread and the batches it hands over */
#pragma once

#include "spy-profile.h"
#include "spy-sampler.h"
#include "spy-target.h"

G_BEGIN_DECLS



typedef struct {
  guint    rate;
  guint64  duration_us;     /* 0: until stopped */
  gboolean idle;
  gboolean gil_only;
  gboolean subprocesses;
  gboolean blocking;
  gboolean native;          /* also each thread's native frames */
} SpyWorkerConfig;

typedef struct {
  char        *function;
  char        *file;
  gint32       line;
  SpyFrameKind kind;
} SpyBatchFrame;

typedef struct {
  guint32  index;           /* worker thread index: new when ≥ those seen */
  gint64   pid;
  guint64  thread_id;
  gint64   native_id;
  char    *name;
} SpyBatchThread;

typedef struct {
  guint64  time_us;
  guint32  thread;          /* worker thread index */
  guint32  stack;           /* worker stack id */
  guint8   flags;
} SpyBatchSample;

/* What the worker hands to the main thread: immutable once queued. Frames
 * and stacks are the ones new since the last batch, in worker id order. */
typedef struct {
  GArray  *frames;          /* SpyBatchFrame */
  GArray  *stacks;          /* SpyProfileStack, in worker ids */
  GArray  *threads;         /* SpyBatchThread: new ones and renames */
  GArray  *samples;         /* SpyBatchSample */
  guint64  samples_taken;
  guint64  samples_late;
  guint64  samples_failed;
  guint64  elapsed_us;
  gboolean last;            /* the worker has ended */
  gboolean exited;          /* …because the target exited */
  GError  *error;           /* …because of this error */
} SpyBatch;

typedef struct _SpyWorker SpyWorker;

/* Called on the main context when batches are waiting, with @owner, for as
 * long as the worker is owned. */
typedef void (*SpyWorkerNotify) (gpointer owner);

/* Samples @target, and with config->subprocesses the Python processes
 * under @root_pid; @target is NULL when the root is not Python. */
SpyWorker *spy_worker_new            (GPid                   root_pid,
                                      SpyTarget             *target,
                                      const SpyWorkerConfig *config,
                                      SpyWorkerNotify        notify,
                                      gpointer               owner);
SpyWorker *spy_worker_ref            (SpyWorker *self);
void       spy_worker_unref          (SpyWorker *self);
/* Main thread: after this, notify is not called any more. */
void       spy_worker_disown         (SpyWorker *self);
/* The thread function: g_thread_new (…, spy_worker_run, spy_worker_ref (w)). */
gpointer   spy_worker_run            (gpointer   data);
void       spy_worker_request_stop   (SpyWorker *self);
void       spy_worker_set_paused     (SpyWorker *self,
                                      gboolean   paused);
/* Next queued batch, or NULL. */
SpyBatch  *spy_worker_pop_batch      (SpyWorker *self);
void       spy_batch_free            (SpyBatch  *batch);

G_END_DECLS
