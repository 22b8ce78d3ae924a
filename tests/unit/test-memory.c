/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-memory.c: the read journal, on this very process's memory */

#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "spy-memory.h"

static volatile guint64 word = 1;

static guint64
read_word (SpyMemory *memory,
           guint64    addr)
{
  guint64 value = 0;

  g_assert_true (spy_memory_read (memory, addr, &value, sizeof value, NULL));
  return value;
}

/* What a sample read is fetched ahead at the next sample's start, in one
 * call, and served from that moment; a direct read is from now; forget()
 * drops what was fetched ahead. */
static void
test_journal (void)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_for_pid (getpid ());
  guint64 addr = GPOINTER_TO_SIZE (&word), value = 0, calls;
  SpyReadOp op = { addr, &value, sizeof value };

  spy_memory_journal_begin (memory);
  g_assert_cmpuint (read_word (memory, addr), ==, 1);
  spy_memory_journal_end (memory);
  spy_memory_forget (memory);

  word = 2;
  calls = spy_memory_get_n_syscalls (memory);
  spy_memory_journal_begin (memory);
  g_assert_cmpuint (spy_memory_get_n_syscalls (memory), ==, calls + 1);
  word = 3;
  g_assert_cmpuint (read_word (memory, addr), ==, 2);
  g_assert_cmpuint (spy_memory_get_n_syscalls (memory), ==, calls + 1);
  g_assert_true (spy_memory_readv_direct (memory, &op, 1, NULL));
  g_assert_cmpuint (value, ==, 3);
  spy_memory_journal_end (memory);
  spy_memory_forget (memory);
  g_assert_cmpuint (read_word (memory, addr), ==, 3);

  /* A sample that read nothing; then reads outside begin/end, which are
   * not journaled: nothing is fetched ahead. */
  spy_memory_journal_begin (memory);
  spy_memory_journal_end (memory);
  spy_memory_forget (memory);
  g_assert_cmpuint (read_word (memory, addr), ==, 3);
  calls = spy_memory_get_n_syscalls (memory);
  spy_memory_journal_begin (memory);
  g_assert_cmpuint (spy_memory_get_n_syscalls (memory), ==, calls);
  spy_memory_journal_end (memory);
}

/* A place read at one sample and unmapped before the next: the others are
 * still fetched ahead, and reading it fails as it would have. */
static void
test_journal_unmapped (void)
{
  g_autoptr(SpyMemory) memory = spy_memory_new_for_pid (getpid ());
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guint8 *pages = mmap (NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  guint64 first, gone, last, value;

  g_assert_true (pages != MAP_FAILED);
  first = GPOINTER_TO_SIZE (pages);
  gone = first + page;
  last = first + 2 * page;
  pages[0] = 1;
  pages[page] = 2;
  pages[2 * page] = 3;

  spy_memory_journal_begin (memory);
  g_assert_cmpuint (read_word (memory, first) & 0xff, ==, 1);
  g_assert_cmpuint (read_word (memory, gone) & 0xff, ==, 2);
  g_assert_cmpuint (read_word (memory, last) & 0xff, ==, 3);
  spy_memory_journal_end (memory);
  spy_memory_forget (memory);

  g_assert_cmpint (munmap (pages + page, page), ==, 0);
  pages[0] = 4;
  pages[2 * page] = 5;
  spy_memory_journal_begin (memory);
  pages[0] = 6;
  pages[2 * page] = 7;
  /* From the moment of the fetch ahead, both sides of the hole. */
  g_assert_cmpuint (read_word (memory, first) & 0xff, ==, 4);
  g_assert_cmpuint (read_word (memory, last) & 0xff, ==, 5);
  g_assert_false (spy_memory_read (memory, gone, &value, sizeof value, NULL));
  spy_memory_journal_end (memory);
  spy_memory_forget (memory);
  munmap (pages, page);
  munmap (pages + 2 * page, page);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory/journal", test_journal);
  g_test_add_func ("/memory/journal-unmapped", test_journal_unmapped);
  return g_test_run ();
}
