# SPDX-License-Identifier: GPL-3.0-or-later
# updown_workload.py: a stack that never stops moving. The main thread
# recurses up to a depth and back down, over and over, to ever other depths,
# so a reader that walks the frames while they change would see a caller
# from one moment under a callee from another. Never imports threading;
# runs on every Python Spyglass reads. One line, "SPYGLASS-READY", once it
# runs; it stops after SPY_WORKLOAD_TIMEOUT seconds.

import os
import sys
import time

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "60"))
WORK = int(os.environ.get("SPY_UPDOWN_WORK", "20"))


def updown(depth, limit):
    if depth < limit:
        updown(depth + 1, limit)
    for _ in range(WORK):
        pass


def main():
    end = time.time() + TIMEOUT
    sys.stdout.write("SPYGLASS-READY\n")
    sys.stdout.flush()
    while time.time() < end:
        for limit in range(1, 90, 7):
            updown(0, limit)


main()
