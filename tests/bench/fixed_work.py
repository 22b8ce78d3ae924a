# fixed_work.py: a fixed amount of work on 4 threads, 100 frames deep; prints
# the wall time it took. For measuring how much sampling slows a target.
import sys
import threading
import time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 4000000


def descend(n, rounds):
    if n > 0:
        return descend(n - 1, rounds)
    total = 0
    for i in range(rounds):
        total += i % 7
    return total


print("ready", flush=True)
sys.stdin.readline()
start = time.perf_counter()
threads = [threading.Thread(target=descend, args=(95, ROUNDS)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("%.6f" % (time.perf_counter() - start), flush=True)
