/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli-record.c: `spyglass record`: sample until stopped, then save */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "spy-cli.h"
#include "spy-format.h"

/* Unless told otherwise, what is recorded is saved this often, so that a
 * SIGKILL (an OOM kill, a crash) loses at most that much. */
#define DEFAULT_SAVE_EVERY 30

typedef struct {
  GMainLoop        *loop;
  SpySampler       *sampler;
  gboolean          progress;
  gboolean          interrupted;
  GError           *error;
  /* Where and how it is saved, at the end and every @save_every s. */
  const char       *output;
  SpyFormat         format;
  SpyExportOptions  export;
  double            save_every;
  gboolean          said_behind;
  /* The start of the second that say_if_behind() looks at. */
  double            window_at;
  guint64           window_taken, window_late;
} Recording;

static gboolean
on_signal (gpointer data)
{
  Recording *recording = data;

  recording->interrupted = TRUE;
  g_main_loop_quit (recording->loop);
  return G_SOURCE_CONTINUE;
}

/* A save while recording: atomic, so that the file is always whole. */
static gboolean
on_save_timer (gpointer data)
{
  Recording *recording = data;
  g_autoptr(GError) error = NULL;

  if (!spy_profile_save (spy_sampler_get_profile (recording->sampler), recording->output,
                         recording->format, &recording->export, &error))
    fprintf (stderr, "\nspyglass record: could not save what is recorded so far: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

static void
print_progress (Recording *recording)
{
  SpySampler *sampler = recording->sampler;

  fprintf (stderr, "\r\033[KRecording pid %d: %.1f s, %u samples, %" G_GUINT64_FORMAT " errors, %"
           G_GUINT64_FORMAT " late (Ctrl+C to stop and save)",
           (int) spy_sampler_get_pid (sampler), spy_sampler_get_elapsed (sampler),
           spy_profile_get_n_samples (spy_sampler_get_profile (sampler)),
           spy_sampler_get_samples_failed (sampler), spy_sampler_get_samples_late (sampler));
  fflush (stderr);
}

/* Once, when a tenth of the ticks or more were missed in a second (from
 * half a second in: starting may take long, --native reading libraries):
 * the rate asked is more than this machine does. */
#define BEHIND_SKIP_S 0.5
#define BEHIND_WINDOW_S 1.0

static void
say_if_behind (Recording *recording)
{
  SpySampler *sampler = recording->sampler;
  guint64 taken = spy_sampler_get_samples_taken (sampler), late = spy_sampler_get_samples_late (sampler);
  double elapsed = spy_sampler_get_elapsed (sampler);
  guint64 window_taken, window_late;

  if (recording->said_behind || elapsed < BEHIND_SKIP_S)
    return;
  if (recording->window_at == 0)
    {
      recording->window_at = elapsed;
      recording->window_taken = taken;
      recording->window_late = late;
      return;
    }
  if (elapsed - recording->window_at < BEHIND_WINDOW_S)
    return;
  window_taken = taken - recording->window_taken;
  window_late = late - recording->window_late;
  if (window_late * 10 >= window_taken + window_late)
    {
      recording->said_behind = TRUE;
      fprintf (stderr, "%sspyglass record: sampling about %.0f times per second, not the %u asked: "
               "this machine cannot keep up. It goes on as fast as it can, on schedule, and counts "
               "the ticks it misses as late.\n",
               recording->progress ? "\r\033[K" : "",
               (double) window_taken / (elapsed - recording->window_at), spy_sampler_get_rate (sampler));
    }
  recording->window_at = elapsed;
  recording->window_taken = taken;
  recording->window_late = late;
}

static void
on_samples_added (SpySampler *sampler,
                  Recording  *recording)
{
  say_if_behind (recording);
  if (recording->progress)
    print_progress (recording);
}

static void
on_running_changed (SpySampler *sampler,
                    GParamSpec *pspec,
                    Recording  *recording)
{
  if (!spy_sampler_get_running (sampler))
    g_main_loop_quit (recording->loop);
}

static void
on_error (SpySampler   *sampler,
          const GError *error,
          Recording    *recording)
{
  if (recording->error == NULL)
    recording->error = g_error_copy (error);
}

/* Fails now, before sampling, when @path cannot be written. */
static gboolean
check_writable (const char  *path,
                GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s is a folder, not a file", path);
      return FALSE;
    }
  if (access (dir, W_OK) != 0 || (g_file_test (path, G_FILE_TEST_EXISTS) && access (path, W_OK) != 0))
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot write %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  char     *pid_text;
  char     *output;
  char     *format_name;
  guint     rate;
  double    duration;
  double    save_every;
  gboolean  idle, gil, threads, subprocesses, function, full_filenames, nonblocking, blocking, native;
  char    **command;
} RecordOptions;

static void
record_options_clear (RecordOptions *options)
{
  g_free (options->pid_text);
  g_free (options->output);
  g_free (options->format_name);
  g_strfreev (options->command);
}

static gboolean
parse_options (int             argc,
               char          **argv,
               RecordOptions  *o,
               SpyFormat      *format,
               GError        **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("(-p PID | -- COMMAND [ARGS…]) - record a profile");
  int rate = 100;
  GOptionEntry entries[] = {
    { "pid", 'p', 0, G_OPTION_ARG_STRING, &o->pid_text, "The process to record", "PID" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output, "Where to save (default: spyglass-PID-TIME.svg)", "FILE" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &o->format_name, "spyprof, speedscope, collapsed (raw) or svg (default: from the file name)", "FORMAT" },
    { "rate", 'r', 0, G_OPTION_ARG_INT, &rate, "Samples per second (default 100)", "HZ" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o->duration, "Stop after this many seconds (default: until Ctrl+C or the target exits)", "SECONDS" },
    { "save-every", 0, 0, G_OPTION_ARG_DOUBLE, &o->save_every, "Also save what is recorded so far every this many seconds, so that even a kill -9 loses no more (default 30; 0: only at the end)", "SECONDS" },
    { "idle", 'i', 0, G_OPTION_ARG_NONE, &o->idle, "Keep samples of idle threads", NULL },
    { "gil", 'g', 0, G_OPTION_ARG_NONE, &o->gil, "Only samples of the thread holding the GIL", NULL },
    { "threads", 't', 0, G_OPTION_ARG_NONE, &o->threads, "Show each thread as its own root (collapsed, SVG)", NULL },
    { "subprocesses", 's', 0, G_OPTION_ARG_NONE, &o->subprocesses, "Also record the target's Python child processes", NULL },
    { "function", 'F', 0, G_OPTION_ARG_NONE, &o->function, "Aggregate by function, not by line", NULL },
    { "full-filenames", 0, 0, G_OPTION_ARG_NONE, &o->full_filenames, "Show file names in full", NULL },
    { "nonblocking", 0, 0, G_OPTION_ARG_NONE, &o->nonblocking, "Never pause the target (the default)", NULL },
    { "blocking", 0, 0, G_OPTION_ARG_NONE, &o->blocking, "Pause the target (SIGSTOP) while reading each sample", NULL },
    { "native", 'n', 0, G_OPTION_ARG_NONE, &o->native, "Also the C, C++ and Cython frames, between the Python ones (stops each thread briefly at each sample)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->command, NULL, "-- COMMAND" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, spy_cli_exit_codes_help);
  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;
  if (!spy_cli_check_target_options (o->pid_text, o->command, rate, error))
    return FALSE;
  o->rate = rate;
  if (o->duration < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "the duration must be positive");
      return FALSE;
    }
  if (o->save_every < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--save-every must be 0 (only at the end) or a number of seconds");
      return FALSE;
    }
  *format = SPY_FORMAT_SVG;
  if (o->format_name != NULL && !spy_format_from_name (o->format_name, format))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown format “%s”: use spyprof, speedscope, collapsed or svg", o->format_name);
      return FALSE;
    }
  if (o->format_name == NULL && o->output != NULL && !spy_format_from_filename (o->output, format))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "cannot tell the format from “%s”: give -f spyprof|speedscope|collapsed|svg", o->output);
      return FALSE;
    }
  return TRUE;
}

static char *
default_output (GPid      pid,
                SpyFormat format)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  const char *ext = format == SPY_FORMAT_SPYPROF ? "spyprof"
                  : format == SPY_FORMAT_SPEEDSCOPE ? "speedscope.json"
                  : format == SPY_FORMAT_COLLAPSED ? "txt" : "svg";

  return g_strdup_printf ("spyglass-%d-%s.%s", (int) pid, stamp, ext);
}

/* Samples until Ctrl+C (SIGINT), SIGTERM, SIGHUP (the terminal closed),
 * the duration, or the target's exit. */
static void
run_recording (Recording *recording)
{
  guint sigint = g_unix_signal_add (SIGINT, on_signal, recording);
  guint sigterm = g_unix_signal_add (SIGTERM, on_signal, recording);
  guint sighup = g_unix_signal_add (SIGHUP, on_signal, recording);
  guint save_timer = 0;

  g_signal_connect (recording->sampler, "samples-added", G_CALLBACK (on_samples_added), recording);
  g_signal_connect (recording->sampler, "notify::running", G_CALLBACK (on_running_changed), recording);
  g_signal_connect (recording->sampler, "error", G_CALLBACK (on_error), recording);
  if (recording->save_every > 0)
    save_timer = g_timeout_add ((guint) MIN (recording->save_every * 1000, G_MAXINT), on_save_timer, recording);
  if (spy_sampler_get_running (recording->sampler))
    g_main_loop_run (recording->loop);
  spy_sampler_stop (recording->sampler);
  g_clear_handle_id (&save_timer, g_source_remove);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sighup);
  if (recording->progress)
    {
      print_progress (recording);
      fputc ('\n', stderr);
    }
}

int
spy_cli_record (int    argc,
                char **argv)
{
  RecordOptions o = { .save_every = DEFAULT_SAVE_EVERY };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SpySampler) sampler = NULL;
  SpyCliTarget target = { 0 };
  Recording recording = { loop };
  SpyFormat format;
  GPid pid = 0;
  int status = SPY_EXIT_OK;

  if (!parse_options (argc, argv, &o, &format, &error))
    {
      fprintf (stderr, "spyglass record: %s\n", error->message);
      record_options_clear (&o);
      return SPY_EXIT_USAGE;
    }
  if (o.pid_text != NULL && !spy_parse_pid (o.pid_text, &pid))
    {
      fprintf (stderr, "spyglass record: “%s” is not a process id (a positive number)\n", o.pid_text);
      record_options_clear (&o);
      return SPY_EXIT_USAGE;
    }
  if ((o.output != NULL && !check_writable (o.output, &error)) ||
      !spy_cli_target_init (&target, pid, o.command, &error))
    goto failed;
  if (o.output == NULL)
    o.output = default_output (target.pid, format);
  if (!check_writable (o.output, &error))
    goto failed;

  sampler = spy_sampler_new (target.pid);
  spy_sampler_set_rate (sampler, o.rate);
  spy_sampler_set_duration (sampler, o.duration);
  spy_sampler_set_idle (sampler, o.idle);
  spy_sampler_set_gil_only (sampler, o.gil);
  spy_sampler_set_subprocesses (sampler, o.subprocesses);
  spy_sampler_set_blocking (sampler, o.blocking && !o.nonblocking);
  spy_sampler_set_native (sampler, o.native);
  if (!spy_cli_target_start (&target, sampler, &error))
    goto failed;

  recording.sampler = sampler;
  recording.progress = isatty (STDERR_FILENO);
  recording.output = o.output;
  recording.format = format;
  recording.export = (SpyExportOptions) SPY_EXPORT_OPTIONS_INIT;
  recording.export.aggregation = o.function ? SPY_AGGREGATE_FUNCTION : SPY_AGGREGATE_LINE;
  recording.export.full_filenames = o.full_filenames;
  recording.export.per_thread = o.threads;
  recording.save_every = o.save_every;
  run_recording (&recording);

  /* What we started ends before the save, which may take a while. */
  spy_cli_target_clear (&target);
  if (!spy_profile_save (spy_sampler_get_profile (sampler), o.output, format, &recording.export, &error))
    goto failed;
  fprintf (stderr, "spyglass: wrote %u samples of pid %d to %s\n",
           spy_profile_get_n_samples (spy_sampler_get_profile (sampler)), (int) target.pid, o.output);
  if (recording.error != NULL)
    fprintf (stderr, "spyglass: sampling ended early: %s\n", recording.error->message);
  goto out;

failed:
  fprintf (stderr, "spyglass record: %s\n", error->message);
  status = error->domain == G_FILE_ERROR ? SPY_EXIT_FAILED : spy_cli_exit_code (error);
out:
  spy_cli_target_clear (&target);
  g_clear_error (&recording.error);
  record_options_clear (&o);
  return status;
}
