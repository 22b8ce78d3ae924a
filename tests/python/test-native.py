#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""--native against real interpreters and real C and C++ code.

Cases:
  dump    a C and a C++ extension, built here against the interpreter's own
          headers, call back into Python: `dump --native --json` must give
          each thread's merged stack exactly, from its innermost Python
          frame out: the Python frames (names and lines as the interpreter
          reports them), the extension's functions between them (C++ names
          demangled), in order, and nothing of the interpreter's machinery
          or start-up.
  record  zlib.compress in a loop and libc's qsort with a Python comparator
          (ctypes): in a `record --native`, at least 90 % of the samples in
          those calls show the native frames in place.
  robust  threads that come and go all the time, an extension without
          unwind tables (threads in it have their Python frames and the
          reason for no native ones, never a stack joined up across it),
          the target killed mid-recording, Spyglass killed
          mid-sample: no crash, errors counted, and no thread of the target
          left stopped.
  waiting a thread parked for good and a thread that runs no Python are
          not stopped at each sample of a `record --native` (their count
          of context switches barely moves), and their stacks are in the
          recording all the same; a thread that moves between two waits in
          different C calls (select, poll) shows, at every sample, the one
          its Python frame made.
  errors  a process another tracer holds: a message naming that tracer;
          a pid that is not there: exit code 3.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from spytest import Failure, Skip, log, require_python, run

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.join(HERE, "native")

C_FRAMES = ["spy_c_inner", "spy_c_outer", "spynative_call_through"]
CPP_FRAMES = ["spyglass::Walker<int>::step(_object*)", "spyglass::bounce(_object*, int)",
              "call_through(_object*, _object*)"]


def build_extensions(python, into, no_unwind_tables=False):
    """Builds spynative (C) and spynative_cpp (C++) for @python into @into."""
    query = ("import sysconfig; print(sysconfig.get_paths()['include']); "
             "print(sysconfig.get_config_var('EXT_SUFFIX') or '.so')")
    out = subprocess.check_output([python, "-E", "-s", "-c", query]).decode().split("\n")
    include, suffix = out[0], out[1]
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise Skip("no Python.h for %s in %s" % (python, include))
    # pyconfig.h of Debian's builds is under <multiarch/pythonX.Y/>.
    usr_include = os.path.dirname(include)
    flags = ["-shared", "-fPIC", "-O2", "-w", "-I", include, "-I", usr_include]
    if no_unwind_tables:
        flags += ["-fno-asynchronous-unwind-tables", "-fno-unwind-tables"]
    for compiler, source, module in (("cc", "spynative.c", "spynative"),
                                     ("g++", "spynative_cpp.cpp", "spynative_cpp")):
        if shutil.which(compiler) is None:
            raise Failure("%s is not installed (build-aux/dev installs it)" % compiler)
        target = os.path.join(into, module + suffix)
        subprocess.check_call([compiler] + flags + ["-o", target, os.path.join(NATIVE, source)])


def start_workload(python, script, ext_dir, extra_env=None):
    env = dict(os.environ, SPY_WORKLOAD_TIMEOUT="60", SPY_NATIVE_EXT_DIR=ext_dir,
               PYTHONPATH=HERE)
    env.update(extra_env or {})
    return subprocess.Popen([python, os.path.join(HERE, script)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)


def start_script(python, tmp, name, text, env=None):
    """Writes @text to @tmp/@name and starts it under @python, its stdout
    a pipe."""
    script = os.path.join(tmp, name)
    with open(script, "w") as f:
        f.write(text)
    return subprocess.Popen([python, script], stdout=subprocess.PIPE, env=env)


def read_truth(process):
    line = process.stdout.readline().decode("utf-8")
    if not line.startswith("SPYGLASS-TRUTH "):
        raise Failure("the workload said %r" % line)
    return json.loads(line[len("SPYGLASS-TRUTH "):])


def stopped_threads(pid):
    """Threads of @pid in a stopped or traced state (T, t), with their states."""
    stopped = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return stopped
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state in ("t", "T"):
            stopped.append("%s:%s" % (tid, state))
    return stopped


def assert_none_stopped(pid, when):
    # A thread that was just let go may take a moment to leave its stop;
    # one left stopped stays so.
    deadline = time.monotonic() + 2
    while stopped_threads(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    left = stopped_threads(pid)
    if left:
        raise Failure("%s: threads of %d left stopped: %s" % (when, pid, left))


def shown(frame):
    if frame["kind"] == "python":
        return ("python", frame["function"], os.path.basename(frame["file"]), frame["line"])
    return ("native", frame["function"], frame["file"])


def expected_stack(truth_frames, natives, after):
    """The truth's Python frames, innermost first, with @natives (names)
    placed after (outside) the frame named @after."""
    want = []
    for frame in truth_frames:
        want.append(("python", frame["function"], os.path.basename(frame["file"]), frame["line"]))
        if frame["function"] == after:
            want.extend(("native", name) for name in natives)
    return want


def compare_thread(name, truth, got, natives, after, module):
    frames = got["frames"]
    python_at = [i for i, f in enumerate(frames) if f["kind"] == "python"]
    if not python_at:
        raise Failure("thread %s: no Python frame in %s (%s)"
                      % (name, [f["function"] for f in frames], got.get("native_error")))
    # Inside the innermost Python frame: how the lock waits (varies by
    # version); all native, and some there.
    inner = frames[:python_at[0]]
    if not inner:
        raise Failure("thread %s: no native frame inside %s" % (name, frames[0]["function"]))
    have = []
    for frame in frames[python_at[0]:]:
        if frame["kind"] == "native":
            if not frame["file"].startswith(module):
                raise Failure("thread %s: native frame %s (%s) where only %s's were expected:\n  %s"
                              % (name, frame["function"], frame["file"], module,
                                 "\n  ".join(map(str, map(shown, frames)))))
            have.append(("native", frame["function"]))
        else:
            have.append(shown(frame))
    want = expected_stack(truth["frames"], natives, after)
    if have != want:
        raise Failure("thread %s: merged stack differs\n  want %s\n  got  %s\n  (whole: %s)"
                      % (name, want, have, [shown(f) for f in frames]))


def dump_threads(args, pid):
    """`dump --native --json` of @pid: its threads by name."""
    result = subprocess.run([args.spyglass, "dump", "--native", "--json", "-p", str(pid)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if result.returncode != 0:
        raise Failure("dump --native failed (%d): %s" % (result.returncode, result.stderr.decode()))
    return dict((t["name"], t) for t in json.loads(result.stdout)["threads"])


def case_dump(args, tmp):
    build_extensions(args.python, tmp)
    process = start_workload(args.python, "native_workload.py", tmp)
    try:
        truth = read_truth(process)
        by_name = dump_threads(args, process.pid)
        checked = 0
        for want in truth["threads"]:
            name = want["name"]
            if name not in ("through-c", "through-cpp", "MainThread"):
                continue
            if name not in by_name:
                raise Failure("no thread %s in the dump: %s" % (name, sorted(by_name)))
            if name == "through-c":
                compare_thread(name, want, by_name[name], C_FRAMES, "from_c", "spynative.")
            elif name == "through-cpp":
                compare_thread(name, want, by_name[name], CPP_FRAMES, "from_cpp", "spynative_cpp.")
            else:
                compare_thread(name, want, by_name[name], [], None, "-")
            checked += 1
        if checked != 3:
            raise Failure("only %d of the 3 threads were in the truth" % checked)
        assert_none_stopped(process.pid, "after dump --native")
        text = subprocess.run([args.spyglass, "dump", "-n", "-p", str(process.pid)],
                              stdout=subprocess.PIPE, timeout=60).stdout.decode("utf-8")
        for name in C_FRAMES[:2] + CPP_FRAMES[:2]:
            if "    %s (spynative" % name not in text:
                raise Failure("the text dump lacks %s:\n%s" % (name, text))
        log("merged stacks exact in C, C++ and the main thread")
    finally:
        process.kill()
        process.wait()


RECORD_WORKLOAD = r'''
import ctypes, ctypes.util, os, sys, zlib

DATA = bytes(bytearray((i * 7919) % 251 for i in range(1 << 18))) * 4
libc = ctypes.CDLL(ctypes.util.find_library("c"))
COMPARE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


def by_value(a, b):
    return a[0] - b[0]


comparator = COMPARE(by_value)


def squeeze():
    return zlib.compress(DATA, 9)


REVERSED = (ctypes.c_int * 3000)(*range(3000, 0, -1))
numbers = (ctypes.c_int * 3000)()


def sort_numbers():
    ctypes.memmove(numbers, REVERSED, ctypes.sizeof(numbers))
    libc.qsort(numbers, len(numbers), ctypes.sizeof(ctypes.c_int), comparator)


sys.stdout.write("READY\n")
sys.stdout.flush()
while True:
    squeeze()
    sort_numbers()
'''


def load_collapsed(path):
    stacks = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, count = line.rstrip("\n").rsplit(" ", 1)
            stacks.append((stack.split(";"), int(count)))
    return stacks


def share_in_place(stacks, inside, check):
    """Of the samples inside a C call made by the Python frame @inside (a
    native frame right after it, root first): how many, how many for which
    check(frames, names, index of @inside) holds, and some that fail."""
    total = good = 0
    bad = []
    for frames, count in stacks:
        names = [f.split(" (")[0] for f in frames]
        if inside not in names:
            continue
        at = names.index(inside)
        if at + 1 >= len(frames) or ".py:" in frames[at + 1]:
            continue  # in the Python line itself, not in a C call
        total += count
        if check(frames, names, at):
            good += count
        else:
            bad.append(";".join(frames))
    return total, good, bad


def zlib_in_place(frames, names, at):
    # root first: … squeeze, the zlib module's function, libz inside it.
    # Debian's own interpreters have zlib built in and no symbols for it:
    # its unnamed function is taken for call machinery, libz comes first.
    inner = frames[at + 1:]
    return (("zlib" in inner[0] and any("libz.so" in f for f in inner[1:])) or
            "(libz.so" in inner[0])


def qsort_in_place(frames, names, at):
    # root first: sort_numbers, ctypes and libffi, qsort (libc), and inside
    # it libffi's closure and the comparator written in Python, if it runs.
    inner = names[at + 1:]
    sort = [i for i, f in enumerate(frames[at + 1:]) if f.startswith("qsort") and "libc.so" in f]
    if not sort or "ffi_call" not in inner[:sort[0]]:
        return False
    return "by_value" not in inner or inner.index("by_value") > sort[0]


def case_record(args, tmp):
    output = os.path.join(tmp, "native.txt")
    process = start_script(args.python, tmp, "record_workload.py", RECORD_WORKLOAD)
    try:
        if process.stdout.readline() != b"READY\n":
            raise Failure("the workload did not start")
        result = subprocess.run([args.spyglass, "record", "--native", "-d", "3", "-r", "200",
                                 "-f", "collapsed", "-o", output, "-p", str(process.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if result.returncode != 0:
            raise Failure("record --native failed: %s" % result.stderr.decode())
        assert_none_stopped(process.pid, "after record --native")
    finally:
        process.kill()
        process.wait()
    stacks = load_collapsed(output)
    for inside, check, what in (("squeeze", zlib_in_place, "zlib module and libz frames"),
                                ("sort_numbers", qsort_in_place,
                                 "libffi and qsort frames, and the comparator above them")):
        total, good, bad = share_in_place(stacks, inside, check)
        log("%s: %d of %d samples show the %s in place" % (inside, good, total, what))
        if total < 20:
            raise Failure("only %d samples in %s (of %d stacks)" % (total, inside, len(stacks)))
        if good < 0.9 * total:
            raise Failure("%s: only %d of %d samples show the %s in place; e.g.\n  %s"
                          % (inside, good, total, what, "\n  ".join(bad[:5])))


CHURN_WORKLOAD = r'''
import os, sys, threading, time
sys.path.insert(0, os.environ["SPY_NATIVE_EXT_DIR"])
import spynative

def short_life():
    total = 0
    for i in range(2000):
        total += i

def through_plain_c():
    while True:
        spynative.call_through(short_life)

threading.Thread(target=through_plain_c, name="no-unwind-tables").start()
sys.stdout.write("READY\n")
sys.stdout.flush()
while True:
    threads = [threading.Thread(target=short_life) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    os.write(1, b".")
'''


def progress(process, seconds):
    """Bytes of progress the workload writes within @seconds."""
    got = 0
    deadline = time.monotonic() + seconds
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(process.stdout.fileno(), 65536)
            got += len(chunk or b"")
        except BlockingIOError:
            pass
        time.sleep(0.05)
    return got


def check_no_tables(stacks):
    """Through code without unwind tables the unwind stops short of the
    Python frames further out: never a stack joined up across it."""
    for frames, _ in stacks:
        names = [f.split(" (")[0] for f in frames]
        if "spy_c_inner" in names and names[names.index("spy_c_inner") - 1] != "spy_c_outer":
            raise Failure("through code without unwind tables: %s" % ";".join(frames))


def dump_no_tables(args, tmp):
    """A thread parked in Python called from code without unwind tables:
    dump --native gives its Python frames, exactly, and says why it has no
    native ones; the main thread is merged as ever."""
    process = start_workload(args.python, "native_workload.py", tmp)
    try:
        truth = read_truth(process)
        by_name = dump_threads(args, process.pid)
        for want in truth["threads"]:
            got = by_name.get(want["name"])
            # (g++ keeps unwind tables for C++ code: exceptions need them.)
            if want["name"] != "through-c" or got is None:
                continue
            error = got.get("native_error") or ""
            if "no unwind information" not in error:
                raise Failure("thread %s: no native_error about the unwind tables: %s"
                              % (want["name"], [shown(f) for f in got["frames"]]))
            have = [shown(f) for f in got["frames"]]
            expected = [("python", f["function"], os.path.basename(f["file"]), f["line"])
                        for f in want["frames"]]
            if have != expected:
                raise Failure("thread %s: Python frames differ\n  want %s\n  got  %s"
                              % (want["name"], expected, have))
            log("%s: %s" % (want["name"], error))
            break
        else:
            raise Failure("no thread through-c in the dump: %s" % sorted(by_name))
        compare_thread("MainThread", [t for t in truth["threads"] if t["name"] == "MainThread"][0],
                       by_name["MainThread"], [], None, "-")
    finally:
        process.kill()
        process.wait()


def case_robust(args, tmp):
    build_extensions(args.python, tmp, no_unwind_tables=True)
    dump_no_tables(args, tmp)
    env = dict(os.environ, SPY_NATIVE_EXT_DIR=tmp)

    # Threads born and gone while being stopped, code without unwind
    # tables; then the target killed while recording.
    process = start_script(args.python, tmp, "churn_workload.py", CHURN_WORKLOAD, env)
    output = os.path.join(tmp, "churn.spyprof")
    try:
        if process.stdout.readline() != b"READY\n":
            raise Failure("the workload did not start")
        recorder = subprocess.Popen([args.spyglass, "record", "--native", "-r", "500", "-d", "30",
                                     "-o", output, "-p", str(process.pid)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if progress(process, 1.5) == 0:
            raise Failure("the target made no progress while recorded with --native")
        process.kill()
        process.wait()
        try:
            out, err = recorder.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            raise Failure("record --native did not end after its target was killed")
        if recorder.returncode != 0 or not os.path.exists(output):
            raise Failure("record --native of a killed target: %d, %s"
                          % (recorder.returncode, err.decode()))
        log("target killed mid-recording: %s" % err.decode().strip().splitlines()[-1])
        collapsed = os.path.join(tmp, "churn.txt")
        subprocess.check_call([args.spyglass, "convert", output, "-o", collapsed])
        check_no_tables(load_collapsed(collapsed))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    # Spyglass killed (SIGKILL) mid-sample, many times, at a high rate:
    # the kernel lets go of every thread it had stopped.
    process = start_script(args.python, tmp, "churn_workload.py", CHURN_WORKLOAD, env)
    try:
        if process.stdout.readline() != b"READY\n":
            raise Failure("the workload did not start")
        for attempt in range(10):
            recorder = subprocess.Popen([args.spyglass, "record", "--native", "-r", "2000",
                                         "-o", os.path.join(tmp, "killed-%d.txt" % attempt),
                                         "-p", str(process.pid)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3 + 0.037 * attempt)
            recorder.send_signal(signal.SIGKILL)
            recorder.wait()
            assert_none_stopped(process.pid, "after Spyglass was killed (%d)" % attempt)
        if progress(process, 0.5) == 0:
            raise Failure("the target stopped making progress after Spyglass was killed")
        log("Spyglass killed 10 times mid-recording: no thread left stopped, the target runs on")
    finally:
        process.kill()
        process.wait()


WAITING_WORKLOAD = r"""
import ctypes, json, os, select, sys, threading, time

def tids():
    return set(os.listdir("/proc/self/task"))

def new_tid(before):
    for _ in range(1000):
        born = tids() - before
        if born:
            return born.pop()
        time.sleep(0.005)
    raise SystemExit("no new thread")

def park_forever():
    threading.Event().wait()

def wait_select():
    select.select([], [], [], 0.002)

def wait_poll():
    poller.poll(2)

def move():
    while True:
        wait_select()
        wait_poll()

poller = select.poll()
found = {}
before = tids()
thread = threading.Thread(target=park_forever, name="parked")
thread.daemon = True
thread.start()
found["parked"] = new_tid(before)

# A thread that never runs Python: libc's sleep as its start routine.
libc = ctypes.CDLL("libc.so.6")
try:
    create = libc.pthread_create
except AttributeError:
    create = ctypes.CDLL("libpthread.so.0").pthread_create
create.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
handle = ctypes.c_ulong()
before = tids()
if create(ctypes.byref(handle), None, ctypes.cast(libc.sleep, ctypes.c_void_p), ctypes.c_void_p(100000)):
    raise SystemExit("pthread_create failed")
found["plain"] = new_tid(before)

before = tids()
thread = threading.Thread(target=move, name="mover")
thread.daemon = True
thread.start()
found["mover"] = new_tid(before)
time.sleep(0.1)
sys.stdout.write("READY %s\n" % json.dumps(found))
sys.stdout.flush()
while True:
    time.sleep(3600)
"""


def context_switches(pid, tid):
    total = 0
    with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def in_libc(frames, at, name):
    """Whether a libc function named like @name (select: __select too) is
    among the native frames inside frame @at."""
    return any(name in f.split(" (")[0] and "(libc.so" in f for f in frames[at + 1:])


def case_waiting(args, tmp):
    output = os.path.join(tmp, "waiting.txt")
    process = start_script(args.python, tmp, "waiting_workload.py", WAITING_WORKLOAD)
    try:
        line = process.stdout.readline().decode()
        if not line.startswith("READY "):
            raise Failure("the workload did not start: %r" % line)
        tids = json.loads(line[len("READY "):])
        before = dict((name, context_switches(process.pid, tid)) for name, tid in tids.items())
        result = subprocess.run([args.spyglass, "record", "--native", "--idle", "--threads",
                                 "-d", "3", "-r", "200", "-f", "collapsed", "-o", output,
                                 "-p", str(process.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if result.returncode != 0:
            raise Failure("record --native failed: %s" % result.stderr.decode())
        after = dict((name, context_switches(process.pid, tid)) for name, tid in tids.items())
        assert_none_stopped(process.pid, "after record --native")
    finally:
        process.kill()
        process.wait()
    stacks = load_collapsed(output)
    by_thread = {}
    for frames, count in stacks:
        by_thread.setdefault(frames[0], []).append((frames[1:], count))
    samples = sum(count for _, count in by_thread.get("thread (MainThread)", []))
    if samples < 100:
        raise Failure("only %d samples of the main thread: %s" % (samples, sorted(by_thread)))
    # Each stop is two switches at least (stopped, let go): a thread
    # stopped at every sample would have made twice as many as samples.
    for name in ("parked", "plain"):
        moved = after[name] - before[name]
        log("%s thread: %d context switches over %d samples" % (name, moved, samples))
        if moved > samples // 10:
            raise Failure("the %s thread was stopped again and again: %d context switches "
                          "in %d samples" % (name, moved, samples))
    parked = by_thread.get("thread (parked)", [])
    total = sum(count for _, count in parked)
    shown_native = sum(count for frames, count in parked
                       if any(f.startswith("park_forever ") for f in frames) and
                       any("(libc.so" in f for f in frames))
    log("parked thread: %d of %d samples with its libc frames" % (shown_native, total))
    if total < 0.9 * samples or shown_native < 0.9 * total:
        raise Failure("the parked thread: %d samples, %d of them with native frames, of %d"
                      % (total, shown_native, samples))
    if any(name.startswith("thread (") and "plain" in name for name in by_thread):
        raise Failure("the thread that runs no Python is in the recording")
    mover = by_thread.get("thread (mover)", [])
    # In the call (or back from it, between the two): never in the other
    # call, which is of another moment.
    for inside, want, never in (("wait_select", "select", "poll"), ("wait_poll", "poll", "select")):
        total, good, bad = share_in_place(mover, inside, lambda frames, names, at: in_libc(frames, at, want))
        wrong = [";".join(frames) for frames, _ in mover
                 if inside in [f.split(" (")[0] for f in frames] and
                 in_libc(frames, [f.split(" (")[0] for f in frames].index(inside), never)]
        log("mover in %s: %d of %d samples in libc's %s, %d in %s" % (inside, good, total, want, len(wrong), never))
        if wrong:
            raise Failure("the mover in %s shown in libc's %s (frames of another moment):\n  %s"
                          % (inside, never, "\n  ".join(wrong[:5])))
        if total < 20 or good < 0.5 * total:
            raise Failure("mover in %s: only %d of %d samples show libc's %s; e.g.\n  %s"
                          % (inside, good, total, want, "\n  ".join(bad[:5])))

def case_errors(args, tmp):
    """A process that another tracer holds, and a pid that is not there:
    a message that says so, the exit code the README gives, and the
    target left as it was."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    PTRACE_SEIZE = 0x4206
    process = subprocess.Popen([args.python, "-c", "import time\nwhile True: time.sleep(0.01)"])
    try:
        deadline = time.monotonic() + 10
        result = None
        while time.monotonic() < deadline:
            result = subprocess.run([args.spyglass, "dump", "-p", str(process.pid)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            if result.returncode == 0:
                break
            time.sleep(0.05)
        if result is None or result.returncode != 0:
            raise Failure("the target never became readable")
        # This test process traces it now (seized: not stopped).
        if libc.ptrace(PTRACE_SEIZE, process.pid, None, None) != 0:
            raise Failure("PTRACE_SEIZE failed: %s" % os.strerror(ctypes.get_errno()))
        result = subprocess.run([args.spyglass, "dump", "--native", "-p", str(process.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        message = result.stderr.decode()
        want = "process %d traces it already" % os.getpid()
        if result.returncode != 1 or want not in message:
            raise Failure("dump --native of a traced process: %d, %r (wanted %r)"
                          % (result.returncode, message, want))
        log("traced by another: %s" % message.strip())
        result = subprocess.run([args.spyglass, "record", "--native", "-d", "1", "-o",
                                 os.path.join(tmp, "x.txt"), "-p", str(process.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if result.returncode == 0 or want not in result.stderr.decode():
            raise Failure("record --native of a traced process: %d, %r"
                          % (result.returncode, result.stderr.decode()))
        if stopped_threads(process.pid):
            raise Failure("the traced target was left stopped: %s" % stopped_threads(process.pid))
    finally:
        process.kill()
        process.wait()
    result = subprocess.run([args.spyglass, "dump", "--native", "-p", "999999999"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if result.returncode != 3:
        raise Failure("dump --native of no process: %d, %r" % (result.returncode, result.stderr))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spyglass", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--case", required=True, choices=["dump", "record", "robust", "waiting",
                                                               "errors"])
    args = parser.parse_args()
    require_python(args.python, args.version)
    tmp = tempfile.mkdtemp(prefix="spy-native-")
    try:
        {"dump": case_dump, "record": case_record, "robust": case_robust,
         "waiting": case_waiting, "errors": case_errors}[args.case](args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run(main))
