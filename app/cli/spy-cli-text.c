/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli-text.c: strings from a target, made safe to print on a terminal */

#include "config.h"

#include <string.h>

#include "spy-cli.h"

char *
spy_cli_clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Line breaks and tabs (a `python -c` program) read as spaces; other
       * control characters (C0, DEL, C1) could start escape sequences. */
      if (c == '\n' || c == '\t' || c == '\r')
        g_string_append_c (out, ' ');
      else if (!(c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)))
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}
