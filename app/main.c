/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: dispatch to the CLI commands (and, later, the desktop app) */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/spy-cli.h"

#if HAVE_GUI
# include <glib/gi18n.h>
# include "spy-application.h"
#endif

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage:\n"
           "  spyglass record (-p PID | -- COMMAND [ARGS…]) [-o FILE] [-f FORMAT] [-r RATE]\n"
           "                  [-d SECONDS] [--idle] [--gil] [--threads] [--subprocesses]\n"
           "                  [--function] [--full-filenames] [--nonblocking|--blocking]\n"
           "                  [--native] [--save-every SECONDS]\n"
           "                      Sample until Ctrl+C (or -d, or the target's exit) and save\n"
           "                      (and every 30 s while recording)\n"
           "  spyglass top (-p PID | -- COMMAND [ARGS…]) [-r RATE] [--interval SECONDS]\n"
           "               [-d SECONDS] [--idle] [--gil] [--subprocesses] [--function]\n"
           "               [--full-filenames] [--native]\n"
           "                      Live table of the functions the target spends its time in\n"
           "  spyglass dump -p PID [--json] [--subprocesses] [--full-filenames] [--locals]\n"
           "                [--native]\n"
           "                      Print every thread's current Python stack (--native: with\n"
           "                      the C and C++ frames between the Python ones)\n"
           "  spyglass convert IN -o OUT [-f FORMAT]\n"
           "                      Convert between .spyprof, speedscope, collapsed and SVG\n"
           "  spyglass [FILE…]    Open the desktop app (and these profiles)\n"
           "  spyglass --demo     Start the bundled demo workload and record it live\n"
           "                      (without a display: record it for a few seconds into an SVG)\n"
           "  spyglass --version  Print the version\n"
           "\n"
           "Run `spyglass COMMAND --help` for a command's options.\n"
           "\n"
           "Spyglass reads a running Python 2.7 or 3.6–3.15 process from outside: no code\n"
           "runs in the target and it needs no restart. Reading another user's\n"
           "process needs root or CAP_SYS_PTRACE (see README.md, Permissions).\n"
           "\n"
           "%s", spy_cli_exit_codes_help);
}

#if HAVE_GUI
/* The desktop app. */
static int
run_gui (int    argc,
         char **argv)
{
  g_autoptr(SpyApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  app = spy_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
#endif

static gboolean
is_cli_command (const char *arg)
{
  static const char *commands[] = { "dump", "record", "top", "convert", "--version", "--help",
                                    "-h", "help", "demo", NULL };

  return g_strv_contains (commands, arg);
}

/* --demo: the demo workload, recorded live in a window, or without a
 * display for a few seconds into an SVG flamegraph. */
static int
run_demo (int    argc,
          char **argv)
{
#if HAVE_GUI
  if (gtk_init_check ())
    {
      g_autofree char *demo = spy_cli_find_demo ();
      const char *python = g_getenv ("SPYGLASS_DEMO_PYTHON");
      g_autoptr(SpyApplication) app = NULL;
      const char *launch[] = { python ? python : "python3", demo, "--quiet", NULL };
      char *gui_argv[] = { argv[0], NULL };

      if (demo == NULL)
        {
          fprintf (stderr, "spyglass: the demo workload (demo/spyglass-demo.py) is not installed\n");
          return SPY_EXIT_FAILED;
        }
      /* The window starts it, waits until it is Python (python3 may be a
       * shim), records it, and ends it when the window closes. */
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
      app = spy_application_new ();
      spy_application_set_launch (app, launch);
      return g_application_run (G_APPLICATION (app), 1, gui_argv);
    }
  fprintf (stderr, "spyglass: no display here (DISPLAY and WAYLAND_DISPLAY are unset or unusable); "
           "recording the demo without a window instead\n");
#endif
  return spy_cli_demo (argc, argv);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc >= 2 && strcmp (argv[1], "--demo") == 0)
    return run_demo (argc - 1, argv + 1);
  if (argc < 2 || !is_cli_command (argv[1]))
    {
#if HAVE_GUI
      return run_gui (argc, argv);
#else
      print_usage (stderr);
      return SPY_EXIT_USAGE;
#endif
    }
  if (strcmp (argv[1], "dump") == 0)
    return spy_cli_dump (argc - 1, argv + 1);
  if (strcmp (argv[1], "record") == 0)
    return spy_cli_record (argc - 1, argv + 1);
  if (strcmp (argv[1], "top") == 0)
    return spy_cli_top (argc - 1, argv + 1);
  if (strcmp (argv[1], "convert") == 0)
    return spy_cli_convert (argc - 1, argv + 1);
  if (strcmp (argv[1], "demo") == 0)
    return spy_cli_demo (argc - 1, argv + 1);
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("spyglass %s\n", PACKAGE_VERSION);
      return SPY_EXIT_OK;
    }
  print_usage (stdout);
  return SPY_EXIT_OK;
}
