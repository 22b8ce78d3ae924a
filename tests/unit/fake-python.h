/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-python.h: lay out a tiny CPython heap in a fake SpyMemory, from a layout table */
#pragma once

#include "spy-memory.h"
#include "spy-python-layout.h"

G_BEGIN_DECLS

#define FAKE_BASE 0x10000000ULL

typedef struct _FakePython FakePython;

FakePython *fake_python_new          (const SpyPythonLayout *layout);
void        fake_python_free         (FakePython *self);
/* Adds a thread (first added = head of the list). Returns its index. */
guint       fake_python_add_thread   (FakePython *self,
                                      guint64     ident,
                                      gint64      native_id);
/* Pushes a frame, outermost first, on thread @thread. */
void        fake_python_push_frame   (FakePython *self,
                                      guint       thread,
                                      const char *function,
                                      const char *filename,
                                      int         line);
/* Marks thread @thread as the GIL holder. */
void        fake_python_set_gil      (FakePython *self,
                                      guint       thread);
/* Writes everything; the walker's arguments come back through the out
 * parameters. The image can be read back (and damaged) with _get_image. */
/* After fake_python_finish(): where the GIL holder is kept for a layout
 * without a GIL struct (3.6), else 0. */
guint64     fake_python_get_gil_holder_address (FakePython *self);
SpyMemory  *fake_python_finish       (FakePython *self,
                                      guint64    *runtime,
                                      guint64    *code_type);
guint8     *fake_python_get_image    (FakePython *self,
                                      gsize      *len);
/* Address of thread @thread's innermost frame (after finish). */
guint64     fake_python_get_top_frame (FakePython *self,
                                       guint       thread);
/* Offset in the image of the `previous`/`f_back` field of that frame. */
gsize       fake_python_get_link_offset (FakePython *self,
                                         guint       thread);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakePython, fake_python_free)

G_END_DECLS
