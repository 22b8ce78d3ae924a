/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-python.c: lay out a tiny CPython heap in a fake SpyMemory, from a layout table */

#include "config.h"

#include <string.h>

#include "fake-python.h"

#define IMAGE_SIZE (4 * 1024 * 1024)

typedef struct {
  char *function;
  char *filename;
  int   line;
} FakeFrame;

typedef struct {
  guint64  ident;
  gint64   native_id;
  GArray  *frames;      /* FakeFrame, outermost first */
  guint64  top_frame;
  gsize    link_offset;
} FakeThread;

struct _FakePython {
  SpyPythonLayout  layout;
  GPtrArray       *threads;
  int              gil_thread;
  guint64          gil_holder;  /* 3.6: the _PyThreadState_Current stand-in */
  guint8          *image;
  gsize            used;
};

static void
fake_thread_free (gpointer data)
{
  FakeThread *thread = data;

  for (guint i = 0; i < thread->frames->len; i++)
    {
      FakeFrame *frame = &g_array_index (thread->frames, FakeFrame, i);
      g_free (frame->function);
      g_free (frame->filename);
    }
  g_array_unref (thread->frames);
  g_free (thread);
}

FakePython *
fake_python_new (const SpyPythonLayout *layout)
{
  FakePython *self = g_new0 (FakePython, 1);

  self->layout = *layout;
  self->threads = g_ptr_array_new_with_free_func (fake_thread_free);
  self->gil_thread = -1;
  self->image = g_malloc0 (IMAGE_SIZE);
  return self;
}

void
fake_python_free (FakePython *self)
{
  g_ptr_array_unref (self->threads);
  g_free (self->image);
  g_free (self);
}

guint
fake_python_add_thread (FakePython *self,
                        guint64     ident,
                        gint64      native_id)
{
  FakeThread *thread = g_new0 (FakeThread, 1);

  thread->ident = ident;
  thread->native_id = native_id;
  thread->frames = g_array_new (FALSE, FALSE, sizeof (FakeFrame));
  g_ptr_array_add (self->threads, thread);
  return self->threads->len - 1;
}

void
fake_python_push_frame (FakePython *self,
                        guint       thread,
                        const char *function,
                        const char *filename,
                        int         line)
{
  FakeThread *t = g_ptr_array_index (self->threads, thread);
  FakeFrame frame = { g_strdup (function), g_strdup (filename), line };

  g_array_append_val (t->frames, frame);
}

void
fake_python_set_gil (FakePython *self,
                     guint       thread)
{
  self->gil_thread = thread;
}

/* Bump allocation, 16-byte aligned; returns the address in the target. */
static guint64
alloc (FakePython *self,
       gsize       size)
{
  guint64 addr;

  self->used = (self->used + 15) & ~(gsize) 15;
  g_assert_cmpuint (self->used + size, <=, IMAGE_SIZE);
  addr = FAKE_BASE + self->used;
  self->used += size;
  return addr;
}

static guint8 *
at (FakePython *self,
    guint64     addr)
{
  return self->image + (addr - FAKE_BASE);
}

static void
put_ptr (FakePython *self,
         guint64     addr,
         guint64     value)
{
  memcpy (at (self, addr), &value, sizeof value);
}

static void
put_i64 (FakePython *self,
         guint64     addr,
         gint64      value)
{
  memcpy (at (self, addr), &value, sizeof value);
}

static void
put_i32 (FakePython *self,
         guint64     addr,
         gint32      value)
{
  memcpy (at (self, addr), &value, sizeof value);
}

static guint64
make_bytes (FakePython   *self,
            const guint8 *data,
            gsize         len)
{
  guint64 addr = alloc (self, self->layout.bytes_sval + len + 1);

  put_i64 (self, addr + self->layout.bytes_size, len);
  if (len > 0)
    memcpy (at (self, addr + self->layout.bytes_sval), data, len);
  return addr;
}

static guint64
make_str (FakePython *self,
          const char *utf8)
{
  const SpyPythonLayout *l = &self->layout;
  glong n_chars = 0;
  g_autofree gunichar *chars = g_utf8_to_ucs4 (utf8, -1, NULL, &n_chars, NULL);
  gboolean ascii = TRUE;
  guint64 addr;
  guint32 state;

  /* 2.7: a str is its UTF-8 bytes. */
  if (l->str_is_bytes)
    return make_bytes (self, (const guint8 *) utf8, strlen (utf8));
  for (glong i = 0; i < n_chars; i++)
    ascii = ascii && chars[i] < 128;

  if (ascii)
    {
      addr = alloc (self, l->unicode_ascii_size + n_chars + 1);
      memcpy (at (self, addr + l->unicode_ascii_size), utf8, n_chars);
      state = (1 << 2) | (1 << 5) | (1 << 6) | (1 << 7);
    }
  else
    {
      addr = alloc (self, l->unicode_compact_size + 4 * (n_chars + 1));
      memcpy (at (self, addr + l->unicode_compact_size), chars, 4 * n_chars);
      state = (4 << 2) | (1 << 5) | (1 << 7);
    }
  put_i64 (self, addr + l->unicode_length, n_chars);
  memcpy (at (self, addr + l->unicode_state), &state, sizeof state);
  return addr;
}


/* A code object whose first instructions are all on @line. */
static guint64
make_code (FakePython  *self,
           guint64      code_type,
           const char  *function,
           const char  *filename,
           int          line)
{
  const SpyPythonLayout *l = &self->layout;
  /* Each table says: the first 16 bytes of code are on co_firstlineno. */
  static const guint8 table_310[] = { 16, 0 };
  static const guint8 table_311[] = { 0x80 | (13 << 3) | 7, 0 };
  const guint8 *table = NULL;
  gsize table_len = 0;
  gint64 size = 0;
  gint64 fields[] = { l->code_filename, l->code_name, l->code_qualname, l->code_firstlineno,
                      l->code_linetable, l->code_code_adaptive };
  guint64 addr;
  const char *dot = strrchr (function, '.');

  if (l->linetable_kind == SPY_LINETABLE_310)
    table = table_310, table_len = sizeof table_310;
  else if (l->linetable_kind == SPY_LINETABLE_LOCATIONS)
    table = table_311, table_len = sizeof table_311;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    size = MAX (size, fields[i] + 64);
  addr = alloc (self, size);
  put_ptr (self, addr + l->object_type, code_type);
  put_ptr (self, addr + l->code_filename, make_str (self, filename));
  /* co_name is the last part of the qualified name. */
  put_ptr (self, addr + l->code_name, make_str (self, dot ? dot + 1 : function));
  if (l->code_qualname != SPY_OFFSET_NONE)
    put_ptr (self, addr + l->code_qualname, make_str (self, function));
  put_i32 (self, addr + l->code_firstlineno, line);
  put_ptr (self, addr + l->code_linetable, make_bytes (self, table, table_len));
  return addr;
}

static gint64
max_offset (const gint64 *fields,
            guint         n)
{
  gint64 size = 0;

  for (guint i = 0; i < n; i++)
    size = MAX (size, fields[i]);
  return size + 16;
}

/* ≤3.10: PyFrameObjects linked by f_back; returns the innermost. */
static guint64
lay_frame_objects (FakePython *self,
                   FakeThread *thread,
                   guint64     code_type)
{
  const SpyPythonLayout *l = &self->layout;
  gint64 fields[] = { l->frame_back, l->frame_code, l->frame_lasti };
  guint64 back = 0;

  for (guint i = 0; i < thread->frames->len; i++)
    {
      FakeFrame *f = &g_array_index (thread->frames, FakeFrame, i);
      guint64 frame = alloc (self, max_offset (fields, G_N_ELEMENTS (fields)));

      /* ob_refcnt: a live frame is referenced (a freed one is not). */
      put_ptr (self, frame, 1);
      put_ptr (self, frame + l->frame_back, back);
      put_ptr (self, frame + l->frame_code, make_code (self, code_type, f->function, f->filename, f->line));
      put_i32 (self, frame + l->frame_lasti, 2);
      thread->link_offset = frame + l->frame_back - FAKE_BASE;
      back = frame;
    }
  return back;
}

/* 3.11+: _PyInterpreterFrames inside one data-stack chunk. */
static guint64
lay_interpreter_frames (FakePython *self,
                        FakeThread *thread,
                        guint64     code_type,
                        guint64    *chunk_out,
                        guint64    *base_out)
{
  const SpyPythonLayout *l = &self->layout;
  gsize frame_size = l->iframe_localsplus + 16;
  gsize chunk_size = MAX (16384, l->chunk_data + frame_size * thread->frames->len);
  guint64 chunk = alloc (self, chunk_size);
  guint64 previous = 0;

  /* 3.15: every chain ends at the thread's base frame, owned by the
   * interpreter, in the thread state's private part. */
  *base_out = 0;
  if (l->tstate_base_frame != SPY_OFFSET_NONE)
    {
      previous = *base_out = alloc (self, frame_size);
      at (self, previous + l->iframe_owner)[0] = l->iframe_owner_not_python;
    }
  put_ptr (self, chunk + l->chunk_size, chunk_size);
  put_ptr (self, chunk + l->chunk_previous, 0);
  for (guint i = 0; i < thread->frames->len; i++)
    {
      FakeFrame *f = &g_array_index (thread->frames, FakeFrame, i);
      guint64 frame = chunk + l->chunk_data + i * frame_size;
      guint64 code = make_code (self, code_type, f->function, f->filename, f->line);

      put_ptr (self, frame + l->iframe_previous, previous);
      /* 3.14+: a _PyStackRef, here with its deferred-reference tag. */
      put_ptr (self, frame + l->iframe_code, code | (l->stackref_tag_bits & 1));
      put_ptr (self, frame + l->iframe_instr, code + l->code_code_adaptive + 2);
      at (self, frame + l->iframe_owner)[0] = 0;
      thread->link_offset = frame + l->iframe_previous - FAKE_BASE;
      previous = frame;
    }
  put_ptr (self, chunk + l->chunk_top, (thread->frames->len * frame_size) / 8);
  *chunk_out = chunk;
  return previous;
}

SpyMemory *
fake_python_finish (FakePython *self,
                    guint64    *runtime_out,
                    guint64    *code_type_out)
{
  const SpyPythonLayout *l = &self->layout;
  gint64 runtime_fields[] = { l->runtime_interpreters_head,
                              l->runtime_gil + MAX (l->gil_locked, l->gil_last_holder) };
  gint64 interp_fields[] = { l->interp_next, l->interp_threads_head, l->interp_modules,
                             l->interp_gil_ptr };
  guint64 runtime = alloc (self, max_offset (runtime_fields, G_N_ELEMENTS (runtime_fields)));
  guint64 code_type = alloc (self, 64);
  guint64 interp = alloc (self, max_offset (interp_fields, G_N_ELEMENTS (interp_fields)));
  guint64 gil = 0, next = 0;
  guint64 *tstates = g_newa (guint64, self->threads->len + 1);
  SpyMemory *memory;

  put_ptr (self, runtime + l->runtime_interpreters_head, interp);
  if (l->gil_last_holder == SPY_OFFSET_NONE)
    self->gil_holder = alloc (self, 8);
  else if (l->runtime_gil != SPY_OFFSET_NONE)
    gil = runtime + l->runtime_gil;
  else
    {
      gil = alloc (self, MAX (l->gil_locked, l->gil_last_holder) + 16);
      put_ptr (self, interp + l->interp_gil_ptr, gil);
    }

  /* Thread states, linked in the order they were added. */
  for (guint i = 0; i < self->threads->len; i++)
    tstates[i] = alloc (self, l->tstate_size);
  for (guint i = self->threads->len; i > 0; i--)
    {
      FakeThread *thread = g_ptr_array_index (self->threads, i - 1);
      guint64 tstate = tstates[i - 1];

      put_ptr (self, tstate + l->tstate_next, next);
      put_ptr (self, tstate + l->tstate_interp, interp);
      put_ptr (self, tstate + l->tstate_thread_id, thread->ident);
      if (l->tstate_native_thread_id != SPY_OFFSET_NONE)
        put_i64 (self, tstate + l->tstate_native_thread_id, thread->native_id);

      if (l->tstate_frame != SPY_OFFSET_NONE)
        {
          thread->top_frame = lay_frame_objects (self, thread, code_type);
          put_ptr (self, tstate + l->tstate_frame, thread->top_frame);
        }
      else
        {
          guint64 chunk = 0, base = 0;

          thread->top_frame = lay_interpreter_frames (self, thread, code_type, &chunk, &base);
          put_ptr (self, tstate + l->tstate_datastack_chunk, chunk);
          if (base != 0)
            put_ptr (self, tstate + l->tstate_base_frame, base);
          if (l->tstate_current_frame != SPY_OFFSET_NONE)
            put_ptr (self, tstate + l->tstate_current_frame, thread->top_frame);
          else
            {
              guint64 cframe = alloc (self, l->cframe_current_frame + 16);

              put_ptr (self, cframe + l->cframe_current_frame, thread->top_frame);
              put_ptr (self, tstate + l->tstate_cframe, cframe);
            }
        }
      if ((int) (i - 1) == self->gil_thread && self->gil_holder != 0)
        put_ptr (self, self->gil_holder, tstate);
      else if ((int) (i - 1) == self->gil_thread)
        {
          put_i32 (self, gil + l->gil_locked, 1);
          put_ptr (self, gil + l->gil_last_holder, tstate);
          if (l->tstate_holds_gil != SPY_OFFSET_NONE)
            put_i32 (self, tstate + l->tstate_holds_gil, 1);
        }
      next = tstate;
    }
  put_ptr (self, interp + l->interp_threads_head, next);

  memory = spy_memory_new_fake ();
  spy_memory_fake_add (memory, FAKE_BASE, self->image, self->used);
  *runtime_out = runtime;
  *code_type_out = code_type;
  return memory;
}

guint8 *
fake_python_get_image (FakePython *self,
                       gsize      *len)
{
  *len = self->used;
  return self->image;
}

guint64
fake_python_get_top_frame (FakePython *self,
                           guint       thread)
{
  return ((FakeThread *) g_ptr_array_index (self->threads, thread))->top_frame;
}

gsize
fake_python_get_link_offset (FakePython *self,
                             guint       thread)
{
  return ((FakeThread *) g_ptr_array_index (self->threads, thread))->link_offset;
}

guint64
fake_python_get_gil_holder_address (FakePython *self)
{
  return self->gil_holder;
}
