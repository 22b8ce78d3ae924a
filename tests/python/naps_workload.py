# SPDX-License-Identifier: GPL-3.0-or-later
# naps_workload.py: a thread that waits all the time, in nap_a (sleeps),
# then in nap_b (waits on a queue nobody fills) for as long, over and over,
# for irregular spells, while the main thread computes: any second of it
# has it in each for half the time, to a spell or two. The napper measures the wall time
# it spends in each. A sampler that gives a waiting thread the stack it had
# when last read must see that it moved. Runs for --seconds (default 5),
# prints "ready" when it starts and the truth as one JSON line at the end.
import json
import queue
import random
import sys
import threading
import time

stop = threading.Event()
truth = {"nap_a": 0.0, "nap_b": 0.0}


def nap_a(spell):
    time.sleep(spell)


def nap_b(spell, q):
    try:
        q.get(timeout=spell)
    except queue.Empty:
        pass


def napper():
    rng = random.Random(7)
    q = queue.Queue()
    while not stop.is_set():
        spell = rng.uniform(0.005, 0.03)
        began = time.perf_counter()
        nap_a(spell)
        middle = time.perf_counter()
        nap_b(spell, q)
        truth["nap_a"] += middle - began
        truth["nap_b"] += time.perf_counter() - middle


def spin(until):
    x = 0
    while time.time() < until:
        x += 1
    return x


def main():
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 5.0
    thread = threading.Thread(target=napper, name="napper")
    thread.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    spin(time.time() + seconds)
    stop.set()
    thread.join()
    sys.stdout.write("TRUTH " + json.dumps(truth) + "\n")
    sys.stdout.flush()


main()
