# SPDX-License-Identifier: GPL-3.0-or-later
# nothreading_workload.py: threads made with _thread, threading never imported.
#
# The main thread and one thread spin in spin(); another waits on a lock in
# park(). One JSON line reports the native ids (and that threading stayed
# out), then the spinning goes on for at most SPY_WORKLOAD_TIMEOUT seconds.
# Runs on CPython 3.8 and later (_thread.get_native_id is 3.8+).

import _thread
import json
import os
import sys
import time

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "60"))


def spin():
    end = time.time() + TIMEOUT
    while time.time() < end:
        pass


def park(lock):
    lock.acquire()


def worker(kind, report, lock):
    report.append((kind, _thread.get_native_id()))
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
    truth["main"] = _thread.get_native_id()
    truth["threading"] = "threading" in sys.modules
    print("SPYGLASS-TRUTH " + json.dumps(truth), flush=True)
    spin()


main()
