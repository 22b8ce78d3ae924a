# SPDX-License-Identifier: GPL-3.0-or-later
# spytest.py: what every test script here shares: how it fails, skips and
# reports, and when a missing interpreter is a skip or a failure.

import os
import sys

SKIP = 77


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def log(message=""):
    print(message, flush=True)


def require_python(python, version):
    """Skip when @python is not there, unless SPY_REQUIRE_PYTHONS lists
    @version (major.minor): then it is a failure."""
    if os.access(python, os.X_OK):
        return
    if version in os.environ.get("SPY_REQUIRE_PYTHONS", "").split():
        raise Failure("%s (Python %s) is required by SPY_REQUIRE_PYTHONS but missing"
                      % (python, version))
    raise Skip("%s (Python %s) is not installed" % (python, version))


def interpreter_args(description):
    """The command line of a test run against one interpreter: --spyglass,
    --python and its --version (major.minor)."""
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--spyglass", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--version", required=True)
    return parser.parse_args()


def run(test):
    """Runs @test(); the exit status meson reads: 0, 1 or 77 (skip)."""
    try:
        test()
    except Skip as skip:
        log("SKIP: %s" % skip)
        return SKIP
    except Failure as failure:
        log("FAIL: %s" % failure)
        return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit("spytest.py is a module for the test scripts")
