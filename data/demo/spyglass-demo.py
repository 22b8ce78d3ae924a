#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# spyglass-demo.py: a small multi-threaded program to look at with Spyglass.
#
# A few named worker threads do different kinds of CPU work in batches
# (finding primes, checksumming, parsing CSV and JSON, sorting), a writer
# thread waits on a queue and "writes" results slowly (I/O-like), and the
# main thread hands out work and prints a status line now and then. Short
# pauses between batches keep the load moderate (well under one core).
#
#   python3 spyglass-demo.py [--duration SECONDS] [--quiet]
#   spyglass top -p PID        (or pick it in the Spyglass window)
#
# Pure standard library; runs on Python 3.8 and later.

import argparse
import hashlib
import json
import os
import queue
import random
import sys
import threading
import time

PAUSE = 0.04  # seconds between batches, per worker


# --- primes ---------------------------------------------------------------

def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def primes_between(low, high):
    return [n for n in range(low, high) if is_prime(n)]


def sieve(limit):
    marks = bytearray([1]) * (limit + 1)
    marks[0:2] = b"\x00\x00"
    for n in range(2, int(limit ** 0.5) + 1):
        if marks[n]:
            marks[n * n::n] = bytearray(len(marks[n * n::n]))
    return [n for n, is_set in enumerate(marks) if is_set]


def prime_worker(results, stop):
    low = 1000
    while not stop.is_set():
        found = primes_between(low, low + 4000)
        checked = sieve(20000)
        results.put(("primes", len(found) + len(checked)))
        low += 4000
        stop.wait(PAUSE)


# --- checksums ------------------------------------------------------------

def make_block(rng, size):
    return bytes(rng.getrandbits(8) for _ in range(size))


def adler32(data):
    a, b = 1, 0
    for byte in data:
        a = (a + byte) % 65521
        b = (b + a) % 65521
    return (b << 16) | a


def digest_block(block):
    return hashlib.sha256(block).hexdigest(), adler32(block)


def hash_worker(results, stop):
    rng = random.Random(1)
    while not stop.is_set():
        block = make_block(rng, 4096)
        digest, checksum = digest_block(block)
        results.put(("hash", digest[:8] + "/%08x" % checksum))
        stop.wait(PAUSE)


# --- parsing --------------------------------------------------------------

def generate_csv(rng, rows):
    lines = ["id,name,price,tags"]
    for i in range(rows):
        name = rng.choice(["apple", "pear", "plum", "fig, dried", "kiwi"])
        lines.append('%d,"%s",%.2f,%s' % (i, name, rng.uniform(0.5, 9.5),
                                           rng.choice(["a", "b", "c"])))
    return "\n".join(lines)


def split_csv_line(line):
    fields, field, quoted = [], [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            fields.append("".join(field))
            field = []
        else:
            field.append(char)
    fields.append("".join(field))
    return fields


def parse_csv(text):
    lines = text.splitlines()
    header = split_csv_line(lines[0])
    return [dict(zip(header, split_csv_line(line))) for line in lines[1:]]


def tokenize_json(text):
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char in "{}[]:,":
            tokens.append(char)
            i += 1
        elif char == '"':
            end = text.index('"', i + 1)
            tokens.append(text[i:end + 1])
            i = end + 1
        elif char.isspace():
            i += 1
        else:
            end = i
            while end < len(text) and text[end] not in "{}[]:, \n":
                end += 1
            tokens.append(text[i:end])
            i = end
    return tokens


def parse_worker(results, stop):
    rng = random.Random(2)
    while not stop.is_set():
        records = parse_csv(generate_csv(rng, 300))
        document = json.dumps(records)
        tokens = tokenize_json(document)
        results.put(("parse", "%d records, %d tokens" % (len(records), len(tokens))))
        stop.wait(PAUSE)


# --- sorting --------------------------------------------------------------

def merge(left, right):
    merged, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def merge_sort(items):
    if len(items) <= 16:
        return insertion_sort(items)
    middle = len(items) // 2
    return merge(merge_sort(items[:middle]), merge_sort(items[middle:]))


def insertion_sort(items):
    items = list(items)
    for i in range(1, len(items)):
        value, j = items[i], i - 1
        while j >= 0 and items[j] > value:
            items[j + 1] = items[j]
            j -= 1
        items[j + 1] = value
    return items


def sort_worker(results, stop):
    rng = random.Random(3)
    while not stop.is_set():
        data = [rng.random() for _ in range(3000)]
        ordered = merge_sort(data)
        assert ordered == sorted(data)
        results.put(("sort", ordered[len(ordered) // 2]))
        stop.wait(PAUSE)


# --- the I/O-like writer ---------------------------------------------------

class ResultWriter:
    """Takes results off a queue and 'writes' them: mostly waiting."""

    def __init__(self, results):
        self.results = results
        self.counts = {}
        self.lock = threading.Lock()

    def write_record(self, kind, value):
        time.sleep(0.002)  # pretend to wait for a disk or a socket
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def run(self, stop):
        while not stop.is_set():
            try:
                kind, value = self.results.get(timeout=0.5)
            except queue.Empty:
                continue
            self.write_record(kind, value)

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


# --- the coordinator -------------------------------------------------------

def start_workers(results, writer, stop):
    workers = [
        ("prime-finder", prime_worker, (results, stop)),
        ("hasher", hash_worker, (results, stop)),
        ("parser", parse_worker, (results, stop)),
        ("sorter", sort_worker, (results, stop)),
        ("writer", writer.run, (stop,)),
    ]
    threads = []
    for name, target, args in workers:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def report_status(writer, started, quiet):
    if quiet:
        return
    counts = writer.snapshot()
    summary = ", ".join("%s %d" % (kind, counts[kind]) for kind in sorted(counts))
    print("[%6.1f s] batches written: %s" % (time.monotonic() - started, summary or "none"),
          flush=True)


def coordinate(duration, quiet):
    results = queue.Queue()
    stop = threading.Event()
    writer = ResultWriter(results)
    threads = start_workers(results, writer, stop)
    started = time.monotonic()
    try:
        while duration is None or time.monotonic() - started < duration:
            time.sleep(1.0 if duration is None else min(1.0, duration))
            report_status(writer, started, quiet)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=2)


def main():
    parser = argparse.ArgumentParser(description="A busy little program to profile with Spyglass.")
    parser.add_argument("--duration", type=float, default=None,
                        help="stop after this many seconds (default: run until killed)")
    parser.add_argument("--quiet", action="store_true", help="no status lines")
    args = parser.parse_args()
    if not args.quiet:
        print("spyglass-demo: pid %d, Python %s; try: spyglass top -p %d"
              % (os.getpid(), sys.version.split()[0], os.getpid()), flush=True)
    coordinate(args.duration, args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
