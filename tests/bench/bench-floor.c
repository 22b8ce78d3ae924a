/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-floor.c: what any sleeping sampler pays: wake on an absolute
 * schedule, read 4 KiB of the target, sleep again. Prints the CPU time per
 * wake, for bench-sample.py to set Spyglass's own cost against. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>

#include <glib.h>

/* The start of the target's stack mapping: always there, always readable. */
static guint64
stack_address (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/maps", pid);
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &maps, NULL, NULL))
    return 0;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (lines[i], "[stack]"))
      return g_ascii_strtoull (lines[i], NULL, 16);
  return 0;
}

static gint64
cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

int
main (int    argc,
      char **argv)
{
  int pid, rate;
  double seconds;
  guint64 addr;
  gint64 period, next, end, cpu0;
  guint64 wakes = 0, late = 0;
  static char buf[4096];
  struct timespec ts;

  if (argc != 4)
    {
      fprintf (stderr, "usage: bench-floor PID RATE SECONDS\n");
      return 2;
    }
  pid = atoi (argv[1]);
  rate = atoi (argv[2]);
  seconds = g_ascii_strtod (argv[3], NULL);
  if (pid <= 0 || rate <= 0 || seconds <= 0 || (addr = stack_address (pid)) == 0)
    {
      fprintf (stderr, "bench-floor: no stack to read in process %s\n", argv[1]);
      return 1;
    }
  period = G_GINT64_CONSTANT (1000000000) / rate;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  next = (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
  end = next + (gint64) (seconds * 1e9);
  cpu0 = cpu_us ();
  while (next < end)
    {
      struct iovec local = { buf, sizeof buf }, remote = { (void *) (gsize) addr, sizeof buf };
      gint64 now;

      next += period;
      ts.tv_sec = next / 1000000000;
      ts.tv_nsec = next % 1000000000;
      while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
      if (process_vm_readv (pid, &local, 1, &remote, 1, 0) != (ssize_t) sizeof buf)
        {
          fprintf (stderr, "bench-floor: cannot read process %d: %s\n", pid, g_strerror (errno));
          return 1;
        }
      wakes++;
      /* Behind: skip the ticks missed, as the sampler does. */
      clock_gettime (CLOCK_MONOTONIC, &ts);
      now = (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
      if (now - next >= period)
        {
          late += (now - next) / period;
          next += (now - next) / period * period;
        }
    }
  printf ("wakes %" G_GUINT64_FORMAT " late %" G_GUINT64_FORMAT " cpu_us %" G_GINT64_FORMAT "\n",
          wakes, late, cpu_us () - cpu0);
  return 0;
}
