# SPDX-License-Identifier: GPL-3.0-or-later
# locals_workload.py: one frame whose arguments and locals hold each kind of
# value `dump --locals` shows, parked in place. Prints one JSON line: the
# names, whether each is an argument, and the repr Spyglass must show
# (Python's own repr, bounded as Spyglass bounds it). Runs on 2.7 and 3.6+;
# stops after SPY_WORKLOAD_TIMEOUT seconds.

import json
import os
import sys
import time

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "60"))
MAX_REPR = 200


def bounded(text):
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + u"\u2026"


def parked(count, label="x", *rest, **options):
    text = "it's \"quoted\"\n\ttab"
    raw = b"\x00\xffab'"
    huge = 2 ** 100 + 12345
    negative = -(2 ** 70)
    small = -7
    ratio = 0.1
    large = 1e16
    whole = 3.0
    flags = (True, False, None)
    one = (1,)
    nested = [1, [2, "x"], (3,), {"k": 1}]
    empty = {}
    table = {"alpha": 1}
    long_text = "a" * 500
    many = list(range(20))
    thing = object()
    names = [n for n in sys._getframe().f_code.co_varnames[:sys._getframe().f_code.co_nlocals]
             if n != "names"]
    values = dict(locals())
    n_args = 2 + 1 + 1  # count, label, *rest, **options
    truth = []
    for i, name in enumerate(names):
        if name not in values:
            continue
        value = values[name]
        if name == "thing":
            shown = "<object at 0x%x>" % id(value)
        elif name == "many":
            shown = "[0, 1, 2, 3, 4, 5, 6, 7, " + u"\u2026" + "]"
        else:
            shown = bounded(repr(value))
        truth.append({"name": name, "arg": i < n_args, "repr": shown})
    sys.stdout.write("SPYGLASS-TRUTH " + json.dumps(truth) + "\n")
    sys.stdout.flush()
    end = time.time() + TIMEOUT
    while time.time() < end:
        time.sleep(0.05)


parked(42, "label", 4, 5, verbose=True)
