# SPDX-License-Identifier: GPL-3.0-or-later
# nested_workload.py: nested functions, lambdas, decorators and
# comprehensions (a frame of their own before 3.12, inlined from 3.12).

import functools

import workload_harness as harness


def outer():
    def middle():
        def inner():
            harness.park()
        inner()
    middle()


def with_lambda():
    action = lambda: harness.park()  # noqa: E731
    action()


def logged(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)
    return wrapper


@logged
def decorated():
    harness.park()


def in_list_comprehension():
    return [harness.park() for _ in range(1)]


def in_generator_expression():
    return sum(harness.park() or 1 for _ in range(1))


def in_dict_comprehension():
    return {key: (lambda: harness.park())() for key in "a"}


def main():
    harness.begin()
    harness.start_thread(outer, name="nested-functions")
    harness.start_thread(with_lambda, name="lambda")
    harness.start_thread(decorated, name="decorated")
    harness.start_thread(in_list_comprehension, name="listcomp")
    harness.start_thread(in_generator_expression, name="genexpr")
    harness.start_thread(lambda: in_dict_comprehension(), name="dictcomp-lambda")
    outer()


if __name__ == "__main__":
    main()
