/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-format.c: format names, atomic saving, loading by content, shared escaping */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "spy-format-private.h"
#include "spy-target.h"

guint spy_format_max_samples = SPY_FORMAT_MAX_SAMPLES;

static const struct {
  const char *name;
  SpyFormat   format;
} format_names[] = {
  { "spyprof",    SPY_FORMAT_SPYPROF },
  { "speedscope", SPY_FORMAT_SPEEDSCOPE },
  { "collapsed",  SPY_FORMAT_COLLAPSED },
  { "raw",        SPY_FORMAT_COLLAPSED },
  { "folded",     SPY_FORMAT_COLLAPSED },
  { "svg",        SPY_FORMAT_SVG },
};

/* Longest suffix first: ".speedscope.json" before ".json". */
static const struct {
  const char *suffix;
  SpyFormat   format;
} format_suffixes[] = {
  { ".spyprof",         SPY_FORMAT_SPYPROF },
  { ".speedscope.json", SPY_FORMAT_SPEEDSCOPE },
  { ".json",            SPY_FORMAT_SPEEDSCOPE },
  { ".collapsed",       SPY_FORMAT_COLLAPSED },
  { ".folded",          SPY_FORMAT_COLLAPSED },
  { ".txt",             SPY_FORMAT_COLLAPSED },
  { ".svg",             SPY_FORMAT_SVG },
};

gboolean
spy_format_from_name (const char *name,
                      SpyFormat  *format)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (name, format_names[i].name) == 0)
      {
        if (format != NULL)
          *format = format_names[i].format;
        return TRUE;
      }
  return FALSE;
}

const char *
spy_format_to_name (SpyFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (format_names[i].format == format)
      return format_names[i].name;
  g_return_val_if_reached (NULL);
}

gboolean
spy_format_from_filename (const char *filename,
                          SpyFormat  *format)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (filename != NULL, FALSE);

  lower = g_ascii_strdown (filename, -1);
  for (guint i = 0; i < G_N_ELEMENTS (format_suffixes); i++)
    if (g_str_has_suffix (lower, format_suffixes[i].suffix))
      {
        if (format != NULL)
          *format = format_suffixes[i].format;
        return TRUE;
      }
  return FALSE;
}

static GBytes *
format_save_bytes (SpyProfile             *profile,
                   SpyFormat               format,
                   const SpyExportOptions *options,
                   GError                **error)
{
  switch (format)
    {
    case SPY_FORMAT_SPYPROF:
      return spy_format_spyprof_save (profile, error);
    case SPY_FORMAT_SPEEDSCOPE:
      return spy_format_speedscope_save (profile, options, error);
    case SPY_FORMAT_COLLAPSED:
      return spy_format_collapsed_save (profile, options, error);
    case SPY_FORMAT_SVG:
      return spy_format_svg_save (profile, options, error);
    default:
      g_set_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                   "Spyglass cannot save in format %d", (int) format);
      return NULL;
    }
}

gboolean
spy_profile_save (SpyProfile             *profile,
                  const char             *filename,
                  SpyFormat               format,
                  const SpyExportOptions *options,
                  GError                **error)
{
  static const SpyExportOptions defaults = SPY_EXPORT_OPTIONS_INIT;
  g_autoptr(GBytes) bytes = NULL;
  gconstpointer data;
  gsize len;

  g_return_val_if_fail (SPY_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (filename != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = format_save_bytes (profile, format, options ? options : &defaults, error);
  if (bytes == NULL)
    return FALSE;

  /* CONSISTENT: a temporary file in the same folder, renamed over the old
   * one, so a reader sees the old profile or the new one, never half. */
  data = g_bytes_get_data (bytes, &len);
  return g_file_set_contents_full (filename, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0666, error);
}

SpyProfile *
spy_profile_load (const char *filename,
                  GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GStatBuf st;
  gsize len;

  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Read, not mapped: a file truncated under us must not be a SIGBUS. */
  if (g_stat (filename, &st) == 0 && st.st_size > (goffset) SPY_FORMAT_MAX_INPUT)
    {
      g_set_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_LIMIT,
                   "“%s” is larger than 2 GiB, too large to open safely", filename);
      return NULL;
    }
  if (!g_file_get_contents (filename, &contents, &len, error))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  return spy_profile_load_bytes (bytes, error);
}

/* The first byte that is not JSON whitespace or a UTF-8 byte order mark. */
static gsize
skip_leading_space (const guint8 *data,
                    gsize         len)
{
  gsize i = 0;

  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
    i++;
  return i;
}

SpyProfile *
spy_profile_load_bytes (GBytes  *bytes,
                        GError **error)
{
  const guint8 *data;
  gsize len, start;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    return spy_format_spyprof_load (bytes, error);

  start = skip_leading_space (data, len);
  if (start < len && data[start] == '{')
    {
      /* Our own JSON, uncompressed, names itself near the start. */
      gsize head = MIN (len - start, 4096);

      if (memmem (data + start, head, "\"spyglass-profile\"", 18) != NULL)
        return spy_format_spyprof_load (bytes, error);
      return spy_format_speedscope_load (bytes, error);
    }
  if (start < len && memchr (data, '\0', MIN (len, 4096)) == NULL)
    return spy_format_collapsed_load (bytes, error);

  g_set_error_literal (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_FORMAT,
                       "This is not a profile Spyglass can read: it is neither a "
                       "Spyglass profile, a speedscope file nor collapsed stacks");
  return NULL;
}

void
spy_format_set_corrupt (GError    **error,
                        const char *format,
                        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SPY_PROFILE_ERROR, SPY_PROFILE_ERROR_CORRUPT,
               "The profile is damaged: %s", message);
}

void
spy_format_append_uint (GString *out,
                        guint64  value)
{
  char buf[24];
  guint i = sizeof buf;

  /* Hand-rolled: a million samples make printf the cost of saving. */
  do
    {
      buf[--i] = '0' + value % 10;
      value /= 10;
    }
  while (value != 0);
  g_string_append_len (out, buf + i, sizeof buf - i);
}

void
spy_format_append_int (GString *out,
                       gint64   value)
{
  if (value < 0)
    {
      g_string_append_c (out, '-');
      spy_format_append_uint (out, -(guint64) value);
    }
  else
    spy_format_append_uint (out, value);
}

void
spy_format_append_json_string (GString    *out,
                               const char *string)
{
  g_string_append_c (out, '"');
  for (const char *p = string; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* XML 1.0 allows tab, newline, carriage return, and U+0020 on, except the
 * surrogates and U+FFFE/U+FFFF. */
static gboolean
is_xml_char (gunichar c)
{
  if (c < 0x20)
    return c == '\t' || c == '\n' || c == '\r';
  if (c >= 0xd800 && c <= 0xdfff)
    return FALSE;
  return c != 0xfffe && c != 0xffff && c <= 0x10ffff;
}

void
spy_format_append_xml_text (GString    *out,
                            const char *string)
{
  const char *p = string;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append (out, "\xef\xbf\xbd");
          p++;
          continue;
        }
      switch (c)
        {
        case '&':  g_string_append (out, "&amp;"); break;
        case '<':  g_string_append (out, "&lt;"); break;
        case '>':  g_string_append (out, "&gt;"); break;
        case '"':  g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        /* Attribute values would fold these to spaces. */
        case '\n': g_string_append (out, "&#10;"); break;
        case '\r': g_string_append (out, "&#13;"); break;
        case '\t': g_string_append (out, "&#9;"); break;
        default:
          if (is_xml_char (c))
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          else
            g_string_append (out, "\xef\xbf\xbd");
        }
      p = g_utf8_next_char (p);
    }
}

char *
spy_format_file_name (const SpyExportOptions *options,
                      const char             *file)
{
  if (file == NULL)
    return g_strdup ("");
  if (options != NULL && options->full_filenames)
    return g_strdup (file);
  return spy_target_shorten_filename (NULL, file);
}

/* Characters that would split a frame or a line in collapsed stacks. */
static void
append_collapsed_safe (GString    *out,
                       const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ';')
        g_string_append_c (out, ',');
      else if (*p == '\n' || *p == '\r')
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, *p);
    }
}

/* Collapsed stacks and speedscope do not say a frame's kind. Ours write a
 * native frame with its library as the file and no line: a frame with a
 * line, or in Python source ("app.py", "<string>"), is Python; the idle
 * frame is itself; any other is native (a library, or no file at all:
 * perf's folded stacks). */
SpyFrameKind
spy_format_guess_kind (const char *function,
                       const char *file,
                       gint64      line)
{
  if (line > 0 || file[0] == '<' || g_str_has_suffix (file, ".py") || g_str_has_suffix (file, ".pyw"))
    return SPY_FRAME_PYTHON;
  if (file[0] == '\0' && strcmp (function, "<idle>") == 0)
    return SPY_FRAME_IDLE;
  return SPY_FRAME_NATIVE;
}

void
spy_format_append_frame_text (GString                *out,
                              SpyProfile             *profile,
                              const SpyProfileFrame  *frame,
                              const SpyExportOptions *options)
{
  g_autofree char *file = NULL;

  file = spy_format_file_name (options, spy_profile_get_string (profile, frame->file));
  append_collapsed_safe (out, spy_profile_get_string (profile, frame->function));
  /* A native frame in no file (a JIT's code): its address alone. */
  if (frame->kind == SPY_FRAME_NATIVE && file[0] == '\0')
    return;
  g_string_append (out, " (");
  append_collapsed_safe (out, file);
  if (frame->line > 0 && (options == NULL || options->aggregation == SPY_AGGREGATE_LINE))
    {
      g_string_append_c (out, ':');
      spy_format_append_int (out, frame->line);
    }
  g_string_append_c (out, ')');
}

void
spy_format_filter_init (SpyProfileFilter       *filter,
                        const SpyExportOptions *options)
{
  static const SpyProfileFilter all = SPY_PROFILE_FILTER_INIT;

  *filter = all;
  if (options != NULL)
    filter->aggregation = options->aggregation;
}
