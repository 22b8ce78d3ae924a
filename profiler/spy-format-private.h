/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format-private.h: pieces the format modules share (limits, escaping, frame text) */
#pragma once

#include "spy-format.h"

G_BEGIN_DECLS

/* What a loader accepts before it refuses with SPY_PROFILE_ERROR_LIMIT:
 * enough for hours of recording, small enough that a hostile file cannot
 * make us allocate without bound. */
#define SPY_FORMAT_MAX_SAMPLES      (50u * 1000u * 1000u)
#define SPY_FORMAT_MAX_TABLE        (16u * 1000u * 1000u)   /* strings, frames, stacks */
#define SPY_FORMAT_MAX_THREADS      G_MAXUINT16             /* as SpyProfile keeps */
#define SPY_FORMAT_MAX_DEPTH        4096u                   /* frames in one imported stack */
#define SPY_FORMAT_MAX_INPUT        ((gsize) 2 << 30)      /* 2 GiB, decompressed */
/* The sample limit loaders apply: SPY_FORMAT_MAX_SAMPLES, lowered only by
 * tests and fuzzers (to reach the limit cheaply). */
extern guint spy_format_max_samples;

/* Longest string a loader reads before it calls the file damaged; longer
 * than SPY_PROFILE_MAX_STRING so that foreign files are cut, not refused. */
#define SPY_FORMAT_MAX_INPUT_STRING (64u * 1024u)

/* Appends @string as a JSON string literal (quotes included). */
void     spy_format_append_json_string (GString    *out,
                                        const char *string);
/* Appends @string escaped for XML text and attributes; characters XML 1.0
 * forbids become U+FFFD. */
void     spy_format_append_xml_text    (GString    *out,
                                        const char *string);
void     spy_format_append_uint        (GString    *out,
                                        guint64     value);
void     spy_format_append_int         (GString    *out,
                                        gint64      value);

/* The file name as exports show it (shortened unless @options asks for
 * full names). Never NULL. */
char    *spy_format_file_name          (const SpyExportOptions *options,
                                        const char             *file);
/* "function (file:line)", or "function (file)" without a line. */
/* The kind of a frame read from a format that does not say it. */
SpyFrameKind spy_format_guess_kind     (const char             *function,
                                        const char             *file,
                                        gint64                  line);
void     spy_format_append_frame_text  (GString                *out,
                                        SpyProfile             *profile,
                                        const SpyProfileFrame  *frame,
                                        const SpyExportOptions *options);
/* Every sample, all threads, aggregated as @options says. */
void     spy_format_filter_init        (SpyProfileFilter       *filter,
                                        const SpyExportOptions *options);

/* A GError in SPY_PROFILE_ERROR, prefixed with "The profile is damaged: ". */
void     spy_format_set_corrupt        (GError    **error,
                                        const char *format,
                                        ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
