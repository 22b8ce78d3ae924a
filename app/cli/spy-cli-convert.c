/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli-convert.c: `spyglass convert`: from one profile format to another */

#include "config.h"

#include <stdio.h>

#include "spy-cli.h"
#include "spy-format.h"

int
spy_cli_convert (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("IN -o OUT - convert a profile");
  g_autoptr(GError) error = NULL;
  g_autoptr(SpyProfile) profile = NULL;
  g_autofree char *output = NULL;
  g_autofree char *format_name = NULL;
  g_auto(GStrv) inputs = NULL;
  gboolean function = FALSE, threads = FALSE, full_filenames = FALSE;
  SpyExportOptions export = SPY_EXPORT_OPTIONS_INIT;
  SpyFormat format;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The file to write", "OUT" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name, "spyprof, speedscope, collapsed (raw) or svg (default: from OUT)", "FORMAT" },
    { "function", 'F', 0, G_OPTION_ARG_NONE, &function, "Aggregate by function, not by line", NULL },
    { "threads", 't', 0, G_OPTION_ARG_NONE, &threads, "Show each thread as its own root (collapsed, SVG)", NULL },
    { "full-filenames", 0, 0, G_OPTION_ARG_NONE, &full_filenames, "Show file names in full", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "IN" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Reads .spyprof, speedscope and collapsed-stack files (the format is\n"
    "recognized from the content); writes those or an SVG flamegraph.\n");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto usage;
  if (inputs == NULL || inputs[0] == NULL || inputs[1] != NULL || output == NULL)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "give one input file and -o OUT");
      goto usage;
    }
  if (format_name != NULL ? !spy_format_from_name (format_name, &format)
                          : !spy_format_from_filename (output, &format))
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "cannot tell which format to write: give -f spyprof|speedscope|collapsed|svg");
      goto usage;
    }

  if (!(profile = spy_profile_load (inputs[0], &error)))
    goto failed;
  export.aggregation = function ? SPY_AGGREGATE_FUNCTION : SPY_AGGREGATE_LINE;
  export.per_thread = threads;
  export.full_filenames = full_filenames;
  if (!spy_profile_save (profile, output, format, &export, &error))
    goto failed;
  fprintf (stderr, "spyglass: wrote %u samples to %s\n", spy_profile_get_n_samples (profile), output);
  return SPY_EXIT_OK;

usage:
  fprintf (stderr, "spyglass convert: %s\n", error->message);
  return SPY_EXIT_USAGE;
failed:
  fprintf (stderr, "spyglass convert: %s\n", error->message);
  return SPY_EXIT_FAILED;
}
