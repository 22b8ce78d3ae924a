/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format.h: saving and loading profiles in the formats people use */
#pragma once

#include "spy-call-tree.h"
#include "spy-profile.h"

G_BEGIN_DECLS

typedef enum {
  SPY_FORMAT_SPYPROF,      /* ours: gzip JSON, load and save */
  SPY_FORMAT_SPEEDSCOPE,   /* speedscope.app JSON, import and export */
  SPY_FORMAT_COLLAPSED,    /* "a;b;c 42" lines, import and export */
  SPY_FORMAT_SVG,          /* interactive flamegraph, export only */
} SpyFormat;

typedef struct {
  SpyAggregation aggregation;     /* line (default) or function */
  gboolean       full_filenames;  /* else shortened as in dump */
  gboolean       per_thread;      /* collapsed/SVG: a root frame per thread */
  const char    *title;           /* SVG title, or NULL */
} SpyExportOptions;

#define SPY_EXPORT_OPTIONS_INIT { SPY_AGGREGATE_LINE, FALSE, FALSE, NULL }

/* "spyprof", "speedscope", "collapsed" (or "raw"), "svg". */
gboolean    spy_format_from_name      (const char  *name,
                                       SpyFormat   *format);
const char *spy_format_to_name        (SpyFormat    format);
/* From a file name's extension: .spyprof, .speedscope.json / .json,
 * .txt / .collapsed / .folded, .svg. */
gboolean    spy_format_from_filename  (const char  *filename,
                                       SpyFormat   *format);

/* Writes atomically: to a temporary file in the same folder, then renamed. */
gboolean    spy_profile_save          (SpyProfile             *profile,
                                       const char             *filename,
                                       SpyFormat               format,
                                       const SpyExportOptions *options,
                                       GError                **error);
/* Recognizes the format from the content. Corrupt, truncated or hostile
 * input gives a GError, never a crash. */
SpyProfile *spy_profile_load          (const char             *filename,
                                       GError                **error);
SpyProfile *spy_profile_load_bytes    (GBytes                 *bytes,
                                       GError                **error);

/* The pieces, for tests and fuzzers. */
GBytes     *spy_format_spyprof_save   (SpyProfile *profile, GError **error);
SpyProfile *spy_format_spyprof_load   (GBytes *bytes, GError **error);
GBytes     *spy_format_speedscope_save (SpyProfile *profile, const SpyExportOptions *options, GError **error);
SpyProfile *spy_format_speedscope_load (GBytes *bytes, GError **error);
GBytes     *spy_format_collapsed_save (SpyProfile *profile, const SpyExportOptions *options, GError **error);
SpyProfile *spy_format_collapsed_load (GBytes *bytes, GError **error);
GBytes     *spy_format_svg_save       (SpyProfile *profile, const SpyExportOptions *options, GError **error);

G_END_DECLS
