/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-profile-private.h: helpers shared by the profile's derived views */
#pragma once

#include "spy-call-tree.h"

G_BEGIN_DECLS

gboolean  spy_profile_filter_accepts (SpyProfile             *profile,
                                      const SpyProfileFilter *filter,
                                      guint                   sample);
/* Samples per stack id that pass @filter (spy_profile_get_n_stacks long). */
guint64  *spy_profile_count_stacks   (SpyProfile             *profile,
                                      const SpyProfileFilter *filter);

G_END_DECLS
