#!/usr/bin/env python3
"""How much does recording slow the target? The same fixed work, alone and
under `spyglass record` at 100 Hz and 1000 Hz, with and without --native
(which stops every thread at each sample), interleaved, medians of 7."""
import os
import statistics
import subprocess
import sys
import tempfile

spyglass, python, work = sys.argv[1], sys.argv[2], sys.argv[3]
if not os.access(python, os.X_OK):
    print("SKIP: %s is not installed" % python)
    sys.exit(77)


def run(config, tmp):
    rate, native = config
    target = subprocess.Popen([python, work], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert target.stdout.readline().strip() == "ready"
    rec = None
    if rate:
        rec = subprocess.Popen([spyglass, "record", "-r", str(rate), "-o", os.path.join(tmp, "b.spyprof"),
                                "-p", str(target.pid)] + (["--native"] if native else []),
                               stderr=subprocess.DEVNULL)
        import time
        time.sleep(0.3)
    target.stdin.write("go\n")
    target.stdin.flush()
    seconds = float(target.stdout.readline())
    target.wait()
    if rec:
        rec.wait(timeout=30)
    return seconds


configs = [(0, False), (100, False), (1000, False), (100, True), (1000, True)]
times = dict((config, []) for config in configs)
with tempfile.TemporaryDirectory() as tmp:
    for _ in range(7):
        for config in configs:
            times[config].append(run(config, tmp))
alone = statistics.median(times[(0, False)])
print("python %s, fixed work on 4 threads 100 frames deep" % python)
print("  alone:            %.3f s (median of 7)" % alone)
for config in configs[1:]:
    m = statistics.median(times[config])
    print("  %4d Hz%-9s  %.3f s, slowdown %+.2f %%"
          % (config[0], " --native" if config[1] else ":", m, 100 * (m / alone - 1)))
