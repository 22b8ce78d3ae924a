# SPDX-License-Identifier: GPL-3.0-or-later
# waiters_workload.py: one thread computes while three wait, woken every 1-3 ms.
#
# Runs for --duration seconds, then prints one JSON line: each thread's own
# CPU time (its own CPU clock), the truth a sampler's shares are held to.
# Runs unchanged on CPython 2.7 and 3.6 and later.

import argparse
import json
import sys
import threading
import time

try:
    import queue
except ImportError:  # 2.7
    import Queue as queue

from cpu_clock import thread_time

stop = threading.Event()
cpu = {}


def record_cpu():
    cpu[threading.current_thread().name] = thread_time()


def compute():
    total = 0
    while not stop.is_set():
        for i in range(2000):
            total += i * i
    record_cpu()


def condition_waiter():
    condition = threading.Condition()
    with condition:
        while not stop.is_set():
            condition.wait(0.002)
    record_cpu()


def event_waiter():
    event = threading.Event()
    while not stop.is_set():
        event.wait(0.001)
    record_cpu()


def queue_waiter():
    q = queue.Queue()
    while not stop.is_set():
        try:
            q.get(timeout=0.003)
        except queue.Empty:
            pass
    record_cpu()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=4.0)
    args = parser.parse_args()
    workers = [threading.Thread(target=target, name=name) for name, target in
               (("compute", compute), ("condition", condition_waiter),
                ("event", event_waiter), ("queue", queue_waiter))]
    for worker in workers:
        worker.start()
    time.sleep(args.duration)
    stop.set()
    for worker in workers:
        worker.join()
    record_cpu()
    sys.stdout.write("SPYGLASS-CPU " + json.dumps(cpu) + "\n")
    sys.stdout.flush()


main()
