# SPDX-License-Identifier: GPL-3.0-or-later
# workload_harness.py: park threads at known places and report the truth.
#
# A workload starts its threads, each of which ends in park() (blocked, GIL
# released) or in its own one-line busy loop after calling arrived(spinner=True).
# The main thread parks last. A short-lived reporter thread then waits until
# every thread has arrived, takes sys._current_frames() until two snapshots in
# a row agree, prints them as one JSON line ("SPYGLASS-TRUTH {...}"), prints
# "SPYGLASS-READY" and exits. The process ends when stdin reaches EOF or after
# SPY_WORKLOAD_TIMEOUT seconds (default 60), so nothing is left behind.
#
# Runs unchanged on CPython 2.7 and 3.6 and later: no newer syntax here.

import functools
import json
import os
import select
import sys
import threading
import time

TIMEOUT = float(os.environ.get("SPY_WORKLOAD_TIMEOUT", "60"))
# 2.7 has neither a monotonic clock nor lock timeouts (the watcher ends the
# process there); both are C callables, so no frame of ours is in a stack.
monotonic = getattr(time, "monotonic", time.time)
# A timeout for blocking waits. 2.7 waits with a timeout by polling (its
# Condition wakes every few ms, up to 50): a wait that must stay idle
# there has none.
WAIT = TIMEOUT if sys.version_info[0] >= 3 else None

_lock = threading.Lock()
_arrived = set()      # idents of threads that reached their parking place
_spinners = set()     # idents of threads that spin (expected active)
_forever = threading.Lock()
_forever.acquire()    # never released: park() blocks on it
if sys.version_info[0] >= 3:
    _block = functools.partial(_forever.acquire, True, TIMEOUT)
else:
    _block = _forever.acquire
_native_ids = {}      # ident -> kernel thread id, as each thread arrived


try:
    _get_ident = threading.get_ident
except AttributeError:  # 2.7
    import thread
    _get_ident = thread.get_ident


if not hasattr(threading, "get_native_id"):
    # Loaded now: 2.7 holds one import lock while a module body runs, and a
    # workload parks a thread in one.
    import ctypes
    _libc = ctypes.CDLL(None)


def native_id():
    """The calling thread's kernel thread id (gettid); 3.8 added a function."""
    if hasattr(threading, "get_native_id"):
        return threading.get_native_id()
    return _libc.syscall(186)  # SYS_gettid, x86-64


def arrived(spinner=False):
    """Note that the calling thread is (about to be) at its parking place."""
    ident = _get_ident()
    tid = native_id()
    with _lock:
        _arrived.add(ident)
        _native_ids[ident] = tid
        if spinner:
            _spinners.add(ident)


def park():
    """Block the calling thread until the process ends, with the GIL released."""
    arrived(); _block()  # noqa: E702 (one line: stable f_lineno)


def start_thread(target, name=None, args=()):
    """Start a daemon thread running target(*args)."""
    thread = threading.Thread(target=target, name=name, args=args)
    thread.daemon = True
    thread.start()
    return thread


def _code_name(code):
    # co_qualname exists from 3.11; before, only co_name.
    return getattr(code, "co_qualname", code.co_name)


def _stack(frame):
    frames = []
    while frame is not None:
        code = frame.f_code
        frames.append({"function": _code_name(code),
                       "file": code.co_filename,
                       "line": frame.f_lineno})
        frame = frame.f_back
    return frames


def _snapshot(me):
    by_ident = dict((t.ident, t) for t in threading.enumerate())
    threads = []
    for ident, frame in sorted(sys._current_frames().items()):
        if ident == me:
            continue
        thread = by_ident.get(ident)
        threads.append({
            "thread_id": ident,
            "native_id": _native_ids.get(ident),
            "name": thread.name if thread is not None else None,
            "role": "spin" if ident in _spinners else "idle",
            "frames": _stack(frame),
        })
    return threads


def _main_ident():
    if hasattr(threading, "main_thread"):
        return threading.main_thread().ident
    return [t for t in threading.enumerate() if isinstance(t, threading._MainThread)][0].ident


def _all_arrived(me):
    main = _main_ident()
    with _lock:
        if main not in _arrived:
            return False
        for thread in threading.enumerate():
            if thread.ident != me and thread.ident not in _arrived:
                return False
    return True


def _report():
    me = _get_ident()
    deadline = monotonic() + TIMEOUT
    while not _all_arrived(me):
        if monotonic() > deadline:
            sys.stderr.write("workload: threads never arrived\n")
            os._exit(3)
        time.sleep(0.005)
    # A thread that has arrived may still be on its way into the blocking
    # call (e.g. inside arrived()); wait until the stacks stop changing.
    previous = None
    while True:
        current = _snapshot(me)
        if current == previous:
            break
        previous = current
        time.sleep(0.02)
    report = {
        "pid": os.getpid(),
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "reporter": {"thread_id": me, "native_id": native_id()},
        "threads": current,
    }
    out = sys.stdout
    out.write("SPYGLASS-TRUTH " + json.dumps(report, ensure_ascii=True) + "\n")
    out.write("SPYGLASS-READY\n")
    out.flush()


def _watch_stdin():
    # Ends the process when stdin closes (the driver went away) or on timeout.
    fd = sys.stdin.fileno()
    deadline = monotonic() + TIMEOUT
    while True:
        remaining = deadline - monotonic()
        if remaining <= 0:
            os._exit(0)
        arrived()
        readable = select.select([fd], [], [], remaining)[0]
        if readable and not os.read(fd, 4096):
            os._exit(0)


def begin():
    """Start the stdin watcher and the reporter. Call before starting threads."""
    start_thread(_watch_stdin, name="stdin-watcher")
    start_thread(_report, name="truth-reporter")
