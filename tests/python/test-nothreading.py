#!/usr/bin/env python3
"""Threads of a program that never imports threading, on every interpreter.

Python before 3.11 keeps no OS thread id in its thread states, and without
the threading module there is no Thread._native_id either: Spyglass reads
the tid from glibc's struct pthread. Checked against _thread.get_native_id()
in the workload itself:

  dump     every thread (also one made by C through ctypes, running a
           Python callback), with its exact native id; each, unnamed, is named
           by that id; the thread holding the GIL is active; the parked
           thread is idle
  record   without --idle: samples (before, 3.8-3.10 wrote none), from the
           spinning threads only, each under its own tid
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from spytest import Failure, log, require_python, run

HERE = os.path.dirname(os.path.abspath(__file__))


def start(python):
    # -S: no site module, whose .pth files may import threading.
    process = subprocess.Popen([python, "-S", os.path.join(HERE, "nothreading_workload.py")],
                               stdout=subprocess.PIPE, env=dict(os.environ, SPY_WORKLOAD_TIMEOUT="60"))
    line = process.stdout.readline().decode()
    truth = json.loads(line[len("SPYGLASS-TRUTH "):]) if line.startswith("SPYGLASS-TRUTH ") else None
    log("truth: %s" % truth)
    if truth is None or truth["threading"]:
        process.kill()
        process.wait()
        raise Failure("the workload said %r" % line)
    return process, truth


def case_dump(spyglass, process, truth):
    result = subprocess.run([spyglass, "dump", "--json", "-p", str(process.pid)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=30)
    if result.returncode != 0:
        raise Failure("dump failed: %s" % result.stderr.decode())
    threads = {t["native_id"]: t for t in json.loads(result.stdout)["threads"]}
    log("dump: %s" % {tid: (t["active"], t["gil"], t["frames"][0]["function"] if t["frames"] else None)
                      for tid, t in threads.items()})
    expected = {truth["main"], truth["spin"], truth["park"]} | ({truth["c"]} if truth["c"] else set())
    if set(threads) != expected:
        raise Failure("native ids %s, expected %s" % (sorted(threads), sorted(expected)))
    for tid, thread in threads.items():
        if thread["gil"] and not thread["active"]:
            raise Failure("thread %d holds the GIL but is shown idle" % tid)
    if threads[truth["park"]]["active"]:
        raise Failure("the parked thread is shown active")
    if threads[truth["park"]]["frames"][0]["function"] != "park":
        raise Failure("the parked thread is not in park(): %s" % threads[truth["park"]]["frames"])
    if truth["c"]:
        # The C thread's Python stack is its callback and what it calls.
        c_frames = [f["function"] for f in threads[truth["c"]]["frames"]]
        if not c_frames or c_frames[0] != "spin" or \
                c_frames[-1] not in ("from_c", "start_from_c.<locals>.from_c"):
            raise Failure("the thread made by C shows %s, not spin <- from_c" % c_frames)
    else:
        log("no thread made by C: this Python's ctypes imports threading")
    text = subprocess.run([spyglass, "dump", "-p", str(process.pid)], stdout=subprocess.PIPE,
                          timeout=30).stdout.decode()
    for tid in expected:
        if ('Thread %d (' % tid) not in text or (': "%d"' % tid) not in text:
            raise Failure("thread %d is not named by its id:\n%s" % (tid, text))


def case_record(spyglass, process, truth):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.txt")
        result = subprocess.run([spyglass, "record", "-d", "2", "--threads", "-o", out, "-p", str(process.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if result.returncode != 0:
            raise Failure("record failed: %s" % result.stderr.decode())
        per_thread = {}
        with open(out, encoding="utf-8") as f:
            for line in f:
                stack, count = line.rstrip("\n").rsplit(" ", 1)
                root = stack.split(";")[0]
                per_thread[root] = per_thread.get(root, 0) + int(count)
    log("samples per thread: %s" % per_thread)
    spinners = {"thread (%d)" % truth["main"], "thread (%d)" % truth["spin"]}
    if truth["c"]:
        spinners.add("thread (%d)" % truth["c"])
    if not per_thread:
        raise Failure("no samples without --idle")
    if not set(per_thread) <= spinners:
        raise Failure("samples from threads that do not run: %s" % per_thread)
    if truth["c"] and "thread (%d)" % truth["c"] not in per_thread:
        raise Failure("no samples of the thread made by C: %s" % per_thread)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spyglass", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--case", required=True, choices=["dump", "record"])
    args = parser.parse_args()
    run_case = {"dump": case_dump, "record": case_record}[args.case]

    def test():
        require_python(args.python, args.version)
        process, truth = start(args.python)
        try:
            run_case(os.path.abspath(args.spyglass), process, truth)
        finally:
            process.kill()
            process.wait()
    return run(test)


if __name__ == "__main__":
    sys.exit(main())
