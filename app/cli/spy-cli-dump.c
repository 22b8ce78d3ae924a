/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-cli-dump.c: `spyglass dump`: every thread's current stack, once */

#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "spy-cli.h"
#include "spy-process-tree.h"
#include "spy-stack-walker.h"
#include "spy-target.h"

/* How often dump retries a sample that was torn by the running target. */
#define DUMP_ATTEMPTS 5

const char *spy_cli_exit_codes_help =
  "Exit codes:\n"
  "  0  success\n"
  "  1  failure (e.g. the target's memory could not be read consistently)\n"
  "  2  bad command line\n"
  "  3  no such process\n"
  "  4  not a Python process, or a Python version Spyglass does not support\n"
  "  5  permission denied (needs root or CAP_SYS_PTRACE; see README.md)\n"
  "  6  the target exited while being read\n";

int
spy_cli_exit_code (const GError *error)
{
  if (error == NULL)
    return SPY_EXIT_OK;
  if (error->domain == SPY_TARGET_ERROR)
    {
      switch ((SpyTargetError) error->code)
        {
        case SPY_TARGET_ERROR_NO_SUCH_PROCESS: return SPY_EXIT_NO_SUCH_PROCESS;
        case SPY_TARGET_ERROR_NOT_PYTHON:
        case SPY_TARGET_ERROR_UNSUPPORTED_VERSION: return SPY_EXIT_NOT_PYTHON;
        case SPY_TARGET_ERROR_PERMISSION: return SPY_EXIT_PERMISSION;
        case SPY_TARGET_ERROR_EXITED: return SPY_EXIT_TARGET_EXITED;
        case SPY_TARGET_ERROR_FAILED: default: return SPY_EXIT_FAILED;
        }
    }
  if (g_error_matches (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_EXITED))
    return SPY_EXIT_TARGET_EXITED;
  if (g_error_matches (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_PERMISSION) ||
      g_error_matches (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_PERMISSION))
    return SPY_EXIT_PERMISSION;
  return SPY_EXIT_FAILED;
}

/* Reads every stack, retrying when the running target tore a read. */
GPtrArray *
spy_cli_read_stacks (SpyStackWalker     *walker,
                     SpyTarget          *target,
                     SpyNativeUnwinder  *unwinder,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  /* Active means it ran: watch the threads' CPU time for a moment first. */
  spy_stack_walker_watch_cpu (walker, SPY_CPU_WINDOW_US);
  for (guint attempt = 0; attempt < DUMP_ATTEMPTS; attempt++)
    {
      g_autoptr(GPtrArray) stacks = NULL;

      g_clear_error (&local_error);
      stacks = unwinder != NULL ? spy_native_sample (unwinder, walker, &local_error)
                                : spy_stack_walker_sample (walker, &local_error);
      if (stacks != NULL && spy_stack_walker_read_thread_names (walker, stacks, &local_error))
        return g_steal_pointer (&stacks);
      if (!spy_target_is_alive (target))
        {
          g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_EXITED,
                       "Process %d exited while we read it", (int) spy_target_get_pid (target));
          return NULL;
        }
      if ((local_error->domain == SPY_MEMORY_ERROR &&
           local_error->code == SPY_MEMORY_ERROR_PERMISSION) ||
          local_error->domain == SPY_NATIVE_ERROR)
        break;
      g_usleep (2000);
    }
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "Cannot read the stacks of process %d: ",
                              (int) spy_target_get_pid (target));
  return NULL;
}

typedef struct {
  gboolean full_filenames;
  gboolean locals;
  gboolean native;
} DumpOptions;

/* --locals: for each thread, for each frame, its SpyLocals, or NULL (with
 * the reason in @errors, same shape) when they could not be read. Read
 * right after the stacks, while the threads run on. */
typedef struct {
  GPtrArray *threads;   /* GPtrArray (frames) of GPtrArray of SpyLocal */
  GPtrArray *errors;    /* GPtrArray (frames) of char * */
} Locals;

/* Thread @i, frame @j of @table. */
static gpointer
cell_at (GPtrArray *table,
         guint      i,
         guint      j)
{
  return g_ptr_array_index ((GPtrArray *) g_ptr_array_index (table, i), j);
}

static void
locals_clear (Locals *locals)
{
  g_clear_pointer (&locals->threads, g_ptr_array_unref);
  g_clear_pointer (&locals->errors, g_ptr_array_unref);
}

static void
read_locals (SpyStackWalker *walker,
             GPtrArray      *stacks,
             Locals         *out)
{
  out->threads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  out->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      GPtrArray *errors = g_ptr_array_new_with_free_func (g_free);

      for (guint j = 0; j < stack->frames->len; j++)
        {
          g_autoptr(GError) error = NULL;
          GPtrArray *locals = spy_stack_walker_read_locals (walker, &g_array_index (stack->frames, SpyFrame, j),
                                                            &error);

          /* g_ptr_array_add of NULL keeps the frames in step. */
          g_ptr_array_add (frames, locals);
          g_ptr_array_add (errors, error ? g_strdup (error->message) : NULL);
        }
      g_ptr_array_add (out->threads, frames);
      g_ptr_array_add (out->errors, errors);
    }
}

static void
print_locals (GString   *out,
              GPtrArray *locals,
              const char *error)
{
  for (guint pass = 0; locals != NULL && pass < 2; pass++)
    {
      gboolean header = FALSE;

      for (guint k = 0; k < locals->len; k++)
        {
          const SpyLocal *local = g_ptr_array_index (locals, k);
          g_autofree char *name = NULL, *repr = NULL;

          if (local->arg != (pass == 0))
            continue;
          if (!header)
            g_string_append (out, pass == 0 ? "        Arguments:\n" : "        Locals:\n");
          header = TRUE;
          name = spy_cli_clean_text (local->name);
          repr = spy_cli_clean_text (local->repr);
          g_string_append_printf (out, "            %s: %s\n", name, repr);
        }
    }
  if (locals == NULL && error != NULL)
    {
      g_autofree char *clean = spy_cli_clean_text (error);

      g_string_append_printf (out, "        (locals not read: %s)\n", clean);
    }
}

/* The frames to show: with --native the merged stack, else the Python
 * one (each as a SpyMixedFrame without native part). */
static guint
n_shown_frames (const SpyThreadStack *stack)
{
  return stack->mixed != NULL ? stack->mixed->len : stack->frames->len;
}

static const SpyMixedFrame *
shown_frame (const SpyThreadStack *stack,
             guint                 k,
             SpyMixedFrame        *python)
{
  if (stack->mixed != NULL)
    return &g_array_index (stack->mixed, SpyMixedFrame, k);
  *python = (SpyMixedFrame) { .python = &g_array_index (stack->frames, SpyFrame, k) };
  return python;
}

static void
print_text (SpyTarget         *target,
            GPtrArray         *stacks,
            const Locals      *locals,
            const DumpOptions *options)
{
  gboolean full_filenames = options->full_filenames;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *cmdline = spy_cli_clean_text (spy_target_get_cmdline (target));
  g_autofree char *executable = spy_cli_clean_text (spy_target_get_executable (target));

  /* Names from the target reach a terminal: no control characters. */
  g_string_append_printf (out, "Process %d: %s\n", (int) spy_target_get_pid (target), cmdline);
  g_string_append_printf (out, "Python v%s (%s)\n", spy_target_get_version (target), executable);

  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);
      g_autofree char *name = NULL;

      /* A thread threading did not name: by its OS thread id. */
      if (stack->name != NULL)
        name = spy_cli_clean_text (stack->name);
      else if (stack->native_id != 0)
        name = g_strdup_printf ("%" G_GINT64_FORMAT, stack->native_id);
      else
        name = g_strdup_printf ("%#" G_GINT64_MODIFIER "x", stack->thread_id);
      g_string_append_printf (out, "\nThread %" G_GINT64_FORMAT " (%s%s): \"%s\"\n",
                              stack->native_id != 0 ? stack->native_id : (gint64) stack->thread_id,
                              stack->active ? "active" : "idle",
                              stack->gil ? "+gil" : "", name);
      for (guint k = 0; k < n_shown_frames (stack); k++)
        {
          SpyMixedFrame scratch;
          const SpyMixedFrame *mixed = shown_frame (stack, k, &scratch);
          const SpyFrame *frame = mixed->python;
          g_autofree char *file = NULL, *clean_file = NULL, *function = NULL;
          guint j;

          if (frame == NULL)
            {
              g_autofree char *native = spy_mixed_frame_native_name (mixed);

              function = spy_cli_clean_text (native);
              clean_file = spy_cli_clean_text (spy_mixed_frame_native_file (mixed));
              g_string_append_printf (out, "    %s (%s)\n", function, clean_file);
              continue;
            }
          j = frame - &g_array_index (stack->frames, SpyFrame, 0);
          file = full_filenames ? g_strdup (frame->code->filename)
                                : spy_target_shorten_filename (target, frame->code->filename);
          clean_file = spy_cli_clean_text (file);
          function = spy_cli_clean_text (frame->code->function);
          g_string_append_printf (out, "    %s (%s:%d)\n", function, clean_file, frame->line);
          if (locals->threads != NULL)
            print_locals (out, cell_at (locals->threads, i, j),
                          cell_at (locals->errors, i, j));
        }
      if (stack->native_error != NULL)
        {
          g_autofree char *reason = spy_cli_clean_text (stack->native_error);

          g_string_append_printf (out, "    (native frames not read: %s)\n", reason);
        }
    }
  fputs (out->str, stdout);
  fflush (stdout);
}

static void
add_json_locals (JsonBuilder *builder,
                 GPtrArray   *locals,
                 const char  *error)
{
  json_builder_set_member_name (builder, "locals");
  if (locals == NULL)
    {
      json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "locals_error");
      json_builder_add_string_value (builder, error ? error : "");
      return;
    }
  json_builder_begin_array (builder);
  for (guint k = 0; k < locals->len; k++)
    {
      const SpyLocal *local = g_ptr_array_index (locals, k);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, local->name);
      json_builder_set_member_name (builder, "arg");
      json_builder_add_boolean_value (builder, local->arg);
      json_builder_set_member_name (builder, "repr");
      json_builder_add_string_value (builder, local->repr);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_json_native (JsonBuilder         *builder,
                 const SpyMixedFrame *mixed)
{
  g_autofree char *name = spy_mixed_frame_native_name (mixed);
  g_autofree char *address = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", mixed->pc);

  json_builder_set_member_name (builder, "function");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, spy_mixed_frame_native_file (mixed));
  json_builder_set_member_name (builder, "line");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, address);
}

static void
add_json (JsonBuilder  *builder,
          SpyTarget    *target,
          GPtrArray    *stacks,
          const Locals *locals)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, spy_target_get_pid (target));
  json_builder_set_member_name (builder, "python_version");
  json_builder_add_string_value (builder, spy_target_get_version (target));
  json_builder_set_member_name (builder, "executable");
  json_builder_add_string_value (builder, spy_target_get_executable (target));
  json_builder_set_member_name (builder, "command_line");
  json_builder_add_string_value (builder, spy_target_get_cmdline (target));
  json_builder_set_member_name (builder, "threads");
  json_builder_begin_array (builder);
  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "thread_id");
      json_builder_add_int_value (builder, (gint64) stack->thread_id);
      json_builder_set_member_name (builder, "native_id");
      json_builder_add_int_value (builder, stack->native_id);
      json_builder_set_member_name (builder, "name");
      if (stack->name != NULL)
        json_builder_add_string_value (builder, stack->name);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "active");
      json_builder_add_boolean_value (builder, stack->active);
      json_builder_set_member_name (builder, "gil");
      json_builder_add_boolean_value (builder, stack->gil);
      json_builder_set_member_name (builder, "frames");
      json_builder_begin_array (builder);
      for (guint k = 0; k < n_shown_frames (stack); k++)
        {
          SpyMixedFrame scratch;
          const SpyMixedFrame *mixed = shown_frame (stack, k, &scratch);
          const SpyFrame *frame = mixed->python;
          guint j;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "kind");
          json_builder_add_string_value (builder, frame != NULL ? "python" : "native");
          if (frame == NULL)
            {
              add_json_native (builder, mixed);
              json_builder_end_object (builder);
              continue;
            }
          j = frame - &g_array_index (stack->frames, SpyFrame, 0);
          json_builder_set_member_name (builder, "function");
          json_builder_add_string_value (builder, frame->code->function);
          json_builder_set_member_name (builder, "file");
          json_builder_add_string_value (builder, frame->code->filename);
          json_builder_set_member_name (builder, "line");
          json_builder_add_int_value (builder, frame->line);
          if (locals->threads != NULL)
            add_json_locals (builder, cell_at (locals->threads, i, j),
                             cell_at (locals->errors, i, j));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      if (stack->native_error != NULL)
        {
          json_builder_set_member_name (builder, "native_error");
          json_builder_add_string_value (builder, stack->native_error);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  puts (text);
  fflush (stdout);
}

/* Reads @pid's stacks and prints them (as text, or into @json). */
static gboolean
dump_one (GPid               pid,
          JsonBuilder       *json,
          const DumpOptions *options,
          GError           **error)
{
  g_autoptr(SpyTarget) target = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autoptr(SpyNativeUnwinder) unwinder = NULL;
  g_autoptr(GPtrArray) stacks = NULL;
  Locals locals = { NULL, NULL };

  if (!(target = spy_target_open (pid, error)))
    return FALSE;
  walker = spy_stack_walker_new_for_target (target);
  if (options->native)
    unwinder = spy_native_unwinder_new_for_target (target);
  if (!(stacks = spy_cli_read_stacks (walker, target, unwinder, error)))
    return FALSE;
  if (options->locals)
    read_locals (walker, stacks, &locals);
  if (json != NULL)
    add_json (json, target, stacks, &locals);
  else
    print_text (target, stacks, &locals, options);
  locals_clear (&locals);
  return TRUE;
}

static int
dump_pid (GPid               pid,
          gboolean           json,
          const DumpOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json ? json_builder_new () : NULL;

  if (!dump_one (pid, builder, options, &error))
    {
      fprintf (stderr, "spyglass: %s\n", error->message);
      return spy_cli_exit_code (error);
    }
  if (builder != NULL)
    print_json (builder);
  return SPY_EXIT_OK;
}

/* What a process under the root may be without being an error: not Python
 * (a shell, a C helper), or gone or a zombie by now. */
static gboolean
skippable (const GError *error)
{
  return g_error_matches (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON) ||
         g_error_matches (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NO_SUCH_PROCESS) ||
         g_error_matches (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_EXITED) ||
         g_error_matches (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_EXITED);
}

/* --subprocesses: @root and every Python process under it, each once,
 * root first; with --json an array of the objects dump prints for one. */
static int
dump_tree (GPid               root,
           gboolean           json,
           const DumpOptions *options)
{
  g_autoptr(GHashTable) tree = spy_process_tree_read ();
  g_autoptr(GArray) pids = NULL;
  g_autoptr(JsonBuilder) builder = json ? json_builder_new () : NULL;
  guint dumped = 0;

  if (!g_hash_table_contains (tree, GINT_TO_POINTER (root)) || spy_process_is_gone (root))
    {
      fprintf (stderr, "spyglass: no process %d is running\n", (int) root);
      return SPY_EXIT_NO_SUCH_PROCESS;
    }
  pids = spy_process_tree_list_under (tree, root);
  if (builder != NULL)
    json_builder_begin_array (builder);
  for (guint i = 0; i < pids->len; i++)
    {
      g_autoptr(GError) error = NULL;
      GPid pid = g_array_index (pids, GPid, i);

      if (builder == NULL && dumped > 0)
        fputc ('\n', stdout);
      if (dump_one (pid, builder, options, &error))
        dumped++;
      else if (!skippable (error))
        {
          fprintf (stderr, "spyglass: %s\n", error->message);
          return spy_cli_exit_code (error);
        }
    }
  if (builder != NULL)
    {
      json_builder_end_array (builder);
      print_json (builder);
    }
  if (dumped == 0)
    {
      fprintf (stderr, "spyglass: no Python process runs as process %d or under it\n", (int) root);
      return SPY_EXIT_NOT_PYTHON;
    }
  return SPY_EXIT_OK;
}

int
spy_cli_dump (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_text = NULL;
  gboolean json = FALSE, full_filenames = FALSE, subprocesses = FALSE, locals = FALSE, native = FALSE;
  DumpOptions options;
  GPid pid;
  GOptionEntry entries[] = {
    { "pid", 'p', 0, G_OPTION_ARG_STRING, &pid_text, "The process to read", "PID" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object (an array of them with --subprocesses)", NULL },
    { "subprocesses", 's', 0, G_OPTION_ARG_NONE, &subprocesses,
      "Also every Python process under it (it need not be Python itself)", NULL },
    { "full-filenames", 0, 0, G_OPTION_ARG_NONE, &full_filenames,
      "Show file names in full, not relative to their sys.path root", NULL },
    { "locals", 'l', 0, G_OPTION_ARG_NONE, &locals,
      "Also each frame's arguments and local variables (a short repr of each)", NULL },
    { "native", 'n', 0, G_OPTION_ARG_NONE, &native,
      "Also the C, C++ and Cython frames, between the Python ones (stops each thread briefly)", NULL },
    { NULL }
  };

  context = g_option_context_new ("- print every thread's current Python stack");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, spy_cli_exit_codes_help);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "spyglass dump: %s\n", error->message);
      return SPY_EXIT_USAGE;
    }
  if (pid_text == NULL)
    {
      fprintf (stderr, "spyglass dump: which process? Give its pid with -p PID\n");
      return SPY_EXIT_USAGE;
    }
  if (!spy_parse_pid (pid_text, &pid))
    {
      fprintf (stderr, "spyglass dump: “%s” is not a process id (a positive number)\n", pid_text);
      return SPY_EXIT_USAGE;
    }
  options = (DumpOptions) { full_filenames, locals, native };
  return subprocesses ? dump_tree (pid, json, &options) : dump_pid (pid, json, &options);
}

char *
spy_cli_find_demo (void)
{
  const char *env = g_getenv ("SPYGLASS_DATADIR");
  const char *dirs[] = { env, SPY_DATADIR, SPY_SOURCE_DATADIR };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL)
        continue;
      path = g_build_filename (dirs[i], "demo", "spyglass-demo.py", NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* The demo workload, recorded for a few seconds into an SVG flamegraph
 * (the way to see Spyglass work where there is no display). */
int
spy_cli_demo (int    argc,
              char **argv)
{
  g_autofree char *demo = spy_cli_find_demo ();
  g_autofree char *output = NULL;
  const char *python = g_getenv ("SPYGLASS_DEMO_PYTHON");
  const char *seconds = argc > 1 ? argv[1] : "5";
  int status;

  if (demo == NULL)
    {
      fprintf (stderr, "spyglass: the demo workload (demo/spyglass-demo.py) is not installed\n");
      return SPY_EXIT_FAILED;
    }
  output = g_build_filename (g_get_tmp_dir (), "spyglass-demo.svg", NULL);
  {
    char *record_argv[] = { "record", "-d", (char *) seconds, "-o", output, "--",
                            (char *) (python ? python : "python3"), demo, "--quiet", NULL };

    fprintf (stderr, "spyglass: recording the demo workload (%s) for %s s\n", demo, seconds);
    status = spy_cli_record (G_N_ELEMENTS (record_argv) - 1, record_argv);
  }
  if (status == SPY_EXIT_OK)
    printf ("The demo's flamegraph: %s (open it in a web browser)\n", output);
  return status;
}
