# SPDX-License-Identifier: GPL-3.0-or-later
# cpu_clock.py: thread_time(), the calling thread's CPU time in seconds, for
# the workloads that measure themselves, on every Python here.
#
# time.thread_time is 3.7+; the clock it reads is older (clock_gettime,
# 3.3+). Both are C callables, so no Python frame of ours sits in a measured
# loop. 2.7 reaches the clock only through ctypes and a function of ours,
# named by FRAME, which a test counts as its caller's time.

import functools
import time

FRAME = "thread_time"

if hasattr(time, "thread_time"):
    thread_time = time.thread_time
elif hasattr(time, "clock_gettime"):
    thread_time = functools.partial(time.clock_gettime, time.CLOCK_THREAD_CPUTIME_ID)
else:
    import ctypes

    class _Timespec(ctypes.Structure):
        _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]

    _clock_gettime = ctypes.CDLL(None).clock_gettime

    def thread_time():
        # A buffer of this call's own: ctypes lets go of the GIL during the
        # call, and another thread's reading would land in a shared one.
        now = _Timespec()
        _clock_gettime(3, ctypes.byref(now))  # CLOCK_THREAD_CPUTIME_ID
        return now.tv_sec + now.tv_nsec * 1e-9

wall_time = getattr(time, "perf_counter", time.time)
