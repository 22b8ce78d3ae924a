#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""No torn stack is ever reported: 200 dumps of a program whose stack moves
all the time (updown_workload.py). A stack read while it changed would show
frames from two moments, e.g. an `updown` frame with no caller below it.
Each dump's main thread must read, from the outside in, exactly <module>,
main, then updown frames only, each at one of its own lines. A dump may
instead fail with the walker's "changed while being read" error (it read
the stacks again and they kept moving); some may, not most.
"""

import json
import os
import subprocess
import sys

from spytest import Failure, interpreter_args, log, require_python, run

HERE = os.path.dirname(os.path.abspath(__file__))
DUMPS = 200
# updown(): its `def` (a call just begun), its `if`, its recursive call.
UPDOWN_LINES = {17, 18, 19, 20, 21}


def check_stack(frames):
    """None when @frames (innermost first) is a real stack of the workload."""
    names = [f["function"] for f in reversed(frames)]
    if names[:2] != ["<module>", "main"]:
        return "outermost frames %s" % names[:3]
    rest = list(reversed(frames))[2:]
    for frame in rest:
        if frame["function"] != "updown":
            return "a %s frame above main: %s" % (frame["function"], names)
        if frame["line"] not in UPDOWN_LINES:
            return "updown at line %s" % frame["line"]
    return None


def main():
    args = interpreter_args(__doc__)
    require_python(args.python, args.version)

    process = subprocess.Popen([args.python, "-S", os.path.join(HERE, "updown_workload.py")],
                               stdout=subprocess.PIPE, env=dict(os.environ, SPY_WORKLOAD_TIMEOUT="120"))
    try:
        if process.stdout.readline() != b"SPYGLASS-READY\n":
            raise Failure("the workload did not start")
        read, changed, depths = 0, 0, set()
        for i in range(DUMPS):
            result = subprocess.run([args.spyglass, "dump", "--json", "-p", str(process.pid)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            if result.returncode != 0:
                message = result.stderr.decode(errors="replace")
                if "changed while being read" not in message:
                    raise Failure("dump %d failed: %s" % (i, message))
                changed += 1
                continue
            threads = json.loads(result.stdout)["threads"]
            if len(threads) != 1:
                raise Failure("dump %d: %d threads, the workload has one" % (i, len(threads)))
            problem = check_stack(threads[0]["frames"])
            if problem:
                raise Failure("dump %d reported a torn stack (%s):\n%s"
                              % (i, problem, json.dumps(threads[0]["frames"], indent=1)))
            read += 1
            depths.add(len(threads[0]["frames"]))
        log("%d stacks read, all whole, of %d depths; %d dumps found the stacks moving "
            "each time they read them" % (read, len(depths), changed))
        # Enough whole stacks that the check above means something; on 3.8-3.10
        # most are, but a slow (sanitizer) build loses more to moving stacks.
        if read < DUMPS // 10:
            raise Failure("only %d of %d dumps read a stack" % (read, DUMPS))
        if len(depths) < 5:
            raise Failure("the stacks read have only depths %s: the workload does not move" % sorted(depths))
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    sys.exit(run(main))
