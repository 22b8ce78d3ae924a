/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-pyrepr.c: a short repr() of an object in a target, read from outside */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spy-pyrepr.h"

#define MAX_ELEMENTS   8
#define MAX_DEPTH      2
#define MAX_INT_DIGITS 70    /* 30-bit digits: 2100 bits, 633 decimal digits */

/* The same in every version (tests/offsets checks them as assumptions). */
#define VAR_OB_SIZE    16    /* PyVarObject.ob_size */
#define LIST_OB_ITEM   24    /* PyListObject.ob_item */
#define FLOAT_OB_FVAL  16    /* PyFloatObject.ob_fval */

typedef struct {
  const SpyPyReader *reader;
  const SpyBuiltins *builtins;
  GString           *out;
} Repr;

static void repr_object (Repr *r, guint64 addr, guint depth);

static gboolean
full (Repr *r)
{
  return g_utf8_strlen (r->out->str, r->out->len) > SPY_MAX_REPR_CHARS;
}

static void
append_unknown (Repr    *r,
                guint64  addr)
{
  g_autofree char *type = spy_pyobject_type_name (r->reader, addr);
  g_autoptr(GString) clean = g_string_new (NULL);

  /* A type name is the target's: printable characters only. */
  for (const char *p = type ? type : "object"; *p != '\0' && clean->len < 64; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isprint (c) && c != '<' && c != '>')
        g_string_append_unichar (clean, c);
    }
  g_string_append_printf (r->out, "<%s at 0x%" G_GINT64_MODIFIER "x>", clean->str, addr);
}

/* A character of a str literal, escaped as Python does. */
static void
append_escaped (GString  *out,
                gunichar  c,
                gunichar  quote)
{
  if (c == quote || c == '\\')
    g_string_append_printf (out, "\\%c", (char) c);
  else if (c == '\n')
    g_string_append (out, "\\n");
  else if (c == '\r')
    g_string_append (out, "\\r");
  else if (c == '\t')
    g_string_append (out, "\\t");
  else if (c < 0x20 || c == 0x7f)
    g_string_append_printf (out, "\\x%02x", c);
  else if (!g_unichar_isprint (c))
    g_string_append_printf (out, c <= 0xff ? "\\x%02x" : c <= 0xffff ? "\\u%04x" : "\\U%08x", c);
  else
    g_string_append_unichar (out, c);
}

static void
repr_str (Repr    *r,
          guint64  addr)
{
  g_autofree char *text = spy_pyobject_read_str (r->reader, addr, NULL);
  gunichar quote;

  if (text == NULL)
    {
      append_unknown (r, addr);
      return;
    }
  /* Python's choice: single quotes unless the text has one and no double. */
  quote = strchr (text, '\'') != NULL && strchr (text, '"') == NULL ? '"' : '\'';
  g_string_append_unichar (r->out, quote);
  for (const char *p = text; *p != '\0' && !full (r); p = g_utf8_next_char (p))
    append_escaped (r->out, g_utf8_get_char (p), quote);
  g_string_append_unichar (r->out, quote);
}

/* bytes (3.x) and 2.7's str: each byte that is not printable ASCII as \xNN. */
static void
repr_bytes (Repr       *r,
            guint64     addr,
            const char *prefix)
{
  g_autoptr(GBytes) bytes = spy_pyobject_read_bytes (r->reader, addr, SPY_MAX_REPR_CHARS, NULL);
  const guint8 *data;
  gsize len;
  char quote;

  if (bytes == NULL)
    {
      gint64 size = -1;

      /* Too long to show whole: show its start. */
      if (spy_memory_read (r->reader->memory, addr + r->reader->layout->bytes_size, &size, sizeof size, NULL) &&
          size > SPY_MAX_REPR_CHARS)
        {
          guint8 head[SPY_MAX_REPR_CHARS];

          if (spy_memory_read (r->reader->memory, addr + r->reader->layout->bytes_sval, head, sizeof head, NULL))
            bytes = g_bytes_new (head, sizeof head);
        }
      if (bytes == NULL)
        {
          append_unknown (r, addr);
          return;
        }
    }
  data = g_bytes_get_data (bytes, &len);
  quote = memchr (data, '\'', len) != NULL && memchr (data, '"', len) == NULL ? '"' : '\'';
  g_string_append_printf (r->out, "%s%c", prefix, quote);
  for (gsize i = 0; i < len && !full (r); i++)
    {
      guint8 c = data[i];

      if (c == (guint8) quote || c == '\\')
        g_string_append_printf (r->out, "\\%c", c);
      else if (c == '\n')
        g_string_append (r->out, "\\n");
      else if (c == '\r')
        g_string_append (r->out, "\\r");
      else if (c == '\t')
        g_string_append (r->out, "\\t");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (r->out, "\\x%02x", c);
      else
        g_string_append_c (r->out, (char) c);
    }
  g_string_append_c (r->out, quote);
}

/* Any size: the 30-bit digits converted to base 10^9 limbs. */
static gboolean
repr_long (Repr    *r,
           guint64  addr)
{
  const SpyPythonLayout *layout = r->reader->layout;
  guint32 digits[MAX_INT_DIGITS];
  guint32 limbs[MAX_INT_DIGITS * 2] = { 0 };
  guint n_limbs = 1;
  guint64 ndigits;
  gboolean negative;

  if (!spy_pyobject_long_size (r->reader, addr, &ndigits, &negative, NULL))
    return FALSE;
  if (ndigits > MAX_INT_DIGITS)
    {
      g_string_append_printf (r->out, "<int of %" G_GUINT64_FORMAT " bits>", ndigits * 30);
      return TRUE;
    }
  if (ndigits > 0 &&
      !spy_memory_read (r->reader->memory, addr + layout->long_digit, digits, ndigits * 4, NULL))
    return FALSE;
  for (guint64 i = ndigits; i > 0; i--)
    {
      guint64 carry = digits[i - 1] & 0x3fffffff;

      for (guint j = 0; j < n_limbs; j++)
        {
          guint64 v = ((guint64) limbs[j] << 30) + carry;

          limbs[j] = v % 1000000000;
          carry = v / 1000000000;
        }
      while (carry > 0 && n_limbs < G_N_ELEMENTS (limbs))
        {
          limbs[n_limbs++] = carry % 1000000000;
          carry /= 1000000000;
        }
    }
  if (negative && (n_limbs > 1 || limbs[0] != 0))
    g_string_append_c (r->out, '-');
  g_string_append_printf (r->out, "%u", limbs[n_limbs - 1]);
  for (guint j = n_limbs - 1; j > 0; j--)
    g_string_append_printf (r->out, "%09u", limbs[j - 1]);
  return TRUE;
}

/* The shortest digits that read back as @value, laid out as Python's
 * repr() does: positional from 1e-4 up to 1e16, with ".0" when whole. */
static void
repr_float (Repr   *r,
            double  value)
{
  char buf[64];
  int precision, exponent;

  if (isnan (value))
    {
      g_string_append (r->out, "nan");
      return;
    }
  if (isinf (value))
    {
      g_string_append (r->out, value < 0 ? "-inf" : "inf");
      return;
    }
  for (precision = 1; precision < 17; precision++)
    {
      g_snprintf (buf, sizeof buf, "%.*e", precision - 1, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_snprintf (buf, sizeof buf, "%.*e", precision - 1, value);
  exponent = atoi (strchr (buf, 'e') + 1);
  if (exponent < -4 || exponent >= 16)
    {
      /* Python writes the exponent with at least two digits: 1e-05, 1e+16. */
      char *e = strchr (buf, 'e');

      *e = '\0';
      g_string_append_printf (r->out, "%se%c%02d", buf, exponent < 0 ? '-' : '+', ABS (exponent));
      return;
    }
  g_snprintf (buf, sizeof buf, "%.*f", MAX (precision - 1 - exponent, 0), value);
  g_string_append (r->out, buf);
  if (strchr (buf, '.') == NULL)
    g_string_append (r->out, ".0");
}

static void
repr_sequence (Repr       *r,
               guint64     addr,
               gboolean    is_tuple,
               guint       depth)
{
  const SpyPythonLayout *layout = r->reader->layout;
  guint64 items_at = addr + layout->tuple_items, items[MAX_ELEMENTS];
  gint64 size;
  guint n;

  if (!spy_memory_read (r->reader->memory, addr + VAR_OB_SIZE, &size, sizeof size, NULL) ||
      size < 0 ||
      (!is_tuple && !spy_memory_read_ptr (r->reader->memory, addr + LIST_OB_ITEM, &items_at, NULL)))
    {
      append_unknown (r, addr);
      return;
    }
  g_string_append_c (r->out, is_tuple ? '(' : '[');
  if (depth >= MAX_DEPTH && size > 0)
    {
      g_string_append (r->out, "…");
      g_string_append_c (r->out, is_tuple ? ')' : ']');
      return;
    }
  n = MIN (size, MAX_ELEMENTS);
  if (n > 0 && !spy_memory_read (r->reader->memory, items_at, items, n * sizeof (guint64), NULL))
    n = 0, size = 1;  /* shown as [...] below */
  for (guint i = 0; i < n && !full (r); i++)
    {
      if (i > 0)
        g_string_append (r->out, ", ");
      repr_object (r, items[i], depth + 1);
    }
  if ((gint64) n < size)
    g_string_append (r->out, n > 0 ? ", …" : "…");
  if (is_tuple && size == 1)
    g_string_append_c (r->out, ',');
  g_string_append_c (r->out, is_tuple ? ')' : ']');
}

typedef struct {
  Repr  *r;
  guint  depth;
  guint  n;
} DictRepr;

static gboolean
dict_entry_cb (guint64  key,
               guint64  value,
               gpointer user_data)
{
  DictRepr *d = user_data;

  if (d->n > 0)
    g_string_append (d->r->out, ", ");
  if (d->n == MAX_ELEMENTS || full (d->r))
    {
      g_string_append (d->r->out, "…");
      return FALSE;
    }
  repr_object (d->r, key, d->depth + 1);
  g_string_append (d->r->out, ": ");
  repr_object (d->r, value, d->depth + 1);
  d->n++;
  return TRUE;
}

static void
repr_dict (Repr    *r,
           guint64  addr,
           guint    depth)
{
  DictRepr d = { r, depth, 0 };
  gint64 used = 0;

  if (!spy_memory_read (r->reader->memory, addr + r->reader->layout->dict_used, &used, sizeof used, NULL))
    {
      append_unknown (r, addr);
      return;
    }
  g_string_append_c (r->out, '{');
  if (depth >= MAX_DEPTH && used > 0)
    g_string_append (r->out, "…");
  else if (!spy_pyobject_dict_foreach (r->reader, addr, dict_entry_cb, &d, NULL))
    g_string_append (r->out, d.n > 0 ? ", …" : "…");
  g_string_append_c (r->out, '}');
}

static void
repr_object (Repr    *r,
             guint64  addr,
             guint    depth)
{
  const SpyBuiltins *b = r->builtins;
  const SpyPythonLayout *layout = r->reader->layout;
  guint64 type = 0;

  if (addr == 0 || (addr & 7) != 0 ||
      !spy_memory_read_ptr (r->reader->memory, addr + layout->object_type, &type, NULL))
    {
      g_string_append_printf (r->out, "<unreadable at 0x%" G_GINT64_MODIFIER "x>", addr);
      return;
    }
  if (addr == b->none)
    g_string_append (r->out, "None");
  else if (addr == b->true_)
    g_string_append (r->out, "True");
  else if (addr == b->false_)
    g_string_append (r->out, "False");
  else if (type == 0)
    append_unknown (r, addr);
  else if (type == b->str && layout->str_is_bytes)
    repr_bytes (r, addr, "");
  else if (type == b->str)
    repr_str (r, addr);
  else if (type == b->bytes)
    repr_bytes (r, addr, "b");
  else if (type == b->int_ && layout->int_ival != SPY_OFFSET_NONE)
    {
      gint64 value;

      if (spy_memory_read (r->reader->memory, addr + layout->int_ival, &value, sizeof value, NULL))
        g_string_append_printf (r->out, "%" G_GINT64_FORMAT, value);
      else
        append_unknown (r, addr);
    }
  else if (type == b->int_ || type == b->long_)
    {
      if (!repr_long (r, addr))
        append_unknown (r, addr);
      else if (type == b->long_ && b->long_ != b->int_)
        g_string_append_c (r->out, 'L');  /* 2.7 */
    }
  else if (type == b->float_)
    {
      double value;

      if (spy_memory_read (r->reader->memory, addr + FLOAT_OB_FVAL, &value, sizeof value, NULL))
        repr_float (r, value);
      else
        append_unknown (r, addr);
    }
  else if (type == b->list || type == b->tuple)
    repr_sequence (r, addr, type == b->tuple, depth);
  else if (type == b->dict)
    repr_dict (r, addr, depth);
  else
    append_unknown (r, addr);
}

char *
spy_pyrepr (const SpyPyReader *reader,
            const SpyBuiltins *builtins,
            guint64            addr)
{
  Repr r = { reader, builtins, g_string_new (NULL) };

  repr_object (&r, addr, 0);
  if (full (&r))
    {
      const char *end = g_utf8_offset_to_pointer (r.out->str, SPY_MAX_REPR_CHARS);

      g_string_truncate (r.out, end - r.out->str);
      g_string_append (r.out, "…");
    }
  return g_string_free (r.out, FALSE);
}
