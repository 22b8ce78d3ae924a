#!/usr/bin/env python3
"""However Spyglass ends, what it started ends with it, and what it recorded stays.

One case per way of ending it, for the CLI (`spyglass record -- CMD`) and for
the desktop app (`spyglass --demo`, which starts the demo itself):

  cli-term, cli-int, cli-hup   the signal is caught: the command is gone
                               within 3 s, and the output holds exactly the
                               samples Spyglass says it wrote
  cli-kill                     SIGKILL: the command is gone within 3 s (the
                               kernel kills it: PR_SET_PDEATHSIG), and the
                               file saved while recording (--save-every)
                               loads, with at least the samples seen in it
  app-term, app-int, app-hup   the app stops, writes the unsaved recording
                               to its recovery file once more (it prints the
                               path and the count: the file must hold exactly
                               that), ends the demo within 3 s and exits
  app-term-asking              SIGTERM while the window asks whether to save
                               (Ctrl+W on an unsaved recording): no crash,
                               the same as app-term
  app-kill                     SIGKILL: the demo is gone within 3 s; the
                               recovery file written while recording (every
                               second here) loads, with at least the samples
                               seen in it before the kill
"""

import argparse
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from proc_util import children, gone
from spytest import Failure, Skip, log, run

PYTHON = "/usr/bin/python3.11"
# Busy for at most a minute: a failed test leaves nothing running for long.
WORK = "import time\nend = time.time() + 60\nwhile time.time() < end:\n    sum(range(1000))\n"
SIGNALS = {"term": signal.SIGTERM, "int": signal.SIGINT, "hup": signal.SIGHUP, "kill": signal.SIGKILL}
GONE_WITHIN = 3.0


def die_with_parent():
    """In a child of this test: killed if the test dies (a timeout, a crash)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("waited %.0f s for %s" % (seconds, what))
        time.sleep(0.02)


def count_samples(spyglass, path, tmp):
    """Samples in a .spyprof (through `spyglass convert` to collapsed stacks), or None."""
    if not os.path.exists(path):
        return None
    out = os.path.join(tmp, "count.txt")
    result = subprocess.run([spyglass, "convert", path, "-o", out], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=30)
    if result.returncode != 0:
        raise Failure("%s does not load: %s" % (path, result.stderr.decode("utf-8", "replace")))
    with open(out, encoding="utf-8") as f:
        return sum(int(line.rsplit(" ", 1)[1]) for line in f if line.strip())


def end_and_check(process, child, sig, timeout):
    """Sends @sig; the started child must be gone within GONE_WITHIN s, and
    Spyglass must exit (of the signal itself for SIGKILL)."""
    log("sending %s to spyglass %d (child %d)" % (signal.Signals(sig).name, process.pid, child))
    sent = time.monotonic()
    os.kill(process.pid, sig)
    wait_until(lambda: gone(child), GONE_WITHIN, "the started program %d to end" % child)
    log("the started program was gone %.2f s after the signal" % (time.monotonic() - sent))
    _, stderr = process.communicate(timeout=timeout)
    stderr = stderr.decode("utf-8", "replace")
    log("spyglass exited with %d; stderr:\n%s" % (process.returncode, stderr.strip()))
    if sig == signal.SIGKILL:
        if process.returncode != -signal.SIGKILL:
            raise Failure("spyglass should have died of SIGKILL, exit %d" % process.returncode)
    elif process.returncode < 0:
        raise Failure("spyglass died of signal %d instead of handling it" % -process.returncode)
    return stderr


def case_cli(spyglass, sig, tmp):
    out = os.path.join(tmp, "recording.spyprof")
    command = [spyglass, "record", "-o", out, "--save-every", "1", "--", PYTHON, "-c", WORK]
    log("running: %s" % " ".join(command))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=die_with_parent)
    try:
        child = wait_until(lambda: children(process.pid), 10, "the command to start")[0]
        seen = wait_until(lambda: count_samples(spyglass, out, tmp), 20, "a save with samples in it")
        log("saved while recording: %d samples" % seen)
        stderr = end_and_check(process, child, sig, 30)
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
    saved = count_samples(spyglass, out, tmp)
    if sig == signal.SIGKILL:
        if saved is None or saved < seen:
            raise Failure("after SIGKILL the file holds %s samples, fewer than the %d seen" % (saved, seen))
        log("after SIGKILL the file loads with %d samples (%d seen before)" % (saved, seen))
        return
    wrote = [line for line in stderr.splitlines() if line.startswith("spyglass: wrote ")]
    if not wrote:
        raise Failure("spyglass did not say it saved")
    said = int(wrote[0].split()[2])
    if saved != said or said < seen:
        raise Failure("spyglass said %d samples, the file holds %s, %d were seen before" % (said, saved, seen))
    log("the file holds the %d samples spyglass said it wrote" % saved)


def app_environment(tmp, schema_dir, interval):
    config = os.path.join(tmp, "config")
    os.makedirs(os.path.join(config, "glib-2.0", "settings"), exist_ok=True)
    with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
        f.write("[io/github/spyglass/Spyglass]\nrecovery-interval=uint32 %d\n" % interval)
    env = dict(os.environ)
    env.update({
        "SPYGLASS_DEMO_PYTHON": PYTHON,
        "GSETTINGS_SCHEMA_DIR": schema_dir,
        "GSETTINGS_BACKEND": "keyfile",
        "XDG_CONFIG_HOME": config,
        "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
        "XDG_DATA_HOME": os.path.join(tmp, "data"),
        "GSK_RENDERER": "cairo",
        "GTK_A11Y": "none",
        "GDK_BACKEND": "x11",
    })
    return env


def recovery_files(tmp):
    folder = os.path.join(tmp, "cache", "spyglass", "recovery")
    try:
        return [os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".spyprof")]
    except OSError:
        return []


def one_recovery_with_samples(spyglass, tmp):
    files = recovery_files(tmp)
    if len(files) != 1:
        return None
    try:
        count = count_samples(spyglass, files[0], tmp)
    except Failure:
        return None  # renamed away between listing and reading: look again
    return (files[0], count) if count else None


def xdotool(*args):
    result = subprocess.run(["xdotool"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    return result.stdout.decode().split()


def ask_to_close(pid):
    """Ctrl+W in the app's window: with an unsaved recording it asks first."""
    windows = wait_until(lambda: xdotool("search", "--onlyvisible", "--pid", str(pid)), 20, "the app's window")
    xdotool("windowfocus", "--sync", windows[0])
    xdotool("key", "--clearmodifiers", "ctrl+w")
    wait_until(lambda: len(xdotool("search", "--onlyvisible", "--pid", str(pid))) > len(windows), 20,
               "the question whether to save")
    log("the app asks whether to save")


def case_app(spyglass, sig, tmp, schema_dir, asking=False):
    if not os.environ.get("DISPLAY"):
        raise Skip("no display (run under xvfb-run)")
    env = app_environment(tmp, schema_dir, 1)
    command = [spyglass, "--demo"]
    log("running: %s" % " ".join(command))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               preexec_fn=die_with_parent)
    try:
        child = wait_until(lambda: children(process.pid), 20, "the demo to start")[0]
        # Written every second while recording: samples are in memory.
        path, seen = wait_until(lambda: one_recovery_with_samples(spyglass, tmp), 30,
                                "a recovery file with samples")
        log("recovery file while recording: %s, %d samples" % (path, seen))
        if asking:
            ask_to_close(process.pid)
        stderr = end_and_check(process, child, sig, 30)
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
    if sig == signal.SIGKILL:
        saved = count_samples(spyglass, path, tmp)
        if saved is None or saved < seen:
            raise Failure("after SIGKILL the recovery file holds %s samples, fewer than the %d seen" % (saved, seen))
        log("after SIGKILL the recovery file loads with %d samples (%d seen before)" % (saved, seen))
        return
    kept = [line for line in stderr.splitlines() if "is kept in " in line]
    if not kept:
        raise Failure("the app did not say where it kept the recording")
    said = int(kept[0].split("(", 1)[1].split()[0])
    path = kept[0].split("is kept in ", 1)[1].split(";")[0]
    saved = count_samples(spyglass, path, tmp)
    # Written at quit, after the last periodic write: exactly what it said.
    if saved != said or said < seen:
        raise Failure("the app said %d samples are kept in %s; it holds %s; %d were seen before" % (said, path, saved, seen))
    log("the recovery file holds the %d samples the app said it kept" % saved)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spyglass", required=True)
    parser.add_argument("--schema-dir", required=True)
    parser.add_argument("--case", required=True)
    args = parser.parse_args()
    front, _, how = args.case.partition("-")

    def test():
        if not os.access(PYTHON, os.X_OK):
            raise Skip("%s is not installed" % PYTHON)
        with tempfile.TemporaryDirectory(prefix="spyglass-lifecycle-") as tmp:
            if front == "cli":
                case_cli(args.spyglass, SIGNALS[how], tmp)
            elif how == "term-asking":
                if shutil.which("xdotool") is None:
                    raise Skip("xdotool is missing")
                case_app(args.spyglass, signal.SIGTERM, tmp, args.schema_dir, asking=True)
            else:
                case_app(args.spyglass, SIGNALS[how], tmp, args.schema_dir)
    return run(test)


if __name__ == "__main__":
    sys.exit(main())
