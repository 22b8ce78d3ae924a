/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli.h: the headless commands: dump, record, top, convert */
#pragma once

#include <gio/gio.h>

#include "spy-native-merge.h"
#include "spy-sampler.h"
#include "spy-stack-walker.h"
#include "spy-target.h"

G_BEGIN_DECLS

/* Exit codes, documented in --help. */
typedef enum {
  SPY_EXIT_OK = 0,
  SPY_EXIT_FAILED = 1,          /* anything else */
  SPY_EXIT_USAGE = 2,           /* bad command line */
  SPY_EXIT_NO_SUCH_PROCESS = 3,
  SPY_EXIT_NOT_PYTHON = 4,      /* not Python, or a version we do not support */
  SPY_EXIT_PERMISSION = 5,
  SPY_EXIT_TARGET_EXITED = 6,
} SpyExitCode;

extern const char *spy_cli_exit_codes_help;

int         spy_cli_dump         (int argc, char **argv);
int         spy_cli_demo         (int argc, char **argv);
int         spy_cli_record       (int argc, char **argv);
int         spy_cli_top          (int argc, char **argv);
int         spy_cli_convert      (int argc, char **argv);

/* Every stack of @target, retrying reads the running target tore; with
 * @unwinder (--native, may be NULL) merged with the native stacks. */
GPtrArray  *spy_cli_read_stacks  (SpyStackWalker     *walker,
                                  SpyTarget          *target,
                                  SpyNativeUnwinder  *unwinder,
                                  GError            **error);
/* The exit code for an error from the engine. */
int         spy_cli_exit_code    (const GError    *error);
/* @text (from a target) as valid UTF-8 without control characters, which
 * could send escape sequences to a terminal; line breaks become spaces. */
char       *spy_cli_clean_text   (const char      *text);
/* Path of the bundled demo workload, or NULL. */
char       *spy_cli_find_demo    (void);

/* A target given as -p PID or as a command to start (after "--"). */
typedef struct {
  GPid         pid;
  GSubprocess *child;          /* when we started it */
} SpyCliTarget;

/* The options every sampling command shares: a pid or a command (not
 * both), and a rate in range. */
gboolean    spy_cli_check_target_options (const char  *pid_text,
                                          char       **command,
                                          int          rate,
                                          GError     **error);
/* Starts @command when given, and waits until it runs Python. */
gboolean    spy_cli_target_init  (SpyCliTarget    *target,
                                  GPid             pid,
                                  char           **command,
                                  GError         **error);
/* Starts @sampler on the target; for a command just started, retries while
 * it is still becoming Python (a shell wrapper, say). */
gboolean    spy_cli_target_start (SpyCliTarget    *target,
                                  SpySampler      *sampler,
                                  GError         **error);
/* Ends a child we started (SIGINT, SIGTERM, then SIGKILL), leaves a
 * process we only attached to alone. */
void        spy_cli_target_clear (SpyCliTarget    *target);

G_END_DECLS
