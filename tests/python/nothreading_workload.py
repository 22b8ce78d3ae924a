# SPDX-License-Identifier: GPL-3.0-or-later
# nothreading_workload.py: threads made with _thread, threading never imported.
#
# The main thread and one thread spin in spin(); another waits on a lock in
# park(). One JSON line reports the native ids (and that threading stayed
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


def native_id():
    if hasattr(_thread, "get_native_id"):
        return _thread.get_native_id()
    import ctypes
    return ctypes.CDLL(None).syscall(186)  # SYS_gettid, x86-64


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


def main():
    report = []
    lock = _thread.allocate_lock()
    lock.acquire()
    _thread.start_new_thread(worker, ("spin", report, lock))
    _thread.start_new_thread(worker, ("park", report, lock))
    while len(report) < 2:
        time.sleep(0.01)
    truth = dict(report)
    truth["main"] = native_id()
    truth["threading"] = "threading" in sys.modules
    sys.stdout.write("SPYGLASS-TRUTH " + json.dumps(truth) + "\n")
    sys.stdout.flush()
    spin()


main()
