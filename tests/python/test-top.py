#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-top.py: prove that `spyglass top` ranks a known hot function first,
# both as plain snapshots (stdout not a terminal) and live in a
# pseudo-terminal, that it puts the terminal back as it found it, and that
# escape sequences hidden in a function name never reach the terminal.
#
# The workload (top_workload.py) splits its CPU time 80/20 between hot()
# and cold().
#
# Exit status: 0 pass, 1 fail, 77 skip (meson's SKIP).

import argparse
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import fcntl
import time

from spytest import Failure, Skip, log, run

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3.11"
WORKLOAD = os.path.join(HERE, "top_workload.py")

# A row: %Own %Total OwnTime TotalTime function (location)
ROW = re.compile(r"^\s*([\d.]+)%\s+([\d.]+)%\s+([\d.]+)s\s+([\d.]+)s\s+(.*?) \((.*)\)$")
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LEAVE = b"\x1b[?1049l"
SHOW_CURSOR = b"\x1b[?25h"



def workload_env(hostile=False):
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONDEVMODE"):
        env.pop(name, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["SPY_WORKLOAD_TIMEOUT"] = "30"
    if hostile:
        env["SPY_TOP_HOSTILE"] = "1"
    return env


def command(spyglass, *options):
    return [spyglass, "top", *options, "--", PYTHON, "-B", WORKLOAD]


def last_table(text):
    """The rows of the last table in text, as (own, total, function, location)."""
    rows, current = [], None
    for line in text.splitlines():
        if "%Own" in line and "Function" in line:
            current = []
            rows.append(current)
            continue
        match = ROW.match(line) if current is not None else None
        if match:
            current.append((float(match.group(1)), float(match.group(2)),
                            match.group(5), match.group(6)))
        elif current is not None and current:
            current = None
    if not rows or not rows[-1]:
        raise Failure("no table with rows in the output:\n%s" % text)
    return rows[-1]


def run_snapshots(spyglass, options, hostile=False):
    """Runs top with stdout a pipe; returns its output (bytes)."""
    args = command(spyglass, *options)
    log("running: %s" % " ".join(args))
    try:
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=workload_env(hostile),
                                cwd=HERE, timeout=30)
    except subprocess.TimeoutExpired:
        raise Failure("spyglass top did not stop after its --duration")
    log("exit status %d, stderr: %s" % (result.returncode,
                                         result.stderr.decode("utf-8", "replace").strip()))
    if result.returncode != 0:
        raise Failure("spyglass top failed")
    if b"\x1b" in result.stdout:
        raise Failure("escape sequences in output that is not a terminal")
    return result.stdout


def check_hot_first(rows):
    function, location = rows[0][2], rows[0][3]
    log("first row: %r (%s), own %.1f%%" % (function, location, rows[0][0]))
    if function != "hot" or "top_workload.py" not in location:
        raise Failure("the first row is %s (%s), not hot (top_workload.py)" % (function, location))
    cold = [row for row in rows if row[2] == "cold"]
    if not cold or not rows[0][0] > cold[0][0] > 0:
        raise Failure("cold() should have less own time than hot(), and some: %r" % rows)


def case_hot_function_first(spyglass):
    output = run_snapshots(spyglass, ["--function", "--interval", "0.5", "--duration", "3"])
    text = output.decode("utf-8")
    tables = text.count("%Own")
    log("%d snapshots" % tables)
    if tables < 3:
        raise Failure("expected a snapshot every 0.5 s for 3 s, got %d:\n%s" % (tables, text))
    if "Python 3.11" not in text or "GIL " not in text or "active " not in text:
        raise Failure("the header lacks the Python version, GIL or active share:\n%s" % text)
    check_hot_first(last_table(text))


def case_hostile_names(spyglass):
    output = run_snapshots(spyglass, ["--function", "--interval", "1", "--duration", "2"],
                           hostile=True)
    text = output.decode("utf-8")
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
    if bad:
        raise Failure("control characters reached the output: %r" % sorted(set(bad)))
    if "evil[2J]0;pwned31mname" not in text:
        raise Failure("the hostile function is missing or not cleaned as expected:\n%s" % text)


def read_until(fd, output, predicate, timeout):
    """Reads fd into output (a bytearray) until predicate(output) or EOF; False on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate(output):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every slave end is closed
            chunk = b""
        if not chunk:
            return predicate(output)
        output += chunk
    return True


def wait_exit(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise Failure("spyglass top did not exit within %d s of q" % timeout)


def last_frame(output):
    """The text of the last frame drawn on the alternate screen."""
    screen = bytes(output).split(LEAVE)[0]
    frame = screen.rsplit(b"\x1b[H", 1)[-1].decode("utf-8", "replace")
    return CSI.sub("", frame).replace("\r", "")


def case_pty(spyglass):
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(HERE)
        env = workload_env()
        env["TERM"] = "xterm-256color"
        os.execve(spyglass, command(spyglass, "--interval", "0.5"), env)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    output = bytearray()
    try:
        if not read_until(master, output, lambda o: b"hot (" in o, 15):
            raise Failure("no table with hot() appeared:\n%r" % bytes(output))
        # Another refresh or two, so that the ranking has settled.
        read_until(master, output, lambda o: False, 1.5)
        os.write(master, b"q")
        read_until(master, output, lambda o: False, 5)
        status = wait_exit(pid, 5)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    check_pty_output(output, status, master)


def check_pty_output(output, status, master):
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise Failure("spyglass top ended with status %r:\n%r" % (status, bytes(output[-500:])))
    if not output.startswith(b"\x1b[?1049h"):
        raise Failure("did not enter the alternate screen first: %r" % bytes(output[:40]))
    tail = bytes(output).rstrip(b"\r\n")
    log("tail: %r" % tail[-40:])
    if not tail.endswith(LEAVE + SHOW_CURSOR):
        raise Failure("the output does not end by leaving the alternate screen and "
                      "showing the cursor: %r" % tail[-80:])
    try:
        lflag = termios.tcgetattr(master)[3]
        if not (lflag & termios.ICANON and lflag & termios.ECHO):
            raise Failure("the terminal was left without ICANON/ECHO")
    except termios.error as error:
        log("cannot read the terminal's settings back (%s); not checked" % error)
    frame = last_frame(output)
    log("last frame:\n" + frame)
    lines = frame.split("\n")
    if len(lines) != 24 or any(len(line) > 80 for line in lines):
        raise Failure("the frame does not fit 80x24: %d lines, widest %d" %
                      (len(lines), max(len(line) for line in lines)))
    if "q quit" not in lines[-1]:
        raise Failure("no key line at the bottom: %r" % lines[-1])
    check_hot_first(last_table(frame))


CASES = {
    "hot-function-first": case_hot_function_first,
    "hostile-names": case_hostile_names,
    "pty": case_pty,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spyglass", required=True)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    args = parser.parse_args()

    def test():
        if not os.access(PYTHON, os.X_OK):
            raise Skip("%s is not installed" % PYTHON)
        CASES[args.case](os.path.abspath(args.spyglass))
    return run(test)


if __name__ == "__main__":
    sys.exit(main())
