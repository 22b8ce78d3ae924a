/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-target.c: a Python process we read from outside */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spy-elf.h"
#include "spy-target.h"

struct _SpyTarget {
  GObject          parent_instance;

  GPid             pid;
  char            *executable;
  char            *python_path;
  char            *cmdline;
  char            *version;
  guint            version_hex;
  guint64          runtime_address;
  guint64          code_type_address;
  guint64          code_versions_address; /* 3.12: &_Py_next_func_version */
  guint64          gil_holder_address; /* 3.6: &_PyThreadState_Current, else 0 */
  SpyBuiltins      builtins;
  SpyMemory       *memory;
  SpyPythonLayout  layout;
  GHashTable      *task_stat_fds;  /* tid → open /proc/PID/task/TID/stat */
  GHashTable      *frozen_states;  /* tid set: running before a stop; or NULL */
  GHashTable      *task_clocks;    /* tid → TaskClock */
};

/* What a sampler knows of a thread's time on a CPU. */
typedef struct {
  gint64  tid;
  int     fd;          /* /proc/PID/task/TID/schedstat, or -1 */
  guint64 run_ns;      /* its first field: ns on a CPU, at the last look */
  gint64  at_ns;       /* when we looked (CLOCK_MONOTONIC) */
  gint64  credit_ns;   /* CPU time run less time counted running: may be
                        * negative, as the kernel's figure comes in ticks */
  guint64 pcount;      /* its third field: times it was put on a CPU */
  gboolean asleep;     /* /proc said it was not runnable at the last look
                        * and it has not been on a CPU since: see thread_ran */
  /* schedstat as spy_target_thread_rested() read it, for thread_ran() in
   * the same sample (a look at fresh_at_ns or later). */
  gboolean fresh;
  gint64   fresh_at_ns;
  guint64  fresh_run_ns, fresh_pcount;
} TaskClock;

/* How far a thread may be counted ahead of the CPU time the kernel has
 * booked (it books a running thread's time at each tick: 1 to 10 ms), and
 * how much unspent CPU time it may carry. */
#define CREDIT_LIMIT_NS (12 * G_GINT64_CONSTANT (1000000))

/* Threads whose stat file we keep open; past that, open it each time. */
#define MAX_TASK_FDS 256

G_DEFINE_FINAL_TYPE (SpyTarget, spy_target, G_TYPE_OBJECT)
G_DEFINE_QUARK (spy-target-error-quark, spy_target_error)

/* One file mapped into the target, with the start of its offset-0 mapping. */
typedef struct {
  char    *path;
  guint64  start;
} MappedFile;

static void
mapped_file_clear (gpointer data)
{
  MappedFile *file = data;

  g_clear_pointer (&file->path, g_free);
}

static void
spy_target_finalize (GObject *object)
{
  SpyTarget *self = SPY_TARGET (object);

  g_clear_pointer (&self->executable, g_free);
  g_clear_pointer (&self->python_path, g_free);
  g_clear_pointer (&self->cmdline, g_free);
  g_clear_pointer (&self->version, g_free);
  g_clear_pointer (&self->memory, spy_memory_unref);
  g_clear_pointer (&self->task_stat_fds, g_hash_table_unref);
  g_clear_pointer (&self->frozen_states, g_hash_table_unref);
  g_clear_pointer (&self->task_clocks, g_hash_table_unref);

  G_OBJECT_CLASS (spy_target_parent_class)->finalize (object);
}

static void
spy_target_class_init (SpyTargetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = spy_target_finalize;
}

static void
close_fd (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

static void
task_clock_free (gpointer data)
{
  TaskClock *clock = data;

  if (clock->fd >= 0)
    close (clock->fd);
  g_free (clock);
}

static void
spy_target_init (SpyTarget *self)
{
  self->task_stat_fds = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, close_fd);
  self->task_clocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, task_clock_free);
}

gboolean
spy_python_version_from_name (const char *path,
                              guint      *major,
                              guint      *minor)
{
  g_autofree char *base = g_path_get_basename (path);
  const char *p = strstr (base, "python");
  guint64 maj, min;
  char *end;

  if (p == NULL)
    return FALSE;
  p += strlen ("python");
  if (!g_ascii_isdigit (*p))
    return FALSE;
  maj = g_ascii_strtoull (p, &end, 10);
  if (*end != '.' || !g_ascii_isdigit (end[1]))
    return FALSE;
  min = g_ascii_strtoull (end + 1, NULL, 10);
  if (maj > 9 || min > 99)
    return FALSE;
  *major = (guint) maj;
  *minor = (guint) min;
  return TRUE;
}

static gboolean
is_libpython (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return g_str_has_prefix (base, "libpython") && strstr (base, ".so") != NULL;
}

/* Files mapped into @pid, each once, with the address of their first byte. */
static GArray *
read_mapped_files (GPid     pid,
                   GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/maps", (int) pid);
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) files = g_array_new (FALSE, FALSE, sizeof (MappedFile));
  g_auto(GStrv) lines = NULL;

  g_array_set_clear_func (files, mapped_file_clear);
  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      if ((g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
           g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_PERM)) &&
          !spy_process_is_gone (pid))
        {
          g_autofree char *help = spy_memory_permission_help (pid);
          g_set_error_literal (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_PERMISSION, help);
        }
      else
        g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_EXITED,
                     "Process %d has exited", (int) pid);
      return NULL;
    }

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      unsigned long long start, end, offset;
      char perms[8];
      int path_at = 0;
      const char *file;
      gboolean seen = FALSE;

      if (sscanf (lines[i], "%llx-%llx %7s %llx %*s %*s %n",
                  &start, &end, perms, &offset, &path_at) < 4 || path_at == 0)
        continue;
      file = lines[i] + path_at;
      if (file[0] != '/' || offset != 0)
        continue;
      for (guint j = 0; j < files->len && !seen; j++)
        seen = g_strcmp0 (g_array_index (files, MappedFile, j).path, file) == 0;
      if (!seen)
        {
          MappedFile mapped = { g_strdup (file), start };
          char *deleted = strstr (mapped.path, " (deleted)");

          if (deleted != NULL)
            *deleted = '\0';
          g_array_append_val (files, mapped);
        }
    }
  return g_steal_pointer (&files);
}

/* PY_VERSION ("3.8.18") from .rodata, for versions without Py_Version. */
static char *
scan_version_string (SpyElf *elf,
                     guint   major,
                     guint   minor)
{
  g_autoptr(GBytes) rodata = spy_elf_get_section (elf, ".rodata");
  g_autofree char *prefix = g_strdup_printf ("%u.%u.", major, minor);
  gsize prefix_len = strlen (prefix);
  const char *data;
  gsize len;

  if (rodata == NULL)
    return NULL;
  data = g_bytes_get_data (rodata, &len);
  for (gsize i = 1; i + prefix_len + 2 < len; i++)
    {
      gsize j;

      /* The linker may merge the literal into the tail of a longer string
       * (a build path ending in "Python-3.8.18"), so only require that no
       * digit or dot comes before it. */
      if (g_ascii_isdigit (data[i - 1]) || data[i - 1] == '.' ||
          memcmp (data + i, prefix, prefix_len) != 0)
        continue;
      for (j = i + prefix_len; j < len && g_ascii_isdigit (data[j]); j++)
        ;
      if (j > i + prefix_len && j < len && data[j] == '\0' && j - i < 16)
        return g_strndup (data + i, j - i);
    }
  return NULL;
}

char *
spy_process_read_cmdline (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL) || len == 0)
    return g_strdup ("");
  for (gsize i = 0; i + 1 < len; i++)
    if (contents[i] == '\0')
      contents[i] = ' ';
  return g_utf8_make_valid (contents, -1);
}

/* Where the interpreters list starts: _PyRuntime (3.7+), or 3.6's own
 * static head of the list, interp_head (in .symtab only: the pyenv builds
 * keep it, a stripped build does not). */
static gboolean
find_anchor (SpyElf  *elf,
             guint64 *value)
{
  return spy_elf_lookup (elf, "_PyRuntime", value, NULL) ||
         spy_elf_lookup (elf, "interp_head", value, NULL);
}

static gboolean
find_interpreter (SpyTarget  *self,
                  GArray     *files,
                  SpyElf    **elf_out,
                  guint64    *map_start,
                  GError    **error)
{
  const MappedFile *chosen = NULL;
  g_autofree char *root_path = NULL;
  g_autoptr(SpyElf) elf = NULL;
  guint64 value;
  guint major, minor;

  for (guint i = 0; i < files->len && chosen == NULL; i++)
    if (is_libpython (g_array_index (files, MappedFile, i).path))
      chosen = &g_array_index (files, MappedFile, i);
  for (guint i = 0; i < files->len && chosen == NULL; i++)
    if (g_strcmp0 (g_array_index (files, MappedFile, i).path, self->executable) == 0)
      chosen = &g_array_index (files, MappedFile, i);

  if (chosen == NULL)
    {
      g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON,
                   "Process %d (%s) is not a Python process: no libpython*.so is "
                   "loaded and its executable is not mapped from a file",
                   (int) self->pid, self->executable);
      return FALSE;
    }

  root_path = g_strdup_printf ("/proc/%d/root%s", (int) self->pid, chosen->path);
  elf = spy_elf_open (root_path, NULL);
  if (elf == NULL || !find_anchor (elf, &value))
    {
      gboolean named = spy_python_version_from_name (chosen->path, &major, &minor);

      /* Not Python as far as we can read it: also what a program just
       * started is until the loader maps its libpython, so callers that
       * wait for that still wait. */
      if (named && spy_python_layout_lookup (major, minor) != NULL && elf != NULL)
        g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON,
                     "Process %d runs Python %u.%u (%s), but that file has neither a "
                     "_PyRuntime nor an interp_head symbol (2.7 and 3.6 keep the "
                     "latter only in a symbol table that a stripped build drops), so "
                     "Spyglass cannot find its threads",
                     (int) self->pid, major, minor, chosen->path);
      else if (named && spy_python_layout_lookup (major, minor) == NULL)
        g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_UNSUPPORTED_VERSION,
                     "Process %d runs Python %u.%u (%s), which Spyglass does not "
                     "support: it reads Python 2.7 and 3.%d to 3.%d",
                     (int) self->pid, major, minor, chosen->path,
                     SPY_PYTHON_MIN_MINOR, SPY_PYTHON_MAX_MINOR);
      else
        g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NOT_PYTHON,
                     "Process %d (%s) is not a Python process: looked for a loaded "
                     "libpython*.so and for the _PyRuntime (or interp_head) symbol in %s, "
                     "and found neither",
                     (int) self->pid, self->executable, chosen->path);
      return FALSE;
    }

  self->python_path = g_strdup (chosen->path);
  *map_start = chosen->start;
  *elf_out = g_steal_pointer (&elf);
  return TRUE;
}

static guint64
symbol_address (SpyElf  *elf,
                guint64  map_start,
                guint64  value)
{
  if (!spy_elf_is_relocatable (elf))
    return value;
  return map_start - spy_elf_get_base_vaddr (elf) + value;
}

/* The built-in types a repr tells apart, by their exported symbols; 2.7's
 * str is PyString_Type, its int PyInt_Type (and PyLong_Type its long). */
static void
find_builtins (SpyTarget *self,
               SpyElf    *elf,
               guint64    map_start)
{
  static const struct {
    const char *symbol;
    goffset     field;
  } symbols[] = {
    { "PyString_Type", G_STRUCT_OFFSET (SpyBuiltins, str) },
    { "PyUnicode_Type", G_STRUCT_OFFSET (SpyBuiltins, str) },
    { "PyBytes_Type", G_STRUCT_OFFSET (SpyBuiltins, bytes) },
    { "PyInt_Type", G_STRUCT_OFFSET (SpyBuiltins, int_) },
    { "PyLong_Type", G_STRUCT_OFFSET (SpyBuiltins, long_) },
    { "PyFloat_Type", G_STRUCT_OFFSET (SpyBuiltins, float_) },
    { "PyList_Type", G_STRUCT_OFFSET (SpyBuiltins, list) },
    { "PyTuple_Type", G_STRUCT_OFFSET (SpyBuiltins, tuple) },
    { "PyDict_Type", G_STRUCT_OFFSET (SpyBuiltins, dict) },
    { "PyCell_Type", G_STRUCT_OFFSET (SpyBuiltins, cell) },
    { "_Py_NoneStruct", G_STRUCT_OFFSET (SpyBuiltins, none) },
    { "_Py_TrueStruct", G_STRUCT_OFFSET (SpyBuiltins, true_) },
    { "_Py_FalseStruct", G_STRUCT_OFFSET (SpyBuiltins, false_) },
    { "_Py_ZeroStruct", G_STRUCT_OFFSET (SpyBuiltins, false_) },  /* 2.7's False */
  };

  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    {
      guint64 value, *field = &G_STRUCT_MEMBER (guint64, &self->builtins, symbols[i].field);

      if (*field == 0 && spy_elf_lookup (elf, symbols[i].symbol, &value, NULL))
        *field = symbol_address (elf, map_start, value);
    }
  /* 3.x has one int type, PyLong_Type. */
  if (self->builtins.int_ == 0)
    self->builtins.int_ = self->builtins.long_;
}

static gboolean
detect_version (SpyTarget  *self,
                SpyElf     *elf,
                guint64     map_start,
                GError    **error)
{
  guint64 value;
  guint major = 0, minor = 0;
  g_autoptr(GError) local_error = NULL;

  if (spy_elf_lookup (elf, "Py_Version", &value, NULL))
    {
      guint32 hex;

      if (!spy_memory_read (self->memory, symbol_address (elf, map_start, value),
                            &hex, sizeof hex, &local_error))
        {
          spy_target_propagate_error (self, error, g_steal_pointer (&local_error));
          return FALSE;
        }
      self->version_hex = hex;
      self->version = g_strdup_printf ("%u.%u.%u", hex >> 24, (hex >> 16) & 0xff,
                                       (hex >> 8) & 0xff);
      return TRUE;
    }

  if (!spy_python_version_from_name (self->python_path, &major, &minor) &&
      !spy_python_version_from_name (self->executable, &major, &minor))
    {
      g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_UNSUPPORTED_VERSION,
                   "Cannot tell which Python version process %d runs (%s has no "
                   "Py_Version symbol and its name has no version)",
                   (int) self->pid, self->python_path);
      return FALSE;
    }

  self->version = scan_version_string (elf, major, minor);
  if (self->version == NULL)
    self->version = g_strdup_printf ("%u.%u", major, minor);
  self->version_hex = (major << 24) | (minor << 16);
  {
    g_auto(GStrv) parts = g_strsplit (self->version, ".", 3);

    if (parts[0] && parts[1] && parts[2])
      self->version_hex |= (guint) (g_ascii_strtoull (parts[2], NULL, 10) & 0xff) << 8;
  }
  return TRUE;
}

static gboolean
choose_layout (SpyTarget  *self,
               GError    **error)
{
  guint major = self->version_hex >> 24;
  guint minor = (self->version_hex >> 16) & 0xff;
  const SpyPythonLayout *table = spy_python_layout_lookup (major, minor);

  if (table == NULL)
    {
      g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_UNSUPPORTED_VERSION,
                   "Process %d runs Python %s, which Spyglass does not support: "
                   "it reads Python 2.7 and 3.%d to 3.%d",
                   (int) self->pid, self->version, SPY_PYTHON_MIN_MINOR, SPY_PYTHON_MAX_MINOR);
      return FALSE;
    }
  self->layout = *table;

  if (major == 3 && minor >= 13)
    {
      guint8 buf[SPY_DEBUG_OFFSETS_MAX_SIZE];
      g_autoptr(GError) local_error = NULL;

      /* The target describes itself, and from 3.13 on we take its word
       * over our table; what it does not say comes from the table. A
       * version whose description we cannot decode is not read at all. */
      if (!spy_memory_read (self->memory, self->runtime_address, buf, sizeof buf, &local_error))
        {
          spy_target_propagate_error (self, error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!spy_python_layout_apply_debug_offsets (&self->layout, buf, sizeof buf, &local_error))
        {
          g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_UNSUPPORTED_VERSION,
                       "Process %d cannot be read: %s", (int) self->pid, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static SpyTarget *
open_target (GPid     pid,
             GError **error)
{
  g_autoptr(SpyTarget) self = NULL;
  g_autoptr(GArray) files = NULL;
  g_autoptr(SpyElf) elf = NULL;
  g_autofree char *proc = g_strdup_printf ("/proc/%d", (int) pid);
  g_autofree char *exe_link = g_strdup_printf ("/proc/%d/exe", (int) pid);
  guint64 map_start = 0, value;

  if (pid <= 0 || !g_file_test (proc, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NO_SUCH_PROCESS,
                   "No process with pid %d is running", (int) pid);
      return NULL;
    }

  self = g_object_new (SPY_TYPE_TARGET, NULL);
  self->pid = pid;
  self->memory = spy_memory_new_for_pid (pid);
  self->cmdline = spy_process_read_cmdline (pid);
  self->executable = g_file_read_link (exe_link, NULL);

  if (!(files = read_mapped_files (pid, error)))
    return NULL;
  if (self->executable == NULL && spy_process_is_gone (pid))
    {
      g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_EXITED,
                   "Process %d has exited", (int) pid);
      return NULL;
    }
  if (self->executable == NULL)
    {
      g_autofree char *help = spy_memory_permission_help (pid);
      g_set_error_literal (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_PERMISSION, help);
      return NULL;
    }
  else
    {
      char *deleted = strstr (self->executable, " (deleted)");
      if (deleted != NULL)
        *deleted = '\0';
    }

  if (!find_interpreter (self, files, &elf, &map_start, error))
    return NULL;

  find_anchor (elf, &value);
  self->runtime_address = symbol_address (elf, map_start, value);
  if (spy_elf_lookup (elf, "PyCode_Type", &value, NULL))
    self->code_type_address = symbol_address (elf, map_start, value);
  find_builtins (self, elf, map_start);
  /* 3.12 numbers its code objects from a global (3.13+: a field of the
   * interpreter); static, so only in a symbol table that was kept. */
  if (spy_elf_lookup (elf, "_Py_next_func_version", &value, NULL))
    self->code_versions_address = symbol_address (elf, map_start, value);
  /* 3.6 keeps no GIL struct we can find; the thread state that holds the
   * GIL is in _PyThreadState_Current (NULL while nobody does). */
  if (spy_elf_lookup (elf, "_PyThreadState_Current", &value, NULL))
    self->gil_holder_address = symbol_address (elf, map_start, value);

  if (!detect_version (self, elf, map_start, error) || !choose_layout (self, error))
    return NULL;

  /* Make sure we may read it at all before saying yes. */
  {
    g_autoptr(GError) local_error = NULL;
    guint64 head;

    if (!spy_memory_read_ptr (self->memory,
                              self->runtime_address + self->layout.runtime_interpreters_head,
                              &head, &local_error))
      {
        spy_target_propagate_error (self, error, g_steal_pointer (&local_error));
        return NULL;
      }
  }

  return g_steal_pointer (&self);
}

/* Gone, or about to be: an exiting process drops its memory map before it
 * becomes a zombie, so give it a moment. */
static gboolean
process_is_exiting (GPid pid)
{
  for (int i = 0; i < 10; i++)
    {
      if (spy_process_is_gone (pid))
        return TRUE;
      g_usleep (5000);
    }
  return FALSE;
}

SpyTarget *
spy_target_open (GPid     pid,
                 GError **error)
{
  g_autoptr(GError) local_error = NULL;
  SpyTarget *self = open_target (pid, &local_error);

  if (self != NULL)
    return self;

  /* A process that exits while we look at it fails in many ways (files
   * vanish, reads are refused): say what happened, not what failed. */
  if (!g_error_matches (local_error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_NO_SUCH_PROCESS) &&
      process_is_exiting (pid))
    g_set_error (error, SPY_TARGET_ERROR, SPY_TARGET_ERROR_EXITED,
                 "Process %d exited while Spyglass was opening it", (int) pid);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

void
spy_target_propagate_error (SpyTarget  *self,
                            GError    **dest,
                            GError     *src)
{
  SpyTargetError code = SPY_TARGET_ERROR_FAILED;

  if (g_error_matches (src, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_EXITED))
    code = SPY_TARGET_ERROR_EXITED;
  else if (g_error_matches (src, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_PERMISSION))
    code = SPY_TARGET_ERROR_PERMISSION;
  else if (src->domain == SPY_TARGET_ERROR)
    code = src->code;
  g_set_error_literal (dest, SPY_TARGET_ERROR, code, src->message);
  g_error_free (src);
}

GPid
spy_target_get_pid (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), 0);
  return self->pid;
}

const char *
spy_target_get_executable (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);
  return self->executable;
}

const char *
spy_target_get_python_path (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);
  return self->python_path;
}

const char *
spy_target_get_cmdline (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);
  return self->cmdline;
}

const char *
spy_target_get_version (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);
  return self->version;
}

guint
spy_target_get_version_hex (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), 0);
  return self->version_hex;
}

guint64
spy_target_get_runtime_address (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), 0);
  return self->runtime_address;
}

const SpyBuiltins *
spy_target_get_builtins (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);

  return &self->builtins;
}

guint64
spy_target_get_gil_holder_address (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), 0);

  return self->gil_holder_address;
}

guint64
spy_target_get_code_versions_address (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), 0);

  return self->layout.major == 3 && self->layout.minor == 12 ? self->code_versions_address : 0;
}

guint64
spy_target_get_code_type_address (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), 0);
  return self->code_type_address;
}

SpyMemory *
spy_target_get_memory (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);
  return self->memory;
}

const SpyPythonLayout *
spy_target_get_layout (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), NULL);
  return &self->layout;
}

gboolean
spy_target_is_alive (SpyTarget *self)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), FALSE);
  return kill (self->pid, 0) == 0 || errno == EPERM;
}

static gboolean read_thread_is_running (SpyTarget *self,
                                        gint64     tid);

gboolean
spy_target_thread_is_running (SpyTarget *self,
                              gint64     tid)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), FALSE);

  if (self->frozen_states != NULL)
    return g_hash_table_contains (self->frozen_states, &tid);
  return read_thread_is_running (self, tid);
}

void
spy_target_freeze_thread_states (SpyTarget *self)
{
  g_return_if_fail (SPY_IS_TARGET (self));

  spy_target_thaw_thread_states (self);
  self->frozen_states = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

void
spy_target_freeze_thread_state (SpyTarget *self,
                                gint64     tid)
{
  g_return_if_fail (SPY_IS_TARGET (self));
  g_return_if_fail (self->frozen_states != NULL);

  if (tid > 0 && read_thread_is_running (self, tid))
    g_hash_table_add (self->frozen_states, g_memdup2 (&tid, sizeof tid));
}

void
spy_target_thaw_thread_states (SpyTarget *self)
{
  g_return_if_fail (SPY_IS_TARGET (self));

  g_clear_pointer (&self->frozen_states, g_hash_table_unref);
}

static gboolean
read_thread_is_running (SpyTarget *self,
                        gint64     tid)
{
  char buf[512];
  const char *paren;
  gpointer fd_ptr;
  ssize_t n;
  int fd;

  /* Sampled often: keep the file open and read it from the start. */
  if (g_hash_table_lookup_extended (self->task_stat_fds, &tid, NULL, &fd_ptr))
    fd = GPOINTER_TO_INT (fd_ptr);
  else
    {
      g_snprintf (buf, sizeof buf, "/proc/%d/task/%" G_GINT64_FORMAT "/stat", (int) self->pid, tid);
      fd = open (buf, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return FALSE;
      if (g_hash_table_size (self->task_stat_fds) < MAX_TASK_FDS)
        g_hash_table_insert (self->task_stat_fds, g_memdup2 (&tid, sizeof tid), GINT_TO_POINTER (fd));
    }

  n = pread (fd, buf, sizeof buf - 1, 0);
  if (!g_hash_table_contains (self->task_stat_fds, &tid))
    close (fd);
  else if (n <= 0)
    g_hash_table_remove (self->task_stat_fds, &tid);  /* the thread is gone */
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  /* "tid (comm) S ...": comm may hold spaces and parentheses. */
  paren = strrchr (buf, ')');
  return paren != NULL && paren[1] == ' ' && paren[2] == 'R';
}

/* schedstat: ns the thread has run on a CPU (the first field) and, if
 * @pcount, how many times it was put on one (the third). */
static gboolean
read_run_ns (TaskClock *clock,
             guint64   *run_ns,
             guint64   *pcount)
{
  char buf[128], *end;
  ssize_t n = pread (clock->fd, buf, sizeof buf - 1, 0);

  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  *run_ns = g_ascii_strtoull (buf, &end, 10);
  if (pcount != NULL)
    {
      g_ascii_strtoull (end, &end, 10);  /* time spent waiting for a CPU */
      *pcount = g_ascii_strtoull (end, NULL, 10);
    }
  return TRUE;
}

/* The CPU time of one thread now, read once (no file kept open). */
static gboolean
read_task_run_ns (GPid     pid,
                  gint64   tid,
                  guint64 *run_ns)
{
  char path[96];
  TaskClock clock = { 0 };
  gboolean ok;

  g_snprintf (path, sizeof path, "/proc/%d/task/%" G_GINT64_FORMAT "/schedstat", (int) pid, tid);
  if ((clock.fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return FALSE;
  ok = read_run_ns (&clock, run_ns, NULL);
  close (clock.fd);
  return ok;
}

GHashTable *
spy_target_read_cpu_times (SpyTarget *self)
{
  g_autofree char *path = NULL;
  g_autoptr(GDir) dir = NULL;
  GHashTable *times = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  const char *name;

  g_return_val_if_fail (SPY_IS_TARGET (self), times);

  path = g_strdup_printf ("/proc/%d/task", (int) self->pid);
  if ((dir = g_dir_open (path, 0, NULL)) == NULL)
    return times;
  while ((name = g_dir_read_name (dir)) != NULL && g_hash_table_size (times) < MAX_TASK_FDS)
    {
      gint64 tid = g_ascii_strtoll (name, NULL, 10);
      guint64 run_ns;

      if (tid > 0 && read_task_run_ns (self->pid, tid, &run_ns))
        g_hash_table_insert (times, g_memdup2 (&tid, sizeof tid), g_memdup2 (&run_ns, sizeof run_ns));
    }
  return times;
}

gboolean
spy_target_thread_ran_since (SpyTarget  *self,
                             gint64      tid,
                             GHashTable *then)
{
  const guint64 *before;
  guint64 run_ns;

  g_return_val_if_fail (SPY_IS_TARGET (self), FALSE);

  if (!spy_target_thread_is_running (self, tid))
    return FALSE;
  /* A thread born since: it ran, or it could not be runnable. */
  if ((before = g_hash_table_lookup (then, &tid)) == NULL)
    return TRUE;
  return read_task_run_ns (self->pid, tid, &run_ns) && run_ns > *before;
}

/* @runnable: 1 or 0 when the caller knows, -1 to look (when needed). */
static gboolean
is_runnable (SpyTarget *self,
             gint64     tid,
             int       *runnable)
{
  if (*runnable < 0)
    *runnable = spy_target_thread_is_running (self, tid);
  return *runnable;
}

static gboolean
thread_ran (SpyTarget *self,
            gint64     tid,
            gint64     now_ns,
            int        runnable)
{
  TaskClock *clock;
  guint64 run_ns, pcount;
  gint64 interval;
  gboolean asleep, look;

  clock = g_hash_table_lookup (self->task_clocks, &tid);
  if (clock == NULL)
    {
      char path[96];

      if (g_hash_table_size (self->task_clocks) >= MAX_TASK_FDS)
        return is_runnable (self, tid, &runnable);
      g_snprintf (path, sizeof path, "/proc/%d/task/%" G_GINT64_FORMAT "/schedstat", (int) self->pid, tid);
      clock = g_new0 (TaskClock, 1);
      clock->tid = tid;
      clock->fd = open (path, O_RDONLY | O_CLOEXEC);
      if (clock->fd < 0 || !read_run_ns (clock, &clock->run_ns, &clock->pcount))
        {
          task_clock_free (clock);
          return is_runnable (self, tid, &runnable);
        }
      clock->at_ns = now_ns;
      g_hash_table_insert (self->task_clocks, &clock->tid, clock);
      return is_runnable (self, tid, &runnable);
    }
  if (clock->fresh && clock->fresh_at_ns >= now_ns)
    {
      run_ns = clock->fresh_run_ns;
      pcount = clock->fresh_pcount;
    }
  else if (!read_run_ns (clock, &run_ns, &pcount))
    {
      g_hash_table_remove (self->task_clocks, &tid);  /* the thread is gone */
      return FALSE;
    }
  clock->fresh = FALSE;
  /* Not runnable at the last look, and since then neither put on a CPU
   * (that counts in pcount, from the switch on) nor charged CPU time: it
   * has run nothing since, and, with no CPU time left to count, need not
   * be looked at: /proc/…/stat is the dearest read of a sample. A thread
   * woken before it left its CPU is not switched back on; its time shows
   * at the next tick, so it is missed for one at most. A kernel that
   * keeps no schedstats (all 0) never takes this way. */
  asleep = runnable < 0 && clock->asleep && pcount > 0 && pcount == clock->pcount &&
           run_ns == clock->run_ns;
  look = runnable < 0 && self->frozen_states == NULL;
  interval = MAX (now_ns - clock->at_ns, 0);
  /* What it may carry is bounded to 12 ms beyond this sample's interval
   * (what a sample counted running pays): a thread that ran all through
   * a long wait of ours (a loaded machine) stays counted, not short of
   * credit for the samples after it. */
  clock->credit_ns = MIN (clock->credit_ns + (gint64) (run_ns - MIN (run_ns, clock->run_ns)),
                          CREDIT_LIMIT_NS + interval);
  clock->run_ns = run_ns;
  clock->at_ns = now_ns;
  clock->pcount = pcount;
  clock->asleep = asleep;
  /* Runnable now, so the stack we read is the one it runs (a thread back
   * in its wait after a burst is not); and not counted running for more
   * time than it spent on a CPU, so a waiter woken every few ms, runnable
   * at many samples, counts for the little it runs. One with CPU time
   * not yet counted is looked at even while it waits: woken, it may wait
   * for a CPU (runnable, not switched on), as waiters often do on a busy
   * machine, and is counted then. */
  if ((asleep && clock->credit_ns <= 0) || clock->credit_ns < -CREDIT_LIMIT_NS)
    return FALSE;
  if (!is_runnable (self, tid, &runnable))
    {
      clock->asleep = asleep || look;
      return FALSE;
    }
  clock->asleep = FALSE;
  clock->credit_ns -= interval;
  return TRUE;
}

gboolean
spy_target_thread_rested (SpyTarget  *self,
                          gint64      tid,
                          SpyRunMark *mark)
{
  TaskClock *clock;
  struct timespec ts;

  g_return_val_if_fail (SPY_IS_TARGET (self), FALSE);

  *mark = (SpyRunMark) { 0, 0 };
  clock = g_hash_table_lookup (self->task_clocks, &tid);
  if (clock == NULL || !read_run_ns (clock, &clock->fresh_run_ns, &clock->fresh_pcount))
    return FALSE;
  *mark = (SpyRunMark) { clock->fresh_run_ns, clock->fresh_pcount };
  clock_gettime (CLOCK_MONOTONIC, &ts);
  clock->fresh = TRUE;
  clock->fresh_at_ns = (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
  /* As thread_ran() would find it. */
  return clock->asleep && clock->fresh_pcount > 0 && clock->fresh_pcount == clock->pcount &&
         clock->fresh_run_ns == clock->run_ns;
}

gboolean
spy_target_thread_ran (SpyTarget *self,
                       gint64     tid,
                       gint64     now_ns)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), FALSE);

  return thread_ran (self, tid, now_ns, -1);
}

gboolean
spy_target_thread_ran_known (SpyTarget *self,
                             gint64     tid,
                             gint64     now_ns,
                             gboolean   runnable)
{
  g_return_val_if_fail (SPY_IS_TARGET (self), FALSE);

  return thread_ran (self, tid, now_ns, runnable ? 1 : 0);
}

char *
spy_target_shorten_filename (SpyTarget  *self,
                             const char *filename)
{
  g_autofree char *cwd_link = NULL;
  g_autofree char *cwd = NULL;
  const char *lib;

  g_return_val_if_fail (filename != NULL, NULL);

  /* Standard library and installed packages: relative to their sys.path root. */
  if ((lib = strstr (filename, "/site-packages/")) != NULL)
    return g_strdup (lib + strlen ("/site-packages/"));
  if ((lib = strstr (filename, "/dist-packages/")) != NULL)
    return g_strdup (lib + strlen ("/dist-packages/"));
  if ((lib = strstr (filename, "/lib/python")) != NULL)
    {
      const char *slash = strchr (lib + strlen ("/lib/python"), '/');

      if (slash != NULL)
        return g_strdup (slash + 1);
    }

  /* The program's own files: relative to its working directory. */
  if (self != NULL)
    {
      cwd_link = g_strdup_printf ("/proc/%d/cwd", (int) self->pid);
      cwd = g_file_read_link (cwd_link, NULL);
      if (cwd != NULL && g_str_has_prefix (filename, cwd) && filename[strlen (cwd)] == '/' &&
          strcmp (cwd, "/") != 0)
        return g_strdup (filename + strlen (cwd) + 1);
    }
  return g_strdup (filename);
}

gboolean
spy_parse_pid (const char *text,
               GPid       *pid)
{
  guint64 value;

  g_return_val_if_fail (text != NULL && pid != NULL, FALSE);

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT32, &value, NULL))
    return FALSE;
  *pid = (GPid) value;
  return TRUE;
}
