"""What a call does (preflight/callgraph/calls.py): protocol methods, builtins that call back, outside
callables that pass their argument on (through `build`; each program was run under tracing)."""

from __future__ import annotations

import textwrap

from preflight.callgraph import build
from tests.callgraph.helpers import edges


def graph(source: str) -> dict[str, list[str]]:
    return build({"m.py": textwrap.dedent(source)}).to_pycg()


def test_a_protocol_method_with_more_parameters_gets_none_of_the_call_s_arguments() -> None:
    # next(it, None) once crashed the solver: the call's two arguments met __next__'s one parameter
    source = """
    class It:
        def __next__(self, default=None):
            return default

        def __iter__(self, extra=None):
            return self


    def run(it):
        return next(it, None), iter(it)


    run(It())
    """
    assert edges({"m.py": textwrap.dedent(source)}, "m.run") == [
        "<builtin>.iter",
        "<builtin>.next",
        "m.It.__iter__",
        "m.It.__next__",
    ]


def test_protocol_call_sites_are_never_counted_unresolved() -> None:
    result = build(
        {"m.py": "def f(items):\n    for x in items:\n        pass\n    with open('x') as h:\n        pass\n"}
    )
    assert result.unresolved == {}  # the loop and the with reach nothing of ours: not a miss


def test_a_context_manager_whose_enter_is_not_ours_is_what_as_binds() -> None:
    source = """
    import contextlib


    class Scope(contextlib.AbstractContextManager):
        def __exit__(self, *exc):
            return None

        def run(self):
            return 1


    def go():
        with Scope() as scope:
            return scope.run()
    """
    assert graph(source)["m.go"] == ["m.Scope.__exit__", "m.Scope.run"]


def test_with_an_enter_of_ours_binds_what_it_returns() -> None:
    source = """
    class Handle:
        def read(self):
            return 1


    class Resource:
        def __enter__(self):
            return Handle()

        def __exit__(self, *exc):
            return False

        def read(self):
            return 2


    def go():
        with Resource() as handle:
            return handle.read()
    """
    assert graph(source)["m.go"] == ["m.Handle.read", "m.Resource.__enter__", "m.Resource.__exit__"]


def test_callbacks_by_keyword_and_position_and_what_reduce_returns() -> None:
    source = """
    import functools


    class Box:
        def open(self):
            return 1


    def key(item):
        return item


    def merge(left, right):
        return right


    def go(items):
        sorted(items, key=key)
        return functools.reduce(merge, [Box()]).open()
    """
    assert graph(source)["m.go"] == ["<builtin>.sorted", "functools.reduce", "m.Box.open", "m.key", "m.merge"]


def test_outside_callables_that_give_back_their_argument() -> None:
    source = """
    import functools
    import typing


    class Box:
        def open(self):
            return 1


    def wrapped():
        return 1


    def go():
        typing.cast(Box, Box()).open()
        functools.update_wrapper(wrapped, go)()
    """
    assert graph(source)["m.go"] == ["functools.update_wrapper", "m.Box.open", "m.wrapped", "typing.cast"]


def test_raise_instantiates_a_class_of_ours_and_names_one_outside() -> None:
    source = """
    class Failure(Exception):
        def __init__(self):
            self.code = 1


    def go(flag):
        if flag:
            raise Failure
        raise KeyError
    """
    assert graph(source)["m.go"] == ["<builtin>.KeyError", "m.Failure.__init__"]


def test_iterating_a_generator_made_elsewhere_runs_it() -> None:
    source = """
    class Task:
        def run(self):
            return 1


    def tasks():
        yield Task()


    def make():
        return tasks()


    def drain():
        for task in make():
            task.run()
    """
    assert graph(source)["m.drain"] == ["m.Task.run", "m.make", "m.tasks"]
