/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-pyobject.h: read CPython objects (str, bytes, int, dict, attributes) */
#pragma once

#include "spy-memory.h"
#include "spy-python-layout.h"

G_BEGIN_DECLS

/* Longest string we take from a target, in characters. */
#define SPY_MAX_STRING_CHARS 1024

/* Where to read and how. */
typedef struct {
  SpyMemory             *memory;
  const SpyPythonLayout *layout;
} SpyPyReader;

/* A str object as valid UTF-8, at most SPY_MAX_STRING_CHARS characters
 * (longer ones end in "…"). */
char    *spy_pyobject_read_str      (const SpyPyReader *reader,
                                     guint64            addr,
                                     GError           **error);
/* A bytes object's contents, refused when longer than @max_len. */
GBytes  *spy_pyobject_read_bytes    (const SpyPyReader *reader,
                                     guint64            addr,
                                     gsize              max_len,
                                     GError           **error);
/* How many 30-bit digits an int (PyLongObject) has, and its sign: from
 * ob_size before 3.12, from lv_tag since. */
gboolean spy_pyobject_long_size     (const SpyPyReader *reader,
                                     guint64            addr,
                                     guint64           *n_digits,
                                     gboolean          *negative,
                                     GError           **error);
/* An int object that fits in 64 bits (unsigned values up to 2^64-1 are
 * returned through the same bits). */
gboolean spy_pyobject_read_int      (const SpyPyReader *reader,
                                     guint64            addr,
                                     gint64            *out,
                                     GError           **error);
/* The name of @addr's type ("int", "Thread"), or NULL. */
char    *spy_pyobject_type_name     (const SpyPyReader *reader,
                                     guint64            addr);

typedef gboolean (*SpyDictFunc) (guint64  key,
                                 guint64  value,
                                 gpointer user_data);

/* Calls @func for each (key, value) of a dict, stopping when it returns
 * FALSE. Bounded: at most 65536 entries. */
gboolean spy_pyobject_dict_foreach  (const SpyPyReader *reader,
                                     guint64            dict,
                                     SpyDictFunc        func,
                                     gpointer           user_data,
                                     GError           **error);
/* The value for str key @key, or 0 when absent. */
guint64  spy_pyobject_dict_get      (const SpyPyReader *reader,
                                     guint64            dict,
                                     const char        *key,
                                     GError           **error);
/* An instance attribute from the object's own dict (or inline values),
 * or 0 when absent. */
guint64  spy_pyobject_get_attr      (const SpyPyReader *reader,
                                     guint64            object,
                                     const char        *name,
                                     GError           **error);

G_END_DECLS
