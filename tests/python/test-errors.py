#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-errors.py: `spyglass dump` fails cleanly, with a message that says
# what is wrong, on targets it cannot read.
#
# One case per run (--case NAME). Every case expects a non-zero exit that is
# not a death by signal, within a time limit, and a message on stderr with
# the key words a user needs. Exit status: 0 pass, 1 fail, 77 skip.

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
NOBODY = 65534

# Report readiness, then wait for stdin to close.
WAITER = ("import sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); "
          "sys.stdin.read()")


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def log(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def start_waiting_python(python):
    """Start an interpreter and return once it has initialized."""
    proc = subprocess.Popen([python, "-c", WAITER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    line = proc.stdout.readline()
    if line.strip() != b"ready":
        stop(proc)
        raise Failure("%s did not start (got %r)" % (python, line))
    return proc


def stop(proc):
    if proc.stdin:
        try:
            proc.stdin.close()
        except OSError:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stdout:
        proc.stdout.close()


def unused_pid():
    """A pid that no process has now."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    for pid in range(pid_max - 1, 300, -1):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    raise Failure("no unused pid found")


def run_dump(command, pid):
    """Run the dump, expect a clean failure, return its stderr."""
    args = command + ["dump", "-p", str(pid)]
    log("running: %s" % " ".join(args))
    try:
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=20)
    except subprocess.TimeoutExpired:
        raise Failure("spyglass did not finish within 20 s")
    stderr = result.stderr.decode("utf-8", "replace")
    stdout = result.stdout.decode("utf-8", "replace")
    log("exit status %d, stderr: %s" % (result.returncode, stderr.strip()))
    if result.returncode < 0:
        raise Failure("spyglass died of signal %s" % signal.Signals(-result.returncode).name)
    if result.returncode == 0:
        raise Failure("spyglass succeeded on a target it cannot read; stdout:\n%s" % stdout)
    if result.returncode >= 128:
        raise Failure("exit status %d looks like a crash" % result.returncode)
    if not stderr.strip():
        raise Failure("no message on stderr")
    return stderr


def expect_words(message, groups):
    """Each group is a tuple of alternatives; one of each must appear."""
    lower = message.lower()
    missing = [" or ".join(repr(w) for w in group) for group in groups
               if not any(w.lower() in lower for w in group)]
    if missing:
        raise Failure("the message lacks %s:\n  %s" % (", ".join(missing), message.strip()))


NO_SUCH_PROCESS = ("no such process", "no process", "does not exist", "not found", "exited",
                   "not running")


def case_no_such_pid(spyglass):
    pid = unused_pid()
    message = run_dump([spyglass], pid)
    expect_words(message, [(str(pid),), NO_SUCH_PROCESS])


def case_exited(spyglass):
    proc = subprocess.Popen(["/bin/sleep", "60"])
    pid = proc.pid
    proc.kill()
    proc.wait()
    message = run_dump([spyglass], pid)
    expect_words(message, [(str(pid),), NO_SUCH_PROCESS])


def case_not_python(spyglass):
    proc = subprocess.Popen(["/bin/sleep", "60"])
    try:
        message = run_dump([spyglass], proc.pid)
    finally:
        stop(proc)
    expect_words(message, [("python",), ("not",), ("libpython", "_PyRuntime")])


def runnable_by_nobody(path):
    check = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
             "test", "-x", path]
    return subprocess.run(check).returncode == 0


def case_permission_denied(spyglass):
    if os.geteuid() != 0:
        raise Skip("needs root (to run the target as root and spyglass as nobody)")
    if shutil.which("setpriv") is None:
        raise Skip("setpriv is not installed")
    tmpdir = None
    try:
        if not runnable_by_nobody(spyglass):
            tmpdir = tempfile.mkdtemp(prefix="spyglass-errors-")
            os.chmod(tmpdir, 0o755)
            copy = os.path.join(tmpdir, "spyglass")
            shutil.copy(spyglass, copy)
            os.chmod(copy, 0o755)
            spyglass = copy
            if not runnable_by_nobody(spyglass):
                raise Skip("user nobody cannot run %s" % spyglass)
        proc = start_waiting_python(sys.executable)
        try:
            command = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                       "--clear-groups", spyglass]
            message = run_dump(command, proc.pid)
        finally:
            stop(proc)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    expect_words(message, [("permission",), ("CAP_SYS_PTRACE", "ptrace_scope")])


BUSY_TARGET = r"""
import sys, threading
def churn(n):
    return churn(n - 1) if n else sum(range(50))
def work():
    while True:
        churn(150)
for i in range(4):
    threading.Thread(target=work, daemon=True).start()
print("ready", flush=True)
work()
"""


def case_exiting_while_read(spyglass):
    """Kill the target at random moments while spyglass reads it: every run
    ends with a stack dump or a clear 'exited'/'no process' error, never a
    crash or a hang."""
    import random
    python = "/usr/bin/python3"
    if not os.access(python, os.X_OK):
        raise Skip("%s is not installed" % python)
    rng = random.Random(1234)
    outcomes = {}
    for attempt in range(40):
        target = subprocess.Popen([python, "-c", BUSY_TARGET], stdout=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
        if target.stdout.readline().strip() != b"ready":
            stop(target)
            raise Failure("the busy target did not start")
        dump = subprocess.Popen([spyglass, "dump", "-p", str(target.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, 0.012))
        target.kill()
        target.wait()
        target.stdout.close()
        try:
            _, stderr = dump.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            dump.kill()
            raise Failure("spyglass hung reading a dying target")
        message = stderr.decode("utf-8", "replace").strip()
        if dump.returncode < 0:
            raise Failure("spyglass died of signal %s" % signal.Signals(-dump.returncode).name)
        if dump.returncode not in (0, 3, 6):
            raise Failure("exit status %d for a dying target: %s" % (dump.returncode, message))
        if dump.returncode != 0:
            expect_words(message, [(str(target.pid),), NO_SUCH_PROCESS])
        outcomes[dump.returncode] = outcomes.get(dump.returncode, 0) + 1
    log("outcomes by exit status over 40 runs: %s" % outcomes)


CASES = {
    "exiting-while-read": case_exiting_while_read,
    "no-such-pid": case_no_such_pid,
    "exited": case_exited,
    "not-python": case_not_python,
    "permission-denied": case_permission_denied,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spyglass", required=True)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    args = parser.parse_args()
    if not os.access(args.spyglass, os.X_OK):
        log("FAIL: spyglass executable %s not found" % args.spyglass)
        return 1
    started = time.monotonic()
    try:
        CASES[args.case](os.path.abspath(args.spyglass))
    except Skip as skip:
        log("SKIP: %s" % skip)
        return SKIP
    except Failure as failure:
        log("FAIL: %s: %s" % (args.case, failure))
        return 1
    log("PASS: %s (%.2f s)" % (args.case, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
