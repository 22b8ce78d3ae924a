/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: dispatch to the CLI commands (and, later, the desktop app) */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/spy-cli.h"

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage:\n"
           "  spyglass record (-p PID | -- COMMAND [ARGS…]) [-o FILE] [-f FORMAT] [-r RATE]\n"
           "                  [-d SECONDS] [--idle] [--gil] [--threads] [--subprocesses]\n"
           "                  [--function] [--full-filenames] [--nonblocking|--blocking]\n"
           "                      Sample until Ctrl+C (or -d, or the target's exit) and save\n"
           "  spyglass top (-p PID | -- COMMAND [ARGS…]) [-r RATE] [--interval SECONDS]\n"
           "               [-d SECONDS] [--idle] [--gil] [--subprocesses] [--function]\n"
           "               [--full-filenames]\n"
           "                      Live table of the functions the target spends its time in\n"
           "  spyglass dump -p PID [--json] [--full-filenames]\n"
           "                      Print every thread's current Python stack\n"
           "  spyglass convert IN -o OUT [-f FORMAT]\n"
           "                      Convert between .spyprof, speedscope, collapsed and SVG\n"
           "  spyglass --demo     Start the bundled demo workload and show its stacks\n"
           "  spyglass --version  Print the version\n"
           "\n"
           "Run `spyglass COMMAND --help` for a command's options.\n"
           "\n"
           "Spyglass reads a running Python 3.8–3.13 process from outside: no code\n"
           "runs in the target and it needs no restart. Reading another user's\n"
           "process needs root or CAP_SYS_PTRACE (see README.md, Permissions).\n"
           "\n"
           "%s", spy_cli_exit_codes_help);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_usage (stderr);
      return SPY_EXIT_USAGE;
    }
  if (strcmp (argv[1], "dump") == 0)
    return spy_cli_dump (argc - 1, argv + 1);
  if (strcmp (argv[1], "record") == 0)
    return spy_cli_record (argc - 1, argv + 1);
  if (strcmp (argv[1], "top") == 0)
    return spy_cli_top (argc - 1, argv + 1);
  if (strcmp (argv[1], "convert") == 0)
    return spy_cli_convert (argc - 1, argv + 1);
  if (strcmp (argv[1], "--demo") == 0 || strcmp (argv[1], "demo") == 0)
    return spy_cli_demo (argc - 1, argv + 1);
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("spyglass %s\n", PACKAGE_VERSION);
      return SPY_EXIT_OK;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return SPY_EXIT_OK;
    }

  fprintf (stderr, "spyglass: unknown command “%s”\n\n", argv[1]);
  print_usage (stderr);
  return SPY_EXIT_USAGE;
}
