# SPDX-License-Identifier: GPL-3.0-or-later
# classes_workload.py: threads parked in methods, so that co_qualname
# (3.11+) differs from co_name: Class.method, nested classes, static and
# class methods, properties, __init__ and __call__, a class defined in a
# function.

import workload_harness as harness


class Repository:
    def fetch(self, key):
        return self._load(key)

    def _load(self, key):
        harness.park()

    class Cache:
        class Entry:
            def refresh(self):
                harness.park()

        def lookup(self):
            return Repository.Cache.Entry().refresh()

    @staticmethod
    def static_helper():
        harness.park()

    @classmethod
    def build(cls):
        harness.park()

    @property
    def size(self):
        harness.park()
        return 0


class Job:
    def __init__(self):
        harness.park()


class Callback:
    def __call__(self, value):
        harness.park()


def make_local_class():
    class Local:
        def run(self):
            harness.park()
    return Local


def main():
    harness.begin()
    harness.start_thread(Repository().fetch, name="method", args=("k",))
    harness.start_thread(Repository.Cache().lookup, name="nested-class")
    harness.start_thread(Repository.static_helper, name="staticmethod")
    harness.start_thread(Repository.build, name="classmethod")
    harness.start_thread(lambda: Repository().size, name="property")
    harness.start_thread(Job, name="constructor")
    harness.start_thread(Callback(), name="call", args=(1,))
    make_local_class()().run()


if __name__ == "__main__":
    main()
