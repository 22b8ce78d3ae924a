# changing_stacks.py: threads whose stacks change all the time, about 31
# frames deep: each goes down and up between depths 26 and 36 through
# three functions, doing a little work at each turn (about 30 deep on average
# with the threading frames under it, on 3.12).
# Prints "ready" once all threads run; runs until stdin closes.
# For the sampling-cost benchmark (bench-sample.py). 2.7 and 3.6+.
import sys
import threading

N_THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
started = threading.Semaphore(0)


def work(n):
    total = 0
    for i in range(n):
        total += i
    return total


def alpha(depth, target, rounds):
    if depth < target:
        return beta(depth + 1, target, rounds)
    return work(rounds)


def beta(depth, target, rounds):
    if depth < target:
        return gamma(depth + 1, target, rounds)
    return work(rounds)


def gamma(depth, target, rounds):
    if depth < target:
        return alpha(depth + 1, target, rounds)
    return work(rounds)


def run(seed):
    started.release()
    target = 26 + seed % 11
    while True:
        # 26, 29, ... 35, 27, ...: never the same depth twice in a row.
        target = 26 + (target - 26 + 3) % 11
        alpha(1, target, 100)


for i in range(N_THREADS):
    thread = threading.Thread(target=run, args=(i * 4,), name="changing-%d" % i)
    thread.daemon = True
    thread.start()
for i in range(N_THREADS):
    started.acquire()
sys.stdout.write("ready\n")
sys.stdout.flush()
sys.stdin.read()
