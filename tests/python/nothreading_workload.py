# SPDX-License-Identifier: GPL-3.0-or-later
# nothreading_workload.py: threads made with _thread, threading never imported.
#
# The main thread and one thread spin in spin(); another waits on a lock in
# park(); a fourth, made by C (pthread_create through ctypes), runs a Python
# callback, from_c(), that spins too: CPython gives it a thread state when
# the callback takes the GIL. One JSON line reports the native ids (and that threading stayed
# out), then the spinning goes on for at most SPY_WORKLOAD_TIMEOUT seconds.
# Runs on CPython 2.7 and 3.6 and later (before 3.8, the kernel tid comes from
# gettid through ctypes, which does not import threading).

try:
    import _thread
except ImportError:  # 2.7
    import thread as _thread
import json
import os
import sys
import time

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "60"))


def ctypes_keeps_threading_out():
    """Some builds' ctypes imports threading (Debian's 3.14, through
    sysconfig): ask a fresh interpreter before importing it here."""
    check = "import ctypes, sys; sys.exit('threading' in sys.modules)"
    # os.spawnv, not subprocess: subprocess imports threading.
    return os.spawnv(os.P_WAIT, sys.executable, [sys.executable, "-S", "-c", check]) == 0


def libc():
    import ctypes
    return ctypes.CDLL(None)  # glibc 2.34+ has pthread_create in libc itself


def native_id():
    if hasattr(_thread, "get_native_id"):
        return _thread.get_native_id()
    return libc().syscall(186)  # SYS_gettid, x86-64


def spin():
    end = time.time() + TIMEOUT
    while time.time() < end:
        pass


def park(lock):
    lock.acquire()


def worker(kind, report, lock):
    report.append((kind, native_id()))
    if kind == "spin":
        spin()
    else:
        park(lock)


def start_from_c(report):
    """A thread neither threading nor _thread made; None where ctypes would
    bring threading in (then the report says c: null)."""
    if not ctypes_keeps_threading_out():
        report.append(("c", None))
        return None
    import ctypes

    def from_c(arg):
        report.append(("c", native_id()))
        spin()
        return None
    routine = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)(from_c)
    handle = ctypes.c_ulong()
    if libc().pthread_create(ctypes.byref(handle), None, routine, None) != 0:
        raise OSError("pthread_create failed")
    return routine  # kept alive as long as the thread runs


def main():
    report = []
    lock = _thread.allocate_lock()
    lock.acquire()
    _thread.start_new_thread(worker, ("spin", report, lock))
    _thread.start_new_thread(worker, ("park", report, lock))
    keep = start_from_c(report)
    while len(report) < 3:
        time.sleep(0.01)
    truth = dict(report)
    truth["main"] = native_id()
    truth["threading"] = "threading" in sys.modules
    sys.stdout.write("SPYGLASS-TRUTH " + json.dumps(truth) + "\n")
    sys.stdout.flush()
    spin()
    del keep


main()
