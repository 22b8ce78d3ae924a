#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-dump.py: prove that `spyglass dump` reports exactly what the
# interpreter itself sees.
#
# Starts a workload (tests/python/*_workload.py) with the given interpreter,
# reads the ground truth the workload prints from sys._current_frames(),
# waits until the workload's reporter thread is gone, then runs
# `spyglass dump --json -p PID` and compares: the same threads (by
# thread_id), exact names and native ids, exactly the same frames (function,
# file, line) innermost first; spinning threads active and idle ones not
# (retried, scheduling is noisy); at most one GIL holder. Finally checks the
# text form once.
#
# Exit status: 0 pass, 1 fail, 77 skip (meson's SKIP).

import argparse
import difflib
import json
import os
import re
import selectors
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

WORKLOADS = {
    "recursion": "recursion_workload.py",
    "classes": "classes_workload.py",
    "nested": "nested_workload.py",
    "generator": "generator_workload.py",
    "asyncio": "asyncio_workload.py",
    "threads": "threads_workload.py",
    "lines": "lines_workload.py",
    "unicode": "ünïcödé_wörkload.py",
}

# Environment variables that would change what the workload's stacks look like.
SCRUBBED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT",
                "PYTHONPROFILEIMPORTTIME", "PYTHONTRACEMALLOC", "PYTHONDEVMODE",
                "PYTHONASYNCIODEBUG", "PYTHONBREAKPOINT", "PYTHONWARNINGS")


class Failure(Exception):
    pass


def log(message=""):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def skip_or_fail(version, message):
    required = os.environ.get("SPY_REQUIRE_PYTHONS", "").split()
    if version in required:
        log("FAIL: %s (required by SPY_REQUIRE_PYTHONS)" % message)
        sys.exit(1)
    log("SKIP: %s" % message)
    sys.exit(SKIP)


class Workload:
    """A running workload process whose stdout we read line by line."""

    def __init__(self, python, script, timeout):
        env = dict(os.environ)
        for name in SCRUBBED_ENV:
            env.pop(name, None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["SPY_WORKLOAD_TIMEOUT"] = str(timeout)
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([python, "-B", script], cwd=HERE, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        self.pid = self.proc.pid
        self.buffer = b""
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)

    def read_line(self, deadline):
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("timed out waiting for the workload\n" + self.stderr_text())
            if self.selector.select(remaining):
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise Failure("workload exited early (status %s)\n%s"
                                  % (self.proc.poll(), self.stderr_text()))
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def stderr_text(self):
        self.stderr.seek(0)
        text = self.stderr.read().decode("utf-8", "replace")
        return ("workload stderr:\n" + text) if text else ""

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.selector.close()
        self.proc.stdout.close()
        self.stderr.close()


def read_truth(workload, seconds):
    deadline = time.monotonic() + seconds
    truth = None
    while True:
        line = workload.read_line(deadline)
        if line.startswith("SPYGLASS-TRUTH "):
            truth = json.loads(line[len("SPYGLASS-TRUTH "):])
        elif line == "SPYGLASS-READY":
            break
    if truth is None:
        raise Failure("workload said ready without printing the truth")
    # The reporter thread must be gone before we look, or it would be an
    # extra thread (and it held the GIL).
    task = "/proc/%d/task/%d" % (workload.pid, truth["reporter"]["native_id"])
    while os.path.exists(task):
        if time.monotonic() > deadline:
            raise Failure("the reporter thread did not exit")
        time.sleep(0.002)
    return truth


def run_spyglass(spyglass, args, timeout=30):
    try:
        result = subprocess.run([spyglass] + args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("spyglass %s timed out after %d s" % (" ".join(args), timeout))
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode < 0:
        raise Failure("spyglass %s died of signal %d\nstderr:\n%s"
                      % (" ".join(args), -result.returncode, stderr))
    if result.returncode != 0:
        raise Failure("spyglass %s exited with %d\nstderr:\n%s"
                      % (" ".join(args), result.returncode, stderr))
    return stdout, stderr


def dump_json(spyglass, pid):
    stdout, stderr = run_spyglass(spyglass, ["dump", "--json", "-p", str(pid)])
    try:
        return json.loads(stdout)
    except ValueError as error:
        raise Failure("spyglass dump --json printed invalid JSON (%s):\n%s\nstderr:\n%s"
                      % (error, stdout[:2000], stderr))


def describe_frame(frame):
    return "%s  %s:%s" % (frame.get("function"), frame.get("file"), frame.get("line"))


def describe_thread(thread):
    return "thread_id=%s native_id=%s name=%r" % (
        thread.get("thread_id"), thread.get("native_id"), thread.get("name"))


def frames_diff(expected, actual, limit=80):
    want = [describe_frame(f) for f in expected]
    got = [describe_frame(f) for f in actual]
    lines = list(difflib.unified_diff(want, got, "interpreter (truth)",
                                      "spyglass dump", n=2, lineterm=""))
    if len(lines) > limit:
        lines = lines[:limit] + ["... (%d more diff lines)" % (len(lines) - limit)]
    return "\n".join("      " + line for line in lines)


def normalized_frames(frames):
    return [{"function": f.get("function"), "file": f.get("file"), "line": f.get("line")}
            for f in frames]


def compare_header(truth, dump, problems):
    if dump.get("pid") != truth["pid"]:
        problems.append("pid: expected %r, got %r" % (truth["pid"], dump.get("pid")))
    want = truth["python_version"]
    got = str(dump.get("python_version"))
    major_minor = ".".join(want.split(".")[:2])
    if got != want:
        if got == major_minor or got.startswith(major_minor + "."):
            log("note: python_version %r is less precise than %r" % (got, want))
        else:
            problems.append("python_version: expected %r, got %r" % (want, got))
    exe = dump.get("executable")
    if not isinstance(exe, str) or \
            os.path.realpath(exe) != os.path.realpath(truth["executable"]):
        problems.append("executable: expected %r (real path %r), got %r"
                        % (truth["executable"], os.path.realpath(truth["executable"]), exe))


def compare_threads(truth, dump, problems):
    """Exact comparison of the thread set, names, native ids and frames."""
    want = dict((t["thread_id"], t) for t in truth["threads"])
    threads = dump.get("threads")
    if not isinstance(threads, list):
        problems.append("no 'threads' list in the dump")
        return
    got = {}
    for thread in threads:
        if thread.get("thread_id") in got:
            problems.append("thread listed twice: %s" % describe_thread(thread))
        got[thread.get("thread_id")] = thread
    for ident in sorted(set(want) - set(got), key=str):
        problems.append("missing thread: %s" % describe_thread(want[ident]))
    for ident in sorted(set(got) - set(want), key=str):
        problems.append("unexpected thread: %s" % describe_thread(got[ident]))
    for ident in sorted(set(want) & set(got)):
        expected, actual = want[ident], got[ident]
        label = "thread %s %r" % (ident, expected["name"])
        if actual.get("name") != expected["name"]:
            problems.append("%s: name: expected %r, got %r"
                            % (label, expected["name"], actual.get("name")))
        if actual.get("native_id") != expected["native_id"]:
            problems.append("%s: native_id: expected %r, got %r"
                            % (label, expected["native_id"], actual.get("native_id")))
        frames = normalized_frames(actual.get("frames") or [])
        if frames != expected["frames"]:
            problems.append("%s: frames differ (%d expected, %d reported), innermost first:\n%s"
                            % (label, len(expected["frames"]), len(frames),
                               frames_diff(expected["frames"], frames)))


def check_states(spyglass, truth, first_dump, attempts, problems):
    """Spinners active (at least once), idle threads never active, GIL sane.

    Scheduling is noisy: a spinner waiting for the GIL sleeps in the kernel,
    so the active flag of spinners and the GIL holder are retried."""
    roles = dict((t["thread_id"], t["role"]) for t in truth["threads"])
    names = dict((t["thread_id"], t["name"]) for t in truth["threads"])
    spinners = set(i for i, r in roles.items() if r == "spin")
    seen_active = set()
    seen_gil = False
    dump = first_dump
    for attempt in range(attempts):
        if attempt > 0:
            dump = dump_json(spyglass, truth["pid"])
            more = []
            compare_threads(truth, dump, more)
            if more:
                problems.append("dump #%d differs from the truth:" % (attempt + 1))
                problems.extend(more)
                return
        holders = []
        for thread in dump.get("threads", []):
            ident = thread.get("thread_id")
            if ident not in roles:
                continue
            if thread.get("active") not in (True, False):
                problems.append("thread %s %r: 'active' is %r, not a boolean"
                                % (ident, names[ident], thread.get("active")))
                return
            if thread.get("gil") not in (True, False):
                problems.append("thread %s %r: 'gil' is %r, not a boolean"
                                % (ident, names[ident], thread.get("gil")))
                return
            if thread["active"] and ident in spinners:
                seen_active.add(ident)
            if thread["active"] and ident not in spinners:
                problems.append("dump #%d: idle thread %s %r reported active"
                                % (attempt + 1, ident, names[ident]))
            if thread["gil"]:
                holders.append(ident)
        if len(holders) > 1:
            problems.append("dump #%d: %d threads hold the GIL: %s"
                            % (attempt + 1, len(holders), [names[i] for i in holders]))
        for ident in holders:
            if ident not in spinners:
                # Every other thread is blocked in a call that released the GIL.
                problems.append("dump #%d: thread %s %r reported holding the GIL, "
                                "but it is blocked with the GIL released"
                                % (attempt + 1, ident, names[ident]))
            else:
                seen_gil = True
        if problems:
            return
        if seen_active == spinners and (seen_gil or not spinners):
            break
    for ident in sorted(spinners - seen_active):
        problems.append("spinning thread %s %r never reported active in %d dumps"
                        % (ident, names[ident], attempts))
    if spinners and not seen_gil:
        problems.append("no spinning thread was reported holding the GIL in %d dumps"
                        % attempts)
    log("states: %d dump(s); spinners seen active: %d/%d; GIL holder seen: %s"
        % (attempt + 1, len(seen_active), len(spinners),
           "yes" if seen_gil else ("n/a" if not spinners else "no")))


def check_text(spyglass, truth, problems):
    stdout, _ = run_spyglass(spyglass, ["dump", "-p", str(truth["pid"])])
    for thread in truth["threads"]:
        # The id shown may be thread_id (decimal or hex) or the OS thread id;
        # the state may carry more, e.g. "(active, gil)".
        ident, native = thread["thread_id"], thread["native_id"]
        # A name with quotes or backslashes may be shown raw or escaped.
        name = "|".join(re.escape(n) for n in (thread["name"], json.dumps(thread["name"])[1:-1]))
        header = re.compile(r'Thread (?:%d|0x%x|%d) \((?:active|idle)[^)]*\): "(?:%s)"'
                            % (ident, ident, native, name), re.IGNORECASE)
        if not header.search(stdout):
            problems.append('text dump: no header `Thread %d|0x%x|%d (active|idle): "%s"`'
                            % (ident, ident, native, thread["name"]))
        innermost = thread["frames"][0]["function"] if thread["frames"] else None
        if innermost and innermost not in stdout:
            problems.append("text dump: innermost function %r of thread %r not shown"
                            % (innermost, thread["name"]))
    if problems:
        problems.append("text dump was:\n" + stdout[:4000])


def show_truth(truth):
    log("truth: pid %d, Python %s, %s, %d threads"
        % (truth["pid"], truth["python_version"], truth["executable"], len(truth["threads"])))
    for thread in truth["threads"]:
        frames = thread["frames"]
        top = describe_frame(frames[0]) if frames else "(no frames)"
        log("  %-28s %-5s %3d frames, top: %s"
            % (repr(thread["name"]), thread["role"], len(frames), top))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spyglass", required=True, help="the spyglass executable")
    parser.add_argument("--python", required=True, help="the interpreter to run the workload")
    parser.add_argument("--version", help="its major.minor (for SPY_REQUIRE_PYTHONS)")
    parser.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    parser.add_argument("--attempts", type=int, default=20,
                        help="dumps to try for the active flag and the GIL holder")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds the workload lives at most")
    parser.add_argument("--save-truth", metavar="FILE", help="also write the truth to FILE")
    args = parser.parse_args()

    if not os.access(args.python, os.X_OK):
        skip_or_fail(args.version, "interpreter %s not found" % args.python)
    if not os.access(args.spyglass, os.X_OK):
        log("FAIL: spyglass executable %s not found" % args.spyglass)
        return 1

    args.spyglass = os.path.abspath(args.spyglass)
    workload = Workload(args.python, os.path.join(HERE, WORKLOADS[args.workload]), args.timeout)
    problems = []
    try:
        truth = read_truth(workload, 20)
        show_truth(truth)
        if args.save_truth:
            with open(args.save_truth, "w") as out:
                json.dump(truth, out, indent=1)
        dump = dump_json(args.spyglass, workload.pid)
        compare_header(truth, dump, problems)
        compare_threads(truth, dump, problems)
        if not problems:
            check_states(args.spyglass, truth, dump, args.attempts, problems)
        if not problems:
            check_text(args.spyglass, truth, problems)
        if workload.proc.poll() is not None:
            problems.append("the workload died during the test (status %s)\n%s"
                            % (workload.proc.returncode, workload.stderr_text()))
    except Failure as failure:
        problems.append(str(failure))
    finally:
        workload.stop()

    if problems:
        log("FAIL: spyglass dump of the %s workload on %s:" % (args.workload, args.python))
        for problem in problems:
            log("  - " + problem)
        return 1
    log("PASS: %s on %s: %d threads exact" % (args.workload, args.python, len(truth["threads"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
