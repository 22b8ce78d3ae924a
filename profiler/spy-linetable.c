/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-linetable.c: decode CPython's per-code-object line tables */

#include "spy-linetable.h"

/* The tables come from another process and may be anything: every decoder
 * reads only within len, keeps its arithmetic in 64 bits, and stops at the
 * first value that could not come from a real code object. */
#define MAX_RANGES (1 << 20)

/* 3.11+ varints carry 6 bits per byte; CPython writes ints, so more than
 * six bytes (36 bits) is garbage. */
#define MAX_VARINT_BYTES 6

typedef struct {
  int start;  /* first byte offset covered */
  int end;    /* one past the last byte offset covered */
  int line;
} LineRange;

struct _SpyLineTable {
  int        firstlineno;  /* co_firstlineno, CPython's answer before offset 0 */
  guint      n_ranges;
  LineRange *ranges;       /* sorted by start, non-overlapping, line >= 0 */
};

typedef enum {
  ADD_OK,
  ADD_STOP,  /* cap reached or offsets past int: the table ends here */
} AddResult;

/* Appends [start, end) with @line.  Ranges without a line (-1, or the
 * negative lines only garbage produces) are not stored,
 * since a lookup that finds nothing already answers -1. */
static AddResult
add_range (GArray *ranges,
           gint64  start,
           gint64  end,
           gint64  line)
{
  LineRange *last;
  LineRange range;

  if (end > G_MAXINT)
    return ADD_STOP;
  if (end <= start || line < 0 || line > G_MAXINT)
    return ADD_OK;

  if (ranges->len > 0)
    {
      last = &g_array_index (ranges, LineRange, ranges->len - 1);
      if (last->end == start && last->line == line)
        {
          last->end = (int) end;
          return ADD_OK;
        }
    }

  if (ranges->len >= MAX_RANGES)
    return ADD_STOP;

  /* All three were checked to fit in an int above. */
  range.start = (int) start;
  range.end = (int) end;
  range.line = (int) line;
  g_array_append_val (ranges, range);
  return ADD_OK;
}

static inline gboolean
line_in_range (gint64 line)
{
  return line >= G_MININT && line <= G_MAXINT;
}

/* 3.8 and 3.9: pairs of (unsigned address increment, signed line
 * increment).  The line of an offset is firstlineno plus the line
 * increments of every pair whose cumulative address is <= offset; the last
 * line holds to the end of the code, whose length the table does not
 * know. */
static void
decode_lnotab (GArray       *ranges,
               const guint8 *table,
               gsize         len,
               int           firstlineno,
               gboolean      signed_lines)
{
  gint64 addr = 0;
  gint64 line = firstlineno;

  for (gsize i = 0; i + 1 < len; i += 2)
    {
      guint8 addr_incr = table[i];
      /* Lines only grew in a table before 3.6. */
      gint line_incr = signed_lines ? (gint8) table[i + 1] : table[i + 1];

      if (addr_incr != 0)
        {
          if (add_range (ranges, addr, addr + addr_incr, line) == ADD_STOP)
            return;
          addr += addr_incr;
        }

      line += line_incr;
      if (!line_in_range (line))
        return;
    }

  add_range (ranges, addr, G_MAXINT, line);
}

/* 3.10: pairs of (unsigned byte delta, signed line delta); each pair
 * covers the next delta bytes.  A line delta of -128 means "no line" and
 * leaves the running line alone; zero-width pairs only move the line. */
static void
decode_310 (GArray       *ranges,
            const guint8 *table,
            gsize         len,
            int           firstlineno)
{
  gint64 end = 0;
  gint64 computed = firstlineno;

  for (gsize i = 0; i + 1 < len; i += 2)
    {
      gint64 start = end;
      gint8 line_delta = (gint8) table[i + 1];
      gint64 line = -1;

      end += table[i];
      if (line_delta != -128)
        {
          computed += line_delta;
          if (!line_in_range (computed))
            return;
          line = computed;
        }

      if (add_range (ranges, start, end, line) == ADD_STOP)
        return;
    }
}

/* Reads an unsigned 3.11+ varint at *pos: 6 bits per byte, least
 * significant first, bit 6 set on every byte but the last. */
static gboolean
read_varint (const guint8 *table,
             gsize         len,
             gsize        *pos,
             guint64      *value)
{
  guint64 result = 0;

  for (guint n = 0; n < MAX_VARINT_BYTES; n++)
    {
      guint8 byte;

      if (*pos >= len)
        return FALSE;
      byte = table[(*pos)++];
      result |= (guint64) (byte & 63) << (6 * n);
      if ((byte & 64) == 0)
        {
          *value = result;
          return TRUE;
        }
    }

  return FALSE;
}

/* Signed varints keep the sign in the lowest bit. */
static gboolean
read_svarint (const guint8 *table,
              gsize         len,
              gsize        *pos,
              gint64       *value)
{
  guint64 raw;

  if (!read_varint (table, len, pos, &raw))
    return FALSE;
  *value = (raw & 1) ? -(gint64) (raw >> 1) : (gint64) (raw >> 1);
  return TRUE;
}

enum {
  LOCATION_ONE_LINE0 = 10,
  LOCATION_ONE_LINE2 = 12,
  LOCATION_NO_COLUMNS = 13,
  LOCATION_LONG = 14,
  LOCATION_NONE = 15,
};

/* Line delta of the location entry whose first byte is at @pos (only the
 * line matters to us: columns and end lines are skipped). */
static gboolean
location_line_delta (const guint8 *table,
                     gsize         len,
                     gsize         pos,
                     int           code,
                     gint64       *delta)
{
  gsize p = pos + 1;

  *delta = 0;
  if (code == LOCATION_LONG || code == LOCATION_NO_COLUMNS)
    return read_svarint (table, len, &p, delta);
  if (code >= LOCATION_ONE_LINE0 && code <= LOCATION_ONE_LINE2)
    *delta = code - LOCATION_ONE_LINE0;
  return TRUE;
}

/* 3.11, 3.12, 3.13: location entries.  The first byte of an entry is
 * 1cccclll (code c, length l+1 code units of 2 bytes); the bytes that
 * follow have bit 7 clear, which is how the next entry is found, as
 * CPython itself does.  Stray bytes with bit 7 clear are skipped. */
static void
decode_locations (GArray       *ranges,
                  const guint8 *table,
                  gsize         len,
                  int           firstlineno)
{
  gint64 end = 0;
  gint64 computed = firstlineno;
  gsize pos = 0;

  while (pos < len)
    {
      guint8 first = table[pos];
      int code = (first >> 3) & 15;
      gint64 start = end;
      gint64 delta;

      if ((first & 0x80) == 0)
        {
          pos++;
          continue;
        }

      if (!location_line_delta (table, len, pos, code, &delta))
        return;
      computed += delta;
      if (!line_in_range (computed))
        return;

      end += ((first & 7) + 1) * 2;
      if (add_range (ranges, start, end,
                     code == LOCATION_NONE ? -1 : computed) == ADD_STOP)
        return;

      for (pos++; pos < len && (table[pos] & 0x80) == 0; pos++)
        ;
    }
}

SpyLineTable *
spy_line_table_new (SpyLinetableKind  kind,
                    const guint8     *table,
                    gsize             len,
                    int               firstlineno)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (LineRange));
  SpyLineTable *self;

  g_return_val_if_fail (table != NULL || len == 0, NULL);

  switch (kind)
    {
    case SPY_LINETABLE_LNOTAB:
    case SPY_LINETABLE_LNOTAB_27:
      decode_lnotab (ranges, table, len, firstlineno, kind == SPY_LINETABLE_LNOTAB);
      break;
    case SPY_LINETABLE_310:
      decode_310 (ranges, table, len, firstlineno);
      break;
    case SPY_LINETABLE_LOCATIONS:
      decode_locations (ranges, table, len, firstlineno);
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  self = g_new0 (SpyLineTable, 1);
  self->firstlineno = firstlineno;
  self->n_ranges = ranges->len;
  self->ranges = (LineRange *) (gpointer) g_array_free (g_steal_pointer (&ranges), FALSE);
  return self;
}

int
spy_line_table_lookup (const SpyLineTable *self,
                       int                 byte_offset)
{
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (self != NULL, -1);

  /* Like PyCode_Addr2Line in every version: a frame that has not run its
   * first instruction yet (lasti -1) is on its def line. */
  if (byte_offset < 0)
    return self->firstlineno >= 0 ? self->firstlineno : -1;

  hi = self->n_ranges;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const LineRange *range = &self->ranges[mid];

      if (byte_offset < range->start)
        hi = mid;
      else if (byte_offset >= range->end)
        lo = mid + 1;
      else
        return range->line;
    }

  return -1;
}

void
spy_line_table_free (SpyLineTable *self)
{
  if (self == NULL)
    return;

  g_free (self->ranges);
  g_free (self);
}
