# SPDX-License-Identifier: GPL-3.0-or-later
# top_workload.py: a known CPU split for `spyglass top`: hot() burns about
# 80% of the time, cold() about 20%, in rounds of 50 ms. With
# SPY_TOP_HOSTILE=1, a third function whose name carries terminal escape
# sequences takes a slice too. Ends after SPY_WORKLOAD_TIMEOUT seconds
# (default 60), or at once on SIGINT.

import os
import time

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "60"))
ROUND = 0.05
# Clear screen, set the window title, a C1 CSI (U+009B) and a BEL.
HOSTILE_NAME = "evil\x1b[2J\x1b]0;pwned\x07\u009b31mname"


# The loops are inline so that each function's own time is its share.
def hot():
    end = time.perf_counter() + ROUND * 0.8
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def cold():
    end = time.perf_counter() + ROUND * 0.2
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def hostile():
    end = time.perf_counter() + ROUND * 0.2
    while time.perf_counter() < end:
        pass


def main():
    rounds = [hot, cold]
    if os.environ.get("SPY_TOP_HOSTILE") == "1":
        hostile.__code__ = hostile.__code__.replace(co_name=HOSTILE_NAME)
        if hasattr(hostile.__code__, "co_qualname"):
            hostile.__code__ = hostile.__code__.replace(co_qualname=HOSTILE_NAME)
        rounds.append(hostile)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for function in rounds:
            function()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
