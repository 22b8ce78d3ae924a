/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli-top.c: `spyglass top`: a live table of the functions a process spends its time in */

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "spy-cli.h"
#include "spy-top-row.h"

/* Lines above the rows (title, counters, status, blank, column titles) and below (keys). */
#define HEADER_LINES 5
#define FOOTER_LINES 1
/* Rows of a snapshot when stdout is not a terminal. */
#define SNAPSHOT_ROWS 20
/* Width of the numeric columns, up to the function name. */
#define NUMBERS_WIDTH 38

#define ESC_ENTER    "\033[?1049h\033[?25l\033[H\033[2J"
#define ESC_LEAVE    "\033[0m\033[?1049l\033[?25h"
#define ESC_REVERSE  "\033[7m"
#define ESC_RESET    "\033[0m"
#define ESC_EOL      "\033[K"

typedef enum {
  SORT_OWN,
  SORT_TOTAL,
  SORT_OWN_TIME,
  SORT_TOTAL_TIME,
} SortColumn;

typedef struct {
  char      *pid_text;
  guint      rate;
  double     interval;
  double     duration;
  gboolean   idle, gil, subprocesses, function, full_filenames, native;
  char     **command;
} TopOptions;

typedef struct {
  GMainLoop      *loop;
  SpySampler     *sampler;
  TopOptions     *options;
  gboolean        tty;             /* drawing in place on a terminal */
  SortColumn      sort;
  SpyAggregation  aggregation;
  char           *cwd;             /* for shorter file names */
  guint64         window_start_us; /* samples before this are not counted (r) */
  gboolean        show_help;
  gboolean        exited;          /* the target exited */
  gboolean        quitting;        /* q, Ctrl+C or SIGTERM */
  guint           printed_samples; /* profile size at the last snapshot (not a tty) */
  gboolean        printed;
  GError         *error;
} Top;

/* One screen: plain, already cleaned lines; the renderer adds the attributes. */
typedef struct {
  GPtrArray *lines;
  int        titles;               /* index of the column titles, or -1 */
  int        footer;               /* index of the key line, or -1 */
} Frame;

/* The terminal state to restore; static so that atexit() can reach it. */
static struct {
  gboolean       active;
  gboolean       have_termios;
  struct termios saved;
} terminal;

/* --- Text ---------------------------------------------------------------- */

static int
char_width (gunichar c)
{
  if (g_unichar_iszerowidth (c))
    return 0;
  return g_unichar_iswide (c) ? 2 : 1;
}

static int
text_width (const char *text)
{
  int width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    width += char_width (g_utf8_get_char (p));
  return width;
}

/* Appends @text cut to @cols columns, ending with "…" when cut. */
static int
append_fit (GString    *out,
            const char *text,
            int         cols)
{
  int width = text_width (text), used = 0;

  if (width <= cols)
    {
      g_string_append (out, text);
      return width;
    }
  for (const char *p = text; *p != '\0' && cols > 0; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (used + char_width (c) > cols - 1)
        break;
      g_string_append_unichar (out, c);
      used += char_width (c);
    }
  if (cols > 0)
    {
      g_string_append (out, "…");
      used++;
    }
  return used;
}

/* Appends @text cut to @cols columns from the left ("…/file.py:12"). */
static int
append_fit_left (GString    *out,
                 const char *text,
                 int         cols)
{
  int width = text_width (text);
  const char *p = text;

  if (width <= cols)
    {
      g_string_append (out, text);
      return width;
    }
  if (cols <= 0)
    return 0;
  while (*p != '\0' && width > cols - 1)
    {
      width -= char_width (g_utf8_get_char (p));
      p = g_utf8_next_char (p);
    }
  g_string_append (out, "…");
  g_string_append (out, p);
  return width + 1;
}

/* A line of @text cut to @cols columns (no cut when @cols < 0). */
static char *
fit_line (const char *text,
          int         cols)
{
  GString *out = g_string_new (NULL);

  if (cols < 0)
    g_string_append (out, text);
  else
    append_fit (out, text, cols);
  return g_string_free (out, FALSE);
}

static char *
format_duration (double seconds)
{
  guint64 s = (guint64) seconds;

  if (seconds < 60)
    return g_strdup_printf ("%.1fs", seconds);
  if (s < 3600)
    return g_strdup_printf ("%um%02us", (guint) (s / 60), (guint) (s % 60));
  return g_strdup_printf ("%uh%02um%02us", (guint) (s / 3600), (guint) (s / 60 % 60), (guint) (s % 60));
}

static double
percent (guint64 part,
         guint64 whole)
{
  return whole ? 100.0 * part / whole : 0.0;
}

/* --- The table ----------------------------------------------------------- */

static int
compare_by_total (gconstpointer a,
                  gconstpointer b)
{
  SpyTopRow *ra = *(SpyTopRow * const *) a, *rb = *(SpyTopRow * const *) b;
  guint64 ta = spy_top_row_get_total (ra), tb = spy_top_row_get_total (rb);
  guint64 oa = spy_top_row_get_own (ra), ob = spy_top_row_get_own (rb);

  if (ta != tb)
    return ta < tb ? 1 : -1;
  if (oa != ob)
    return oa < ob ? 1 : -1;
  return g_strcmp0 (spy_top_row_get_function (ra), spy_top_row_get_function (rb));
}

/* The rows of the current window, in the selected order. */
static GPtrArray *
collect_rows (Top     *top,
              guint64 *n_counted)
{
  SpyProfileFilter filter = SPY_PROFILE_FILTER_INIT;
  g_autoptr(GListModel) model = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);
  guint n;

  filter.start_us = top->window_start_us;
  filter.aggregation = top->aggregation;
  filter.include_idle = TRUE;   /* the sampler keeps idle samples only with --idle */
  filter.gil_only = top->options->gil;
  model = spy_top_rows_new (spy_sampler_get_profile (top->sampler), &filter, n_counted);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (rows, g_list_model_get_item (model, i));
  /* spy_top_rows_new() sorts by own samples; own time sorts the same. */
  if (top->sort == SORT_TOTAL || top->sort == SORT_TOTAL_TIME)
    g_ptr_array_sort (rows, compare_by_total);
  return rows;
}

/* The file as shown: shortened like the other commands do, and also
 * relative to our working directory (usually the target's, for a command
 * we started), unless --full-filenames. */
static char *
display_file (Top        *top,
              const char *file)
{
  g_autofree char *shortened = NULL;
  gsize cwd_len = strlen (top->cwd);

  if (top->options->full_filenames)
    return spy_cli_clean_text (file);
  shortened = spy_target_shorten_filename (NULL, file);
  if (cwd_len > 1 && g_str_has_prefix (shortened, top->cwd) && shortened[cwd_len] == '/')
    return spy_cli_clean_text (shortened + cwd_len + 1);
  return spy_cli_clean_text (shortened);
}

/* "hot (top_workload.py:12)", cut to @cols: the function name keeps at
 * least half the room, the location is cut from the left. */
static void
append_location (Top       *top,
                 GString   *out,
                 SpyTopRow *row,
                 int        cols)
{
  g_autofree char *function = spy_cli_clean_text (spy_top_row_get_function (row));
  g_autofree char *file = display_file (top, spy_top_row_get_file (row));
  g_autofree char *location = NULL;
  int location_cols, function_cols;

  if (top->aggregation == SPY_AGGREGATE_LINE && spy_top_row_get_line (row) > 0)
    location = g_strdup_printf ("%s:%d", file, spy_top_row_get_line (row));
  else
    location = g_steal_pointer (&file);
  if (cols < 0)
    {
      g_string_append_printf (out, "%s (%s)", function, location);
      return;
    }
  /* " (" and ")" take three columns. */
  location_cols = text_width (location) + 3;
  function_cols = MAX (cols - location_cols, MIN (text_width (function), cols / 2));
  function_cols = append_fit (out, function, function_cols);
  if (cols - function_cols < 3 + 4)
    return;  /* no room for a useful location */
  g_string_append (out, " (");
  append_fit_left (out, location, cols - function_cols - 3);
  g_string_append_c (out, ')');
}

static char *
format_row (Top       *top,
            SpyTopRow *row,
            int        width)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%6.1f%% %6.1f%% %8.2fs  %8.2fs  ",
                          100 * spy_top_row_get_own_fraction (row),
                          100 * spy_top_row_get_total_fraction (row),
                          spy_top_row_get_own_time (row),
                          spy_top_row_get_total_time (row));
  if (width >= 0 && width < NUMBERS_WIDTH)
    {
      g_autofree char *numbers = g_string_free (out, FALSE);
      return fit_line (numbers, width);
    }
  append_location (top, out, row, width < 0 ? -1 : width - NUMBERS_WIDTH);
  return g_string_free (out, FALSE);
}

static char *
format_titles (Top *top,
               int  width)
{
  static const char *names[] = { "%Own", "%Total", "OwnTime", "TotalTime" };
  static const int widths[] = { 7, 8, 10, 11 };
  GString *out = g_string_new (NULL);
  g_autofree char *line = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%s", i == (guint) top->sort ? "▼" : "", names[i]);

      g_string_append_printf (out, "%*s%s", widths[i] - text_width (name), "", name);
    }
  g_string_append (out, "  Function (file");
  g_string_append (out, top->aggregation == SPY_AGGREGATE_LINE ? ":line)" : ")");
  line = g_string_free (out, FALSE);
  return fit_line (line, width);
}

/* --- The header ---------------------------------------------------------- */

/* Samples in the window, those holding the GIL and those on a CPU. */
static void
count_window (Top     *top,
              guint64 *n_window,
              guint64 *n_gil,
              guint64 *n_active)
{
  SpyProfile *profile = spy_sampler_get_profile (top->sampler);
  const guint64 *times = spy_profile_get_sample_times (profile);
  const guint8 *flags = spy_profile_get_sample_flags (profile);
  guint n = spy_profile_get_n_samples (profile), lo = 0, hi = n;

  /* Sample times only grow: find the first one in the window. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (times[mid] < top->window_start_us)
        lo = mid + 1;
      else
        hi = mid;
    }
  *n_window = n - lo;
  *n_gil = *n_active = 0;
  for (guint i = lo; i < n; i++)
    {
      *n_gil += (flags[i] & SPY_SAMPLE_GIL) != 0;
      *n_active += (flags[i] & SPY_SAMPLE_IDLE) == 0;
    }
}

static void
add_header (Top       *top,
            GPtrArray *lines,
            int        width)
{
  SpyProfile *profile = spy_sampler_get_profile (top->sampler);
  SpyProfileMeta *meta = spy_profile_get_meta (profile);
  double elapsed = spy_sampler_get_elapsed (top->sampler);
  g_autofree char *command = spy_cli_clean_text (meta->command_line);
  g_autofree char *version = spy_cli_clean_text (meta->python_version);
  g_autofree char *elapsed_text = format_duration (elapsed);
  g_autofree char *window_text = format_duration (MAX (0, elapsed - top->window_start_us / 1e6));
  g_autofree char *title = NULL, *counters = NULL, *status = NULL;
  guint n_threads = spy_profile_get_n_threads (profile);
  guint64 n_failed = spy_sampler_get_samples_failed (top->sampler);
  guint64 n_window, n_gil, n_active;

  count_window (top, &n_window, &n_gil, &n_active);
  title = g_strdup_printf ("spyglass top · pid %d · %s", (int) spy_sampler_get_pid (top->sampler), command);
  counters = g_strdup_printf ("Python %s · %s · %" G_GUINT64_FORMAT " samples · %u %s · %"
                              G_GUINT64_FORMAT " %s · %" G_GUINT64_FORMAT " late",
                              version, elapsed_text, n_window, n_threads, n_threads == 1 ? "thread" : "threads",
                              n_failed, n_failed == 1 ? "error" : "errors",
                              spy_sampler_get_samples_late (top->sampler));
  status = g_strdup_printf ("%sGIL %.1f%% · active %.1f%% · %s%s · by %s",
                            spy_sampler_get_paused (top->sampler) ? "PAUSED · " : "",
                            percent (n_gil, n_window), percent (n_active, n_window),
                            top->window_start_us ? "since reset " : "since start ",
                            top->window_start_us ? window_text : elapsed_text,
                            top->aggregation == SPY_AGGREGATE_LINE ? "line" : "function");
  g_ptr_array_add (lines, fit_line (title, width));
  g_ptr_array_add (lines, fit_line (counters, width));
  g_ptr_array_add (lines, fit_line (status, width));
  g_ptr_array_add (lines, g_strdup (""));
}

static const char *
footer_text (Top *top)
{
  if (top->show_help)
    return "sort: 1 %Own 2 %Total 3 OwnTime 4 TotalTime · L line/function · r reset · "
           "p pause · q quit";
  return "q quit  p pause  r reset  L line/function  1-4 sort  ? help";
}

/* Header, column titles and up to @max_rows rows. */
static Frame
build_frame (Top *top,
             int  width,
             int  max_rows)
{
  Frame frame = { g_ptr_array_new_with_free_func (g_free), -1, -1 };
  g_autoptr(GPtrArray) rows = NULL;
  guint64 n_counted;

  add_header (top, frame.lines, width);
  frame.titles = frame.lines->len;
  g_ptr_array_add (frame.lines, format_titles (top, width));
  rows = collect_rows (top, &n_counted);
  for (guint i = 0; i < rows->len && (int) i < max_rows; i++)
    g_ptr_array_add (frame.lines, format_row (top, g_ptr_array_index (rows, i), width));
  if (rows->len == 0 && max_rows > 0)
    g_ptr_array_add (frame.lines, fit_line (spy_sampler_get_paused (top->sampler) ? "(paused)"
                                            : "(no samples yet)", width));
  return frame;
}

/* --- The terminal -------------------------------------------------------- */

static void
terminal_size (int *width,
               int *height)
{
  struct winsize ws = { 0 };

  *width = 80;
  *height = 24;
  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
    {
      *width = ws.ws_col;
      *height = ws.ws_row;
    }
}

/* Puts the screen back as it was; safe to call more than once. */
static void
terminal_leave (void)
{
  if (!terminal.active)
    return;
  terminal.active = FALSE;
  fputs (ESC_LEAVE, stdout);
  fflush (stdout);
  if (terminal.have_termios)
    tcsetattr (STDIN_FILENO, TCSADRAIN, &terminal.saved);
}

/* Keys without Enter and without echo; reads never block (VMIN = VTIME = 0).
 * Ctrl+C stays a signal, Ctrl+Z is off: a stopped top would leave the
 * terminal in this state. */
static void
terminal_enter (void)
{
  static gboolean registered;

  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &terminal.saved) == 0)
    {
      struct termios raw = terminal.saved;

      raw.c_lflag &= ~(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      raw.c_cc[VSUSP] = _POSIX_VDISABLE;
      terminal.have_termios = tcsetattr (STDIN_FILENO, TCSADRAIN, &raw) == 0;
    }
  if (!registered)
    {
      atexit (terminal_leave);
      registered = TRUE;
    }
  terminal.active = TRUE;
  fputs (ESC_ENTER, stdout);
  fflush (stdout);
}

static void
print_frame (const Frame *frame,
             gboolean     attributes)
{
  GString *out = g_string_new (attributes ? "\033[H" : NULL);

  for (guint i = 0; i < frame->lines->len; i++)
    {
      const char *line = g_ptr_array_index (frame->lines, i);
      gboolean reverse = attributes && ((int) i == frame->titles || (int) i == frame->footer);

      if (reverse)
        g_string_append (out, ESC_REVERSE);
      g_string_append (out, line);
      if (attributes)
        g_string_append (out, ESC_EOL);  /* with reverse on: a full-width bar */
      if (reverse)
        g_string_append (out, ESC_RESET);
      if (i + 1 < frame->lines->len)
        g_string_append_c (out, '\n');
    }
  if (attributes)
    g_string_append (out, "\033[J");
  else
    g_string_append_c (out, '\n');
  fwrite (out->str, 1, out->len, stdout);
  fflush (stdout);
  g_string_free (out, TRUE);
}

/* Draws in place; the rows between header and footer fill the terminal. */
static void
redraw (Top *top)
{
  Frame frame;
  int width, height, rows;

  if (!terminal.active)
    return;
  terminal_size (&width, &height);
  rows = MAX (0, height - HEADER_LINES - FOOTER_LINES);
  frame = build_frame (top, width, rows);
  /* Pad so that the footer sits on the last line. */
  while ((int) frame.lines->len < height - FOOTER_LINES)
    g_ptr_array_add (frame.lines, g_strdup (""));
  frame.footer = frame.lines->len;
  g_ptr_array_add (frame.lines, fit_line (footer_text (top), width));
  print_frame (&frame, TRUE);
  g_ptr_array_unref (frame.lines);
}

/* Not a terminal: the header and the top rows, plainly. */
static void
print_snapshot (Top *top)
{
  Frame frame = build_frame (top, -1, SNAPSHOT_ROWS);

  if (top->printed)
    fputc ('\n', stdout);
  print_frame (&frame, FALSE);
  g_ptr_array_unref (frame.lines);
  top->printed = TRUE;
  top->printed_samples = spy_profile_get_n_samples (spy_sampler_get_profile (top->sampler));
}

/* --- Events -------------------------------------------------------------- */

static void
reset_window (Top *top)
{
  SpyProfile *profile = spy_sampler_get_profile (top->sampler);
  guint n = spy_profile_get_n_samples (profile);
  guint64 elapsed_us = (guint64) (spy_sampler_get_elapsed (top->sampler) * G_USEC_PER_SEC);

  /* Every sample merged so far is at or before both of these. */
  top->window_start_us = elapsed_us + 1;
  if (n > 0)
    top->window_start_us = MAX (top->window_start_us, spy_profile_get_sample_times (profile)[n - 1] + 1);
}

/* FALSE when the key asks to quit. */
static gboolean
handle_key (Top  *top,
            char  key)
{
  switch (key)
    {
    case '1': top->sort = SORT_OWN; break;
    case '2': top->sort = SORT_TOTAL; break;
    case '3': top->sort = SORT_OWN_TIME; break;
    case '4': top->sort = SORT_TOTAL_TIME; break;
    case 'L': case 'l':
      top->aggregation = top->aggregation == SPY_AGGREGATE_LINE ? SPY_AGGREGATE_FUNCTION : SPY_AGGREGATE_LINE;
      break;
    case 'r': case 'R': reset_window (top); break;
    case 'p': case 'P': case ' ':
      if (spy_sampler_get_paused (top->sampler))
        spy_sampler_resume (top->sampler);
      else
        spy_sampler_pause (top->sampler);
      break;
    case '?': case 'h': case 'H': top->show_help = !top->show_help; break;
    case 'q': case 'Q': return FALSE;
    default: break;
    }
  return TRUE;
}

static gboolean
on_stdin (int          fd,
          GIOCondition condition,
          gpointer     data)
{
  Top *top = data;
  char keys[64];
  gssize n;

  n = (condition & G_IO_IN) ? read (fd, keys, sizeof keys) : 0;
  /* Readable but empty, or hung up: the terminal is gone. run_top()
   * removes this source once the loop has ended. */
  if (n <= 0)
    {
      top->quitting = TRUE;
      g_main_loop_quit (top->loop);
      return G_SOURCE_CONTINUE;
    }
  for (gssize i = 0; i < n; i++)
    {
      if (keys[i] == '\033')
        break;  /* an escape sequence (arrow keys…): none of ours */
      if (!handle_key (top, keys[i]))
        {
          top->quitting = TRUE;
          g_main_loop_quit (top->loop);
          return G_SOURCE_CONTINUE;
        }
    }
  redraw (top);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_tick (gpointer data)
{
  Top *top = data;

  if (top->tty)
    redraw (top);
  else
    print_snapshot (top);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  Top *top = data;

  top->quitting = TRUE;
  g_main_loop_quit (top->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_resize (gpointer data)
{
  redraw (data);
  return G_SOURCE_CONTINUE;
}

static void
on_running_changed (SpySampler *sampler,
                    GParamSpec *pspec,
                    Top        *top)
{
  if (!spy_sampler_get_running (sampler))
    g_main_loop_quit (top->loop);
}

static void
on_target_exited (SpySampler *sampler,
                  Top        *top)
{
  top->exited = TRUE;
}

static void
on_error (SpySampler   *sampler,
          const GError *error,
          Top          *top)
{
  if (top->error == NULL)
    top->error = g_error_copy (error);
}

/* --- Running ------------------------------------------------------------- */

/* After the target exited: its last table stays on the normal screen. */
static void
print_final (Top *top)
{
  int width, height;

  if (top->tty)
    {
      Frame frame;

      terminal_size (&width, &height);
      frame = build_frame (top, width, MAX (0, height - HEADER_LINES - 3));
      print_frame (&frame, FALSE);
      g_ptr_array_unref (frame.lines);
      printf ("process %d exited\n", (int) spy_sampler_get_pid (top->sampler));
      return;
    }
  if (!top->printed ||
      top->printed_samples != spy_profile_get_n_samples (spy_sampler_get_profile (top->sampler)))
    print_snapshot (top);
  if (top->exited)
    fprintf (stderr, "spyglass: process %d exited\n", (int) spy_sampler_get_pid (top->sampler));
}

/* Shows the table until q, Ctrl+C, the duration, or the target's exit. */
static void
run_top (Top *top)
{
  guint sources[6] = { 0 };
  guint n_sources = 0;

  sources[n_sources++] = g_unix_signal_add (SIGINT, on_signal, top);
  sources[n_sources++] = g_unix_signal_add (SIGTERM, on_signal, top);
  sources[n_sources++] = g_unix_signal_add (SIGHUP, on_signal, top);
  sources[n_sources++] = g_timeout_add ((guint) (top->options->interval * 1000), on_tick, top);
  g_signal_connect (top->sampler, "notify::running", G_CALLBACK (on_running_changed), top);
  g_signal_connect (top->sampler, "target-exited", G_CALLBACK (on_target_exited), top);
  g_signal_connect (top->sampler, "error", G_CALLBACK (on_error), top);
  if (top->tty)
    {
      terminal_enter ();
      sources[n_sources++] = g_unix_signal_add (SIGWINCH, on_resize, top);
      if (terminal.have_termios)
        sources[n_sources++] = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, top);
      redraw (top);
    }

  if (spy_sampler_get_running (top->sampler))
    g_main_loop_run (top->loop);
  spy_sampler_stop (top->sampler);
  for (guint i = 0; i < n_sources; i++)
    g_source_remove (sources[i]);
  g_signal_handlers_disconnect_by_data (top->sampler, top);

  terminal_leave ();
  /* A child we started also gets Ctrl+C: quitting wins over its exit. */
  if (!top->tty || (top->exited && !top->quitting))
    print_final (top);
}

static void
top_options_clear (TopOptions *options)
{
  g_free (options->pid_text);
  g_strfreev (options->command);
}

static gboolean
check_options (TopOptions  *o,
               int          rate,
               GError     **error)
{
  if (!spy_cli_check_target_options (o->pid_text, o->command, rate, error))
    return FALSE;
  o->rate = rate;
  if (!(o->interval >= 0.05 && o->interval <= 3600))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "the interval must be between 0.05 and 3600 seconds");
      return FALSE;
    }
  if (o->duration < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "the duration must be positive");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_options (int          argc,
               char       **argv,
               TopOptions  *o,
               GError     **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("(-p PID | -- COMMAND [ARGS…]) - live table of the hottest functions");
  int rate = 100;
  GOptionEntry entries[] = {
    { "pid", 'p', 0, G_OPTION_ARG_STRING, &o->pid_text, "The process to watch", "PID" },
    { "rate", 'r', 0, G_OPTION_ARG_INT, &rate, "Samples per second (default 100)", "HZ" },
    { "interval", 0, 0, G_OPTION_ARG_DOUBLE, &o->interval, "Refresh every this many seconds (default 1)", "SECONDS" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o->duration, "Stop after this many seconds (default: until q, Ctrl+C or the target exits)", "SECONDS" },
    { "idle", 'i', 0, G_OPTION_ARG_NONE, &o->idle, "Keep samples of idle threads", NULL },
    { "gil", 'g', 0, G_OPTION_ARG_NONE, &o->gil, "Only samples of the thread holding the GIL", NULL },
    { "subprocesses", 's', 0, G_OPTION_ARG_NONE, &o->subprocesses, "Also watch the target's Python child processes", NULL },
    { "function", 'F', 0, G_OPTION_ARG_NONE, &o->function, "Aggregate by function, not by line (key L)", NULL },
    { "full-filenames", 0, 0, G_OPTION_ARG_NONE, &o->full_filenames, "Show file names in full", NULL },
    { "native", 'n', 0, G_OPTION_ARG_NONE, &o->native, "Also the C, C++ and Cython frames (stops each thread briefly at each sample)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->command, NULL, "-- COMMAND" },
    { NULL }
  };

  g_autofree char *description = g_strconcat ("Keys: 1-4 sort by %Own, %Total, OwnTime, TotalTime; L line/function;\n"
                                              "r reset the counts; p pause; q quit; ? help.\n"
                                              "When standard output is not a terminal, prints a table every interval.\n\n",
                                              spy_cli_exit_codes_help, NULL);

  o->interval = 1.0;
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;
  return check_options (o, rate, error);
}

static SpySampler *
new_sampler (const TopOptions *o,
             GPid              pid)
{
  SpySampler *sampler = spy_sampler_new (pid);

  spy_sampler_set_rate (sampler, o->rate);
  spy_sampler_set_duration (sampler, o->duration);
  spy_sampler_set_idle (sampler, o->idle);
  spy_sampler_set_gil_only (sampler, o->gil);
  spy_sampler_set_subprocesses (sampler, o->subprocesses);
  spy_sampler_set_native (sampler, o->native);
  return sampler;
}

int
spy_cli_top (int    argc,
             char **argv)
{
  TopOptions o = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SpySampler) sampler = NULL;
  SpyCliTarget target = { 0 };
  Top top = { loop };
  GPid pid = 0;
  int status = SPY_EXIT_OK;

  if (!parse_options (argc, argv, &o, &error))
    {
      fprintf (stderr, "spyglass top: %s\n", error->message);
      top_options_clear (&o);
      return SPY_EXIT_USAGE;
    }
  if (o.pid_text != NULL && !spy_parse_pid (o.pid_text, &pid))
    {
      fprintf (stderr, "spyglass top: “%s” is not a process id (a positive number)\n", o.pid_text);
      top_options_clear (&o);
      return SPY_EXIT_USAGE;
    }
  if (!spy_cli_target_init (&target, pid, o.command, &error))
    goto failed;
  sampler = new_sampler (&o, target.pid);
  if (!spy_cli_target_start (&target, sampler, &error))
    goto failed;

  top.sampler = sampler;
  top.options = &o;
  top.tty = isatty (STDOUT_FILENO);
  top.cwd = g_get_current_dir ();
  top.aggregation = o.function ? SPY_AGGREGATE_FUNCTION : SPY_AGGREGATE_LINE;
  run_top (&top);
  if (top.error != NULL)
    {
      fprintf (stderr, "spyglass top: sampling ended early: %s\n", top.error->message);
      status = spy_cli_exit_code (top.error);
    }
  goto out;

failed:
  fprintf (stderr, "spyglass top: %s\n", error->message);
  status = spy_cli_exit_code (error);
out:
  terminal_leave ();
  spy_cli_target_clear (&target);
  g_clear_error (&top.error);
  g_free (top.cwd);
  top_options_clear (&o);
  return status;
}
