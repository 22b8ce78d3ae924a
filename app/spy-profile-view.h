/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-profile-view.h: one profile: its facts, a flamegraph above a top table */
#pragma once

#include <gtk/gtk.h>

#include "spy-flamegraph.h"
#include "spy-sampler.h"
#include "spy-top-view.h"

G_BEGIN_DECLS

#define SPY_TYPE_PROFILE_VIEW (spy_profile_view_get_type ())
G_DECLARE_FINAL_TYPE (SpyProfileView, spy_profile_view, SPY, PROFILE_VIEW, GtkWidget)

GtkWidget     *spy_profile_view_new            (void);
/* Shows a finished (e.g. loaded) profile. */
void           spy_profile_view_set_profile    (SpyProfileView *self,
                                                SpyProfile     *profile);
/* Shows a recording as it fills, refreshed at least once a second. */
void           spy_profile_view_set_sampler    (SpyProfileView *self,
                                                SpySampler     *sampler);
SpyProfile    *spy_profile_view_get_profile    (SpyProfileView *self);
SpySampler    *spy_profile_view_get_sampler    (SpyProfileView *self);
/* Rebuilds the flamegraph and the table now (the refresh timer does this
 * while recording). */
void           spy_profile_view_refresh        (SpyProfileView *self);
SpyFlamegraph *spy_profile_view_get_flamegraph (SpyProfileView *self);
SpyTopView    *spy_profile_view_get_top_view   (SpyProfileView *self);
void           spy_profile_view_set_search     (SpyProfileView *self,
                                                const char     *text);
/* Thread index to show, or -1 for all threads. */
void           spy_profile_view_set_thread     (SpyProfileView *self,
                                                gint64          thread);
void           spy_profile_view_set_aggregation (SpyProfileView *self,
                                                 SpyAggregation  aggregation);

G_END_DECLS
