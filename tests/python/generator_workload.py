# SPDX-License-Identifier: GPL-3.0-or-later
# generator_workload.py: threads parked inside generators while they are
# being iterated, so the generator's frame is on top of its consumer's.

import workload_harness as harness


def numbers():
    yield 1
    harness.park()
    yield 2


def pipeline_source():
    for value in numbers():
        yield value * 2


def delegating():
    yield 0
    yield from numbers()


def consume(iterable):
    total = 0
    for value in iterable:
        total += value
    return total


def send_driven():
    received = yield "ready"
    while received is not None:
        if received == "park":
            harness.park()
        received = yield received


def drive():
    coroutine = send_driven()
    next(coroutine)
    coroutine.send("hello")
    coroutine.send("park")


def main():
    harness.begin()
    harness.start_thread(consume, name="for-loop", args=(pipeline_source(),))
    harness.start_thread(lambda: list(delegating()), name="yield-from")
    harness.start_thread(drive, name="send")
    consume(numbers())


if __name__ == "__main__":
    main()
