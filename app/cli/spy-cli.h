/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli.h: the headless commands (dump, and later record, top, convert) */
#pragma once

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

int  spy_cli_dump         (int      argc,
                           char   **argv);
int  spy_cli_demo         (int      argc,
                           char   **argv);
/* The exit code for an error from the engine. */
GPtrArray *spy_cli_read_stacks (SpyStackWalker *walker,
                                SpyTarget      *target,
                                GError                **error);
/* The exit code for an error from the engine. */
int  spy_cli_exit_code    (const GError *error);
/* Path of the bundled demo workload, or NULL. */
char *spy_cli_find_demo   (void);

extern const char *spy_cli_exit_codes_help;

G_END_DECLS
