/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-pyrepr.h: a short repr() of an object in a target, read from outside */
#pragma once

#include "spy-pyobject.h"

G_BEGIN_DECLS

/* The built-in types and singletons a repr tells apart, by address in the
 * target (0 where the interpreter has none, e.g. no bytes type in 2.7:
 * its str is bytes). */
typedef struct {
  guint64 str;        /* PyUnicode_Type (3.x), PyString_Type (2.7) */
  guint64 bytes;      /* PyBytes_Type (3.x) */
  guint64 int_;       /* PyLong_Type (3.x), PyInt_Type (2.7) */
  guint64 long_;      /* PyLong_Type (2.7) */
  guint64 float_;
  guint64 list;
  guint64 tuple;
  guint64 dict;
  guint64 cell;
  guint64 none;       /* the objects themselves */
  guint64 true_;
  guint64 false_;
} SpyBuiltins;

/* Longest repr, in characters; longer ones end in "…". */
#define SPY_MAX_REPR_CHARS 200

/* Python's repr() of @addr for str, bytes, int (any size), float, bool,
 * None, list, tuple and dict (at most 8 elements, 2 levels deep, then "…"),
 * "<TYPE at 0xADDR>" for anything else; always valid UTF-8 with no control
 * characters. Never fails: what cannot be read says so in the text. */
char *spy_pyrepr (const SpyPyReader *reader,
                  const SpyBuiltins *builtins,
                  guint64            addr);

G_END_DECLS
