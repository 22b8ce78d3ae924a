/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format-json.h: a strict, bounded JSON pull reader for large profile files */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* json-glib builds a node per value: for the millions of numbers in a
 * profile's sample columns that is most of the load time. This reader walks
 * the text in place, allocates nothing per number, and keeps every limit
 * (nesting, string length) explicit. After the first error every call
 * returns FALSE and the error stays the first one. */
typedef struct {
  const char *start;
  const char *p;
  const char *end;
  GError    **error;
  gboolean    failed;
} SpyJsonCursor;

void      spy_json_cursor_init        (SpyJsonCursor *c,
                                       const char    *data,
                                       gsize          len,
                                       GError       **error);
/* Sets a SPY_PROFILE_ERROR_CORRUPT error naming the byte offset; FALSE. */
gboolean  spy_json_cursor_fail        (SpyJsonCursor *c,
                                       const char    *format,
                                       ...) G_GNUC_PRINTF (2, 3);
/* The next significant character, or '\0' at the end. */
char      spy_json_cursor_peek        (SpyJsonCursor *c);
gboolean  spy_json_cursor_take        (SpyJsonCursor *c,
                                       char           ch);
/* Call with *first = TRUE after taking '['; TRUE while an element follows. */
gboolean  spy_json_cursor_array_next  (SpyJsonCursor *c,
                                       gboolean      *first);
/* Same for objects after '{'; reads the member's name and the ':'. */
gboolean  spy_json_cursor_object_next (SpyJsonCursor *c,
                                       gboolean      *first,
                                       char         **key);
/* A string of at most @max_len bytes once decoded; "null" gives NULL when
 * @allow_null. Never contains NUL: \u0000 becomes U+FFFD. */
gboolean  spy_json_cursor_string      (SpyJsonCursor *c,
                                       gsize          max_len,
                                       gboolean       allow_null,
                                       char         **out);
/* A whole number within [@min, @max] (no fraction, no exponent). */
gboolean  spy_json_cursor_int         (SpyJsonCursor *c,
                                       gint64         min,
                                       gint64         max,
                                       gint64        *out);
gboolean  spy_json_cursor_uint64      (SpyJsonCursor *c,
                                       guint64       *out);
/* Any JSON number that is finite as a double. */
gboolean  spy_json_cursor_double      (SpyJsonCursor *c,
                                       double        *out);
gboolean  spy_json_cursor_skip        (SpyJsonCursor *c);
/* Only whitespace remains. */
gboolean  spy_json_cursor_at_end     (SpyJsonCursor *c);

G_END_DECLS
