# deep_threads.py: four threads parked 100 frames deep, for the walk benchmark.
import sys
import threading
import time

DEPTH = 100
parked = threading.Barrier(5)


def descend(n, spin):
    if n > 0:
        return descend(n - 1, spin)
    parked.wait()
    if spin:
        while True: pass
    while True:
        time.sleep(1)


for i in range(4):
    # Two spin (running code moves the frames under us), two sleep.
    threading.Thread(target=descend, args=(DEPTH - 3, i < 2), name="deep-%d" % i, daemon=True).start()
parked.wait()
print("ready", flush=True)
sys.stdin.read()
