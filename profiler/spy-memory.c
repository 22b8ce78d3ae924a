/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-memory.c: read another process's memory (or a fake one, for tests) */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spy-memory.h"

#define MAX_IOV 1024
#define PAGE 4096
/* Most pages one sample keeps (16 MiB). */
#define MAX_CACHED_PAGES 4096
/* A journal keeps reads of at most this size, this many of them (after
 * joining those that touch), and this many bytes in all. */
#define JOURNAL_MAX_READ PAGE
#define JOURNAL_MAX_SPANS 512
#define JOURNAL_MAX_BYTES (256 * 1024)
/* Reads this close together are fetched as one span. */
#define JOURNAL_JOIN_GAP 64

typedef struct {
  guint64  addr;
  GBytes  *bytes;
} Region;

/* A span of the target fetched ahead, within SpyMemory.ahead_data. */
typedef struct {
  guint64 addr;
  gsize   len;
  gsize   offset;
} Span;

struct _SpyMemory {
  gatomicrefcount ref_count;
  GPid            pid;         /* 0 for a fake */
  int             mem_fd;      /* /proc/PID/mem, opened when readv is refused */
  gboolean        use_pread;
  GArray         *fake;        /* Region: the whole address space of a fake */
  GArray         *remembered;  /* Region: local copies, served first */
  gboolean        page_cache;
  GHashTable     *pages;       /* page address → PAGE bytes, until forget() */
  guint64         n_syscalls;
  /* The journal: what one sample read, fetched in one call at the start
   * of the next (see spy_memory_journal_begin()). */
  gboolean        journaling;
  GArray         *journal;     /* Span (offset unused): this sample's reads */
  GArray         *ahead;       /* Span, by address, not overlapping */
  guint8         *ahead_data;
  gsize           ahead_size;
};

G_DEFINE_QUARK (spy-memory-error-quark, spy_memory_error)

static void
region_clear (gpointer data)
{
  Region *region = data;

  g_clear_pointer (&region->bytes, g_bytes_unref);
}

static SpyMemory *
spy_memory_alloc (GPid pid)
{
  SpyMemory *self = g_new0 (SpyMemory, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->pid = pid;
  self->mem_fd = -1;
  self->remembered = g_array_new (FALSE, FALSE, sizeof (Region));
  g_array_set_clear_func (self->remembered, region_clear);
  self->pages = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->journal = g_array_new (FALSE, FALSE, sizeof (Span));
  self->ahead = g_array_new (FALSE, FALSE, sizeof (Span));
  return self;
}

SpyMemory *
spy_memory_new_for_pid (GPid pid)
{
  g_return_val_if_fail (pid > 0, NULL);

  return spy_memory_alloc (pid);
}

SpyMemory *
spy_memory_new_fake (void)
{
  SpyMemory *self = spy_memory_alloc (0);

  self->fake = g_array_new (FALSE, FALSE, sizeof (Region));
  g_array_set_clear_func (self->fake, region_clear);
  return self;
}

void
spy_memory_fake_add (SpyMemory     *self,
                     guint64        addr,
                     gconstpointer  data,
                     gsize          len)
{
  Region region = { addr, g_bytes_new (data, len) };

  g_return_if_fail (self->fake != NULL);
  g_array_append_val (self->fake, region);
}

SpyMemory *
spy_memory_ref (SpyMemory *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
spy_memory_unref (SpyMemory *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (self->mem_fd >= 0)
    close (self->mem_fd);
  g_clear_pointer (&self->fake, g_array_unref);
  g_clear_pointer (&self->remembered, g_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->journal, g_array_unref);
  g_clear_pointer (&self->ahead, g_array_unref);
  g_free (self->ahead_data);
  g_free (self);
}

GPid
spy_memory_get_pid (SpyMemory *self)
{
  return self->pid;
}

guint64
spy_memory_get_n_syscalls (SpyMemory *self)
{
  return self->n_syscalls;
}

void
spy_memory_remember (SpyMemory *self,
                     guint64    addr,
                     GBytes    *bytes)
{
  Region region = { addr, g_bytes_ref (bytes) };

  g_array_append_val (self->remembered, region);
}

void
spy_memory_forget (SpyMemory *self)
{
  g_array_set_size (self->remembered, 0);
  g_hash_table_remove_all (self->pages);
  g_array_set_size (self->ahead, 0);
}

void
spy_memory_set_page_cache (SpyMemory *self,
                           gboolean   enabled)
{
  self->page_cache = enabled;
  if (!enabled)
    g_hash_table_remove_all (self->pages);
}

/* Copies [addr, addr+len) from one of @regions if a single region holds it. */
static gboolean
regions_lookup (GArray   *regions,
                guint64   addr,
                gpointer  buf,
                gsize     len)
{
  for (guint i = 0; i < regions->len; i++)
    {
      const Region *region = &g_array_index (regions, Region, i);
      gsize size;
      const guint8 *data = g_bytes_get_data (region->bytes, &size);

      if (addr >= region->addr && addr - region->addr <= size &&
          len <= size - (addr - region->addr))
        {
          memcpy (buf, data + (addr - region->addr), len);
          return TRUE;
        }
    }
  return FALSE;
}

char *
spy_memory_permission_help (GPid pid)
{
  g_autofree char *status_path = g_strdup_printf ("/proc/%d", (int) pid);
  g_autofree char *scope = NULL;
  g_autoptr(GString) help = g_string_new (NULL);
  struct stat st;

  g_string_append_printf (help, "Permission denied reading the memory of process %d", (int) pid);
  if (stat (status_path, &st) == 0 && st.st_uid != getuid ())
    g_string_append_printf (help, " (it belongs to user id %u, you are %u)",
                            (guint) st.st_uid, (guint) getuid ());
  g_string_append (help,
                   ". Reading another process needs ptrace rights: run Spyglass as root "
                   "(sudo), or give it CAP_SYS_PTRACE "
                   "(sudo setcap cap_sys_ptrace+ep /path/to/spyglass; in a container: "
                   "docker run --cap-add SYS_PTRACE)");
  if (g_file_get_contents ("/proc/sys/kernel/yama/ptrace_scope", &scope, NULL, NULL))
    {
      g_strstrip (scope);
      g_string_append_printf (help,
                              ", or, for a process of your own user, set "
                              "kernel.yama.ptrace_scope to 0 (it is %s now: "
                              "sudo sysctl kernel.yama.ptrace_scope=0)", scope);
    }
  g_string_append (help,
                   ". A program that Spyglass starts itself "
                   "(spyglass record -- python3 app.py) needs none of this.");
  return g_string_free (g_steal_pointer (&help), FALSE);
}

gboolean
spy_process_is_gone (GPid pid)
{
  char path[64];
  char buf[512];
  g_autofree char *contents = NULL;
  const char *paren;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  /* A zombie still has a pid, but no memory to read. */
  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return TRUE;
  g_strlcpy (buf, contents, sizeof buf);
  paren = strrchr (buf, ')');
  return paren != NULL && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

static gboolean
set_errno_error (SpyMemory  *self,
                 int         errsv,
                 guint64     addr,
                 GError    **error)
{
  /* A process that is exiting refuses reads like one we may not read. */
  if ((errsv == EPERM || errsv == EACCES || errsv == EFAULT || errsv == EIO) &&
      self->pid != 0 && spy_process_is_gone (self->pid))
    errsv = ESRCH;

  switch (errsv)
    {
    case ESRCH:
    case ENOENT:
      g_set_error (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_EXITED,
                   "Process %d has exited", (int) self->pid);
      break;

    case EPERM:
    case EACCES:
      {
        g_autofree char *help = spy_memory_permission_help (self->pid);
        g_set_error_literal (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_PERMISSION, help);
      }
      break;

    case EFAULT:
    case EIO:
    case 0:
      g_set_error (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_BAD_ADDRESS,
                   "Address 0x%" G_GINT64_MODIFIER "x of process %d cannot be read",
                   addr, (int) self->pid);
      break;

    default:
      g_set_error (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_FAILED,
                   "Reading process %d failed: %s", (int) self->pid, g_strerror (errsv));
      break;
    }
  return FALSE;
}

static gboolean
read_with_pread (SpyMemory        *self,
                 const SpyReadOp  *ops,
                 guint             n_ops,
                 GError          **error)
{
  if (self->mem_fd < 0)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/mem", (int) self->pid);

      self->mem_fd = open (path, O_RDONLY | O_CLOEXEC);
      if (self->mem_fd < 0)
        return set_errno_error (self, errno, 0, error);
    }

  for (guint i = 0; i < n_ops; i++)
    {
      ssize_t n;

      self->n_syscalls++;
      n = pread (self->mem_fd, ops[i].buf, ops[i].len, (off_t) ops[i].addr);
      if (n < 0 || (gsize) n != ops[i].len)
        {
          int errsv = n < 0 ? errno : EFAULT;

          /* A vanished process reads as 0 bytes: tell it apart. */
          if (kill (self->pid, 0) != 0 && errno == ESRCH)
            errsv = ESRCH;
          return set_errno_error (self, errsv, ops[i].addr, error);
        }
    }
  return TRUE;
}

/* One process_vm_readv() of @ops (at most MAX_IOV of them): the bytes it
 * read, or -1 with errno. */
static ssize_t
readv_once (SpyMemory       *self,
            const SpyReadOp *ops,
            guint            n)
{
  struct iovec local[MAX_IOV];
  struct iovec remote[MAX_IOV];

  g_assert (n <= MAX_IOV);
  for (guint i = 0; i < n; i++)
    {
      local[i].iov_base = ops[i].buf;
      local[i].iov_len = ops[i].len;
      remote[i].iov_base = GSIZE_TO_POINTER (ops[i].addr);
      remote[i].iov_len = ops[i].len;
    }
  self->n_syscalls++;
  return process_vm_readv (self->pid, local, n, remote, n, 0);
}

static gboolean
read_remote (SpyMemory        *self,
             const SpyReadOp  *ops,
             guint             n_ops,
             GError          **error)
{
  if (self->use_pread)
    return read_with_pread (self, ops, n_ops, error);

  for (guint start = 0; start < n_ops; start += MAX_IOV)
    {
      guint n = MIN (n_ops - start, MAX_IOV);
      gsize total = 0;
      ssize_t got;

      for (guint i = 0; i < n; i++)
        total += ops[start + i].len;
      got = readv_once (self, ops + start, n);
      if (got < 0 && errno == ENOSYS)
        {
          self->use_pread = TRUE;
          return read_with_pread (self, ops, n_ops, error);
        }
      if (got < 0)
        return set_errno_error (self, errno, ops[start].addr, error);
      if ((gsize) got != total)
        {
          /* Partial: find the first piece that did not arrive. */
          gsize seen = 0;

          for (guint i = 0; i < n; i++)
            {
              seen += ops[start + i].len;
              if (seen > (gsize) got)
                return set_errno_error (self, EFAULT, ops[start + i].addr, error);
            }
          return set_errno_error (self, EFAULT, ops[start].addr, error);
        }
    }
  return TRUE;
}

static gboolean read_remote (SpyMemory *self, const SpyReadOp *ops, guint n_ops, GError **error);

/* Serves @op from whole cached pages, fetching the missing ones (at most
 * two) in one call. FALSE when they cannot be read: the caller then reads
 * @op alone, and reports its error. */
static gboolean
read_through_pages (SpyMemory       *self,
                    const SpyReadOp *op,
                    gboolean         may_fetch)
{
  guint64 first = op->addr & ~(guint64) (PAGE - 1);
  guint64 last = (op->addr + op->len - 1) & ~(guint64) (PAGE - 1);
  guint8 *data[2] = { NULL, NULL };
  SpyReadOp fetch[2];
  guint n_fetch = 0;

  if (op->addr + op->len < op->addr)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      guint64 page = first + (guint64) i * PAGE;

      if (page > last)
        break;
      data[i] = g_hash_table_lookup (self->pages, &page);
      if (data[i] == NULL && !may_fetch)
        {
          for (guint j = 0; j < n_fetch; j++)
            g_free (fetch[j].buf);
          return FALSE;
        }
      if (data[i] == NULL)
        {
          if (g_hash_table_size (self->pages) + n_fetch >= MAX_CACHED_PAGES)
            return FALSE;
          data[i] = g_malloc (PAGE + sizeof (guint64));
          fetch[n_fetch++] = (SpyReadOp) { page, data[i], PAGE };
        }
    }

  if (n_fetch > 0)
    {
      gboolean ok;

      if (self->fake != NULL)
        {
          ok = TRUE;
          for (guint i = 0; i < n_fetch && ok; i++)
            ok = regions_lookup (self->fake, fetch[i].addr, fetch[i].buf, PAGE);
        }
      else
        ok = read_remote (self, fetch, n_fetch, NULL);
      for (guint i = 0; i < n_fetch; i++)
        {
          if (ok)
            {
              /* The key lives after the page's bytes, in the same block. */
              guint64 *key = (guint64 *) ((guint8 *) fetch[i].buf + PAGE);

              *key = fetch[i].addr;
              g_hash_table_insert (self->pages, key, fetch[i].buf);
            }
          else
            g_free (fetch[i].buf);
        }
      if (!ok)
        return FALSE;
    }

  if (first == last)
    memcpy (op->buf, data[0] + (op->addr - first), op->len);
  else
    {
      gsize head = first + PAGE - op->addr;

      memcpy (op->buf, data[0] + (op->addr - first), head);
      memcpy ((guint8 *) op->buf + head, data[1], op->len - head);
    }
  return TRUE;
}

static int
span_compare (gconstpointer a,
              gconstpointer b)
{
  const Span *x = a, *y = b;

  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Serves @op from what was fetched ahead, when one span holds all of it. */
static gboolean
ahead_lookup (SpyMemory       *self,
              const SpyReadOp *op)
{
  guint lo = 0, hi = self->ahead->len;
  const Span *span;

  /* The last span that starts at or before the read. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->ahead, Span, mid).addr <= op->addr)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return FALSE;
  span = &g_array_index (self->ahead, Span, lo - 1);
  if (op->addr - span->addr > span->len || op->len > span->len - (op->addr - span->addr))
    return FALSE;
  memcpy (op->buf, self->ahead_data + span->offset + (op->addr - span->addr), op->len);
  return TRUE;
}

/* Max reads one readv() may add to the journal (it notes which of them a
 * local copy served). */
#define JOURNAL_MAX_OPS 64

static void
journal_add (SpyMemory       *self,
             const SpyReadOp *op)
{
  Span span = { op->addr, op->len, 0 };

  if (op->len > JOURNAL_MAX_READ || op->addr + op->len < op->addr ||
      self->journal->len >= 4 * JOURNAL_MAX_SPANS)
    return;
  g_array_append_val (self->journal, span);
}

/* Sorts the journal and joins the reads that overlap or nearly touch. */
static void
journal_join (GArray *journal)
{
  guint n = 0;

  g_array_sort (journal, span_compare);
  for (guint i = 0; i < journal->len; i++)
    {
      Span span = g_array_index (journal, Span, i);

      if (n > 0)
        {
          Span *last = &g_array_index (journal, Span, n - 1);

          if (span.addr - last->addr <= last->len + JOURNAL_JOIN_GAP)
            {
              last->len = MAX (last->len, span.addr + span.len - last->addr);
              continue;
            }
        }
      g_array_index (journal, Span, n++) = span;
    }
  g_array_set_size (journal, n);
}

/* Reads @ops in order in as few calls as can be; how many of them, from
 * the first, arrived whole (a span unmapped since stops the call there). */
static guint
read_prefix (SpyMemory *self,
             SpyReadOp *ops,
             guint      n_ops)
{
  guint n = MIN (n_ops, MAX_IOV), whole = 0;
  gsize seen = 0;
  ssize_t got;

  if (self->fake != NULL)
    {
      while (whole < n_ops && regions_lookup (self->fake, ops[whole].addr, ops[whole].buf, ops[whole].len))
        whole++;
      return whole;
    }
  if (self->use_pread)
    return 0;
  got = readv_once (self, ops, n);
  while (got > 0 && whole < n && seen + ops[whole].len <= (gsize) got)
    seen += ops[whole++].len;
  return whole;
}

void
spy_memory_journal_begin (SpyMemory *self)
{
  g_autofree SpyReadOp *ops = NULL;
  gsize total = 0;
  guint n = 0, whole;

  g_return_if_fail (self != NULL);

  g_array_set_size (self->ahead, 0);
  journal_join (self->journal);
  for (; n < self->journal->len && n < JOURNAL_MAX_SPANS; n++)
    {
      Span *span = &g_array_index (self->journal, Span, n);

      if (total + span->len > JOURNAL_MAX_BYTES)
        break;
      span->offset = total;
      total += span->len;
    }
  if (n > 0)
    {
      if (self->ahead_size < total)
        {
          g_free (self->ahead_data);
          self->ahead_size = MAX (total, 2 * self->ahead_size);
          self->ahead_data = g_malloc (self->ahead_size);
        }
      ops = g_new (SpyReadOp, n);
      for (guint i = 0; i < n; i++)
        {
          const Span *span = &g_array_index (self->journal, Span, i);

          ops[i] = (SpyReadOp) { span->addr, self->ahead_data + span->offset, span->len };
        }
      /* A span gone since (memory freed, unmapped) stops a call: go on
       * after it, a few times. */
      for (guint start = 0, tries = 0; start < n && tries < 4; tries++)
        {
          whole = read_prefix (self, ops + start, n - start);
          g_array_append_vals (self->ahead, &g_array_index (self->journal, Span, start), whole);
          start += whole + 1;
        }
    }
  g_array_set_size (self->journal, 0);
  self->journaling = TRUE;
}

void
spy_memory_journal_end (SpyMemory *self)
{
  g_return_if_fail (self != NULL);

  self->journaling = FALSE;
}

gboolean
spy_memory_readv_direct (SpyMemory        *self,
                         const SpyReadOp  *ops,
                         guint             n_ops,
                         GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->fake != NULL)
    {
      for (guint i = 0; i < n_ops; i++)
        if (ops[i].len > 0 && !regions_lookup (self->fake, ops[i].addr, ops[i].buf, ops[i].len))
          return set_errno_error (self, EFAULT, ops[i].addr, error);
      return TRUE;
    }
  return read_remote (self, ops, n_ops, error);
}

gboolean
spy_memory_readv (SpyMemory        *self,
                  const SpyReadOp  *ops,
                  guint             n_ops,
                  GError          **error)
{
  SpyReadOp pending[MAX_IOV];
  guint n_pending = 0;
  gboolean journal = FALSE, local[JOURNAL_MAX_OPS];

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->journaling && n_ops <= JOURNAL_MAX_OPS)
    journal = TRUE;
  for (guint i = 0; i < n_ops; i++)
    {
      if (journal)
        local[i] = FALSE;
      if (ops[i].len == 0 || regions_lookup (self->remembered, ops[i].addr, ops[i].buf, ops[i].len))
        {
          if (journal)
            local[i] = TRUE;
          continue;
        }
      if (self->ahead->len > 0 && ahead_lookup (self, &ops[i]))
        continue;

      /* A batch is one call already: serve it from pages we have, but do
       * not fetch pages one by one for it. */
      if (self->page_cache && ops[i].len <= PAGE && read_through_pages (self, &ops[i], n_ops == 1))
        continue;

      if (self->fake != NULL)
        {
          if (!regions_lookup (self->fake, ops[i].addr, ops[i].buf, ops[i].len))
            return set_errno_error (self, EFAULT, ops[i].addr, error);
          continue;
        }

      pending[n_pending++] = ops[i];
      if (n_pending == MAX_IOV)
        {
          if (!read_remote (self, pending, n_pending, error))
            return FALSE;
          n_pending = 0;
        }
    }

  if (n_pending > 0 && !read_remote (self, pending, n_pending, error))
    return FALSE;
  /* What the next sample will likely read again: not what a local copy
   * of a chunk served, fetched whole anyway. */
  for (guint i = 0; journal && i < n_ops; i++)
    if (!local[i])
      journal_add (self, &ops[i]);
  return TRUE;
}

gboolean
spy_memory_read (SpyMemory  *self,
                 guint64     addr,
                 gpointer    buf,
                 gsize       len,
                 GError    **error)
{
  SpyReadOp op = { addr, buf, len };

  return spy_memory_readv (self, &op, 1, error);
}

gboolean
spy_memory_read_ptr (SpyMemory  *self,
                     guint64     addr,
                     guint64    *out,
                     GError    **error)
{
  return spy_memory_read (self, addr, out, sizeof *out, error);
}
