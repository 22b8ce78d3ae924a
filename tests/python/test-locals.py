#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""dump --locals against the values the program holds: each argument and
local of a parked frame (str with quotes and escapes, bytes, ints of any
size, floats, bool, None, tuples, lists, dicts, bounded long values and
an object shown by type and address) must read exactly as Python's repr,
in the code object's order, arguments marked, in --json and in the text.
"""

import json
import os
import subprocess
import sys

from spytest import Failure, interpreter_args, log, require_python, run

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = interpreter_args(__doc__)
    require_python(args.python, args.version)

    process = subprocess.Popen([args.python, os.path.join(HERE, "locals_workload.py")],
                               stdout=subprocess.PIPE, env=dict(os.environ, SPY_WORKLOAD_TIMEOUT="60"))
    try:
        line = process.stdout.readline().decode("utf-8")
        if not line.startswith("SPYGLASS-TRUTH "):
            raise Failure("the workload said %r" % line)
        truth = json.loads(line[len("SPYGLASS-TRUTH "):])
        result = subprocess.run([args.spyglass, "dump", "--locals", "--json", "-p", str(process.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if result.returncode != 0:
            raise Failure("dump --locals failed: %s" % result.stderr.decode())
        frames = json.loads(result.stdout)["threads"][0]["frames"]
        parked = [f for f in frames if f["function"] == "parked"]
        if not parked:
            raise Failure("no parked() frame in %s" % [f["function"] for f in frames])
        got = parked[0].get("locals")
        if got is None:
            raise Failure("no locals: %s" % parked[0].get("locals_error"))
        got = [l for l in got if l["name"] in {t["name"] for t in truth}]
        problems = []
        for want, have in zip(truth, got):
            if want != have:
                problems.append("want %r\n    got  %r" % (want, have))
        if len(got) != len(truth):
            problems.append("%d locals read, the program has %d: %s"
                            % (len(got), len(truth), [l["name"] for l in got]))
        if problems:
            raise Failure("locals differ:\n  " + "\n  ".join(problems))
        log("%d arguments and locals read exactly" % len(got))

        text = subprocess.run([args.spyglass, "dump", "--locals", "-p", str(process.pid)],
                              stdout=subprocess.PIPE, timeout=30).stdout.decode("utf-8")
        for want in truth:
            if "            %s: %s\n" % (want["name"], want["repr"]) not in text:
                raise Failure("text dump lacks %s: %s\n%s" % (want["name"], want["repr"], text))
        if "        Arguments:\n            count: 42\n" not in text:
            raise Failure("text dump does not list the arguments first:\n%s" % text)
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    sys.exit(run(main))
