/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-sampler.h: samples a process on a worker thread and fills a SpyProfile */
#pragma once

#include "spy-profile.h"

G_BEGIN_DECLS

/* Samples per second at most. */
#define SPY_SAMPLER_MAX_RATE 1000000

#define SPY_TYPE_SAMPLER (spy_sampler_get_type ())
G_DECLARE_FINAL_TYPE (SpySampler, spy_sampler, SPY, SAMPLER, GObject)

SpySampler *spy_sampler_new               (GPid         pid);
/* Opens the target (errors a person can act on come back here, before any
 * thread starts) and starts sampling on a worker thread. */
gboolean    spy_sampler_start             (SpySampler  *self,
                                           GError     **error);
/* Stops sampling; samples already taken are merged into the profile
 * before this returns. */
void        spy_sampler_stop              (SpySampler  *self);
void        spy_sampler_pause             (SpySampler  *self);
void        spy_sampler_resume            (SpySampler  *self);

GPid        spy_sampler_get_pid           (SpySampler  *self);
guint       spy_sampler_get_rate          (SpySampler  *self);
void        spy_sampler_set_rate          (SpySampler  *self,
                                           guint        rate);
double      spy_sampler_get_duration      (SpySampler  *self);
void        spy_sampler_set_duration      (SpySampler  *self,
                                           double       seconds);
gboolean    spy_sampler_get_idle          (SpySampler  *self);
void        spy_sampler_set_idle          (SpySampler  *self,
                                           gboolean     idle);
gboolean    spy_sampler_get_gil_only      (SpySampler  *self);
void        spy_sampler_set_gil_only      (SpySampler  *self,
                                           gboolean     gil_only);
gboolean    spy_sampler_get_subprocesses  (SpySampler  *self);
void        spy_sampler_set_subprocesses  (SpySampler  *self,
                                           gboolean     subprocesses);
gboolean    spy_sampler_get_blocking      (SpySampler  *self);
void        spy_sampler_set_blocking      (SpySampler  *self,
                                           gboolean     blocking);
/* Also each thread's native (C, C++) frames, merged with its Python ones:
 * every thread is stopped briefly at each sample. */
gboolean    spy_sampler_get_native        (SpySampler  *self);
void        spy_sampler_set_native        (SpySampler  *self,
                                           gboolean     native);
gboolean    spy_sampler_get_running       (SpySampler  *self);
gboolean    spy_sampler_get_paused        (SpySampler  *self);

SpyProfile *spy_sampler_get_profile       (SpySampler  *self);
/* Counters, as of the last merged batch. */
guint64     spy_sampler_get_samples_taken  (SpySampler *self);
guint64     spy_sampler_get_samples_late   (SpySampler *self);
guint64     spy_sampler_get_samples_failed (SpySampler *self);
/* Seconds since the start, as of the last merged batch. */
double      spy_sampler_get_elapsed        (SpySampler *self);

G_END_DECLS
