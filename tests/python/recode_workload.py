# SPDX-License-Identifier: GPL-3.0-or-later
# recode_workload.py: code objects that die and are made again, at the same
# address. Every 2 ms a new function f_NNNNN is made from one template
# (code.replace, so that nothing else is allocated in between and the new
# code object takes the block the last one freed), run for 2 ms and dropped.
# Even ones are run by run_even, odd ones by run_odd: a profiler that named
# a new code object after the old one at its address would put f_00012
# under run_odd. Never imports threading. Prints "SPYGLASS-READY" once it
# runs and, after SPY_WORKLOAD_TIMEOUT seconds, a TRUTH line with how many
# functions it made and how many took the last one's address.

import json
import os
import sys
import time
import types

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "4"))


def template():
    x = 0
    for _ in range(200):
        x += 1
    return x


def run_even(f, until):
    while time.time() < until:
        f()


def run_odd(f, until):
    while time.time() < until:
        f()


def main():
    code = template.__code__
    made = reused = 0
    last = None
    end = time.time() + TIMEOUT
    sys.stdout.write("SPYGLASS-READY\n")
    sys.stdout.flush()
    while time.time() < end:
        name = "f_%05d" % made
        if sys.version_info >= (3, 11):
            f = types.FunctionType(code.replace(co_name=name, co_qualname=name), globals())
        else:
            f = types.FunctionType(code.replace(co_name=name), globals())
        reused += id(f.__code__) == last
        last = id(f.__code__)
        (run_odd if made % 2 else run_even)(f, time.time() + 0.002)
        del f
        made += 1
    sys.stdout.write("TRUTH %s\n" % json.dumps({"made": made, "reused": reused}))
    sys.stdout.flush()


main()
