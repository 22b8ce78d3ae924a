# SPDX-License-Identifier: GPL-3.0-or-later
# proc_util.py: what /proc says about processes, for the test scripts.

import os


def state_and_parent(pid):
    """(state letter, ppid) from /proc/PID/stat, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()  # comm may hold ")"
    except OSError:
        return None
    return fields[0], int(fields[1])


def gone(pid):
    """Exited: no such process, or a zombie waiting for its reaper."""
    seen = state_and_parent(pid)
    return seen is None or seen[0] in ("Z", "X")


def children(pid):
    """Pids of the live processes whose parent is @pid, in order."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            seen = state_and_parent(int(entry))
            if seen is not None and seen[1] == pid and seen[0] not in ("Z", "X"):
                found.append(int(entry))
    return sorted(found)
