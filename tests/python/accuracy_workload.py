# accuracy_workload.py: threads that split their CPU time 70/30 between two
# functions, measured by the threads themselves with their own CPU clock.
# Runs until SIGINT (or --seconds), then prints the truth as one JSON line.
import json
import random
import signal
import sys
import threading

from cpu_clock import thread_time, wall_time

HOT_SHARE = 0.7
# Seconds of CPU per call, drawn at random: short and irregular, so that
# samples taken every millisecond are close to independent and never fall
# in step with the work.
SLICE_MIN, SLICE_MAX = 0.0002, 0.0012

stop = threading.Event()
truth = {}


def hot(budget):
    start = thread_time()
    while thread_time() - start < budget: pass
    return thread_time() - start


def cold(budget):
    start = thread_time()
    while thread_time() - start < budget: pass
    return thread_time() - start


def work(name):
    # CPU time (thread_time) and wall time (including waits for the GIL)
    # spent inside each function.
    spent = {"hot": 0.0, "cold": 0.0, "hot_wall": 0.0, "cold_wall": 0.0}
    truth[name] = spent
    rng = random.Random(name)
    while not stop.is_set():
        # Steer toward the share, so the split holds at any moment.
        budget = rng.uniform(SLICE_MIN, SLICE_MAX)
        total = spent["hot"] + spent["cold"] + budget
        began = wall_time()
        if HOT_SHARE * total - spent["hot"] > 0:
            spent["hot"] += hot(budget)
            spent["hot_wall"] += wall_time() - began
        else:
            spent["cold"] += cold(budget)
            spent["cold_wall"] += wall_time() - began


def main():
    n_threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 60.0
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if "--switch-interval" in sys.argv and hasattr(sys, "setswitchinterval"):
        # Hand the GIL over often, so that waiting for it comes in short
        # pieces and does not make long runs of identical samples.
        sys.setswitchinterval(float(sys.argv[sys.argv.index("--switch-interval") + 1]))
    threads = [threading.Thread(target=work, args=("worker-%d" % i,), name="worker-%d" % i)
               for i in range(n_threads)]
    for thread in threads:
        thread.start()
    sleeper = threading.Thread(target=stop.wait, name="sleeper")
    sleeper.daemon = True
    sleeper.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    sys.stdout.write("TRUTH " + json.dumps(truth) + "\n")
    sys.stdout.flush()


main()
