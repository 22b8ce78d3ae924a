/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-native-unwinder.c: each thread's C stack, read while the thread is stopped
 *
 * libunwind walks the stack with the DWARF CFI of each library (Debian's
 * have no frame pointers). It reads through our accessors: the registers
 * from PTRACE_GETREGS, the stack from a copy taken while the thread is
 * stopped, unwind tables and code from our own mapping of each file (no
 * system call), anything else from the target's memory. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libunwind.h>

#include "spy-memory.h"
#include "spy-native-unwinder.h"

/* libunwind's table search over a .eh_frame_hdr: exported, not declared. */
extern int _Ux86_64_dwarf_search_unwind_table (unw_addr_space_t  as,
                                               unw_word_t        ip,
                                               unw_dyn_info_t   *di,
                                               unw_proc_info_t  *pi,
                                               int               need_unwind_info,
                                               void             *arg);

/* The stack is copied in blocks, as the unwind reaches them: a first
 * small one (most stacks are shallow), then larger ones. */
#define STACK_FIRST_BLOCK (8 * 1024)
#define STACK_BLOCK (64 * 1024)
/* ...up to this far from the stack pointer. */
#define MAX_STACK (8 * 1024 * 1024)
/* How long a thread is given to stop (one in the kernel's uninterruptible
 * sleep stops only when it wakes). */
#define STOP_TIMEOUT_US 100000
/* How long another reader of ours may hold a thread: 20 ms. */
#define SEIZE_ATTEMPTS 100
#define SEIZE_RETRY_US 200

/* DWARF encodings in .eh_frame_hdr. */
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_datarel_sdata4 0x3b

typedef struct {
  guint64 start, end;
} Mapping;

typedef struct {
  pid_t tid;
  int   signal;    /* to deliver when it goes on */
  gboolean stopped;
} Tracee;

/* A word of the stack an unwind read. */
typedef struct {
  guint64 addr, value;
} Word;

/* What a sample did with a thread it did not stop. */
typedef enum {
  LEFT_NONE,       /* stopped (or to be) */
  LEFT_RESTING,    /* it has not run since its frames were read: those */
  LEFT_NO_PYTHON,  /* it ran no Python at the last sample: not read */
} Left;

/* What we know of a thread from sample to sample, to leave alone one whose
 * frames would be the same or are not wanted. Stopping a thread costs it
 * and us a third of a sample's time; most threads of most programs wait.
 * An unwind is a function of the pc, the stack pointer, the stack words it
 * read and the code: while those are the same, so are the frames. */
typedef struct {
  SpyNativeUnwinder *unwinder;
  pid_t    tid;
  int      syscall_fd;    /* /proc/PID/task/TID/syscall: where it waits */
  int      schedstat_fd;  /* /proc/PID/task/TID/schedstat: its times on a CPU */
  guint    seen;          /* the last stop whose listing had it */
  guint    asked;         /* the last stop after which its frames were asked for */
  gboolean valid;         /* the fields below are from its last unwind */
  guint64  sp, pc;
  guint    modules_generation;
  GArray  *words;         /* Word, by address */
  GArray  *pcs;           /* SpyNativePc */
  guint64  pcount;        /* times it was put on a CPU, at this stop */
  Left     left;
  GArray  *kept;          /* the caller's, for pcs; or NULL */
} Known;

struct _SpyNativeUnwinder {
  GObject           parent_instance;

  GPid              pid;
  SpyTarget        *target;      /* told which threads ran before a stop; or NULL */
  SpyNativeModules *modules;
  unw_addr_space_t  space;
  GArray           *tracees;     /* Tracee */
  GArray           *lingering;   /* pid_t: seized, not let go yet */

  /* The thread being unwound. */
  struct user_regs_struct regs;
  guint8           *stack;
  gsize             stack_capacity;
  guint64           stack_lo, stack_hi;  /* copied: [lo, hi) */
  guint64           stack_limit;         /* the end of its mapping */
  GArray           *mappings;            /* Mapping: every one, by start */
  guint64           n_truncated;
  guint             modules_generation;
  GArray           *words;               /* Word: the stack read, or NULL */
  guint             regs_read;           /* bit per register read */
  gboolean          read_elsewhere;      /* memory outside the stack too */

  GHashTable       *known;               /* tid → Known */
  guint             serial;              /* of the stops */
  guint             asked;               /* the last stop frames were asked after */
  guint             n_files;             /* of the Known, open */
  guint64           n_rested;
  gboolean          seized_one;          /* we may trace this process */
};

/* Threads known at most, and their /proc files open at most (two each):
 * past those, a thread is stopped at every sample. */
#define MAX_KNOWN 256
#define MAX_FILES 256

G_DEFINE_FINAL_TYPE (SpyNativeUnwinder, spy_native_unwinder, G_TYPE_OBJECT)
G_DEFINE_QUARK (spy-native-error-quark, spy_native_error)

static gboolean
read_target (SpyNativeUnwinder *self,
             guint64            addr,
             void              *buf,
             gsize              len)
{
  struct iovec local = { buf, len }, remote = { GSIZE_TO_POINTER (addr), len };

  return process_vm_readv (self->pid, &local, 1, &remote, 1, 0) == (ssize_t) len;
}

/* Copies the next block of the stack; FALSE at its end. */
static gboolean
extend_stack (SpyNativeUnwinder *self)
{
  struct iovec local, remote;
  gsize have = self->stack_hi - self->stack_lo, want;
  ssize_t got;

  if (self->stack_hi >= self->stack_limit)
    return FALSE;
  want = MIN (have == 0 ? STACK_FIRST_BLOCK : STACK_BLOCK, self->stack_limit - self->stack_hi);
  /* Kept from sample to sample: no new pages to fault in. */
  if (have + want > self->stack_capacity)
    {
      self->stack_capacity = have + want;
      self->stack = g_realloc (self->stack, self->stack_capacity);
    }
  local.iov_base = self->stack + have;
  local.iov_len = want;
  remote.iov_base = GSIZE_TO_POINTER (self->stack_hi);
  remote.iov_len = want;
  got = process_vm_readv (self->pid, &local, 1, &remote, 1, 0);
  if (got <= 0)
    {
      self->stack_limit = self->stack_hi;
      return FALSE;
    }
  self->stack_hi += (guint64) got;
  return TRUE;
}

static void
read_mappings (SpyNativeUnwinder *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/maps", (int) self->pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_array_set_size (self->mappings, 0);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      Mapping mapping;

      if (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x",
                  &mapping.start, &mapping.end) == 2)
        g_array_append_val (self->mappings, mapping);
    }
}

static const Mapping *
find_mapping (SpyNativeUnwinder *self,
              guint64            addr)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < self->mappings->len; i++)
        {
          const Mapping *mapping = &g_array_index (self->mappings, Mapping, i);

          if (addr >= mapping->start && addr < mapping->end)
            return mapping;
        }
      /* A thread's stack we have not seen: read the maps again. */
      if (pass == 0)
        read_mappings (self);
    }
  return NULL;
}

static int
access_mem (unw_addr_space_t  as,
            unw_word_t        addr,
            unw_word_t       *val,
            int               write,
            void             *arg)
{
  SpyNativeUnwinder *self = arg;

  (void) as;
  if (write)
    return -UNW_EINVAL;
  /* The stack, up to the end of its mapping (an unwind gone astray may
   * ask for any address: past the mapping is not the stack). */
  if (addr >= self->stack_lo && addr < self->stack_limit)
    {
      while (addr + sizeof *val > self->stack_hi)
        if (!extend_stack (self))
          break;
      if (addr + sizeof *val <= self->stack_hi)
        {
          memcpy (val, self->stack + (addr - self->stack_lo), sizeof *val);
          if (self->words != NULL)
            {
              Word word = { addr, *val };

              g_array_append_val (self->words, word);
            }
          return 0;
        }
    }
  if (spy_native_modules_read (self->modules, addr, val, sizeof *val))
    return 0;
  /* Memory that may change under us, and is not in self->words. */
  self->read_elsewhere = TRUE;
  if (read_target (self, addr, val, sizeof *val))
    return 0;
  return -UNW_EINVAL;
}

static int
access_reg (unw_addr_space_t  as,
            unw_regnum_t      regnum,
            unw_word_t       *val,
            int               write,
            void             *arg)
{
  SpyNativeUnwinder *self = arg;
  const struct user_regs_struct *r = &self->regs;
  /* libunwind's x86-64 numbering: RAX RDX RCX RBX RSI RDI RBP RSP R8…R15 RIP. */
  const unsigned long long regs[] = {
    r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi, r->rbp, r->rsp,
    r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip,
  };

  (void) as;
  if (write || regnum < 0 || (gsize) regnum >= G_N_ELEMENTS (regs))
    return -UNW_EBADREG;
  *val = regs[regnum];
  self->regs_read |= 1u << regnum;
  return 0;
}

static int
access_fpreg (unw_addr_space_t  as,
              unw_regnum_t      regnum,
              unw_fpreg_t      *val,
              int               write,
              void             *arg)
{
  (void) as; (void) regnum; (void) val; (void) write; (void) arg;
  return -UNW_EBADREG;
}

static int
resume (unw_addr_space_t  as,
        unw_cursor_t     *cursor,
        void             *arg)
{
  (void) as; (void) cursor; (void) arg;
  return -UNW_EINVAL;
}

static int
get_proc_name (unw_addr_space_t  as,
               unw_word_t        addr,
               char             *buf,
               size_t            len,
               unw_word_t       *offset,
               void             *arg)
{
  (void) as; (void) addr; (void) buf; (void) len; (void) offset; (void) arg;
  return -UNW_ENOINFO;  /* we name frames ourselves: spy-native-module.c */
}

static int
get_dyn_info_list_addr (unw_addr_space_t  as,
                        unw_word_t       *addr,
                        void             *arg)
{
  (void) as; (void) addr; (void) arg;
  return -UNW_ENOINFO;
}

static void
put_unwind_info (unw_addr_space_t  as,
                 unw_proc_info_t  *pi,
                 void             *arg)
{
  (void) as; (void) pi; (void) arg;  /* libunwind frees what it allocated */
}

static gboolean
read_encoded (SpyNativeUnwinder *self,
              guint64           *at,
              guint8             encoding,
              guint64           *value)
{
  guint32 u32;
  guint64 u64;

  switch (encoding & 0x0f)
    {
    case DW_EH_PE_udata4:
    case DW_EH_PE_sdata4:
      if (!spy_native_modules_read (self->modules, *at, &u32, 4))
        return FALSE;
      *value = u32;
      *at += 4;
      return TRUE;
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
      if (!spy_native_modules_read (self->modules, *at, &u64, 8))
        return FALSE;
      *value = u64;
      *at += 8;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The binary search table of @ip's module's .eh_frame_hdr, as libunwind
 * wants it described (the layout every GNU linker writes). */
static int
find_proc_info (unw_addr_space_t  as,
                unw_word_t        ip,
                unw_proc_info_t  *pi,
                int               need_unwind_info,
                void             *arg)
{
  SpyNativeUnwinder *self = arg;
  const SpyNativeModule *module = spy_native_modules_lookup (self->modules, ip);
  guint8 header[4];
  guint64 hdr, at, eh_frame, fde_count;
  gsize hdr_size;
  unw_dyn_info_t di = { 0 };

  if (module == NULL || !spy_native_module_get_eh_frame_hdr (module, &hdr, &hdr_size) ||
      !spy_native_modules_read (self->modules, hdr, header, sizeof header) ||
      header[0] != 1 || header[3] != DW_EH_PE_datarel_sdata4)
    return -UNW_ENOINFO;
  at = hdr + 4;
  if (!read_encoded (self, &at, header[1], &eh_frame) ||
      !read_encoded (self, &at, header[2], &fde_count) ||
      fde_count == 0 || fde_count * 8 > hdr_size)
    return -UNW_ENOINFO;

  di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
  di.start_ip = spy_native_module_get_start (module);
  di.end_ip = spy_native_module_get_end (module);
  di.u.rti.segbase = hdr;
  di.u.rti.table_data = at;
  di.u.rti.table_len = fde_count * 8 / sizeof (unw_word_t);
  return _Ux86_64_dwarf_search_unwind_table (as, ip, &di, pi, need_unwind_info, arg);
}

static unw_accessors_t accessors = {
  .find_proc_info = find_proc_info,
  .put_unwind_info = put_unwind_info,
  .get_dyn_info_list_addr = get_dyn_info_list_addr,
  .access_mem = access_mem,
  .access_reg = access_reg,
  .access_fpreg = access_fpreg,
  .resume = resume,
  .get_proc_name = get_proc_name,
};

static void settle_lingering (SpyNativeUnwinder *self);
static void known_free (gpointer data);

static void
spy_native_unwinder_finalize (GObject *object)
{
  SpyNativeUnwinder *self = SPY_NATIVE_UNWINDER (object);

  spy_native_unwinder_resume (self);
  settle_lingering (self);
  g_array_unref (self->tracees);
  g_array_unref (self->lingering);
  g_array_unref (self->mappings);
  g_hash_table_unref (self->known);
  g_clear_object (&self->target);
  if (self->space != NULL)
    unw_destroy_addr_space (self->space);
  spy_native_modules_free (self->modules);
  g_free (self->stack);
  G_OBJECT_CLASS (spy_native_unwinder_parent_class)->finalize (object);
}

static void
spy_native_unwinder_class_init (SpyNativeUnwinderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = spy_native_unwinder_finalize;
}

static void
spy_native_unwinder_init (SpyNativeUnwinder *self)
{
  self->tracees = g_array_new (FALSE, FALSE, sizeof (Tracee));
  self->mappings = g_array_new (FALSE, FALSE, sizeof (Mapping));
  self->lingering = g_array_new (FALSE, FALSE, sizeof (pid_t));
  self->known = g_hash_table_new_full (NULL, NULL, NULL, known_free);
}

SpyNativeUnwinder *
spy_native_unwinder_new (GPid                pid,
                         const char * const *interpreter_paths)
{
  SpyNativeUnwinder *self = g_object_new (SPY_TYPE_NATIVE_UNWINDER, NULL);

  self->pid = pid;
  self->modules = spy_native_modules_new (pid, interpreter_paths);
  self->space = unw_create_addr_space (&accessors, 0);
  unw_set_caching_policy (self->space, UNW_CACHE_GLOBAL);
  return self;
}

SpyNativeUnwinder *
spy_native_unwinder_new_for_target (SpyTarget *target)
{
  const char *paths[] = { spy_target_get_executable (target), spy_target_get_python_path (target), NULL };
  SpyNativeUnwinder *self;

  g_return_val_if_fail (SPY_IS_TARGET (target), NULL);

  self = spy_native_unwinder_new (spy_target_get_pid (target), paths);
  self->target = g_object_ref (target);
  return self;
}

gboolean
spy_native_check_access (SpyTarget  *target,
                         GError    **error)
{
  g_autoptr(SpyNativeUnwinder) unwinder = NULL;

  g_return_val_if_fail (SPY_IS_TARGET (target), FALSE);

  unwinder = spy_native_unwinder_new_for_target (target);
  if (!spy_native_unwinder_stop (unwinder, error))
    return FALSE;
  spy_native_unwinder_resume (unwinder);
  return TRUE;
}

SpyNativeModules *
spy_native_unwinder_get_modules (SpyNativeUnwinder *self)
{
  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (self), NULL);

  return self->modules;
}

GArray *
spy_native_unwinder_get_kept (SpyNativeUnwinder *self,
                              gint64             tid)
{
  Known *known;

  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (self), NULL);

  known = g_hash_table_lookup (self->known, GINT_TO_POINTER ((pid_t) tid));
  return known != NULL && known->left == LEFT_RESTING ? known->kept : NULL;
}

void
spy_native_unwinder_keep (SpyNativeUnwinder *self,
                          gint64             tid,
                          GArray            *array)
{
  Known *known;

  g_return_if_fail (SPY_IS_NATIVE_UNWINDER (self));
  g_return_if_fail (array != NULL);

  if ((known = g_hash_table_lookup (self->known, GINT_TO_POINTER ((pid_t) tid))) == NULL)
    return;
  g_array_ref (array);
  g_clear_pointer (&known->kept, g_array_unref);
  known->kept = array;
}

guint64
spy_native_unwinder_get_n_rested (SpyNativeUnwinder *self)
{
  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (self), 0);

  return self->n_rested;
}

guint64
spy_native_unwinder_get_n_truncated (SpyNativeUnwinder *self)
{
  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (self), 0);

  return self->n_truncated;
}

/* /proc/@pid/task/@tid/@name, or NULL. */
static char *
task_file (GPid        pid,
           pid_t       tid,
           const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/%s", (int) pid, (int) tid, name);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

/* The pid of whoever traces thread @tid of @pid already, or 0. */
static int
tracer_of (GPid  pid,
           pid_t tid)
{
  g_autofree char *status = task_file (pid, tid, "status");
  const char *line;

  if (status == NULL || (line = strstr (status, "\nTracerPid:")) == NULL)
    return 0;
  return (int) g_ascii_strtoll (line + strlen ("\nTracerPid:"), NULL, 10);
}

/* Whether thread @tid of @pid has exited (a zombie, or gone). */
static gboolean
thread_exited (GPid  pid,
               pid_t tid)
{
  g_autofree char *stat = task_file (pid, tid, "stat");
  const char *paren;

  if (stat == NULL)
    return TRUE;
  paren = strrchr (stat, ')');
  return paren != NULL && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Seizes @tid: 0, or the errno. Another thread of ours may hold it for a
 * moment (Dump Stacks while a recording samples it): wait for that. */
static int
seize (SpyNativeUnwinder *self,
       pid_t              tid)
{
  for (guint attempt = 0; ; attempt++)
    {
      int errsv;

      if (ptrace (PTRACE_SEIZE, tid, NULL, NULL) == 0)
        {
          self->seized_one = TRUE;
          return 0;
        }
      errsv = errno;
      if (errsv != EPERM || attempt >= SEIZE_ATTEMPTS || tracer_of (self->pid, tid) != getpid ())
        return errsv;
      g_usleep (SEIZE_RETRY_US);
    }
}

static gboolean
seize_failed (SpyNativeUnwinder  *self,
              pid_t               tid,
              int                 errsv,
              GError            **error)
{
  int tracer = tracer_of (self->pid, tid);

  if (tracer == getpid ())
    {
      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_BUSY,
                   "Thread %d of process %d is held by another reader in this Spyglass",
                   (int) tid, (int) self->pid);
      return FALSE;
    }
  if (tracer != 0)
    {
      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_TRACED,
                   "Cannot stop the threads of process %d for --native: process %d traces "
                   "it already (a debugger or strace); detach it first",
                   (int) self->pid, tracer);
      return FALSE;
    }
  if (errsv == EPERM || errsv == EACCES)
    {
      g_autofree char *help = spy_memory_permission_help (self->pid);

      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_PERMISSION,
                   "--native stops each thread briefly, which needs the rights to trace it. %s",
                   help);
      return FALSE;
    }
  g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_FAILED,
               "Cannot stop the threads of process %d: %s", (int) self->pid, g_strerror (errsv));
  return FALSE;
}

typedef enum {
  TRACEE_RUNNING,   /* not stopped (yet) */
  TRACEE_STOPPED,
  TRACEE_EXITED,
} TraceeState;

/* Looks once, without waiting, at how @tid is. */
static TraceeState
poll_tracee (SpyNativeUnwinder *self,
             pid_t              tid,
             int               *signal)
{
  siginfo_t info = { 0 };
  /* The process's own pid: its exit is its parent's to reap (ours, for a
   * command we started: the child watch's), so look without taking the
   * notice. Its other threads are ours to reap, or they stay zombies. */
  int flags = WSTOPPED | WEXITED | WNOHANG | __WALL | (tid == self->pid ? WNOWAIT : 0);

  if (waitid (P_PID, tid, &info, flags) != 0)
    {
      struct user_regs_struct regs;
      char path[64];

      if (errno == EINTR)
        return TRACEE_RUNNING;
      /* The notice went elsewhere: stopped when its registers can be read. */
      if (ptrace (PTRACE_GETREGS, tid, NULL, &regs) == 0)
        return TRACEE_STOPPED;
      g_snprintf (path, sizeof path, "/proc/%d/task/%d", (int) self->pid, (int) tid);
      return g_file_test (path, G_FILE_TEST_EXISTS) ? TRACEE_RUNNING : TRACEE_EXITED;
    }
  if (info.si_pid == 0)
    return TRACEE_RUNNING;
  if (info.si_code != CLD_TRAPPED && info.si_code != CLD_STOPPED)
    return TRACEE_EXITED;
  /* si_status: the signal, and a ptrace event above it. A signal that
   * came first stops the thread too (not our interrupt): pass it on. */
  if ((info.si_status >> 8) == 0 && (info.si_status & 0x7f) != SIGTRAP)
    *signal = info.si_status & 0x7f;
  return TRACEE_STOPPED;
}

/* Waits until @deadline for @tracee to stop or exit. */
static TraceeState
wait_tracee (SpyNativeUnwinder *self,
             Tracee            *tracee,
             gint64             deadline)
{
  for (guint spins = 0; ; spins++)
    {
      TraceeState state = poll_tracee (self, tracee->tid, &tracee->signal);

      if (state != TRACEE_RUNNING || g_get_monotonic_time () > deadline)
        return state;
      /* A thread stops within microseconds once a CPU runs it: leave ours
       * to it rather than spin (spinning here cost twice the CPU, and on
       * a loaded machine made the stops slower). No blocking wait: a
       * thread that never stops (a zombie leader) must not hang us. */
      if (spins < 4)
        sched_yield ();
      else
        g_usleep (10);
    }
}

/* Threads we could not let go at once (one that stopped only after we gave
 * up on it): let go of, or forgotten once gone, at the next stop. */
static void
settle_lingering (SpyNativeUnwinder *self)
{
  for (guint i = self->lingering->len; i > 0; i--)
    {
      pid_t tid = g_array_index (self->lingering, pid_t, i - 1);
      int signal = 0;

      switch (poll_tracee (self, tid, &signal))
        {
        case TRACEE_STOPPED:
          ptrace (PTRACE_DETACH, tid, NULL, GINT_TO_POINTER (signal));
          G_GNUC_FALLTHROUGH;
        case TRACEE_EXITED:
          g_array_remove_index_fast (self->lingering, i - 1);
          break;
        case TRACEE_RUNNING:
        default:
          break;
        }
    }
}

static gboolean
take_lingering (SpyNativeUnwinder *self,
                pid_t              tid)
{
  for (guint i = 0; i < self->lingering->len; i++)
    if (g_array_index (self->lingering, pid_t, i) == tid)
      {
        g_array_remove_index_fast (self->lingering, i);
        return TRUE;
      }
  return FALSE;
}

static void
close_proc_file (SpyNativeUnwinder *self,
                 int               *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
      self->n_files--;
    }
}

static void
known_free (gpointer data)
{
  Known *known = data;

  close_proc_file (known->unwinder, &known->syscall_fd);
  close_proc_file (known->unwinder, &known->schedstat_fd);
  g_array_unref (known->words);
  g_array_unref (known->pcs);
  g_clear_pointer (&known->kept, g_array_unref);
  g_free (known);
}

/* @tid's record, made if there is room; NULL past MAX_KNOWN. */
static Known *
lookup_known (SpyNativeUnwinder *self,
              pid_t              tid)
{
  Known *known = g_hash_table_lookup (self->known, GINT_TO_POINTER (tid));

  if (known == NULL && g_hash_table_size (self->known) < MAX_KNOWN)
    {
      known = g_new0 (Known, 1);
      known->unwinder = self;
      known->tid = tid;
      known->syscall_fd = known->schedstat_fd = -1;
      known->words = g_array_new (FALSE, FALSE, sizeof (Word));
      known->pcs = g_array_new (FALSE, FALSE, sizeof (SpyNativePc));
      g_hash_table_insert (self->known, GINT_TO_POINTER (tid), known);
    }
  return known;
}

/* Reads a small /proc file of thread @tid from its start, as text; the
 * file is kept open while there are not too many. */
static gboolean
read_proc_text (SpyNativeUnwinder *self,
                int               *fd,
                pid_t              tid,
                const char        *name,
                char              *buf,
                gsize              size)
{
  ssize_t n;

  if (*fd < 0)
    {
      char path[96];

      if (self->n_files >= MAX_FILES)
        return FALSE;
      g_snprintf (path, sizeof path, "/proc/%d/task/%d/%s", (int) self->pid, (int) tid, name);
      if ((*fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        return FALSE;
      self->n_files++;
    }
  n = pread (*fd, buf, size - 1, 0);
  if (n <= 0)
    {
      /* Gone; its number may come back as another thread: open anew. */
      close_proc_file (self, fd);
      return FALSE;
    }
  buf[n] = '\0';
  return TRUE;
}

/* The third field of schedstat: how many times the thread was put on a
 * CPU. The same at two looks: it did not run in between. */
static gboolean
read_pcount (SpyNativeUnwinder *self,
             Known             *known,
             guint64           *pcount)
{
  char buf[128];
  char *at = buf, *end;

  if (!read_proc_text (self, &known->schedstat_fd, known->tid, "schedstat", buf, sizeof buf))
    return FALSE;
  for (guint field = 0; field < 3; field++)
    {
      *pcount = g_ascii_strtoull (at, &end, 10);
      if (end == at)
        return FALSE;
      at = end;
    }
  /* "0 0 0" from a kernel that does not keep the count: not known. */
  return *pcount > 0;
}

/* Where the thread waits in a system call: its stack pointer and pc. */
static gboolean
read_waiting (SpyNativeUnwinder *self,
              Known             *known,
              guint64           *sp,
              guint64           *pc)
{
  char buf[256];
  char *at = buf, *end;
  guint64 value = 0;

  if (!read_proc_text (self, &known->syscall_fd, known->tid, "syscall", buf, sizeof buf))
    return FALSE;
  /* "NR ARG1 … ARG6 SP PC"; "-1 SP PC" out of a call; "running". */
  if (g_ascii_strtoll (at, &end, 10) < 0 || end == at)
    return FALSE;
  for (guint field = 0; field < 8; field++)
    {
      at = end;
      value = g_ascii_strtoull (at, &end, 16);
      if (end == at)
        return FALSE;
      if (field == 6)
        *sp = value;
    }
  *pc = value;
  return TRUE;
}

/* Whether the stack words the last unwind of @known read still hold what
 * they held then: read again in runs of neighbours, few calls at a time. */
static gboolean
words_unchanged (SpyNativeUnwinder *self,
                 const Known       *known)
{
  enum { MAX_WORDS = 512, MAX_RUNS = 64 };
  guint64 values[MAX_WORDS];
  struct iovec local[MAX_RUNS], remote[MAX_RUNS];
  const Word *words = (const Word *) (gpointer) known->words->data;
  guint n = known->words->len, first = 0;

  while (first < n)
    {
      guint end = first, runs = 0;
      ssize_t want = 0;

      /* Words first..end, in runs. */
      while (end < n && end - first < MAX_WORDS)
        {
          if (end == first || words[end].addr != words[end - 1].addr + sizeof (guint64))
            {
              if (runs == MAX_RUNS)
                break;
              local[runs].iov_base = &values[end - first];
              local[runs].iov_len = 0;
              remote[runs].iov_base = GSIZE_TO_POINTER (words[end].addr);
              remote[runs].iov_len = 0;
              runs++;
            }
          local[runs - 1].iov_len += sizeof (guint64);
          remote[runs - 1].iov_len += sizeof (guint64);
          want += sizeof (guint64);
          end++;
        }
      if (process_vm_readv (self->pid, local, runs, remote, runs, 0) != want)
        return FALSE;
      for (guint i = first; i < end; i++)
        if (values[i - first] != words[i].value)
          return FALSE;
      first = end;
    }
  return TRUE;
}

/* Whether @known waits where and as it did when its frames were read. Its
 * count of times on a CPU is taken first: the same after the Python walk,
 * and the thread did not run from this look to that one. */
static gboolean
still_resting (SpyNativeUnwinder *self,
               Known             *known)
{
  guint64 before = known->pcount, sp = 0, pc = 0;
  gboolean rested = known->left == LEFT_RESTING && known->seen == self->serial - 1;

  if (!known->valid ||
      known->modules_generation != spy_native_modules_get_generation (self->modules) ||
      !read_pcount (self, known, &known->pcount))
    return FALSE;
  /* Left resting at the last stop, and not on a CPU since that look. */
  if (rested && known->pcount == before)
    return TRUE;
  return read_waiting (self, known, &sp, &pc) && sp == known->sp && pc == known->pc &&
         words_unchanged (self, known);
}

static int
compare_words (gconstpointer a,
               gconstpointer b)
{
  const Word *x = a, *y = b;

  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Keeps what @known's unwind just read, to see later whether it changed. */
static void
remember_unwind (SpyNativeUnwinder *self,
                 Known             *known,
                 const GArray      *pcs)
{
  const guint may_read = (1u << UNW_X86_64_RSP) | (1u << UNW_X86_64_RIP) | (1u << UNW_X86_64_RBP);
  guint kept = 0;

  /* /proc tells the pc and the stack pointer of a waiting thread, not its
   * other registers. The frame pointer read live is the frame base of the
   * innermost function that keeps one: an offset from the stack pointer
   * its callees' frames lead back to, which are the same when the words
   * they were read from are. Other registers: not known to be the same. */
  known->valid = pcs->len > 0 && (self->regs_read & ~may_read) == 0 && !self->read_elsewhere;
  if (!known->valid)
    return;
  known->sp = self->regs.rsp;
  known->pc = self->regs.rip;
  known->modules_generation = spy_native_modules_get_generation (self->modules);
  g_array_set_size (known->pcs, 0);
  g_array_append_vals (known->pcs, pcs->data, pcs->len);
  g_array_sort (known->words, compare_words);
  for (guint i = 0; i < known->words->len; i++)
    if (kept == 0 || g_array_index (known->words, Word, i).addr != g_array_index (known->words, Word, kept - 1).addr)
      g_array_index (known->words, Word, kept++) = g_array_index (known->words, Word, i);
  g_array_set_size (known->words, kept);
}

/* Whether this stop can leave @known's thread alone, and why. */
static Left
leave (SpyNativeUnwinder *self,
       Known             *known)
{
  /* At the last sample, which asked for frames, not among the threads it
   * asked for: it runs no Python (a library's worker, say). One that
   * starts to is stopped from the sample after. */
  if (self->asked == self->serial - 1 && known->seen == self->serial - 1 &&
      known->asked != self->serial - 1)
    return LEFT_NO_PYTHON;
  return still_resting (self, known) ? LEFT_RESTING : LEFT_NONE;
}

static gboolean
known_gone (gpointer key,
            gpointer value,
            gpointer serial)
{
  const Known *known = value;

  (void) key;
  return known->seen != GPOINTER_TO_UINT (serial);
}

gboolean
spy_native_unwinder_stop (SpyNativeUnwinder  *self,
                          GError            **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task", (int) self->pid);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gint64 deadline;

  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (self), FALSE);
  g_return_val_if_fail (self->tracees->len == 0, FALSE);

  settle_lingering (self);
  if ((dir = g_dir_open (path, 0, NULL)) == NULL)
    {
      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_GONE,
                   "Process %d has exited", (int) self->pid);
      return FALSE;
    }
  self->serial++;
  if (self->target != NULL)
    spy_target_freeze_thread_states (self->target);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      Tracee tracee = { (pid_t) g_ascii_strtoll (name, NULL, 10), 0, FALSE };
      gboolean lingering;
      Known *known;

      if (tracee.tid <= 0)
        continue;
      lingering = take_lingering (self, tracee.tid);
      if ((known = lookup_known (self, tracee.tid)) != NULL)
        {
          known->left = lingering ? LEFT_NONE : leave (self, known);
          known->seen = self->serial;
          if (known->left != LEFT_NONE)
            continue;
        }
      /* A stopped thread is not running: ask before. */
      if (self->target != NULL)
        spy_target_freeze_thread_state (self->target, tracee.tid);
      /* Still ours from before: interrupt it again. */
      if (!lingering)
        {
          int errsv = seize (self, tracee.tid);

          /* It has just exited; or it is exiting, which the kernel answers
           * with EPERM: a zombie, or a thread of a process we have traced
           * before that nobody else traces. */
          if (errsv == ESRCH ||
              (errsv == EPERM && tracer_of (self->pid, tracee.tid) == 0 &&
               (self->seized_one || thread_exited (self->pid, tracee.tid))))
            continue;
          if (errsv != 0)
            {
              spy_native_unwinder_resume (self);
              return seize_failed (self, tracee.tid, errsv, error);
            }
        }
      g_array_append_val (self->tracees, tracee);
      /* Fails only if it exits now; then waiting says so. */
      ptrace (PTRACE_INTERRUPT, tracee.tid, NULL, NULL);
    }
  g_hash_table_foreach_remove (self->known, known_gone, GUINT_TO_POINTER (self->serial));
  deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;
  for (guint i = 0; i < self->tracees->len; i++)
    {
      Tracee *tracee = &g_array_index (self->tracees, Tracee, i);

      tracee->stopped = wait_tracee (self, tracee, deadline) == TRACEE_STOPPED;
    }
  return TRUE;
}

void
spy_native_unwinder_resume (SpyNativeUnwinder *self)
{
  g_return_if_fail (SPY_IS_NATIVE_UNWINDER (self));

  for (guint i = 0; i < self->tracees->len; i++)
    {
      Tracee *tracee = &g_array_index (self->tracees, Tracee, i);
      TraceeState state;

      if (ptrace (PTRACE_DETACH, tracee->tid, NULL, GINT_TO_POINTER (tracee->signal)) == 0)
        continue;
      g_debug ("PTRACE_DETACH of %d (%s): %s", (int) tracee->tid,
               tracee->stopped ? "stopped" : "not stopped", g_strerror (errno));
      /* Not stopped when we looked: wait for the stop our interrupt asked
       * for, then let it go; one that takes too long, later. */
      state = wait_tracee (self, tracee, g_get_monotonic_time () + STOP_TIMEOUT_US);
      if (state == TRACEE_STOPPED)
        ptrace (PTRACE_DETACH, tracee->tid, NULL, GINT_TO_POINTER (tracee->signal));
      else if (state == TRACEE_RUNNING)
        g_array_append_val (self->lingering, tracee->tid);
    }
  g_array_set_size (self->tracees, 0);
}

static const Tracee *
find_tracee (SpyNativeUnwinder *self,
             gint64             tid)
{
  for (guint i = 0; i < self->tracees->len; i++)
    if (g_array_index (self->tracees, Tracee, i).tid == tid)
      return &g_array_index (self->tracees, Tracee, i);
  return NULL;
}

static void
walk (SpyNativeUnwinder *self,
      GArray            *pcs)
{
  unw_cursor_t cursor;
  int step = 0;

  if (unw_init_remote (&cursor, self->space, self) != 0)
    return;
  do
    {
      unw_word_t ip;
      const SpyNativeModule *module;
      SpyNativePc pc = { 0, 0 };

      if (unw_get_reg (&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
        break;
      pc.pc = ip;
      /* Code without unwind information: libunwind would guess its caller
       * from the frame pointer, which Debian's code does not keep. Stop
       * rather than guess. (A return address may be just past its call's
       * function: look up the call.) */
      module = spy_native_modules_lookup (self->modules, ip);
      if (module == NULL ||
          !spy_native_modules_find_function (self->modules, module, pcs->len == 0 ? ip : ip - 1,
                                             &pc.function))
        {
          pc.function = 0;
          g_array_append_val (pcs, pc);
          step = -UNW_ENOINFO;
          break;
        }
      g_array_append_val (pcs, pc);
    }
  while (pcs->len < SPY_MAX_NATIVE_DEPTH && (step = unw_step (&cursor)) > 0);
  /* 0: the outermost frame. Below: no unwind information further out. */
  if (step < 0)
    self->n_truncated++;
}

/* The frames of a thread left resting: those of its last unwind, if it
 * did not run since this sample's stop. */
static gboolean
unwind_resting (SpyNativeUnwinder  *self,
                Known              *known,
                GArray             *pcs,
                GError            **error)
{
  guint64 pcount;

  if (!read_pcount (self, known, &pcount) || pcount != known->pcount)
    {
      known->valid = FALSE;
      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_NOT_STOPPED,
                   "Thread %d woke while its stack was read", (int) known->tid);
      return FALSE;
    }
  g_array_append_vals (pcs, known->pcs->data, known->pcs->len);
  self->n_rested++;
  return TRUE;
}

gboolean
spy_native_unwinder_unwind (SpyNativeUnwinder  *self,
                            gint64              tid,
                            GArray             *pcs,
                            GError            **error)
{
  const Tracee *tracee;
  const Mapping *mapping;
  Known *known;

  g_return_val_if_fail (SPY_IS_NATIVE_UNWINDER (self), FALSE);

  g_array_set_size (pcs, 0);
  self->asked = self->serial;
  if ((known = g_hash_table_lookup (self->known, GINT_TO_POINTER ((pid_t) tid))) != NULL)
    {
      known->asked = self->serial;
      if (known->left == LEFT_RESTING)
        return unwind_resting (self, known, pcs, error);
      if (known->left == LEFT_NO_PYTHON)
        {
          g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_NOT_STOPPED,
                       "Thread %" G_GINT64_FORMAT " was not stopped: it ran no Python at the "
                       "sample before", tid);
          return FALSE;
        }
      known->valid = FALSE;
      g_clear_pointer (&known->kept, g_array_unref);
    }
  tracee = find_tracee (self, tid);
  if (tracee == NULL || !tracee->stopped)
    {
      g_set_error (error, SPY_NATIVE_ERROR, tracee == NULL ? SPY_NATIVE_ERROR_GONE : SPY_NATIVE_ERROR_NOT_STOPPED,
                   tracee == NULL ? "Thread %" G_GINT64_FORMAT " has exited"
                                  : "Thread %" G_GINT64_FORMAT " did not stop in time",
                   tid);
      return FALSE;
    }
  if (ptrace (PTRACE_GETREGS, (pid_t) tid, NULL, &self->regs) != 0)
    {
      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_GONE,
                   "Thread %" G_GINT64_FORMAT " has exited", tid);
      return FALSE;
    }
  /* Cached unwind rules are by address: a library unloaded voids them. */
  if (spy_native_modules_get_generation (self->modules) != self->modules_generation)
    {
      self->modules_generation = spy_native_modules_get_generation (self->modules);
      unw_flush_cache (self->space, 0, 0);
    }
  /* The red zone below the stack pointer may hold a leaf's data. */
  self->stack_lo = self->stack_hi = (self->regs.rsp - 128) & ~(guint64) 7;
  mapping = find_mapping (self, self->regs.rsp);
  self->stack_limit = mapping != NULL ? MIN (mapping->end, self->stack_lo + MAX_STACK) : self->stack_lo;
  if (mapping != NULL && self->stack_lo < mapping->start)
    self->stack_lo = self->stack_hi = mapping->start;
  if (known != NULL)
    {
      g_array_set_size (known->words, 0);
      self->words = known->words;
      self->regs_read = 0;
      self->read_elsewhere = FALSE;
    }
  walk (self, pcs);
  self->words = NULL;
  if (known != NULL)
    remember_unwind (self, known, pcs);
  if (pcs->len == 0)
    {
      g_set_error (error, SPY_NATIVE_ERROR, SPY_NATIVE_ERROR_FAILED,
                   "Thread %" G_GINT64_FORMAT ": no native frame could be read", tid);
      return FALSE;
    }
  return TRUE;
}
