#!/usr/bin/env python3
"""What one sample costs `spyglass record`, on stacks that change all the
time (changing_stacks.py), for 1, 4 and 8 threads:

  - CPU µs per sample and per thread-stack (the main thread, waiting, is
    one of them), all of Spyglass's process
    (sampler, hand-over, profile), without start-up and saving: a 1 s
    recording is taken from a 4 s one;
  - the floor measured in the same run (bench-floor: one wake on the same
    schedule and one 4 KiB read), and the work above it;
  - system calls per sample (perf's count of syscall entries), if perf can;
  - samples per second at -r 1000000;
  - bytes of memory per sample (growth of the peak RSS).

With --baseline OTHER, another spyglass (an older build) is measured in
the same run, interleaved, for before/after figures. Medians of 3."""
import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RATE = 10000
HERE = os.path.dirname(os.path.abspath(__file__))


def rss_of(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1)) * 1024


def rusage_run(argv, rss_at=()):
    """Runs @argv; (exit code, stderr, CPU s, [RSS bytes at each of @rss_at s])."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    start, rss = time.monotonic(), []
    for at in rss_at:
        time.sleep(max(0.0, start + at - time.monotonic()))
        rss.append(rss_of(proc.pid))
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, stderr, usage.ru_utime + usage.ru_stime, rss


def meta_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))["meta"]


def record(spyglass, pid, rate, seconds, tmp, rss_at=()):
    out = os.path.join(tmp, "b.spyprof")
    code, stderr, cpu, rss = rusage_run([spyglass, "record", "-r", str(rate), "-d", str(seconds),
                                         "--save-every", "0", "-o", out, "-p", str(pid)], rss_at)
    cap = re.search(r"the rate must be between 1 and (\d+)", stderr)
    if code != 0 and cap:  # an older build, with a cap
        return record(spyglass, pid, int(cap.group(1)), seconds, tmp, rss_at)
    if code != 0:
        raise SystemExit("spyglass record failed: %s" % stderr.strip())
    meta = meta_of(out)
    return {"cpu": cpu, "rss": rss, "taken": meta["samples_taken"], "late": meta["samples_late"],
            "failed": meta["samples_failed"], "duration": meta["duration"] / 1e6}


def per_sample(spyglass, pid, tmp):
    """CPU µs per tick taken, start-up and saving left out (a 1 s recording
    taken from a 4 s one); bytes per tick, from the growth of the resident
    memory between 1.5 s and 3.5 s of the 4 s one."""
    short = record(spyglass, pid, RATE, 1, tmp)
    long = record(spyglass, pid, RATE, 4, tmp, rss_at=(1.5, 3.5))
    ticks = long["taken"] - short["taken"]
    rate = long["taken"] / long["duration"]
    return {"us": 1e6 * (long["cpu"] - short["cpu"]) / ticks,
            "bytes": (long["rss"][1] - long["rss"][0]) / (2.0 * rate),
            "rate": rate,
            "failed": long["failed"] / max(long["taken"], 1)}


def floor(floor_exe, pid):
    out = subprocess.run([floor_exe, str(pid), str(RATE), "3"], capture_output=True, text=True, check=True).stdout
    wakes, cpu = re.search(r"wakes (\d+) late \d+ cpu_us (\d+)", out).groups()
    return int(cpu) / int(wakes)


def syscalls_per_sample(spyglass, pid, tmp):
    """System calls per tick at 1 kHz, counted by perf; None without perf."""
    perf = shutil.which("perf")
    if perf is None:
        return None
    out = os.path.join(tmp, "s.spyprof")
    result = subprocess.run([perf, "stat", "-x", ",", "-e", "raw_syscalls:sys_enter", "--",
                             spyglass, "record", "-r", "1000", "-d", "2", "--save-every", "0", "-o", out,
                             "-p", str(pid)], capture_output=True, text=True)
    match = re.search(r"^(\d+),,raw_syscalls:sys_enter", result.stderr, re.M)
    if result.returncode != 0 or match is None:
        return None
    return int(match.group(1)) / meta_of(out)["samples_taken"]


def max_rate(spyglass, pid, tmp):
    """Samples per second at -r 1000000 (or the highest rate a build takes)."""
    m = record(spyglass, pid, 1000000, 2, tmp)
    return m["taken"] / m["duration"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spyglass")
    parser.add_argument("floor")
    parser.add_argument("python")
    parser.add_argument("--baseline", help="another spyglass, measured in the same run")
    parser.add_argument("--threads", default="1,4,8")
    args = parser.parse_args()
    if not os.access(args.python, os.X_OK):
        print("SKIP: %s is not installed" % args.python)
        sys.exit(77)
    builds = [("this", args.spyglass)] + ([("baseline", args.baseline)] if args.baseline else [])
    print("python %s, stacks changing all the time, about 30 frames deep, -r %d" % (args.python, RATE))
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(t) for t in args.threads.split(",")]:
            target = subprocess.Popen([args.python, os.path.join(HERE, "changing_stacks.py"), str(n)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            try:
                if target.stdout.readline().strip() != b"ready":
                    raise SystemExit("changing_stacks.py did not start")
                floors, runs = [], dict((name, []) for name, _ in builds)
                for _ in range(3):
                    floors.append(floor(args.floor, target.pid))
                    for name, exe in builds:
                        runs[name].append(per_sample(exe, target.pid, tmp))
                base = statistics.median(floors)
                # The main thread, waiting, is read too.
                print("%d thread%s (and the main thread): floor %.1f µs per wake"
                      % (n, "" if n == 1 else "s", base))
                for name, exe in builds:
                    us = statistics.median(r["us"] for r in runs[name])
                    calls = syscalls_per_sample(exe, target.pid, tmp)
                    print("  %-8s %6.1f µs per sample (%5.1f above the floor), %5.1f µs per thread-stack, "
                          "%s syscalls per sample, %.0f bytes per sample, %.0f samples/s at -r %d "
                          "(%.0f at -r 1000000), %.1f %% failed"
                          % (name, us, us - base, us / (n + 1),
                             "%.1f" % calls if calls is not None else "?",
                             statistics.median(r["bytes"] for r in runs[name]),
                             statistics.median(r["rate"] for r in runs[name]), RATE,
                             max_rate(exe, target.pid, tmp),
                             100 * statistics.median(r["failed"] for r in runs[name])))
            finally:
                target.stdin.close()
                target.kill()
                target.wait()


main()
