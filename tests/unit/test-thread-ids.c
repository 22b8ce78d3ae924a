/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-thread-ids.c: kernel tids found in struct pthread, with this very
 * process's threads standing in for a target's */

#include "config.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spy-stack-walker.h"
#include "spy-thread-ids.h"

#define TID_OFFSET 0x2d0
#define PTHREAD_SIZE 2048
#define MAIN_PTHREAD G_GUINT64_CONSTANT (0x10000)
#define OTHER_PTHREAD G_GUINT64_CONSTANT (0x20000)

typedef struct {
  GMutex  mutex;
  GCond   cond;
  gint32  tid;
  gboolean done;
} Helper;

/* A thread of ours, so that its tid is one of this process's tasks. */
static gpointer
helper_run (gpointer data)
{
  Helper *helper = data;

  g_mutex_lock (&helper->mutex);
  helper->tid = (gint32) syscall (SYS_gettid);
  g_cond_broadcast (&helper->cond);
  while (!helper->done)
    g_cond_wait (&helper->cond, &helper->mutex);
  g_mutex_unlock (&helper->mutex);
  return NULL;
}

static void
add_pthread (SpyMemory *memory,
             guint64    addr,
             gint32     tid)
{
  guint8 blob[PTHREAD_SIZE];

  /* Numbers before the tid that are not ours: the scan must pass them. */
  memset (blob, 0x5a, sizeof blob);
  memcpy (blob + TID_OFFSET, &tid, sizeof tid);
  spy_memory_fake_add (memory, addr, blob, sizeof blob);
}

static SpyThreadStack *
stack_new (guint64 tstate,
           guint64 thread_id)
{
  SpyThreadStack *stack = g_new0 (SpyThreadStack, 1);

  stack->tstate = tstate;
  stack->thread_id = thread_id;
  stack->frames = g_array_new (FALSE, TRUE, sizeof (SpyFrame));
  return stack;
}

/* Thread states and their thread ids, in pairs; each has one frame. */
static GPtrArray *
stacks_of (const guint64 *pairs,
           guint          n)
{
  GPtrArray *stacks = g_ptr_array_new_with_free_func ((GDestroyNotify) spy_thread_stack_free);

  for (guint i = 0; i < n; i++)
    {
      SpyThreadStack *stack = stack_new (pairs[2 * i], pairs[2 * i + 1]);
      SpyFrame frame = { 0 };

      g_array_append_val (stack->frames, frame);
      g_ptr_array_add (stacks, stack);
    }
  return stacks;
}

static void
drop_frames (GPtrArray *stacks,
             guint      i)
{
  g_array_set_size (((SpyThreadStack *) g_ptr_array_index (stacks, i))->frames, 0);
}

static gint64
native_id (GPtrArray *stacks,
           guint      i)
{
  return ((SpyThreadStack *) g_ptr_array_index (stacks, i))->native_id;
}

typedef struct {
  Helper   helper;
  GThread *thread;
} Fixture;

static void
helper_start (Helper  *helper,
              GThread **thread)
{
  g_mutex_init (&helper->mutex);
  g_cond_init (&helper->cond);
  *thread = g_thread_new ("helper", helper_run, helper);
  g_mutex_lock (&helper->mutex);
  while (helper->tid == 0)
    g_cond_wait (&helper->cond, &helper->mutex);
  g_mutex_unlock (&helper->mutex);
}

static void
helper_stop (Helper  *helper,
             GThread *thread)
{
  g_mutex_lock (&helper->mutex);
  helper->done = TRUE;
  g_cond_broadcast (&helper->cond);
  g_mutex_unlock (&helper->mutex);
  g_thread_join (thread);
  g_mutex_clear (&helper->mutex);
  g_cond_clear (&helper->cond);
}

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  helper_start (&fixture->helper, &fixture->thread);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  helper_stop (&fixture->helper, fixture->thread);
}

/* The main thread's struct pthread and another's, holding their tids. */
static SpyThreadIds *
ids_new (SpyMemory *memory,
         gint32     other_tid)
{
  add_pthread (memory, MAIN_PTHREAD, getpid ());
  add_pthread (memory, OTHER_PTHREAD, other_tid);
  return spy_thread_ids_new (memory, getpid ());
}

static void
test_found (Fixture      *fixture,
            gconstpointer data)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_fake ();
  g_autoptr(SpyThreadIds) ids = NULL;
  const guint64 pairs[] = { 0xa00, MAIN_PTHREAD, 0xb00, OTHER_PTHREAD };
  g_autoptr(GPtrArray) stacks = stacks_of (pairs, 2);

  ids = ids_new (memory, fixture->helper.tid);
  spy_thread_ids_fill (ids, stacks);
  g_assert_cmpint (native_id (stacks, 0), ==, getpid ());
  g_assert_cmpint (native_id (stacks, 1), ==, fixture->helper.tid);
}

/* ≤3.10: the main thread made a thread state for a thread that has not
 * started yet, with no frame, and gave it its own pthread_t meanwhile.
 * That must not hide the offset, and that thread state has no tid yet:
 * not the main thread's, which would count the main thread twice. */
static void
test_thread_not_started (Fixture      *fixture,
                         gconstpointer data)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_fake ();
  g_autoptr(SpyThreadIds) ids = NULL;
  const guint64 starting[] = { 0xc00, MAIN_PTHREAD, 0xa00, MAIN_PTHREAD };
  const guint64 started[] = { 0xc00, OTHER_PTHREAD, 0xa00, MAIN_PTHREAD };
  g_autoptr(GPtrArray) first = stacks_of (starting, 2);
  g_autoptr(GPtrArray) then = stacks_of (started, 2);

  ids = ids_new (memory, fixture->helper.tid);
  drop_frames (first, 0);
  spy_thread_ids_fill (ids, first);
  g_assert_cmpint (native_id (first, 0), ==, 0);
  g_assert_cmpint (native_id (first, 1), ==, getpid ());
  spy_thread_ids_fill (ids, then);
  g_assert_cmpint (native_id (then, 0), ==, fixture->helper.tid);
  g_assert_cmpint (native_id (then, 1), ==, getpid ());
}

/* Nothing readable at first (a thread state being set up): looked for
 * again later, not given up for the whole recording. */
static void
test_found_later (Fixture      *fixture,
                  gconstpointer data)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_fake ();
  g_autoptr(SpyThreadIds) ids = NULL;
  const guint64 pairs[] = { 0xa00, MAIN_PTHREAD, 0xb00, OTHER_PTHREAD };
  guint fills = 0;

  add_pthread (memory, OTHER_PTHREAD, fixture->helper.tid);
  ids = spy_thread_ids_new (memory, getpid ());
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GPtrArray) stacks = stacks_of (pairs, 2);

      spy_thread_ids_fill (ids, stacks);
      g_assert_cmpint (native_id (stacks, 0), ==, 0);
      g_assert_cmpint (native_id (stacks, 1), ==, 0);
    }
  add_pthread (memory, MAIN_PTHREAD, getpid ());
  for (;;)
    {
      g_autoptr(GPtrArray) stacks = stacks_of (pairs, 2);

      spy_thread_ids_fill (ids, stacks);
      fills++;
      if (native_id (stacks, 0) != 0)
        {
          g_assert_cmpint (native_id (stacks, 0), ==, getpid ());
          g_assert_cmpint (native_id (stacks, 1), ==, fixture->helper.tid);
          break;
        }
      /* Retries back off, but a short miss costs a few fills only. */
      g_assert_cmpuint (fills, <, 8);
    }
}

/* Python starting: no thread state yet for many fills. The first fill
 * that has one finds the offset; the wait does not delay it. */
static void
test_no_threads_yet (Fixture      *fixture,
                     gconstpointer data)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_fake ();
  g_autoptr(SpyThreadIds) ids = NULL;
  const guint64 pairs[] = { 0xa00, MAIN_PTHREAD, 0xb00, OTHER_PTHREAD };
  g_autoptr(GPtrArray) stacks = stacks_of (pairs, 2);

  ids = ids_new (memory, fixture->helper.tid);
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GPtrArray) none = stacks_of (NULL, 0);

      spy_thread_ids_fill (ids, none);
    }
  spy_thread_ids_fill (ids, stacks);
  g_assert_cmpint (native_id (stacks, 0), ==, getpid ());
  g_assert_cmpint (native_id (stacks, 1), ==, fixture->helper.tid);
}

/* A thread that ended, whose thread state and struct pthread were both
 * used again before a fill saw it gone: its tid is read again in time,
 * and one that is not this process's any more is not given. */
static void
test_read_again (Fixture      *fixture,
                 gconstpointer data)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_fake ();
  g_autoptr(SpyThreadIds) ids = NULL;
  const guint64 pairs[] = { 0xa00, MAIN_PTHREAD, 0xb00, OTHER_PTHREAD };
  Helper gone = { 0 };
  GThread *thread;
  guint fills = 0;

  helper_start (&gone, &thread);
  ids = ids_new (memory, gone.tid);
  {
    g_autoptr(GPtrArray) stacks = stacks_of (pairs, 2);

    spy_thread_ids_fill (ids, stacks);
    g_assert_cmpint (native_id (stacks, 1), ==, gone.tid);
  }

  helper_stop (&gone, thread);
  {
    /* The join returns as the thread exits, a moment before its task goes. */
    g_autofree char *task = g_strdup_printf ("/proc/self/task/%d", gone.tid);
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (g_file_test (task, G_FILE_TEST_EXISTS))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (1000);
      }
  }
  for (;;)
    {
      g_autoptr(GPtrArray) stacks = stacks_of (pairs, 2);

      spy_thread_ids_fill (ids, stacks);
      g_assert_cmpint (native_id (stacks, 0), ==, getpid ());
      if (native_id (stacks, 1) == 0)
        break;
      g_assert_cmpint (native_id (stacks, 1), ==, gone.tid);
      g_assert_cmpuint (++fills, <=, 512);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/thread-ids/found", Fixture, NULL, fixture_set_up, test_found, fixture_tear_down);
  g_test_add ("/thread-ids/thread-not-started", Fixture, NULL,
              fixture_set_up, test_thread_not_started, fixture_tear_down);
  g_test_add ("/thread-ids/no-threads-yet", Fixture, NULL,
              fixture_set_up, test_no_threads_yet, fixture_tear_down);
  g_test_add ("/thread-ids/read-again", Fixture, NULL, fixture_set_up, test_read_again, fixture_tear_down);
  g_test_add ("/thread-ids/found-later", Fixture, NULL, fixture_set_up, test_found_later, fixture_tear_down);
  return g_test_run ();
}
