/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-process-list.c: the processes in /proc, which of them run Python, their CPU use */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spy-process-list.h"
#include "spy-target.h"

/* Bounds on what we take from a process's /proc files. */
#define MAX_CMDLINE 4096
#define MAX_STAT    1024

struct _SpyProcessInfo {
  GObject   parent_instance;

  GPid      pid;
  guint64   start_time;
  char     *command_line;
  char     *name;
  char     *user;
  guint     uid;
  char     *python_version;
  double    cpu_percent;
  gboolean  readable;
};

enum {
  PROP_0,
  PROP_PID,
  PROP_START_TIME,
  PROP_COMMAND_LINE,
  PROP_NAME,
  PROP_USER,
  PROP_UID,
  PROP_PYTHON_VERSION,
  PROP_CPU_PERCENT,
  PROP_READABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpyProcessInfo, spy_process_info, G_TYPE_OBJECT)

static void
spy_process_info_finalize (GObject *object)
{
  SpyProcessInfo *self = SPY_PROCESS_INFO (object);

  g_clear_pointer (&self->command_line, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->python_version, g_free);

  G_OBJECT_CLASS (spy_process_info_parent_class)->finalize (object);
}

static void
spy_process_info_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpyProcessInfo *self = SPY_PROCESS_INFO (object);

  switch (prop_id)
    {
    case PROP_PID:            g_value_set_int (value, self->pid); break;
    case PROP_START_TIME:     g_value_set_uint64 (value, self->start_time); break;
    case PROP_COMMAND_LINE:   g_value_set_string (value, self->command_line); break;
    case PROP_NAME:           g_value_set_string (value, self->name); break;
    case PROP_USER:           g_value_set_string (value, self->user); break;
    case PROP_UID:            g_value_set_uint (value, self->uid); break;
    case PROP_PYTHON_VERSION: g_value_set_string (value, self->python_version); break;
    case PROP_CPU_PERCENT:    g_value_set_double (value, self->cpu_percent); break;
    case PROP_READABLE:       g_value_set_boolean (value, self->readable); break;
    default:                  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_process_info_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpyProcessInfo *self = SPY_PROCESS_INFO (object);

  switch (prop_id)
    {
    case PROP_CPU_PERCENT:
      spy_process_info_set_cpu_percent (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
spy_process_info_class_init (SpyProcessInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = spy_process_info_finalize;
  object_class->get_property = spy_process_info_get_property;
  object_class->set_property = spy_process_info_set_property;

  properties[PROP_PID] = g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_START_TIME] = g_param_spec_uint64 ("start-time", NULL, NULL,
                                                     0, G_MAXUINT64, 0, ro);
  properties[PROP_COMMAND_LINE] = g_param_spec_string ("command-line", NULL, NULL, NULL, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_USER] = g_param_spec_string ("user", NULL, NULL, NULL, ro);
  properties[PROP_UID] = g_param_spec_uint ("uid", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PYTHON_VERSION] = g_param_spec_string ("python-version", NULL, NULL, NULL, ro);
  properties[PROP_CPU_PERCENT] =
    g_param_spec_double ("cpu-percent", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READABLE] = g_param_spec_boolean ("readable", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
spy_process_info_init (SpyProcessInfo *self)
{
}

GPid
spy_process_info_get_pid (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), 0);
  return self->pid;
}

guint64
spy_process_info_get_start_time (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), 0);
  return self->start_time;
}

const char *
spy_process_info_get_command_line (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), NULL);
  return self->command_line;
}

const char *
spy_process_info_get_name (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), NULL);
  return self->name;
}

const char *
spy_process_info_get_user (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), NULL);
  return self->user;
}

guint
spy_process_info_get_uid (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), 0);
  return self->uid;
}

const char *
spy_process_info_get_python_version (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), NULL);
  return self->python_version;
}

double
spy_process_info_get_cpu_percent (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), 0);
  return self->cpu_percent;
}

void
spy_process_info_set_cpu_percent (SpyProcessInfo *self,
                                  double          cpu_percent)
{
  g_return_if_fail (SPY_IS_PROCESS_INFO (self));

  cpu_percent = MAX (cpu_percent, 0);
  if (self->cpu_percent == cpu_percent)
    return;
  self->cpu_percent = cpu_percent;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CPU_PERCENT]);
}

gboolean
spy_process_info_get_readable (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), FALSE);
  return self->readable;
}

char *
spy_process_info_dup_key (SpyProcessInfo *self)
{
  g_return_val_if_fail (SPY_IS_PROCESS_INFO (self), NULL);
  return g_strdup_printf ("%d:%" G_GUINT64_FORMAT, (int) self->pid, self->start_time);
}

double
spy_process_cpu_percent (guint64 ticks_before,
                         guint64 ticks_after,
                         double  elapsed_seconds,
                         long    ticks_per_second)
{
  if (ticks_after <= ticks_before || elapsed_seconds <= 0 || ticks_per_second <= 0)
    return 0;
  return 100.0 * (double) (ticks_after - ticks_before) / (double) ticks_per_second / elapsed_seconds;
}

/* ------------------------------------------------------------------ */

struct _SpyProcessList {
  GObject     parent_instance;

  GMutex      lock;           /* one scan at a time; guards everything below */
  GHashTable *previous_ticks; /* "pid:start" → utime+stime at the previous scan */
  gint64      previous_time;  /* g_get_monotonic_time () of the previous scan */
  GHashTable *users;          /* uid → user name */
  GHashTable *elf_versions;   /* "pid:start:exe" → version or "" (slow look-ups) */
  long        ticks_per_second;
};

G_DEFINE_FINAL_TYPE (SpyProcessList, spy_process_list, G_TYPE_OBJECT)

static void
spy_process_list_finalize (GObject *object)
{
  SpyProcessList *self = SPY_PROCESS_LIST (object);

  g_clear_pointer (&self->previous_ticks, g_hash_table_unref);
  g_clear_pointer (&self->users, g_hash_table_unref);
  g_clear_pointer (&self->elf_versions, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (spy_process_list_parent_class)->finalize (object);
}

static void
spy_process_list_class_init (SpyProcessListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = spy_process_list_finalize;
}

static void
spy_process_list_init (SpyProcessList *self)
{
  g_mutex_init (&self->lock);
  self->previous_ticks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->users = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->elf_versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->ticks_per_second = sysconf (_SC_CLK_TCK);
  if (self->ticks_per_second <= 0)
    self->ticks_per_second = 100;
}

SpyProcessList *
spy_process_list_new (void)
{
  return g_object_new (SPY_TYPE_PROCESS_LIST, NULL);
}

/* Reads at most @size - 1 bytes of a small /proc file; -1 on error. */
static gssize
read_small_file (const char *path,
                 char       *buf,
                 gsize       size)
{
  gssize n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  do
    n = read (fd, buf, size - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n >= 0)
    buf[n] = '\0';
  return n;
}

/* What /proc/PID/stat tells us. */
typedef struct {
  char    *comm;
  guint64  ticks;       /* utime + stime */
  guint64  start_time;  /* starttime, ticks after boot */
} ProcStat;

/* comm may hold spaces and parentheses: it ends at the last ')'. */
static gboolean
read_proc_stat (GPid      pid,
                ProcStat *out)
{
  char path[64], buf[MAX_STAT];
  const char *open_paren, *close_paren, *p;
  guint64 fields[20] = { 0 };
  guint i;

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if (read_small_file (path, buf, sizeof buf) <= 0)
    return FALSE;
  open_paren = strchr (buf, '(');
  close_paren = strrchr (buf, ')');
  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
    return FALSE;

  /* Fields from 4 (ppid) on, after the state letter (field 3). */
  p = close_paren + 2;
  if (*p == '\0')
    return FALSE;
  p++;
  for (i = 0; i < G_N_ELEMENTS (fields) && *p != '\0'; i++)
    {
      char *end;

      while (*p == ' ')
        p++;
      fields[i] = g_ascii_strtoull (p, &end, 10);
      if (end == p)
        return FALSE;
      p = end;
    }
  if (i < 19)
    return FALSE;
  /* fields[i] is field i + 4: utime 14, stime 15, starttime 22. */
  out->ticks = fields[10] + fields[11];
  out->start_time = fields[18];
  out->comm = g_utf8_make_valid (open_paren + 1, close_paren - open_paren - 1);
  return TRUE;
}

/* Control characters (newlines in arguments…) would break a one-line view. */
static void
replace_controls (char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x20 || *s == 0x7f)
      *s = ' ';
}

static char *
read_command_line (GPid        pid,
                   const char *comm,
                   char      **argv0)
{
  char path[64];
  g_autofree char *buf = g_malloc (MAX_CMDLINE + 1);
  gssize n;

  g_snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pid);
  n = read_small_file (path, buf, MAX_CMDLINE + 1);
  *argv0 = n > 0 ? g_utf8_make_valid (buf, -1) : NULL;
  while (n > 0 && buf[n - 1] == '\0')
    n--;
  if (n <= 0)
    return g_strdup_printf ("[%s]", comm);
  for (gssize i = 0; i < n; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
  buf[n] = '\0';
  {
    char *valid = g_utf8_make_valid (buf, n);

    replace_controls (valid);
    return valid;
  }
}

static char *
version_from_name (const char *path)
{
  guint major, minor;

  if (path == NULL || !spy_python_version_from_name (path, &major, &minor))
    return NULL;
  return g_strdup_printf ("%u.%u", major, minor);
}

/* A mapped libpythonX.Y*.so* in /proc/PID/maps. Sets *readable. */
static char *
version_from_maps (GPid      pid,
                   gboolean *readable)
{
  char path[64];
  g_autofree char *contents = NULL;
  const char *p;

  g_snprintf (path, sizeof path, "/proc/%d/maps", (int) pid);
  *readable = g_file_get_contents (path, &contents, NULL, NULL);
  if (!*readable)
    return NULL;
  for (p = strstr (contents, "/libpython"); p != NULL; p = strstr (p + 1, "/libpython"))
    {
      const char *end = strchr (p, '\n');
      g_autofree char *file = g_strndup (p + 1, end ? (gsize) (end - p - 1) : strlen (p + 1));
      char *version;

      if (strstr (file, ".so") == NULL)
        continue;
      version = version_from_name (file);
      if (version != NULL)
        return version;
    }
  return NULL;
}

/* "python", "python3", "python3-dbg"…: Python, version not in the name. */
static gboolean
is_unversioned_python (const char *base)
{
  if (!g_str_has_prefix (base, "python"))
    return FALSE;
  base += strlen ("python");
  if (g_ascii_isdigit (*base))
    base++;
  return *base == '\0' || *base == '-' || *base == '_';
}

/* Opens the interpreter like a recording would; slow, so cached. */
static char *
version_from_elf (SpyProcessList *self,
                  GPid            pid,
                  guint64         start_time,
                  const char     *exe)
{
  g_autofree char *key = g_strdup_printf ("%d:%" G_GUINT64_FORMAT ":%s",
                                          (int) pid, start_time, exe);
  const char *cached = g_hash_table_lookup (self->elf_versions, key);
  g_autoptr(SpyTarget) target = NULL;
  char *version = NULL;

  if (cached != NULL)
    return *cached ? g_strdup (cached) : NULL;

  target = spy_target_open (pid, NULL);
  if (target != NULL)
    {
      guint hex = spy_target_get_version_hex (target);

      version = g_strdup_printf ("%u.%u", hex >> 24, (hex >> 16) & 0xff);
    }
  g_hash_table_insert (self->elf_versions, g_steal_pointer (&key),
                       g_strdup (version ? version : ""));
  return version;
}

static char *
detect_python (SpyProcessList *self,
               GPid            pid,
               guint64         start_time,
               const char     *argv0,
               gboolean       *readable)
{
  char path[64];
  g_autofree char *exe = NULL;
  g_autofree char *base = NULL;
  char *version = version_from_maps (pid, readable);

  if (version != NULL)
    return version;

  g_snprintf (path, sizeof path, "/proc/%d/exe", (int) pid);
  exe = *readable ? g_file_read_link (path, NULL) : NULL;
  /* Without the right to read it, the command line is all we have. */
  base = g_path_get_basename (exe ? exe : argv0 ? argv0 : "");
  version = version_from_name (base);
  if (version != NULL || !is_unversioned_python (base))
    return version;
  if (exe != NULL)
    version = version_from_elf (self, pid, start_time, exe);
  return version ? version : g_strdup ("3");
}

static char *
lookup_user (SpyProcessList *self,
             guint           uid)
{
  const char *name = g_hash_table_lookup (self->users, GUINT_TO_POINTER (uid));

  if (name == NULL)
    {
      struct passwd pwd, *result = NULL;
      char buf[1024];

      if (getpwuid_r (uid, &pwd, buf, sizeof buf, &result) == 0 && result != NULL)
        name = g_utf8_make_valid (result->pw_name, -1);
      else
        name = g_strdup_printf ("%u", uid);
      g_hash_table_insert (self->users, GUINT_TO_POINTER (uid), (char *) name);
    }
  return g_strdup (name);
}

/* The whole of one process, or NULL when it went away while we looked. */
static SpyProcessInfo *
read_process (SpyProcessList *self,
              GPid            pid,
              ProcStat       *stat_out)
{
  g_autoptr(SpyProcessInfo) info = NULL;
  g_autofree char *argv0 = NULL;
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%d", (int) pid);
  if (stat (path, &st) != 0 || !read_proc_stat (pid, stat_out))
    return NULL;

  info = g_object_new (SPY_TYPE_PROCESS_INFO, NULL);
  info->pid = pid;
  info->start_time = stat_out->start_time;
  info->uid = st.st_uid;
  info->user = lookup_user (self, st.st_uid);
  info->name = g_strdup (stat_out->comm);
  replace_controls (info->name);
  info->command_line = read_command_line (pid, info->name, &argv0);
  info->python_version = detect_python (self, pid, info->start_time, argv0, &info->readable);
  return g_steal_pointer (&info);
}

/* Seconds since boot, to average a process's CPU over its life. */
static double
read_uptime (void)
{
  char buf[128];

  if (read_small_file ("/proc/uptime", buf, sizeof buf) <= 0)
    return 0;
  return g_ascii_strtod (buf, NULL);
}

static double
cpu_percent (SpyProcessList *self,
             GHashTable     *ticks_now,
             const char     *key,
             const ProcStat *st,
             double          elapsed,
             double          uptime)
{
  guint64 *before = g_hash_table_lookup (self->previous_ticks, key);

  g_hash_table_insert (ticks_now, g_strdup (key), g_memdup2 (&st->ticks, sizeof st->ticks));
  if (before != NULL && elapsed > 0)
    return spy_process_cpu_percent (*before, st->ticks, elapsed, self->ticks_per_second);
  /* First sighting: since it started, as ps(1) shows it. */
  return spy_process_cpu_percent (0, st->ticks,
                                  uptime - (double) st->start_time / self->ticks_per_second,
                                  self->ticks_per_second);
}

static GPtrArray *
scan_locked (SpyProcessList  *self,
             GError         **error)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, error);
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GHashTable) ticks_now = NULL;
  gint64 now = g_get_monotonic_time ();
  double elapsed = self->previous_time ? (now - self->previous_time) / (double) G_USEC_PER_SEC : 0;
  double uptime = read_uptime ();
  const char *entry;

  if (dir == NULL)
    return NULL;
  result = g_ptr_array_new_with_free_func (g_object_unref);
  ticks_now = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      ProcStat st = { 0 };
      SpyProcessInfo *info;
      g_autofree char *key = NULL;
      char *end;
      guint64 pid = g_ascii_strtoull (entry, &end, 10);

      if (*end != '\0' || pid == 0 || pid > G_MAXINT)
        continue;
      info = read_process (self, (GPid) pid, &st);
      if (info != NULL)
        {
          key = spy_process_info_dup_key (info);
          info->cpu_percent = cpu_percent (self, ticks_now, key, &st, elapsed, uptime);
          g_ptr_array_add (result, info);
        }
      g_free (st.comm);
    }
  g_clear_pointer (&self->previous_ticks, g_hash_table_unref);
  self->previous_ticks = g_steal_pointer (&ticks_now);
  self->previous_time = now;
  return g_steal_pointer (&result);
}

/* Forgets cached versions of processes that are gone. */
static void
prune_elf_versions (SpyProcessList *self)
{
  GHashTableIter iter;
  const char *key;

  g_hash_table_iter_init (&iter, self->elf_versions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      /* "pid:start:" then the exe path, which may hold colons itself. */
      const char *second_colon = strchr (strchr (key, ':') + 1, ':');
      g_autofree char *pid_start = g_strndup (key, second_colon - key);

      if (!g_hash_table_contains (self->previous_ticks, pid_start))
        g_hash_table_iter_remove (&iter);
    }
}

GPtrArray *
spy_process_list_scan (SpyProcessList  *self,
                       GError         **error)
{
  GPtrArray *result;

  g_return_val_if_fail (SPY_IS_PROCESS_LIST (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->lock);
  result = scan_locked (self, error);
  if (result != NULL)
    prune_elf_versions (self);
  g_mutex_unlock (&self->lock);
  return result;
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *result = spy_process_list_scan (source_object, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) g_ptr_array_unref);
}

void
spy_process_list_scan_async (SpyProcessList      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SPY_IS_PROCESS_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, spy_process_list_scan_async);
  g_task_run_in_thread (task, scan_thread);
}

GPtrArray *
spy_process_list_scan_finish (SpyProcessList  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (SPY_IS_PROCESS_LIST (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
