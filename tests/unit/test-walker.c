/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-walker.c: the stack walker on fake targets: exact frames, garbage, cycles */

#include "config.h"

#include <string.h>

#include "fake-python.h"
#include "spy-stack-walker.h"

typedef struct {
  guint major;
  guint minor;
} Version;

static const SpyPythonLayout *
layout_for (gconstpointer data)
{
  const Version *version = data;
  const SpyPythonLayout *layout = spy_python_layout_lookup (version->major, version->minor);

  g_assert_nonnull (layout);
  return layout;
}

static void
assert_frame (const SpyThreadStack *stack,
              guint                 index,
              const char           *function,
              const char           *filename,
              int                   line)
{
  const SpyFrame *frame;

  g_assert_cmpuint (index, <, stack->frames->len);
  frame = &g_array_index (stack->frames, SpyFrame, index);
  g_assert_cmpstr (frame->code->function, ==, function);
  g_assert_cmpstr (frame->code->filename, ==, filename);
  g_assert_cmpint (frame->line, ==, line);
}

static void
test_exact_frames (gconstpointer data)
{
  const SpyPythonLayout *layout = layout_for (data);
  g_autoptr(FakePython) fake = fake_python_new (layout);
  g_autoptr(SpyMemory) memory = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autoptr(GPtrArray) stacks = NULL;
  g_autoptr(GError) error = NULL;
  guint64 runtime, code_type;
  guint main_thread, worker;
  const SpyThreadStack *stack;

  main_thread = fake_python_add_thread (fake, 0x7f0000001000, 4242);
  fake_python_push_frame (fake, main_thread, "<module>", "/srv/app.py", 44);
  fake_python_push_frame (fake, main_thread, "main", "/srv/app.py", 40);
  fake_python_push_frame (fake, main_thread, "Parser.parse_row", "/srv/parser.py", 21);

  worker = fake_python_add_thread (fake, 0x7f0000002000, 4250);
  fake_python_push_frame (fake, worker, "Thread._bootstrap", "/usr/lib/python3/threading.py", 995);
  for (int i = 0; i < 300; i++)
    fake_python_push_frame (fake, worker, "recurse", "/srv/deep.py", 10 + i % 3);
  fake_python_push_frame (fake, worker, "función_λ", "/srv/ünïcödé.py", 7);
  fake_python_set_gil (fake, worker);

  memory = fake_python_finish (fake, &runtime, &code_type);
  walker = spy_stack_walker_new (memory, layout, runtime, code_type);
  spy_stack_walker_set_gil_holder_address (walker, fake_python_get_gil_holder_address (fake));
  stacks = spy_stack_walker_sample (walker, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stacks->len, ==, 2);

  stack = g_ptr_array_index (stacks, 0);
  g_assert_cmpuint (stack->thread_id, ==, 0x7f0000001000);
  g_assert_false (stack->gil);
  g_assert_cmpuint (stack->frames->len, ==, 3);
  assert_frame (stack, 0, layout->code_qualname != SPY_OFFSET_NONE ? "Parser.parse_row" : "parse_row",
                "/srv/parser.py", 21);
  assert_frame (stack, 1, "main", "/srv/app.py", 40);
  assert_frame (stack, 2, "<module>", "/srv/app.py", 44);
  if (layout->tstate_native_thread_id != SPY_OFFSET_NONE)
    g_assert_cmpint (stack->native_id, ==, 4242);

  stack = g_ptr_array_index (stacks, 1);
  g_assert_cmpuint (stack->thread_id, ==, 0x7f0000002000);
  g_assert_true (stack->gil);
  g_assert_cmpuint (stack->frames->len, ==, 302);
  assert_frame (stack, 0, "función_λ", "/srv/ünïcödé.py", 7);
  for (int i = 0; i < 300; i++)
    assert_frame (stack, 300 - i, "recurse", "/srv/deep.py", 10 + i % 3);
  assert_frame (stack, 301, layout->code_qualname != SPY_OFFSET_NONE ? "Thread._bootstrap" : "_bootstrap",
                "/usr/lib/python3/threading.py", 995);

  /* A second sample comes from the code cache and must agree. */
  g_clear_pointer (&stacks, g_ptr_array_unref);
  stacks = spy_stack_walker_sample (walker, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((SpyThreadStack *) g_ptr_array_index (stacks, 1))->frames->len, ==, 302);
}

/* The innermost frame's link pointing back at itself: a cycle. */
static void
test_cycle (gconstpointer data)
{
  const SpyPythonLayout *layout = layout_for (data);
  g_autoptr(FakePython) fake = fake_python_new (layout);
  g_autoptr(SpyMemory) memory = NULL;
  g_autoptr(SpyStackWalker) walker = NULL;
  g_autoptr(GPtrArray) stacks = NULL;
  g_autoptr(GError) error = NULL;
  guint64 runtime, code_type, top;
  guint thread;
  gsize len;
  guint8 *image;

  thread = fake_python_add_thread (fake, 1, 1);
  fake_python_push_frame (fake, thread, "a", "a.py", 1);
  fake_python_push_frame (fake, thread, "b", "b.py", 2);
  g_clear_pointer (&memory, spy_memory_unref);
  memory = fake_python_finish (fake, &runtime, &code_type);
  g_clear_pointer (&memory, spy_memory_unref);

  image = fake_python_get_image (fake, &len);
  top = fake_python_get_top_frame (fake, thread);
  memcpy (image + fake_python_get_link_offset (fake, thread), &top, sizeof top);
  memory = spy_memory_new_fake ();
  spy_memory_fake_add (memory, FAKE_BASE, image, len);

  walker = spy_stack_walker_new (memory, layout, runtime, code_type);
  spy_stack_walker_set_gil_holder_address (walker, fake_python_get_gil_holder_address (fake));
  stacks = spy_stack_walker_sample (walker, &error);
  g_assert_null (stacks);
  g_assert_error (error, SPY_STACK_WALKER_ERROR, SPY_STACK_WALKER_ERROR_CYCLE);
}

/* Every single byte of the image flipped, one at a time: errors or
 * answers, never a crash or a hang. */
static void
test_garbage (gconstpointer data)
{
  const SpyPythonLayout *layout = layout_for (data);
  g_autoptr(FakePython) fake = fake_python_new (layout);
  g_autoptr(SpyMemory) memory = NULL;
  g_autofree guint8 *copy = NULL;
  guint64 runtime, code_type;
  guint thread;
  gsize len;
  guint8 *image;
  guint n_errors = 0;

  thread = fake_python_add_thread (fake, 1, 1);
  for (int i = 0; i < 5; i++)
    fake_python_push_frame (fake, thread, "f", "f.py", i + 1);
  memory = fake_python_finish (fake, &runtime, &code_type);
  image = fake_python_get_image (fake, &len);
  copy = g_memdup2 (image, len);

  for (gsize i = 0; i < len; i += 3)
    {
      g_autoptr(SpyMemory) damaged = spy_memory_new_fake ();
      g_autoptr(SpyStackWalker) walker = NULL;
      g_autoptr(GPtrArray) stacks = NULL;
      g_autoptr(GError) error = NULL;

      copy[i] ^= 0xa5;
      spy_memory_fake_add (damaged, FAKE_BASE, copy, len);
      walker = spy_stack_walker_new (damaged, layout, runtime, code_type);
      stacks = spy_stack_walker_sample (walker, &error);
      g_assert_true ((stacks == NULL) == (error != NULL));
      n_errors += error != NULL;
      copy[i] ^= 0xa5;
    }
  /* Damage to pointers must be noticed, not silently read. */
  g_assert_cmpuint (n_errors, >, 0);
}

/* A target that is gone reads as "exited", which callers report as such. */
static void
test_unreadable (gconstpointer data)
{
  const SpyPythonLayout *layout = layout_for (data);
  g_autoptr(SpyMemory) memory = spy_memory_new_fake ();
  g_autoptr(SpyStackWalker) walker = spy_stack_walker_new (memory, layout, FAKE_BASE, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stacks = spy_stack_walker_sample (walker, &error);

  g_assert_null (stacks);
  g_assert_error (error, SPY_MEMORY_ERROR, SPY_MEMORY_ERROR_BAD_ADDRESS);
}

int
main (int    argc,
      char **argv)
{
  static const Version versions[] = {
    { 2, 7 }, { 3, 6 }, { 3, 7 }, { 3, 8 }, { 3, 9 }, { 3, 10 }, { 3, 11 }, { 3, 12 }, { 3, 13 }, { 3, 14 }, { 3, 15 },
  };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      const Version *v = &versions[i];
      g_autofree char *exact = g_strdup_printf ("/walker/py%u%u/exact-frames-and-gil", v->major, v->minor);
      g_autofree char *cycle = g_strdup_printf ("/walker/py%u%u/cyclic-chain-is-an-error", v->major, v->minor);
      g_autofree char *garbage = g_strdup_printf ("/walker/py%u%u/flipped-bytes-never-crash", v->major, v->minor);
      g_autofree char *unreadable = g_strdup_printf ("/walker/py%u%u/unreadable-runtime", v->major, v->minor);

      g_test_add_data_func (exact, v, test_exact_frames);
      g_test_add_data_func (cycle, v, test_cycle);
      g_test_add_data_func (garbage, v, test_garbage);
      g_test_add_data_func (unreadable, v, test_unreadable);
    }

  return g_test_run ();
}
