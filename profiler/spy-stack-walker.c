/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spy-stack-walker.c: interpreter → threads → frames → (function, file, line) */

#include "config.h"

#include <string.h>

#include "spy-pyobject.h"
#include "spy-stack-check.h"
#include "spy-stack-walker.h"
#include "spy-thread-ids.h"

#define MAX_INTERPRETERS   64
#define MAX_THREADS        4096
#define MAX_CHUNKS         64
#define MAX_CHUNK_SIZE     (16 * 1024 * 1024)
/* CPython's first data-stack chunk is 16 KiB; most stacks fit in it. A
 * thread not seen before has that much copied. */
#define CHUNK_PREFETCH     16384
/* Read of a newest chunk beyond where the last sample found the top frame:
 * a few frames more, in steps. */
#define CHUNK_SLACK        4096
#define CHUNK_STEP         512
#define MAX_STRUCT_READ    4096
#define MAX_LINETABLE_SIZE (1024 * 1024)
#define MAX_CACHED_CODES   100000
/* Reads of one sample before a stack that keeps moving is an error. */
#define MAX_READ_ATTEMPTS  8
/* Below this depth, cycles are caught by the depth bound alone; above it a
 * set of seen frames tells a cycle from a deep stack. */
#define CYCLE_CHECK_DEPTH  512

struct _SpyStackWalker {
  GObject                parent_instance;

  SpyTarget             *target;     /* may be NULL: no per-thread CPU state */
  SpyMemory             *memory;
  SpyPythonLayout        layout;
  SpyPyReader            reader;
  guint                  leading_shims;  /* of the thread being walked */
  guint64                runtime;
  guint64                code_type;
  GHashTable            *codes;      /* address → SpyCode */
  guint                  generation; /* bumped when cached codes are freed */
  guint64                sample_no;
  GPtrArray             *to_check;   /* SpyCode: used by this sample, to confirm */
  guint64                code_versions_global; /* 3.12: &_Py_next_func_version */
  /* 3.12+: the count of code objects made, as read right after the
   * interpreter's threads were copied (see get_code); versions_read says
   * whether this walk has it. */
  guint64                versions_addr;
  guint32                versions;
  guint32                versions_before; /* the same, read before the copies */
  gboolean               versions_read;
  gboolean               decoded_late; /* ≤3.11: a code object of a copied frame
                                        * read for the first time, after the copy */
  guint64                known_interp;
  GArray                *known_tstates; /* guint64: the last sample's thread states */
  GArray                *chunk_used;    /* ChunkUse: how much of each thread's newest
                                         * chunk its frames took, this sample */
  GArray                *chunk_used_before; /* the same, the last sample */
  SpyThreadIds          *thread_ids; /* ≤3.10, with a target: tids from struct pthread */
  gboolean               skip_active; /* the caller decides who runs */
  guint64                gil_holder_address; /* 3.6: &_PyThreadState_Current */
  GHashTable            *cpu_then;   /* from spy_stack_walker_watch_cpu() */
  SpyStackCheck         *check;      /* what this sample's stacks were read
                                      * from, read again at its end */
  guint64                n_torn;     /* samples read again: a stack moved */
  guint64                n_thread_rereads; /* threads copied again on their own */
  gboolean               reuse_rested;
  GHashTable            *kept;       /* tstate → Kept: the last sample's threads */
  GArray                *kept_next;  /* Kept (frames NULL): this sample's, so far */
  GPtrArray             *chunk_pool; /* ChunkBuf */
  guint64                n_rested;
};


/* 3.11+: the bytes of a thread's newest data-stack chunk up to its top
 * frame's header (from the start of the chunk). */
typedef struct {
  guint64 tstate;
  gsize   used;
} ChunkUse;

/* A buffer for the copy of a thread's newest chunk. Handed to SpyMemory
 * (which frees it at spy_memory_forget(), maybe after the walker is gone)
 * and then back to its pool, so that a sample allocates none: 16 KiB
 * buffers made and freed at every sample kept malloc consolidating. */
typedef struct {
  GPtrArray *pool;       /* a reference, while out of it */
  guint8     data[CHUNK_PREFETCH];
} ChunkBuf;

#define CHUNK_POOL_MAX 64

static ChunkBuf *
chunk_buf_take (GPtrArray *pool)
{
  ChunkBuf *buf = pool->len > 0 ? g_ptr_array_steal_index_fast (pool, pool->len - 1)
                                : g_new (ChunkBuf, 1);

  buf->pool = g_ptr_array_ref (pool);
  return buf;
}

static void
chunk_buf_give_back (gpointer data)
{
  ChunkBuf *buf = data;
  GPtrArray *pool = g_steal_pointer (&buf->pool);

  if (pool->len < CHUNK_POOL_MAX)
    g_ptr_array_add (pool, buf);
  else
    g_free (buf);
  g_ptr_array_unref (pool);
}

/* 3.11+: a thread as the last sample read it, given again while it rests
 * (see spy_stack_walker_set_reuse_rested()). Its thread state must still
 * say the same of it. */
typedef struct {
  guint64   tstate;
  guint64   thread_id;
  gint64    native_id;
  guint64   top;         /* tstate->current_frame (3.13+), ->cframe (3.11, 3.12) */
  guint64   chunk;       /* tstate->datastack_chunk */
  guint     generation;  /* of the code cache, which its frames point into */
  guint     idle_evals;
  gboolean  has_use;
  ChunkUse  use;
  SpyRunMark mark;       /* its CPU time, looked at just before it was read */
  guint     stack;       /* in kept_next: its index in the sample's stacks */
  guint64   sample;      /* the walker's sample_no when kept */
  GArray   *frames;      /* SpyFrame; NULL in kept_next */
} Kept;

static void
kept_free (gpointer data)
{
  Kept *kept = data;

  g_clear_pointer (&kept->frames, g_array_unref);
  g_free (kept);
}

G_DEFINE_FINAL_TYPE (SpyStackWalker, spy_stack_walker, G_TYPE_OBJECT)
G_DEFINE_QUARK (spy-stack-walker-error-quark, spy_stack_walker_error)

static void
spy_code_free (gpointer data)
{
  SpyCode *code = data;

  g_free (code->function);
  g_free (code->name);
  g_free (code->filename);
  g_clear_pointer (&code->lines, spy_line_table_free);
  g_free (code);
}

void
spy_thread_stack_free (SpyThreadStack *stack)
{
  if (stack == NULL)
    return;
  g_free (stack->name);
  g_clear_pointer (&stack->frames, g_array_unref);
  g_clear_pointer (&stack->mixed, g_array_unref);
  g_free (stack->native_error);
  g_free (stack);
}

static void
spy_stack_walker_finalize (GObject *object)
{
  SpyStackWalker *self = SPY_STACK_WALKER (object);

  g_clear_object (&self->target);
  g_clear_pointer (&self->memory, spy_memory_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);
  g_clear_pointer (&self->to_check, g_ptr_array_unref);
  g_clear_pointer (&self->known_tstates, g_array_unref);
  g_clear_pointer (&self->chunk_used, g_array_unref);
  g_clear_pointer (&self->chunk_used_before, g_array_unref);
  g_clear_pointer (&self->check, spy_stack_check_free);
  g_clear_pointer (&self->cpu_then, g_hash_table_unref);
  g_clear_pointer (&self->thread_ids, spy_thread_ids_free);
  g_clear_pointer (&self->kept, g_hash_table_unref);
  g_clear_pointer (&self->kept_next, g_array_unref);
  g_clear_pointer (&self->chunk_pool, g_ptr_array_unref);

  G_OBJECT_CLASS (spy_stack_walker_parent_class)->finalize (object);
}

static void
spy_stack_walker_class_init (SpyStackWalkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = spy_stack_walker_finalize;
}

static void
spy_stack_walker_init (SpyStackWalker *self)
{
  self->codes = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, spy_code_free);
  self->to_check = g_ptr_array_new ();
  self->known_tstates = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->chunk_used = g_array_new (FALSE, FALSE, sizeof (ChunkUse));
  self->chunk_used_before = g_array_new (FALSE, FALSE, sizeof (ChunkUse));
  self->check = spy_stack_check_new ();
  self->kept = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, kept_free);
  self->kept_next = g_array_new (FALSE, FALSE, sizeof (Kept));
  self->chunk_pool = g_ptr_array_new_with_free_func (g_free);
}

SpyStackWalker *
spy_stack_walker_new (SpyMemory             *memory,
                      const SpyPythonLayout *layout,
                      guint64                runtime,
                      guint64                code_type)
{
  SpyStackWalker *self;

  g_return_val_if_fail (memory != NULL, NULL);
  g_return_val_if_fail (layout != NULL, NULL);

  self = g_object_new (SPY_TYPE_STACK_WALKER, NULL);
  self->memory = spy_memory_ref (memory);
  self->layout = *layout;
  self->reader.memory = self->memory;
  self->reader.layout = &self->layout;
  self->runtime = runtime;
  self->code_type = code_type;
  spy_memory_set_page_cache (self->memory, TRUE);
  return self;
}

SpyStackWalker *
spy_stack_walker_new_for_target (SpyTarget *target)
{
  SpyStackWalker *self;

  g_return_val_if_fail (SPY_IS_TARGET (target), NULL);

  self = spy_stack_walker_new (spy_target_get_memory (target),
                               spy_target_get_layout (target),
                               spy_target_get_runtime_address (target),
                               spy_target_get_code_type_address (target));
  self->target = g_object_ref (target);
  self->gil_holder_address = spy_target_get_gil_holder_address (target);
  self->code_versions_global = spy_target_get_code_versions_address (target);
  if (self->layout.tstate_native_thread_id == SPY_OFFSET_NONE)
    self->thread_ids = spy_thread_ids_new (self->memory, spy_target_get_pid (target));
  return self;
}

static gboolean
garbage (GError     **error,
         const char  *what,
         guint64      addr)
{
  g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_GARBAGE,
               "Inconsistent %s at 0x%" G_GINT64_MODIFIER "x (the target changed while "
               "we read it, or its memory is corrupt)", what, addr);
  return FALSE;
}

static inline guint64
get_ptr (const guint8 *buf,
         gint64        offset)
{
  guint64 value;

  memcpy (&value, buf + offset, sizeof value);
  return value;
}

static inline gint32
get_i32 (const guint8 *buf,
         gint64        offset)
{
  gint32 value;

  memcpy (&value, buf + offset, sizeof value);
  return value;
}

/* Reads a structure of @size bytes (bounded) into @buf. */
static gboolean
read_struct (SpyStackWalker  *self,
             guint64          addr,
             guint8          *buf,
             gint64           size,
             const char      *what,
             GError         **error)
{
  if (addr == 0 || (addr & 7) != 0 || size <= 0 || size > MAX_STRUCT_READ)
    return garbage (error, what, addr);
  return spy_memory_read (self->memory, addr, buf, size, error);
}

static gint64
code_header_size (const SpyPythonLayout *layout)
{
  gint64 fields[] = { layout->code_filename, layout->code_name, layout->code_qualname,
                      layout->code_firstlineno, layout->code_linetable, layout->object_type };
  gint64 size = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    size = MAX (size, fields[i] + 8);
  return size;
}

/* The part of a code object that tells it apart: its name, file and line
 * table pointers and first line, as one span of the header; from 3.12 its
 * version too, which no other code object made before the count ran out
 * shares. The pointers alone can be fooled: a code object made again at
 * the same address, two made after the one kept, may have its name at the
 * same address as the kept one's. */
static void
identity_span (const SpyPythonLayout *layout,
               gint64                *start,
               gint64                *len)
{
  gint64 fields[] = { layout->code_filename, layout->code_name, layout->code_firstlineno,
                      layout->code_linetable, layout->code_version };
  gint64 lo = G_MAXINT64, hi = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (fields[i] == SPY_OFFSET_NONE)
        continue;
      lo = MIN (lo, fields[i]);
      hi = MAX (hi, fields[i] + 8);
    }
  *start = lo;
  *len = hi - lo;
  /* The fields are within one small struct header; a table saying
   * otherwise is a bug, not input. */
  g_assert (*len <= (gint64) sizeof ((SpyCode *) NULL)->identity);
}

/* The code object at @addr, decoded once and kept. A kept one is read
 * again at the end of each sample that uses it (a code object freed and
 * replaced at the same address would name the wrong function), except when
 * its frame is from a snapshot (@snapshot: copied in one moment, before
 * this walk read the count of code objects made) and that count is where it
 * was when the code object was last confirmed: no code object has been made
 * since, so none can have taken its place. */
static const SpyCode *
get_code (SpyStackWalker  *self,
          guint64          addr,
          gboolean         snapshot,
          GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  guint8 buf[MAX_STRUCT_READ];
  g_autoptr(GBytes) table = NULL;
  SpyCode *code;
  guint64 qualname;

  if ((code = g_hash_table_lookup (self->codes, &addr)) != NULL)
    {
      if (snapshot && self->versions_read && code->versions_addr == self->versions_addr &&
          code->versions == self->versions)
        return code;
      if (code->checked_in != self->sample_no)
        {
          code->checked_in = self->sample_no;
          code->pending_addr = self->versions_read ? self->versions_addr : 0;
          code->pending = self->versions;
          g_ptr_array_add (self->to_check, code);
        }
      return code;
    }

  if (!read_struct (self, addr, buf, code_header_size (layout), "code object", error))
    return NULL;
  if (self->code_type != 0 && get_ptr (buf, layout->object_type) != self->code_type)
    return garbage (error, "code object", addr), NULL;
  /* 3.12+: made while the frame that runs it was being copied, or after:
   * the frame's code object has gone, and this one took its place. */
  if (snapshot && self->versions_read && layout->code_version != SPY_OFFSET_NONE)
    {
      guint32 version;

      memcpy (&version, buf + layout->code_version, sizeof version);
      if (version != 0 && version >= self->versions_before)
        {
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                       "A code object was made at the address of the one a frame ran");
          return NULL;
        }
    }

  code = g_new0 (SpyCode, 1);
  code->addr = addr;
  code->checked_in = self->sample_no;
  code->versions_addr = self->versions_read ? self->versions_addr : 0;
  code->versions = self->versions;
  code->pending_addr = code->versions_addr;
  code->pending = code->versions;
  {
    gint64 start, len;

    identity_span (layout, &start, &len);
    memcpy (code->identity, buf + start, len);
  }
  code->firstlineno = get_i32 (buf, layout->code_firstlineno);
  qualname = layout->code_qualname != SPY_OFFSET_NONE ? get_ptr (buf, layout->code_qualname) : 0;
  if (!(code->name = spy_pyobject_read_str (&self->reader, get_ptr (buf, layout->code_name), error)) ||
      !(code->filename = spy_pyobject_read_str (&self->reader, get_ptr (buf, layout->code_filename), error)) ||
      (qualname != 0 && !(code->function = spy_pyobject_read_str (&self->reader, qualname, error))) ||
      !(table = spy_pyobject_read_bytes (&self->reader, get_ptr (buf, layout->code_linetable),
                                         MAX_LINETABLE_SIZE, error)))
    {
      spy_code_free (code);
      return NULL;
    }
  if (code->function == NULL)
    code->function = g_strdup (code->name);
  if (layout->code_version == SPY_OFFSET_NONE)
    code->has_name_head = spy_memory_read (self->memory, get_ptr (buf, layout->code_name) + 8,
                                           code->name_head, SPY_CODE_NAME_HEAD, NULL);
  code->lines = spy_line_table_new (layout->linetable_kind,
                                    g_bytes_get_data (table, NULL),
                                    g_bytes_get_size (table),
                                    code->firstlineno);

  g_hash_table_insert (self->codes, &code->addr, code);
  /* ≤3.11 numbers no code objects: whether this one was the copied
   * frame's, or took its place after the frame returned, cannot be told.
   * The thread is copied again (see walk_thread); kept, it is then read
   * after that copy. */
  if (snapshot && layout->code_version == SPY_OFFSET_NONE)
    self->decoded_late = TRUE;
  /* Confirmed at the end of this sample too: its frame may have gone
   * between the copy and this read, and its code object with it. */
  g_ptr_array_add (self->to_check, code);
  return code;
}

static int
code_line (const SpyCode *code,
           gint64         byte_offset)
{
  int line;

  if (byte_offset < 0)
    return code->firstlineno;
  if (byte_offset > G_MAXINT)
    return -1;
  line = spy_line_table_lookup (code->lines, (int) byte_offset);
  return line;
}

/* Tracks frame addresses once a stack gets deep, to tell cycles apart. */
typedef struct {
  guint       depth;
  GHashTable *seen;
} ChainGuard;

static gboolean
chain_guard_step (ChainGuard  *guard,
                  guint64      addr,
                  GError     **error)
{
  if (++guard->depth > SPY_MAX_STACK_DEPTH)
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_CYCLE,
                   "Frame chain deeper than %d frames: it loops or is corrupt",
                   SPY_MAX_STACK_DEPTH);
      return FALSE;
    }
  if (guard->depth < CYCLE_CHECK_DEPTH)
    return TRUE;
  if (guard->seen == NULL)
    guard->seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  if (g_hash_table_contains (guard->seen, &addr))
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_CYCLE,
                   "Frame chain loops back to 0x%" G_GINT64_MODIFIER "x", addr);
      return FALSE;
    }
  g_hash_table_add (guard->seen, g_memdup2 (&addr, sizeof addr));
  return TRUE;
}

static void
chain_guard_clear (ChainGuard *guard)
{
  g_clear_pointer (&guard->seen, g_hash_table_unref);
}

/* A frame reached by a walk: its link to its caller and its code, both
 * from @buf (the frame's bytes as read), are checked at the end of the
 * sample unless @checked is FALSE (the frame comes from a snapshot). */
static void
add_link (SpyStackWalker *self,
          guint64         frame,
          const guint8   *buf,
          gint64          link_offset,
          gint64          code_offset,
          gboolean        checked)
{
  gint64 lo = MIN (link_offset, code_offset), hi = MAX (link_offset, code_offset);

  spy_stack_check_add_link (self->check, frame);
  if (!checked)
    return;
  /* Neighbours in every version: one read. */
  if (hi - lo == 8)
    spy_stack_check_add_bytes (self->check, frame + lo, buf + lo, 16, FALSE);
  else
    {
      spy_stack_check_add_bytes (self->check, frame + link_offset, buf + link_offset, 8, FALSE);
      spy_stack_check_add_bytes (self->check, frame + code_offset, buf + code_offset, 8, FALSE);
    }
}

/* ≤3.10: a frame object, from its reference count (at 0 in every default
 * build) to its code; a freed one has none. */
static gboolean
add_frame_object_link (SpyStackWalker  *self,
                       guint64          frame,
                       const guint8    *buf,
                       GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  gint64 end = MAX (layout->frame_back, layout->frame_code) + 8;
  gint64 refcount;

  memcpy (&refcount, buf, sizeof refcount);
  if (refcount <= 0)
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                   "A frame was freed while its stack was read");
      return FALSE;
    }
  spy_stack_check_add_link (self->check, frame);
  if (end <= SPY_STACK_CHECK_MAX_BYTES)
    spy_stack_check_add_bytes (self->check, frame, buf, end, TRUE);
  else
    {
      spy_stack_check_add_bytes (self->check, frame, buf, 16, TRUE);
      spy_stack_check_add_bytes (self->check, frame + layout->frame_back, buf + layout->frame_back, 8, FALSE);
      spy_stack_check_add_bytes (self->check, frame + layout->frame_code, buf + layout->frame_code, 8, FALSE);
    }
  return TRUE;
}

static gboolean
push_frame (SpyStackWalker  *self,
            GArray          *frames,
            guint64          frame_addr,
            guint64          code_addr,
            gint64           byte_offset,
            GError         **error)
{
  SpyFrame frame = { .addr = frame_addr, .entry = TRUE };

  if (!(frame.code = get_code (self, code_addr, FALSE, error)))
    return FALSE;
  frame.line = code_line (frame.code, byte_offset);
  g_array_append_val (frames, frame);
  return TRUE;
}

/* ≤3.10: a linked list of PyFrameObject. */
static gboolean
walk_frame_objects (SpyStackWalker  *self,
                    guint64          frame,
                    GArray          *frames,
                    GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  ChainGuard guard = { 0 };
  gint64 size = MAX (MAX (layout->frame_back, layout->frame_code), layout->frame_lasti) + 8;
  gboolean ok = TRUE;

  while (frame != 0 && ok)
    {
      guint8 buf[MAX_STRUCT_READ];
      gint64 lasti;

      ok = chain_guard_step (&guard, frame, error) &&
           read_struct (self, frame, buf, size, "frame", error) &&
           add_frame_object_link (self, frame, buf, error);
      if (!ok)
        break;
      lasti = get_i32 (buf, layout->frame_lasti);
      if (layout->lasti_in_code_units && lasti >= 0)
        lasti *= 2;
      ok = push_frame (self, frames, frame, get_ptr (buf, layout->frame_code), lasti, error);
      frame = get_ptr (buf, layout->frame_back);
    }
  chain_guard_clear (&guard);
  return ok;
}

/* 3.11+: keeps the chunk at @chunk, whose first bytes may already be in
 * @first (@first_len of them, from a batched read), and sets @previous to the
 * chunk before it. */
static gboolean
remember_chunk (SpyStackWalker  *self,
                guint64          chunk,
                ChunkBuf       **prefix,
                gsize            prefix_len,
                guint64         *previous,
                GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  g_autoptr(GBytes) bytes = NULL;
  guint8 header[64];
  const guint8 *first = prefix != NULL && *prefix != NULL ? (*prefix)->data : NULL;
  gsize first_len = prefix_len;
  guint64 size;
  guint8 *all;

  if (first != NULL && first_len >= (gsize) layout->chunk_data)
    {
      size = get_ptr (first, layout->chunk_size);
      *previous = get_ptr (first, layout->chunk_previous);
      if (size < (guint64) layout->chunk_data || size > MAX_CHUNK_SIZE)
        return garbage (error, "data stack chunk", chunk);
      /* The newest chunk, copied as far as its frames went: kept as it is
       * (frames past it, if it has grown, are read one by one). */
      bytes = g_bytes_new_with_free_func (first, MIN (prefix_len, size), chunk_buf_give_back,
                                          g_steal_pointer (prefix));
      spy_memory_remember (self->memory, chunk, bytes);
      return TRUE;
    }
  if (first_len < (gsize) layout->chunk_data)
    {
      if (layout->chunk_data > (gint64) sizeof header ||
          !spy_memory_read (self->memory, chunk, header, layout->chunk_data, error))
        return FALSE;
      first = header;
      first_len = 0;
    }
  size = get_ptr (first, layout->chunk_size);
  *previous = get_ptr (first, layout->chunk_previous);
  if (size < (guint64) layout->chunk_data || size > MAX_CHUNK_SIZE)
    return garbage (error, "data stack chunk", chunk);

  all = g_malloc (size);
  first_len = MIN (first_len, size);
  memcpy (all, first, first_len);
  if (first_len < size &&
      !spy_memory_read (self->memory, chunk + first_len, all + first_len, size - first_len, error))
    {
      g_free (all);
      return FALSE;
    }
  bytes = g_bytes_new_take (all, size);
  spy_memory_remember (self->memory, chunk, bytes);
  return TRUE;
}

/* 3.11+: the thread's data-stack chunks, read in one call each, so that the
 * frames inside them are walked locally. */
static gboolean
remember_chunks (SpyStackWalker  *self,
                 guint64          chunk,
                 ChunkBuf       **first,
                 gsize            first_len,
                 GError         **error)
{
  for (guint i = 0; chunk != 0; i++)
    {
      if (i >= MAX_CHUNKS)
        {
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_CYCLE,
                       "More than %d data-stack chunks: the list loops or is corrupt", MAX_CHUNKS);
          return FALSE;
        }
      if (!remember_chunk (self, chunk, i == 0 ? first : NULL, i == 0 ? first_len : 0,
                           &chunk, error))
        return FALSE;
    }
  return TRUE;
}

/* 3.11+: _PyInterpreterFrame, linked by `previous`. From 3.15 every
 * complete chain ends at the thread's base frame (@base, else 0): one that
 * ends elsewhere was read while it changed. Frames within [@snap_start,
 * @snap_end) come from the snapshot taken with the thread's top-frame
 * pointer; the others are checked again at the end of the sample. */
static gboolean
walk_interpreter_frames (SpyStackWalker  *self,
                         guint64          frame,
                         guint64          base,
                         guint64          snap_start,
                         guint64          snap_end,
                         GArray          *frames,
                         GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  ChainGuard guard = { 0 };
  gboolean ok = TRUE;
  guint first = frames->len, leading_shims = 0;

  while (frame != 0 && frame != base && ok)
    {
      guint8 buf[MAX_STRUCT_READ];
      guint64 code_addr, instr, frame_addr = frame;
      const SpyCode *code;
      gint64 offset;
      gboolean snapshot = frame >= snap_start && frame < snap_end &&
                          snap_end - frame >= (guint64) layout->iframe_localsplus;

      ok = chain_guard_step (&guard, frame, error) &&
           read_struct (self, frame, buf, layout->iframe_localsplus, "frame", error);
      if (!ok)
        break;
      add_link (self, frame, buf, layout->iframe_previous, layout->iframe_code, !snapshot);
      frame = get_ptr (buf, layout->iframe_previous);
      if (layout->iframe_owner_not_python >= 0 &&
          buf[layout->iframe_owner] >= layout->iframe_owner_not_python)
        {
          /* An entry frame or shim: no Python code runs in it. The one
           * before it was the first of its C call of the eval loop; before
           * any, its C call is entering or leaving the loop. */
          if (frames->len > first)
            g_array_index (frames, SpyFrame, frames->len - 1).entry = TRUE;
          else
            leading_shims++;
          continue;
        }

      /* 3.14+: a _PyStackRef, whose low bits are tags. */
      code_addr = get_ptr (buf, layout->iframe_code) & ~layout->stackref_tag_bits;
      /* 3.14+: a frame being popped has lost its code already. */
      if (code_addr == 0 && layout->stackref_tag_bits != 0)
        continue;
      if (!(code = get_code (self, code_addr, snapshot, error)))
        {
          ok = FALSE;
          break;
        }
      instr = get_ptr (buf, layout->iframe_instr);
      offset = (gint64) (instr - (code_addr + layout->code_code_adaptive));
      if (offset < -2 || offset > G_MAXINT)
        {
          ok = garbage (error, "instruction pointer", instr);
          break;
        }
      /* Code units of two bytes; the tables speak bytes. */
      offset = offset < 0 ? -1 : (offset / 2) * 2;
      {
        SpyFrame f = { code, code_line (code, offset), frame_addr,
                       layout->iframe_is_entry != SPY_OFFSET_NONE && buf[layout->iframe_is_entry] };
        g_array_append_val (frames, f);
      }
    }
  /* The thread's outermost frame was entered from C. */
  if (ok && frames->len > first)
    g_array_index (frames, SpyFrame, frames->len - 1).entry = TRUE;
  if (first == 0)
    self->leading_shims = leading_shims;
  if (ok && base != 0 && frame != base)
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                   "A frame chain ends before the thread's base frame: "
                   "it changed while being read");
      ok = FALSE;
    }
  chain_guard_clear (&guard);
  return ok;
}

/* What a batched read fetched for one thread ahead of its walk (3.11+):
 * its top-frame pointer, the start of its newest chunk (where that frame
 * and its callers are: as far as they went at the last sample and
 * CHUNK_SLACK more, at most CHUNK_PREFETCH), and the pointer again, back to
 * back in one call: when the pointer held still across the copy, the copy
 * is one moment of the thread's stack. */
typedef struct {
  guint64  current_frame;        /* before the copy */
  ChunkBuf *chunk;               /* its first chunk_len bytes */
  gsize    chunk_len;
  guint64  current_frame_again;  /* after it */
  guint64  cframe_again;         /* 3.11, 3.12: tstate->cframe, after it */
  gboolean ok;
  const Kept *rested;            /* not read: it rested since the last sample */
  SpyRunMark mark;               /* its CPU time, looked at before the read */
} Prefetch;

static guint64
thread_chunk (SpyStackWalker *self,
              const guint8   *tstate_buf)
{
  return get_ptr (tstate_buf, self->layout.tstate_datastack_chunk);
}

static gboolean
walk_thread (SpyStackWalker  *self,
             guint64          tstate,
             const guint8    *tstate_buf,
             Prefetch        *prefetch,
             GArray          *frames,
             GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  guint64 frame, base = 0, chunk, top_addr;

  if (layout->tstate_frame != SPY_OFFSET_NONE)
    {
      frame = get_ptr (tstate_buf, layout->tstate_frame);
      spy_stack_check_begin_thread (self->check, frames, tstate + layout->tstate_frame, frame);
      /* A frame freed under the walk: the thread returned past it, and is
       * at a frame we have not seen. Begin again from there, at once. */
      for (guint attempt = 1; ; attempt++)
        {
          g_autoptr(GError) local_error = NULL;

          if (walk_frame_objects (self, frame, frames, &local_error))
            return TRUE;
          /* Not from the pages this sample keeps: they hold the past. */
          spy_memory_forget (self->memory);
          if (attempt == MAX_READ_ATTEMPTS ||
              !g_error_matches (local_error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN) ||
              !spy_memory_read_ptr (self->memory, tstate + layout->tstate_frame, &frame, NULL))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          spy_stack_check_restart_thread (self->check, frame);
        }
    }

  if (layout->tstate_base_frame != SPY_OFFSET_NONE)
    base = get_ptr (tstate_buf, layout->tstate_base_frame);
  chunk = thread_chunk (self, tstate_buf);

  if (prefetch->ok)
    {
      frame = prefetch->current_frame;
      self->decoded_late = FALSE;
      spy_stack_check_begin_thread (self->check, frames, 0, frame);
      if (frame != 0 && frame != base &&
          (!remember_chunks (self, chunk, &prefetch->chunk, prefetch->chunk_len, error) ||
           !walk_interpreter_frames (self, frame, base, chunk, chunk + prefetch->chunk_len, frames, error)))
        return FALSE;
      /* Where the thread was once its frames were copied: at one of those
       * walked, or the copy mixes moments. */
      if ((layout->tstate_cframe != SPY_OFFSET_NONE &&
           prefetch->cframe_again != get_ptr (tstate_buf, layout->tstate_cframe)) ||
          !spy_stack_check_settle_thread (self->check, prefetch->current_frame_again))
        {
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                       "A thread's stack moved while it was copied");
          return FALSE;
        }
      if (self->decoded_late)
        {
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                       "A code object was read after its frame was copied");
          return FALSE;
        }
      return TRUE;
    }

  /* No snapshot: the pointer and every frame are checked at the end. */
  if (layout->tstate_current_frame != SPY_OFFSET_NONE)
    {
      top_addr = tstate + layout->tstate_current_frame;
      frame = get_ptr (tstate_buf, layout->tstate_current_frame);
    }
  else
    {
      guint64 cframe = get_ptr (tstate_buf, layout->tstate_cframe);

      if (cframe == 0)
        return TRUE;
      top_addr = cframe + layout->cframe_current_frame;
      if (!spy_memory_read_ptr (self->memory, top_addr, &frame, error))
        return FALSE;
    }
  spy_stack_check_begin_thread (self->check, frames, top_addr, frame);
  return frame == 0 || frame == base ||
         (remember_chunks (self, chunk, NULL, 0, error) &&
          walk_interpreter_frames (self, frame, base, 0, 0, frames, error));
}

/* How much of @tstate's newest chunk to copy: as far as its frames went at
 * the last sample, and some; all of CHUNK_PREFETCH for a thread not seen. */
static gsize
chunk_read_len (SpyStackWalker *self,
                guint64         tstate)
{
  for (guint i = 0; i < self->chunk_used_before->len; i++)
    {
      const ChunkUse *use = &g_array_index (self->chunk_used_before, ChunkUse, i);

      if (use->tstate == tstate)
        return MIN ((use->used + CHUNK_SLACK + CHUNK_STEP - 1) / CHUNK_STEP * CHUNK_STEP, CHUNK_PREFETCH);
    }
  return CHUNK_PREFETCH;
}

/* Notes how far @stack's frames went in its newest chunk, at @chunk. */
static void
note_chunk_use (SpyStackWalker       *self,
                const SpyThreadStack *stack,
                guint64               chunk,
                guint64               top)
{
  ChunkUse use = { stack->tstate, 0 };

  if (top >= chunk && top - chunk < CHUNK_PREFETCH)
    use.used = top - chunk;
  for (guint i = 0; i < stack->frames->len; i++)
    {
      guint64 addr = g_array_index (stack->frames, SpyFrame, i).addr;

      if (addr >= chunk && addr - chunk < CHUNK_PREFETCH)
        use.used = MAX (use.used, addr - chunk);
    }
  use.used += self->layout.iframe_localsplus;
  g_array_append_val (self->chunk_used, use);
}

/* 3.11+: the snapshots (see Prefetch) of @n threads in one system call.
 * When that fails (a chunk at the end of a mapping, say), each thread reads
 * its own later, and is checked frame by frame. */
static void
prefetch_threads (SpyStackWalker        *self,
                  SpyThreadStack *const *stacks,
                  guint8 *const         *tstate_bufs,
                  guint                  n,
                  Prefetch              *prefetch)
{
  const SpyPythonLayout *layout = &self->layout;
  g_autofree SpyReadOp *ops = g_new (SpyReadOp, 4 * n + 2);
  guint n_ops = 0;
  gboolean ok;

  if (layout->tstate_datastack_chunk == SPY_OFFSET_NONE)
    return;
  if (self->versions_addr != 0)
    ops[n_ops++] = (SpyReadOp) { self->versions_addr, &self->versions_before,
                                 sizeof self->versions_before };
  for (guint i = 0; i < n; i++)
    {
      const guint8 *buf = tstate_bufs[i];
      guint64 tstate = stacks[i]->tstate;
      guint64 chunk = thread_chunk (self, buf), top_addr;

      if (prefetch[i].rested != NULL)
        continue;
      if (chunk == 0 || (chunk & 7) != 0)
        return;
      if (layout->tstate_cframe != SPY_OFFSET_NONE)
        {
          guint64 cframe = get_ptr (buf, layout->tstate_cframe);

          if (cframe == 0 || (cframe & 7) != 0)
            return;
          top_addr = cframe + layout->cframe_current_frame;
        }
      else
        top_addr = tstate + layout->tstate_current_frame;
      prefetch[i].chunk_len = chunk_read_len (self, tstate);
      prefetch[i].chunk = chunk_buf_take (self->chunk_pool);
      ops[n_ops++] = (SpyReadOp) { top_addr, &prefetch[i].current_frame, sizeof (guint64) };
      ops[n_ops++] = (SpyReadOp) { chunk, prefetch[i].chunk->data, prefetch[i].chunk_len };
      ops[n_ops++] = (SpyReadOp) { top_addr, &prefetch[i].current_frame_again, sizeof (guint64) };
      if (layout->tstate_cframe != SPY_OFFSET_NONE)
        ops[n_ops++] = (SpyReadOp) { tstate + layout->tstate_cframe, &prefetch[i].cframe_again,
                                     sizeof (guint64) };
    }

  if (n_ops <= (self->versions_addr != 0 ? 1u : 0u))
    return;
  /* Last, once every copy is taken: see get_code. */
  if (self->versions_addr != 0)
    ops[n_ops++] = (SpyReadOp) { self->versions_addr, &self->versions, sizeof self->versions };
  /* From the target now, never from a copy: the pointer read twice must
   * be read twice. */
  ok = spy_memory_readv_direct (self->memory, ops, n_ops, NULL);
  for (guint i = 0; i < n; i++)
    prefetch[i].ok = ok;
  /* 0: the count went past 2^32 and stays there; it tells nothing. */
  self->versions_read = ok && self->versions_addr != 0 && self->versions != 0 &&
                        self->versions_before != 0;
}

/* What says where a thread is, in its thread state: the top frame (3.13+)
 * or the C frame record that points to it (3.11, 3.12). */
static guint64
tstate_top (SpyStackWalker *self,
            const guint8   *tstate_buf)
{
  const SpyPythonLayout *layout = &self->layout;

  return layout->tstate_current_frame != SPY_OFFSET_NONE
           ? get_ptr (tstate_buf, layout->tstate_current_frame)
           : get_ptr (tstate_buf, layout->tstate_cframe);
}

/* Looks at every thread's CPU time before any is read, and marks in
 * @prefetch those that have rested since the last sample: read whole
 * then, the same thread in the same place now, the code cache its frames
 * point into unchanged, found waiting after that read and neither on a
 * CPU nor charged CPU time since the look before it (its mark). */
static void
find_rested (SpyStackWalker        *self,
             SpyThreadStack *const *stacks,
             guint8 *const         *tstate_bufs,
             guint                  n,
             Prefetch              *prefetch)
{
  if (self->target == NULL || self->layout.tstate_datastack_chunk == SPY_OFFSET_NONE)
    return;
  for (guint i = 0; i < n; i++)
    {
      const Kept *kept = g_hash_table_lookup (self->kept, &stacks[i]->tstate);
      gboolean rested;

      if (stacks[i]->native_id == 0)
        continue;
      rested = spy_target_thread_rested (self->target, stacks[i]->native_id, &prefetch[i].mark);
      if (rested && kept != NULL && kept->generation == self->generation &&
          kept->mark.pcount != 0 && kept->mark.pcount == prefetch[i].mark.pcount &&
          kept->mark.run_ns == prefetch[i].mark.run_ns &&
          kept->thread_id == stacks[i]->thread_id && kept->native_id == stacks[i]->native_id &&
          kept->top == tstate_top (self, tstate_bufs[i]) &&
          kept->chunk == thread_chunk (self, tstate_bufs[i]))
        prefetch[i].rested = kept;
    }
}

/* Notes @stack (the sample's @index-th) to be kept if the sample holds. */
static void
keep_next (SpyStackWalker       *self,
           guint                 index,
           const guint8         *tstate_buf,
           const SpyThreadStack *stack,
           const ChunkUse       *use,
           const SpyRunMark     *mark)
{
  Kept kept = { stack->tstate, stack->thread_id, stack->native_id,
                tstate_top (self, tstate_buf), thread_chunk (self, tstate_buf),
                0, stack->idle_evals, use != NULL, { 0 }, *mark, index, 0, NULL };

  if (!self->reuse_rested)
    return;
  if (use != NULL)
    kept.use = *use;
  g_array_append_val (self->kept_next, kept);
}

static gboolean
kept_is_old (gpointer key,
             gpointer value,
             gpointer data)
{
  return ((Kept *) value)->sample != *(guint64 *) data;
}

/* The sample held: its threads are kept, as they are now, for the next
 * (in the entries of the last sample where there are, for no allocation). */
static void
keep_sample (SpyStackWalker *self,
             GPtrArray      *stacks)
{
  for (guint i = 0; i < self->kept_next->len; i++)
    {
      const Kept *next = &g_array_index (self->kept_next, Kept, i);
      const SpyThreadStack *stack = g_ptr_array_index (stacks, next->stack);
      Kept *kept = g_hash_table_lookup (self->kept, &next->tstate);
      GArray *frames;

      if (kept == NULL)
        {
          kept = g_new0 (Kept, 1);
          kept->frames = g_array_sized_new (FALSE, FALSE, sizeof (SpyFrame), 64);
          kept->tstate = next->tstate;
          g_hash_table_insert (self->kept, &kept->tstate, kept);
        }
      frames = kept->frames;
      *kept = *next;
      kept->frames = frames;
      kept->generation = self->generation;
      kept->sample = self->sample_no;
      g_array_set_size (frames, 0);
      g_array_append_vals (frames, stack->frames->data, stack->frames->len);
    }
  g_hash_table_foreach_remove (self->kept, kept_is_old, &self->sample_no);
  g_array_set_size (self->kept_next, 0);
}

/* The thread state that holds the GIL, or 0. */
static guint64
gil_holder (SpyStackWalker *self,
            guint64         interp)
{
  const SpyPythonLayout *layout = &self->layout;
  guint64 gil = 0, holder = 0;
  gint32 locked = 0;

  if (layout->gil_last_holder == SPY_OFFSET_NONE)
    {
      if (self->gil_holder_address != 0)
        spy_memory_read_ptr (self->memory, self->gil_holder_address, &holder, NULL);
      return holder;
    }
  if (layout->runtime_gil != SPY_OFFSET_NONE)
    gil = self->runtime + layout->runtime_gil;
  else if (layout->interp_gil_ptr != SPY_OFFSET_NONE)
    spy_memory_read_ptr (self->memory, interp + layout->interp_gil_ptr, &gil, NULL);
  if (gil == 0 ||
      !spy_memory_read (self->memory, gil + layout->gil_locked, &locked, sizeof locked, NULL) ||
      !spy_memory_read_ptr (self->memory, gil + layout->gil_last_holder, &holder, NULL))
    return 0;
  return locked ? holder : 0;
}

/* The last sample's thread states, read again in one call: threads rarely
 * come and go between two samples. NULL when that cannot be done; entries
 * are checked against the list as it is walked. */
static GPtrArray *
prefetch_tstates (SpyStackWalker *self,
                  guint64         interp,
                  gsize           size)
{
  GArray *known = self->known_tstates;
  g_autoptr(GPtrArray) bufs = NULL;
  g_autofree SpyReadOp *ops = NULL;

  if (self->known_interp != interp || known->len == 0)
    return NULL;
  bufs = g_ptr_array_new_with_free_func (g_free);
  ops = g_new (SpyReadOp, known->len);
  for (guint i = 0; i < known->len; i++)
    {
      guint8 *buf = g_malloc (size);

      g_ptr_array_add (bufs, buf);
      ops[i] = (SpyReadOp) { g_array_index (known, guint64, i), buf, size };
    }
  if (!spy_memory_readv (self->memory, ops, known->len, NULL))
    return NULL;
  return g_steal_pointer (&bufs);
}

static gboolean
sample_interpreter (SpyStackWalker  *self,
                    guint64          interp,
                    GPtrArray       *stacks,
                    GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  g_autoptr(GPtrArray) tstate_bufs = g_ptr_array_new_with_free_func (g_free);
  g_autofree Prefetch *prefetch = NULL;
  gsize tstate_size = MIN (layout->tstate_size, MAX_STRUCT_READ);
  guint64 tstate, holder;
  gboolean ok = TRUE;

  g_autoptr(GPtrArray) known_bufs = NULL;
  GArray *known = self->known_tstates;

  if (!spy_memory_read_ptr (self->memory, interp + layout->interp_threads_head, &tstate, error))
    return FALSE;
  /* 3.14+: each thread state says whether it holds the GIL. */
  holder = layout->tstate_holds_gil == SPY_OFFSET_NONE ? gil_holder (self, interp) : 0;
  known_bufs = prefetch_tstates (self, interp, tstate_size);

  /* First the list of thread states, then their frames. */
  for (guint n = 0; tstate != 0; n++)
    {
      guint8 *buf = NULL;
      SpyThreadStack *stack;

      if (n >= MAX_THREADS)
        {
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_CYCLE,
                       "More than %d threads: the thread list loops or is corrupt", MAX_THREADS);
          return FALSE;
        }
      if (known_bufs != NULL && n < known->len && g_array_index (known, guint64, n) == tstate)
        buf = g_steal_pointer (&known_bufs->pdata[n]);
      if (buf != NULL)
        g_ptr_array_add (tstate_bufs, buf);
      else
        {
          buf = g_malloc (tstate_size);
          g_ptr_array_add (tstate_bufs, buf);
          if (!read_struct (self, tstate, buf, tstate_size, "thread state", error))
            return FALSE;
        }

      stack = g_new0 (SpyThreadStack, 1);
      stack->tstate = tstate;
      stack->thread_id = get_ptr (buf, layout->tstate_thread_id);
      if (layout->tstate_native_thread_id != SPY_OFFSET_NONE)
        stack->native_id = get_ptr (buf, layout->tstate_native_thread_id);
      if (layout->tstate_holds_gil != SPY_OFFSET_NONE)
        stack->gil = get_i32 (buf, layout->tstate_holds_gil) != 0;
      else
        stack->gil = holder == tstate;
      stack->frames = g_array_sized_new (FALSE, FALSE, sizeof (SpyFrame), 64);
      g_ptr_array_add (stacks, stack);
      tstate = get_ptr (buf, layout->tstate_next);
    }

  /* Remember the list for the next sample. */
  self->known_interp = interp;
  g_array_set_size (known, 0);
  for (guint i = 0; i < stacks->len; i++)
    {
      const SpyThreadStack *stack = g_ptr_array_index (stacks, i);

      if (i >= stacks->len - tstate_bufs->len)
        g_array_append_val (known, stack->tstate);
    }

  prefetch = g_new0 (Prefetch, tstate_bufs->len);
  if (self->reuse_rested)
    find_rested (self, (SpyThreadStack **) stacks->pdata + (stacks->len - tstate_bufs->len),
                 (guint8 **) tstate_bufs->pdata, tstate_bufs->len, prefetch);
  self->versions_read = FALSE;
  if (layout->interp_code_versions != SPY_OFFSET_NONE)
    self->versions_addr = interp + layout->interp_code_versions;
  else
    self->versions_addr = self->code_versions_global;
  prefetch_threads (self, (SpyThreadStack **) stacks->pdata + (stacks->len - tstate_bufs->len),
                    (guint8 **) tstate_bufs->pdata, tstate_bufs->len, prefetch);
  for (guint i = 0; i < tstate_bufs->len && ok; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, stacks->len - tstate_bufs->len + i);
      const Kept *rested = prefetch[i].rested;

      if (rested != NULL)
        {
          g_array_append_vals (stack->frames, rested->frames->data, rested->frames->len);
          stack->idle_evals = rested->idle_evals;
          if (rested->has_use)
            g_array_append_val (self->chunk_used, rested->use);
          keep_next (self, stacks->len - tstate_bufs->len + i, g_ptr_array_index (tstate_bufs, i),
                     stack, rested->has_use ? &rested->use : NULL, &rested->mark);
          self->n_rested++;
          continue;
        }
      /* A thread whose stack moved while it was copied is copied again
       * on its own, at once: not every thread of the sample with it. */
      for (guint attempt = 1; ; attempt++)
        {
          g_autoptr(GError) local_error = NULL;

          self->leading_shims = 0;
          ok = walk_thread (self, stack->tstate, g_ptr_array_index (tstate_bufs, i), &prefetch[i],
                            stack->frames, &local_error);
          if (ok)
            break;
          if (!prefetch[i].ok || attempt == MAX_READ_ATTEMPTS ||
              !g_error_matches (local_error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              break;
            }
          self->n_thread_rereads++;
          spy_stack_check_drop_thread (self->check);
          /* Its last copy, and pages read past it: they hold the past. */
          spy_memory_forget (self->memory);
          g_clear_pointer (&prefetch[i].chunk, chunk_buf_give_back);
          prefetch_threads (self, &stack, (guint8 **) &tstate_bufs->pdata[i], 1, &prefetch[i]);
        }
      stack->idle_evals = self->leading_shims;
      if (ok && prefetch[i].ok)
        {
          note_chunk_use (self, stack, thread_chunk (self, g_ptr_array_index (tstate_bufs, i)),
                          prefetch[i].current_frame);
          keep_next (self, stacks->len - tstate_bufs->len + i, g_ptr_array_index (tstate_bufs, i),
                     stack, &g_array_index (self->chunk_used, ChunkUse, self->chunk_used->len - 1),
                     &prefetch[i].mark);
        }
    }
  self->versions_read = FALSE;
  for (guint i = 0; i < tstate_bufs->len; i++)
    g_clear_pointer (&prefetch[i].chunk, chunk_buf_give_back);
  return ok;
}

static void
fill_active (SpyStackWalker *self,
             GPtrArray      *stacks)
{
  if (self->target == NULL || self->skip_active)
    return;
  for (guint i = 0; i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);

      /* The GIL holder runs Python code now, whatever /proc says. Others
       * run when runnable now and, watched, having used a CPU meanwhile. */
      if (stack->gil || stack->native_id == 0)
        stack->active = stack->gil;
      else if (self->cpu_then != NULL)
        stack->active = spy_target_thread_ran_since (self->target, stack->native_id, self->cpu_then);
      else
        stack->active = spy_target_thread_is_running (self->target, stack->native_id);
    }
}

void
spy_stack_walker_watch_cpu (SpyStackWalker *self,
                            guint           window_us)
{
  g_return_if_fail (SPY_IS_STACK_WALKER (self));

  if (self->target == NULL)
    return;
  g_clear_pointer (&self->cpu_then, g_hash_table_unref);
  self->cpu_then = spy_target_read_cpu_times (self->target);
  g_usleep (window_us);
}

/* Only these fields: the span between them holds counters that change. */
static gboolean
same_identity (const SpyPythonLayout *layout,
               const guint8          *then,
               const guint8          *now,
               gint64                 start)
{
  gint64 pointers[] = { layout->code_filename, layout->code_name, layout->code_linetable };

  for (guint i = 0; i < G_N_ELEMENTS (pointers); i++)
    if (memcmp (then + pointers[i] - start, now + pointers[i] - start, 8) != 0)
      return FALSE;
  if (layout->code_version != SPY_OFFSET_NONE &&
      memcmp (then + layout->code_version - start, now + layout->code_version - start, 4) != 0)
    return FALSE;
  return memcmp (then + layout->code_firstlineno - start, now + layout->code_firstlineno - start, 4) == 0;
}

/* Drops the cached code objects that changed; TRUE when none did. @read:
 * whether their identities could be read again at all (if not, one of
 * them is gone, and all are dropped). */
static gboolean
codes_still_current (SpyStackWalker *self,
                     const guint8   *now,
                     gint64          identity_start,
                     gint64          identity_len,
                     gboolean        read)
{
  gboolean current = TRUE;

  for (guint i = 0; i < self->to_check->len; i++)
    {
      SpyCode *code = g_ptr_array_index (self->to_check, i);

      const guint8 *code_now = now + i * (identity_len + SPY_CODE_NAME_HEAD);

      if (!read || !same_identity (&self->layout, code->identity, code_now, identity_start) ||
          (code->has_name_head &&
           memcmp (code->name_head, code_now + identity_len, SPY_CODE_NAME_HEAD) != 0))
        {
          g_hash_table_remove (self->codes, &code->addr);
          current = FALSE;
          continue;
        }
      code->versions_addr = code->pending_addr;
      code->versions = code->pending;
    }
  if (!current)
    self->generation++;
  g_ptr_array_set_size (self->to_check, 0);
  return current;
}

/* After a sample: reads again, in one call, the identity of each cached
 * code object it used (one freed and replaced by another at the same
 * address would name the wrong function), and what its stacks were read
 * from (see SpyStackCheck). Must run after spy_memory_forget(), so that the
 * bytes come from the target and not from this sample's copies. */
static void
check_sample (SpyStackWalker *self,
              gboolean       *codes_current,
              gboolean       *stacks_current)
{
  guint n_codes = self->to_check->len, n_ops = 0;
  g_autofree SpyReadOp *ops = g_new (SpyReadOp, 2 * n_codes + 1);
  g_autofree guint8 *now = NULL;
  gint64 start, len;
  gboolean read;

  identity_span (&self->layout, &start, &len);
  now = g_malloc (n_codes * (len + SPY_CODE_NAME_HEAD) + 1);
  for (guint i = 0; i < n_codes; i++)
    {
      SpyCode *code = g_ptr_array_index (self->to_check, i);
      guint8 *code_now = now + i * (len + SPY_CODE_NAME_HEAD);

      ops[n_ops++] = (SpyReadOp) { code->addr + start, code_now, len };
      if (code->has_name_head)
        ops[n_ops++] = (SpyReadOp) { get_ptr (code->identity, self->layout.code_name - start) + 8,
                                     code_now + len, SPY_CODE_NAME_HEAD };
    }
  *stacks_current = spy_stack_check_verify (self->check, self->memory, ops, n_ops, &read);
  if (!read && n_ops > 0)
    {
      /* Which of them failed? The code objects on their own, then. */
      read = spy_memory_readv (self->memory, ops, n_ops, NULL);
      *stacks_current = FALSE;
    }
  *codes_current = codes_still_current (self, now, start, len, read);
}

static GPtrArray *
sample_once (SpyStackWalker  *self,
             gboolean        *codes_current,
             gboolean        *stacks_current,
             GError         **error)
{
  g_autoptr(GPtrArray) stacks = g_ptr_array_new_with_free_func ((GDestroyNotify) spy_thread_stack_free);
  guint64 interp;
  gboolean ok;

  self->sample_no++;
  g_ptr_array_set_size (self->to_check, 0);
  g_array_set_size (self->kept_next, 0);
  spy_stack_check_reset (self->check);
  /* 3.11+: what the last sample read (the interpreter, the thread states,
   * the GIL, frames on the C stack), fetched again in one call. Not for
   * the frame objects of ≤3.10: new ones at every call, they mix moments
   * with those fetched ahead and make the stack seem to move. */
  if (self->layout.tstate_datastack_chunk != SPY_OFFSET_NONE)
    spy_memory_journal_begin (self->memory);
  if (self->chunk_used->len > 0)
    {
      GArray *swap = self->chunk_used_before;

      self->chunk_used_before = self->chunk_used;
      self->chunk_used = swap;
      g_array_set_size (self->chunk_used, 0);
    }
  *codes_current = TRUE;
  *stacks_current = TRUE;
  if (!spy_memory_read_ptr (self->memory, self->runtime + self->layout.runtime_interpreters_head,
                            &interp, error))
    {
      spy_memory_journal_end (self->memory);
      spy_memory_forget (self->memory);
      return NULL;
    }

  ok = TRUE;
  for (guint n = 0; interp != 0 && ok; n++)
    {
      if (n >= MAX_INTERPRETERS)
        {
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_CYCLE,
                       "More than %d interpreters: the list loops or is corrupt", MAX_INTERPRETERS);
          ok = FALSE;
          break;
        }
      ok = sample_interpreter (self, interp, stacks, error) &&
           spy_memory_read_ptr (self->memory, interp + self->layout.interp_next, &interp, error);
    }
  spy_memory_journal_end (self->memory);
  spy_memory_forget (self->memory);
  if (ok)
    {
      check_sample (self, codes_current, stacks_current);
      if (*codes_current && *stacks_current)
        keep_sample (self, stacks);
    }
  else
    {
      gboolean read;

      /* Did it fail because it read a stack while it moved? */
      *stacks_current = spy_stack_check_verify (self->check, self->memory, NULL, 0, &read);
    }
  g_ptr_array_set_size (self->to_check, 0);
  if (!ok)
    {
      /* Nonsense found in a stack that also moved (a frame freed under us,
       * a chain that now loops) is that move, not corrupt memory. */
      if (!*stacks_current && error != NULL && *error != NULL &&
          ((*error)->domain == SPY_STACK_WALKER_ERROR ||
           g_error_matches (*error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_BAD_ADDRESS)))
        {
          g_clear_error (error);
          g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                       "A stack changed while being read");
        }
      return NULL;
    }
  return g_steal_pointer (&stacks);
}

void
spy_stack_walker_set_gil_holder_address (SpyStackWalker *self,
                                         guint64         addr)
{
  g_return_if_fail (SPY_IS_STACK_WALKER (self));

  self->gil_holder_address = addr;
}

void
spy_stack_walker_set_skip_active (SpyStackWalker *self,
                                  gboolean        skip)
{
  g_return_if_fail (SPY_IS_STACK_WALKER (self));

  self->skip_active = skip;
}

GPtrArray *
spy_stack_walker_sample (SpyStackWalker  *self,
                         GError         **error)
{
  g_autoptr(GPtrArray) stacks = NULL;
  gboolean codes_current = FALSE;

  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), NULL);

  /* Emptied between samples only: the last sample's frames point into it. */
  if (g_hash_table_size (self->codes) >= MAX_CACHED_CODES)
    {
      g_hash_table_remove_all (self->codes);
      self->generation++;
    }

  /* A cached code object that was freed and replaced makes the sample
   * wrong: read it once more with those entries dropped. A stack that moved
   * while we read it (or, from 3.15, a chain that misses its base frame) is
   * read again too, a few times: a thread that calls and returns all the
   * time is seldom caught twice in a row. */
  for (guint attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++)
    {
      gboolean stacks_current = FALSE;
      g_autoptr(GError) local_error = NULL;

      g_clear_pointer (&stacks, g_ptr_array_unref);
      stacks = sample_once (self, &codes_current, &stacks_current, &local_error);
      if (stacks == NULL && !g_error_matches (local_error, SPY_STACK_WALKER_ERROR,
                                              SPY_STACK_WALKER_ERROR_TORN))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (stacks != NULL && stacks_current && codes_current)
        break;
      if (stacks == NULL || !stacks_current)
        {
          self->n_torn++;
          g_clear_pointer (&stacks, g_ptr_array_unref);
        }
      /* Changed code objects are re-read once; after that they are an error. */
      if (!codes_current && attempt >= 1)
        break;
    }
  if (stacks == NULL)
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_TORN,
                   "The stacks changed while being read, %d times in a row", MAX_READ_ATTEMPTS);
      return NULL;
    }
  if (!codes_current)
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_GARBAGE,
                   "Code objects changed while we read them");
      return NULL;
    }

  if (self->thread_ids != NULL)
    spy_thread_ids_fill (self->thread_ids, stacks);
  fill_active (self, stacks);
  return g_steal_pointer (&stacks);
}

typedef struct {
  SpyStackWalker *self;
  GPtrArray      *stacks;
} NamesData;

static SpyThreadStack *
find_stack (GPtrArray *stacks,
            guint64    thread_id)
{
  for (guint i = 0; i < stacks->len; i++)
    {
      SpyThreadStack *stack = g_ptr_array_index (stacks, i);

      if (stack->thread_id == thread_id)
        return stack;
    }
  return NULL;
}

/* One entry of threading._active: ident → Thread. */
static gboolean
thread_name_cb (guint64  key,
                guint64  value,
                gpointer user_data)
{
  NamesData *data = user_data;
  const SpyPyReader *reader = &data->self->reader;
  SpyThreadStack *stack;
  guint64 name, native;
  gint64 ident;

  if (!spy_pyobject_read_int (reader, key, &ident, NULL) ||
      !(stack = find_stack (data->stacks, (guint64) ident)))
    return TRUE;

  name = spy_pyobject_get_attr (reader, value, "_name", NULL);
  if (name == 0)  /* 2.7: self.__name, mangled */
    name = spy_pyobject_get_attr (reader, value, "_Thread__name", NULL);
  if (name != 0)
    {
      g_free (stack->name);
      stack->name = spy_pyobject_read_str (reader, name, NULL);
    }
  native = spy_pyobject_get_attr (reader, value, "_native_id", NULL);
  if (stack->native_id == 0 && native != 0)
    {
      g_autofree char *type = spy_pyobject_type_name (reader, native);
      gint64 tid;

      if (g_strcmp0 (type, "int") == 0 && spy_pyobject_read_int (reader, native, &tid, NULL))
        stack->native_id = tid;
    }
  return TRUE;
}

static gboolean
read_thread_names (SpyStackWalker  *self,
                   GPtrArray       *stacks,
                   GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  NamesData data = { self, stacks };
  guint64 interp, modules, threading, module_dict, active;

  if (!spy_memory_read_ptr (self->memory, self->runtime + layout->runtime_interpreters_head,
                            &interp, error) ||
      !spy_memory_read_ptr (self->memory, interp + layout->interp_modules, &modules, error))
    return FALSE;
  if (modules == 0)
    return TRUE;

  threading = spy_pyobject_dict_get (&self->reader, modules, "threading", error);
  if (threading == 0)
    return error == NULL || *error == NULL;
  if (!spy_memory_read_ptr (self->memory, threading + layout->module_dict, &module_dict, error))
    return FALSE;
  active = spy_pyobject_dict_get (&self->reader, module_dict, "_active", error);
  if (active == 0)
    return error == NULL || *error == NULL;
  if (!spy_pyobject_dict_foreach (&self->reader, active, thread_name_cb, &data, error))
    return FALSE;

  fill_active (self, stacks);
  return TRUE;
}

gboolean
spy_stack_walker_read_thread_names (SpyStackWalker  *self,
                                    GPtrArray       *stacks,
                                    GError         **error)
{
  gboolean ok;

  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), FALSE);

  ok = read_thread_names (self, stacks, error);
  spy_memory_forget (self->memory);
  return ok;
}

guint64
spy_stack_walker_get_n_torn (SpyStackWalker *self)
{
  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), 0);

  return self->n_torn;
}

void
spy_stack_walker_set_reuse_rested (SpyStackWalker *self,
                                   gboolean        reuse)
{
  g_return_if_fail (SPY_IS_STACK_WALKER (self));

  self->reuse_rested = reuse;
  if (!reuse)
    g_hash_table_remove_all (self->kept);
}

guint64
spy_stack_walker_get_n_rested (SpyStackWalker *self)
{
  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), 0);

  return self->n_rested;
}

guint64
spy_stack_walker_get_n_thread_rereads (SpyStackWalker *self)
{
  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), 0);

  return self->n_thread_rereads;
}

guint
spy_stack_walker_get_generation (SpyStackWalker *self)
{
  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), 0);
  return self->generation;
}

SpyTarget *
spy_stack_walker_get_target (SpyStackWalker *self)
{
  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), NULL);
  return self->target;
}

void
spy_local_free (SpyLocal *local)
{
  if (local == NULL)
    return;
  g_free (local->name);
  g_free (local->repr);
  g_free (local);
}

/* CO_VARARGS, CO_VARKEYWORDS; CO_FAST_LOCAL, CO_FAST_CELL (3.11+): the
 * offsets test checks these values. */
#define CODE_VARARGS     0x04
#define CODE_VARKEYWORDS 0x08
#define FAST_LOCAL       0x20
#define FAST_CELL        0x40
#define TUPLE_OB_SIZE    16
#define CELL_OB_REF      16
#define MAX_LOCALS       256
#define INT_TAG          3    /* 3.14+: a _PyStackRef holding an int */

GPtrArray *
spy_stack_walker_read_locals (SpyStackWalker  *self,
                              const SpyFrame  *frame,
                              GError         **error)
{
  const SpyPythonLayout *layout = &self->layout;
  const SpyBuiltins *builtins;
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func ((GDestroyNotify) spy_local_free);
  guint8 buf[MAX_STRUCT_READ];
  gint32 argcount, kwonly = 0, flags, nlocals;
  gint64 n_names;
  guint64 names, kinds_obj = 0, slots;
  g_autofree guint64 *name_ptrs = NULL;
  g_autofree guint64 *values = NULL;
  g_autoptr(GBytes) kinds = NULL;
  guint n, n_args;

  g_return_val_if_fail (SPY_IS_STACK_WALKER (self), NULL);
  g_return_val_if_fail (frame != NULL, NULL);

  if (self->target == NULL || layout->code_varnames == SPY_OFFSET_NONE)
    {
      g_set_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_GARBAGE,
                   "Locals cannot be read here");
      return NULL;
    }
  builtins = spy_target_get_builtins (self->target);
  {
    gint64 fields[] = { layout->code_varnames, layout->code_nlocals, layout->code_flags,
                        layout->code_argcount, layout->code_kwonlyargcount,
                        layout->code_localspluskinds };
    gint64 end = 0;

    for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
      end = MAX (end, fields[i] + 8);
    if (!read_struct (self, frame->code->addr, buf, end, "code object", error))
      return NULL;
  }
  argcount = get_i32 (buf, layout->code_argcount);
  if (layout->code_kwonlyargcount != SPY_OFFSET_NONE)
    kwonly = get_i32 (buf, layout->code_kwonlyargcount);
  flags = get_i32 (buf, layout->code_flags);
  nlocals = get_i32 (buf, layout->code_nlocals);
  names = get_ptr (buf, layout->code_varnames);
  if (layout->code_localspluskinds != SPY_OFFSET_NONE)
    kinds_obj = get_ptr (buf, layout->code_localspluskinds);
  n_args = argcount + kwonly + !!(flags & CODE_VARARGS) + !!(flags & CODE_VARKEYWORDS);

  /* The names: co_varnames (≤3.10, nlocals of them) or co_localsplusnames
   * with a kind byte each (3.11+). */
  if (!spy_memory_read (self->memory, names + TUPLE_OB_SIZE, &n_names, sizeof n_names, error))
    return NULL;
  if (n_names < 0 || nlocals < 0 || argcount < 0 || kwonly < 0 || n_names > MAX_LOCALS ||
      (kinds_obj == 0 && nlocals > n_names))
    return garbage (error, "code object", frame->code->addr), NULL;
  n = kinds_obj != 0 ? (guint) n_names : (guint) nlocals;
  if (kinds_obj != 0 &&
      (!(kinds = spy_pyobject_read_bytes (&self->reader, kinds_obj, MAX_LOCALS, error)) ||
       g_bytes_get_size (kinds) < n))
    return kinds ? garbage (error, "code object", frame->code->addr), NULL : NULL;
  name_ptrs = g_new0 (guint64, n + 1);
  values = g_new0 (guint64, n + 1);
  slots = frame->addr + (layout->tstate_frame != SPY_OFFSET_NONE ? layout->frame_localsplus
                                                                  : layout->iframe_localsplus);
  if (n > 0 &&
      (!spy_memory_read (self->memory, names + layout->tuple_items, name_ptrs, n * 8, error) ||
       !spy_memory_read (self->memory, slots, values, n * 8, error)))
    return NULL;

  for (guint i = 0; i < n; i++)
    {
      const guint8 *kind = kinds ? g_bytes_get_data (kinds, NULL) : NULL;
      guint64 value = values[i];
      SpyLocal *local;

      if (kind != NULL && !(kind[i] & FAST_LOCAL))
        continue;
      local = g_new0 (SpyLocal, 1);
      local->arg = i < n_args;
      if (!(local->name = spy_pyobject_read_str (&self->reader, name_ptrs[i], NULL)))
        local->name = g_strdup ("?");
      if (layout->stackref_tag_bits != 0 && (value & INT_TAG) == INT_TAG)
        {
          /* 3.14+: an int kept in the reference itself. */
          local->repr = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) value >> 2);
          g_ptr_array_add (locals, local);
          continue;
        }
      value &= ~layout->stackref_tag_bits;
      if (value == 0)
        {
          spy_local_free (local);  /* unbound */
          continue;
        }
      /* A local that a closure captured: its cell's content. */
      if (kind != NULL && (kind[i] & FAST_CELL) && builtins->cell != 0)
        {
          guint64 type = 0, content = 0;

          if (spy_memory_read_ptr (self->memory, value + layout->object_type, &type, NULL) &&
              type == builtins->cell &&
              spy_memory_read_ptr (self->memory, value + CELL_OB_REF, &content, NULL))
            {
              if (content == 0)
                {
                  spy_local_free (local);
                  continue;
                }
              value = content;
            }
        }
      local->repr = spy_pyrepr (&self->reader, builtins, value);
      g_ptr_array_add (locals, local);
    }
  return g_steal_pointer (&locals);
}
