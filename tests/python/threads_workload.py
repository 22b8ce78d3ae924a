# SPDX-License-Identifier: GPL-3.0-or-later
# threads_workload.py: named threads, two spinning in one-line busy loops
# (active, they hold the GIL in turn) and several idle in different
# blocking calls (a lock, an Event, time.sleep, a queue).

try:
    import queue
except ImportError:  # 2.7
    import Queue as queue
import threading
import time

import workload_harness as harness


def crunch():
    n = 0
    harness.arrived(spinner=True)
    while True: n += 1  # noqa: E701 (one line: the sampled line never changes)


def crunch_more():
    harness.arrived(spinner=True)
    while True: pass  # noqa: E701


def wait_for_lock():
    harness.park()


def wait_for_event(event):
    harness.arrived()
    event.wait(harness.WAIT)


def nap():
    harness.arrived()
    time.sleep(harness.TIMEOUT)


def wait_for_item(items):
    harness.arrived()
    items.get(True, harness.WAIT)


def main():
    harness.begin()
    harness.start_thread(crunch, name="worker-1")
    harness.start_thread(crunch_more, name="worker-2")
    harness.start_thread(wait_for_lock, name="worker-3")
    harness.start_thread(wait_for_event, name="waiter", args=(threading.Event(),))
    harness.start_thread(nap, name="sleeper")
    harness.start_thread(wait_for_item, name="consumer", args=(queue.Queue(),))
    harness.start_thread(wait_for_lock)  # default name: Thread-N (...)
    renamed = harness.start_thread(wait_for_lock, name="before-rename")
    renamed.name = "after-rename"
    harness.park()


if __name__ == "__main__":
    main()
