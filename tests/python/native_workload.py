# SPDX-License-Identifier: GPL-3.0-or-later
# native_workload.py: threads parked in Python callbacks called from C and
# from C++ (extensions in $SPY_NATIVE_EXT_DIR, built by test-native.py).

import os
import sys

sys.path.insert(0, os.environ["SPY_NATIVE_EXT_DIR"])

import spynative  # noqa: E402
import spynative_cpp  # noqa: E402
import workload_harness as harness  # noqa: E402


def from_c():
    harness.park()


def through_c():
    spynative.call_through(from_c)


def from_cpp():
    harness.park()


def through_cpp():
    spynative_cpp.call_through(from_cpp)


def main():
    harness.begin()
    harness.start_thread(through_c, name="through-c")
    harness.start_thread(through_cpp, name="through-cpp")
    harness.park()


if __name__ == "__main__":
    main()
