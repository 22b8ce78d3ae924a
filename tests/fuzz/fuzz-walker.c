/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-walker.c: libFuzzer feeds the stack walker damaged CPython memory */

#include "config.h"

#include <string.h>

#include "fake-python.h"
#include "spy-stack-walker.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The input picks a version, then is XORed over a well-formed image from
 * a chosen offset on: mostly-valid memory reaches deep into the walker,
 * where plain random bytes would stop at the first pointer. */
int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint versions[][2] = { { 2, 7 }, { 3, 6 }, { 3, 7 }, { 3, 8 }, { 3, 9 }, { 3, 10 },
                                       { 3, 11 }, { 3, 12 }, { 3, 13 }, { 3, 14 }, { 3, 15 } };
  const SpyPythonLayout *layout;
  g_autoptr(FakePython) fake = NULL;
  g_autoptr(SpyMemory) clean = NULL;
  g_autoptr(SpyMemory) memory = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autoptr(GPtrArray) stacks = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *image = NULL;
  guint64 runtime, code_type;
  gsize len, start;
  guint thread;

  if (size < 4)
    return 0;
  layout = spy_python_layout_lookup (versions[data[0] % G_N_ELEMENTS (versions)][0],
                                     versions[data[0] % G_N_ELEMENTS (versions)][1]);
  if (layout == NULL)
    return 0;

  fake = fake_python_new (layout);
  thread = fake_python_add_thread (fake, 0x7000, 11);
  fake_python_push_frame (fake, thread, "<module>", "main.py", 3);
  fake_python_push_frame (fake, thread, "Worker.run", "wörker.py", 30);
  fake_python_push_frame (fake, thread, "leaf", "leaf.py", 7);
  thread = fake_python_add_thread (fake, 0x8000, 12);
  fake_python_push_frame (fake, thread, "idle", "idle.py", 1);
  fake_python_set_gil (fake, 0);
  clean = fake_python_finish (fake, &runtime, &code_type);

  image = g_memdup2 (fake_python_get_image (fake, &len), len);
  start = ((gsize) data[1] << 8 | data[2]) * 8 % len;
  for (gsize i = 3; i < size && start + i - 3 < len; i++)
    image[start + i - 3] ^= data[i];

  memory = spy_memory_new_fake ();
  spy_memory_fake_add (memory, FAKE_BASE, image, len);
  walker = spy_stack_walker_new (memory, layout, runtime, code_type);
  spy_stack_walker_set_gil_holder_address (walker, fake_python_get_gil_holder_address (fake));
  stacks = spy_stack_walker_sample (walker, &error);
  g_assert ((stacks == NULL) == (error != NULL));
  return 0;
}
