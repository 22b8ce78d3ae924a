/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-linetable.h: decode CPython's per-code-object line tables */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which encoding a code object's line table uses. */
typedef enum {
  SPY_LINETABLE_LNOTAB,     /* co_lnotab, 3.6 to 3.9: signed line steps */
  SPY_LINETABLE_310,        /* co_linetable, 3.10 */
  SPY_LINETABLE_LOCATIONS,  /* co_linetable location table, 3.11+ */
  SPY_LINETABLE_LNOTAB_27,  /* co_lnotab, 2.7: unsigned line steps */
} SpyLinetableKind;

typedef struct _SpyLineTable SpyLineTable;

/* Decodes @table once into a sorted list of (start, end, line) byte ranges.
 * Never fails: garbage gives a (possibly empty) table; decoding is bounded
 * by @len. */
SpyLineTable *spy_line_table_new    (SpyLinetableKind  kind,
                                     const guint8     *table,
                                     gsize             len,
                                     int               firstlineno);
/* Line of the instruction at @byte_offset (bytes from the start of the
 * bytecode), or -1 when the table has no line for it. */
int           spy_line_table_lookup (const SpyLineTable *self,
                                     int                 byte_offset);
void          spy_line_table_free   (SpyLineTable       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpyLineTable, spy_line_table_free)

G_END_DECLS
