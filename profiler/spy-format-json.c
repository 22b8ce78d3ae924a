/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format-json.c: a strict, bounded JSON pull reader for large profile files */

#include "config.h"

#include <math.h>
#include <string.h>

#include "spy-format-json.h"
#include "spy-format-private.h"

/* Deeper nesting than any of our formats uses; bounds the recursion of
 * spy_json_cursor_skip() on hostile input. */
#define MAX_SKIP_DEPTH 64
#define MAX_KEY_LEN    256

void
spy_json_cursor_init (SpyJsonCursor *c,
                      const char    *data,
                      gsize          len,
                      GError       **error)
{
  c->start = data;
  c->p = data;
  c->end = data + len;
  c->error = error;
  c->failed = FALSE;
}

gboolean
spy_json_cursor_fail (SpyJsonCursor *c,
                      const char    *format,
                      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (c->failed)
    return FALSE;
  c->failed = TRUE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (c->p >= c->end)
    spy_format_set_corrupt (c->error, "%s, but the file ends (is it truncated?)", message);
  else
    spy_format_set_corrupt (c->error, "%s at byte %" G_GSIZE_FORMAT, message,
                            (gsize) (c->p - c->start));
  return FALSE;
}

static inline void
skip_space (SpyJsonCursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
    c->p++;
}

char
spy_json_cursor_peek (SpyJsonCursor *c)
{
  if (c->failed)
    return '\0';
  skip_space (c);
  return c->p < c->end ? *c->p : '\0';
}

gboolean
spy_json_cursor_take (SpyJsonCursor *c,
                      char           ch)
{
  if (spy_json_cursor_peek (c) != ch || c->p >= c->end)
    return spy_json_cursor_fail (c, "expected “%c”", ch);
  c->p++;
  return TRUE;
}

gboolean
spy_json_cursor_array_next (SpyJsonCursor *c,
                            gboolean      *first)
{
  char ch = spy_json_cursor_peek (c);

  if (c->failed)
    return FALSE;
  if (ch == ']')
    {
      c->p++;
      return FALSE;
    }
  if (!*first && !spy_json_cursor_take (c, ','))
    return FALSE;
  *first = FALSE;
  return TRUE;
}

gboolean
spy_json_cursor_object_next (SpyJsonCursor *c,
                             gboolean      *first,
                             char         **key)
{
  char ch = spy_json_cursor_peek (c);

  *key = NULL;
  if (c->failed)
    return FALSE;
  if (ch == '}')
    {
      c->p++;
      return FALSE;
    }
  if (!*first && !spy_json_cursor_take (c, ','))
    return FALSE;
  *first = FALSE;
  if (!spy_json_cursor_string (c, MAX_KEY_LEN, FALSE, key))
    return FALSE;
  if (!spy_json_cursor_take (c, ':'))
    {
      g_clear_pointer (key, g_free);
      return FALSE;
    }
  return TRUE;
}

static int
hex_value (char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (SpyJsonCursor *c,
           gunichar      *out)
{
  *out = 0;
  if (c->end - c->p < 4)
    return spy_json_cursor_fail (c, "a \\u escape is cut short");
  for (int i = 0; i < 4; i++)
    {
      int v = hex_value (c->p[i]);

      if (v < 0)
        return spy_json_cursor_fail (c, "a \\u escape has a character that is not hexadecimal");
      *out = *out << 4 | v;
    }
  c->p += 4;
  return TRUE;
}

/* After "\u": one code point, joining a surrogate pair. */
static gboolean
read_unicode_escape (SpyJsonCursor *c,
                     gunichar      *out)
{
  gunichar low;

  if (!read_hex4 (c, out))
    return FALSE;
  if (*out >= 0xdc00 && *out <= 0xdfff)
    return spy_json_cursor_fail (c, "a \\u escape is half of a surrogate pair");
  if (*out < 0xd800 || *out > 0xdbff)
    {
      if (*out == 0)
        *out = 0xfffd;
      return TRUE;
    }
  if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
    return spy_json_cursor_fail (c, "a \\u escape is half of a surrogate pair");
  c->p += 2;
  if (!read_hex4 (c, &low))
    return FALSE;
  if (low < 0xdc00 || low > 0xdfff)
    return spy_json_cursor_fail (c, "a \\u escape is half of a surrogate pair");
  *out = 0x10000 + ((*out - 0xd800) << 10) + (low - 0xdc00);
  return TRUE;
}

static gboolean
read_escape (SpyJsonCursor *c,
             GString       *buf)
{
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  const char *found;
  gunichar ch;

  if (c->p >= c->end)
    return spy_json_cursor_fail (c, "a string is cut short");
  if (*c->p == 'u')
    {
      c->p++;
      if (!read_unicode_escape (c, &ch))
        return FALSE;
      g_string_append_unichar (buf, ch);
      return TRUE;
    }
  found = *c->p != '\0' ? strchr (from, *c->p) : NULL;
  if (found == NULL)
    return spy_json_cursor_fail (c, "a string has an unknown escape");
  g_string_append_c (buf, to[found - from]);
  c->p++;
  return TRUE;
}

static gboolean
read_literal (SpyJsonCursor *c,
              const char    *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return spy_json_cursor_fail (c, "expected a value");
  c->p += len;
  return TRUE;
}

gboolean
spy_json_cursor_string (SpyJsonCursor *c,
                        gsize          max_len,
                        gboolean       allow_null,
                        char         **out)
{
  g_autoptr(GString) buf = NULL;

  *out = NULL;
  if (allow_null && spy_json_cursor_peek (c) == 'n')
    return read_literal (c, "null");
  if (!spy_json_cursor_take (c, '"'))
    return FALSE;
  buf = g_string_new (NULL);
  for (;;)
    {
      const char *run = c->p;

      while (c->p < c->end && *c->p != '"' && *c->p != '\\' && (guchar) *c->p >= 0x20)
        c->p++;
      g_string_append_len (buf, run, c->p - run);
      if (buf->len > max_len)
        return spy_json_cursor_fail (c, "a string is longer than %" G_GSIZE_FORMAT " bytes", max_len);
      if (c->p >= c->end)
        return spy_json_cursor_fail (c, "a string is cut short");
      if (*c->p == '"')
        break;
      if (*c->p != '\\')
        return spy_json_cursor_fail (c, "a string holds a control character");
      c->p++;
      if (!read_escape (c, buf))
        return FALSE;
    }
  c->p++;
  /* Raw bytes pass through; whoever stores the string makes it valid
   * UTF-8. A NUL cannot get here: it is a control character. */
  *out = g_string_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

/* Digits of a whole number, with its sign; refuses fractions and exponents. */
static gboolean
read_number (SpyJsonCursor *c,
             gboolean      *negative,
             guint64       *magnitude)
{
  guint64 value = 0;
  const char *digits;

  skip_space (c);
  *negative = c->p < c->end && *c->p == '-';
  if (*negative)
    c->p++;
  digits = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
    {
      guint d = *c->p - '0';

      if (value > (G_MAXUINT64 - d) / 10)
        return spy_json_cursor_fail (c, "a number is too large");
      value = value * 10 + d;
      c->p++;
    }
  if (c->p == digits)
    return spy_json_cursor_fail (c, "expected a number");
  if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
    return spy_json_cursor_fail (c, "expected a whole number");
  *magnitude = value;
  return TRUE;
}

gboolean
spy_json_cursor_int (SpyJsonCursor *c,
                     gint64         min,
                     gint64         max,
                     gint64        *out)
{
  gboolean negative;
  guint64 magnitude;
  const char *at = c->p;

  if (c->failed || !read_number (c, &negative, &magnitude))
    return FALSE;
  if (negative ? magnitude > (guint64) G_MAXINT64 + 1 : magnitude > G_MAXINT64)
    {
      c->p = at;
      return spy_json_cursor_fail (c, "a number is too large");
    }
  *out = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  if (*out < min || *out > max)
    {
      c->p = at;
      return spy_json_cursor_fail (c, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                                   " to %" G_GINT64_FORMAT ")", *out, min, max);
    }
  return TRUE;
}

gboolean
spy_json_cursor_uint64 (SpyJsonCursor *c,
                        guint64       *out)
{
  gboolean negative;

  if (c->failed || !read_number (c, &negative, out))
    return FALSE;
  if (negative && *out != 0)
    return spy_json_cursor_fail (c, "expected a number that is not negative");
  return TRUE;
}

gboolean
spy_json_cursor_double (SpyJsonCursor *c,
                        double        *out)
{
  char buf[64];
  gsize len = 0;
  char *end;

  if (c->failed)
    return FALSE;
  skip_space (c);
  while (c->p + len < c->end && len < sizeof buf - 1 && strchr ("0123456789.eE+-", c->p[len]) != NULL &&
         c->p[len] != '\0')
    len++;
  memcpy (buf, c->p, len);
  buf[len] = '\0';
  *out = g_ascii_strtod (buf, &end);
  if (len == 0 || end != buf + len || !isfinite (*out))
    return spy_json_cursor_fail (c, "expected a number");
  c->p += len;
  return TRUE;
}

static gboolean
skip_value (SpyJsonCursor *c,
            guint          depth)
{
  char ch = spy_json_cursor_peek (c);
  gboolean first = TRUE;
  g_autofree char *text = NULL;

  if (depth > MAX_SKIP_DEPTH)
    return spy_json_cursor_fail (c, "values are nested too deeply");
  switch (ch)
    {
    case '"':
      return spy_json_cursor_string (c, SPY_FORMAT_MAX_INPUT_STRING, FALSE, &text);
    case '[':
      c->p++;
      while (spy_json_cursor_array_next (c, &first))
        if (!skip_value (c, depth + 1))
          return FALSE;
      return !c->failed;
    case '{':
      c->p++;
      for (char *key; spy_json_cursor_object_next (c, &first, &key); g_free (key))
        if (!skip_value (c, depth + 1))
          {
            g_free (key);
            return FALSE;
          }
      return !c->failed;
    case 't':
      return read_literal (c, "true");
    case 'f':
      return read_literal (c, "false");
    case 'n':
      return read_literal (c, "null");
    default:
      break;
    }
  /* A number: any shape JSON allows, since we only skip it. */
  if (!(ch == '-' || (ch >= '0' && ch <= '9')))
    return spy_json_cursor_fail (c, "expected a value");
  c->p++;
  while (c->p < c->end && strchr ("0123456789.eE+-", *c->p) != NULL && *c->p != '\0')
    c->p++;
  return TRUE;
}

gboolean
spy_json_cursor_skip (SpyJsonCursor *c)
{
  return skip_value (c, 0);
}

gboolean
spy_json_cursor_at_end (SpyJsonCursor *c)
{
  if (c->failed)
    return FALSE;
  skip_space (c);
  if (c->p != c->end)
    return spy_json_cursor_fail (c, "unexpected data after the end");
  return TRUE;
}
