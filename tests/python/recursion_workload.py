# SPDX-License-Identifier: GPL-3.0-or-later
# recursion_workload.py: deep stacks. The main thread parks 300 frames deep
# (more than one 3.11+ data-stack chunk); a named thread parks inside a
# mutual recursion 2 x 120 deep.

import workload_harness as harness

DEPTH = 300


def recurse(n):
    if n == 0:
        harness.park()
    else:
        recurse(n - 1)


def ping(n):
    if n == 0:
        harness.park()
    pong(n)


def pong(n):
    ping(n - 1)


def main():
    harness.begin()
    harness.start_thread(ping, name="mutual-recursion", args=(120,))
    recurse(DEPTH)


if __name__ == "__main__":
    main()
