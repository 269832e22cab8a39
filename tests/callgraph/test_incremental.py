"""The incremental solver: after every kind of edit, the graph it gives is exactly a cold solve's.

Each test builds a real git repository, indexes a commit (warm: resuming from the last
pack), and indexes it again into an empty cache directory (cold: from scratch); the two
must be equal in every field. `stats.solve` shows which path ran, so the tests also prove
that the incremental path (not a fallback) produced the warm graph.
"""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from preflight.callgraph import cache
from preflight.callgraph.cache import CallGraphIndex
from preflight.repository import Repository
from tests.conftest import commit

SHOP = {
    "shop/__init__.py": "from shop.util import *\n",
    "shop/util.py": """
        def slug(text):
            return text.lower()


        def money(value):
            return round(value, 2)
    """,
    "shop/models.py": """
        from shop import slug
        from shop.util import money


        class Base:
            def save(self):
                self.validate()
                return self.key()

            def describe(self):
                return self.key()

            def validate(self):
                pass

            def key(self):
                return id(self)


        class Item(Base):
            def __init__(self, name, price):
                self.name = name
                self.price = money(price)

            def validate(self):
                check(self.price)

            def key(self):
                return slug(self.name)

            @property
            def label(self):
                return slug(self.name)


        def check(value):
            if value < 0:
                raise ValueError(value)
    """,
    "shop/views.py": """
        import shop.util as util
        from shop import models


        def deco(fn):
            return fn


        @deco
        def create(name):
            item = models.Item(name, 3)
            item.save()
            return item.label


        def listing(items):
            return [util.money(i.price) for i in items]
    """,
    "shop/cli.py": """
        from shop.views import create, listing


        def main():
            print(create("x"), listing([]))
    """,
}


def ballast(count: int = 12) -> dict[str, str]:
    """Modules no edit touches, so that an edit leaves most of the program clean."""
    files = {"ballast/__init__.py": ""}
    for i in range(count):
        parent = f"from ballast.m{i - 1} import Node{i - 1} as Parent\n" if i else "Parent = object\n"
        files[f"ballast/m{i}.py"] = parent + textwrap.dedent(f"""
            class Node{i}(Parent):
                def run(self, value):
                    return self.step(value) + len(str(value))

                def step(self, value):
                    return helper{i}(value)


            def helper{i}(value):
                return [Node{i}().run(v) for v in range(value)]
            """)
    return files


JOBS = """\
import threading

from shop.patch import patch


class Worker(threading.Thread):
    def go(self):
        self.start()


def main():
    Worker().go()
"""
EXT = """\
import threading


class Runner(threading.Thread):
    def kick(self):
        sink(self.label_fn)


def sink(x):
    x()


def poke(obj):
    obj.poke_fn()


def main():
    Runner().kick()
"""
SHAPES = """\
class Round:
    def area(self):
        return print()


class Square:
    def area(self):
        return len()


class Tile(Round):
    pass


def measure():
    return Tile().area()
"""
BASE = """\
from shop.shapes import Round, Square

Shape = Round


def keep(kind):
    return None


def use():
    return keep(Round)().area()


def other():
    return keep(Square)
"""
TILES = """\
from shop.base import Shape


class Slab(Shape):
    pass


def weigh():
    return Slab().area()
"""
RUNNER = """\
class Runner:
    def run(self):
        return self.helper()

    def helper(self):
        return 1
"""
GO = """\
from shop.runner import Runner


def go():
    return Runner().run()
"""
PLUGINS = """\
from shop.ext import sink


class Hooks:
    def wrap(self, fn):
        return len(fn)


hooks = lambda fn: fn  # noqa: E731


@hooks.wrap
def plugin():
    print()


def run():
    plugin()


sink(plugin)
"""

PROTOCOLS = """\
import functools

from shop.util import money, slug


class Rows:
    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration


class Scope:
    def close(self):
        return slug("x")


class Failure(Exception):
    pass


def rows():
    for row in Rows():
        row.close()


def scoped():
    with Scope() as scope:
        scope.close()


def fail():
    raise Failure


def stream():
    return [Scope()]


def consume():
    for item in stream():
        item.close()


def totals(values):
    return sorted(values, key=money), functools.reduce(lambda a, b: slug(b), values)


totals([Scope()])
"""

FLOW = """\
from shop.util import money, slug


def pick(flag):
    action = money
    if flag:
        action = slug
    return action(1)


TABLE = {"a": money}
TABLE["a"] = slug
TABLE["a"]()
"""

TYPED = """\
import copy


class Base:
    def run(self):
        return 1

    def visit(self, node):
        return getattr(self, f"visit_{node}")()

    def visit_a(self):
        return 2


class Holder:
    def __init__(self):
        self.items = {}

    def __getitem__(self, key):
        return self.items[key]


def use(item: Base):
    return item.run()


def peek(holder):
    return holder["k"]


use(copy.copy(Base()))
peek(Holder())
"""

HOOKS = """\
def hook(function):
    return function


@hook
def on_start():
    return 1


@hook
def on_stop():
    return 2


def start():
    return on_start()
"""

Edit = tuple[str, str | None, str | None]
"""(path, old text, new text): replace old by new in the file (old None: the whole file, new None: delete it)."""

EDITS: list[tuple[str, list[Edit]]] = [
    (
        "add a function and a call to it",
        [
            ("shop/util.py", "", "\n\ndef tax(value):\n    return money(value) * 2\n"),
            ("shop/views.py", "util.money(i.price)", "util.tax(i.price)"),
        ],
    ),
    (
        "remove a function its callers still call",
        [
            (
                "shop/models.py",
                "\n\ndef check(value):\n    if value < 0:\n        raise ValueError(value)\n",
                "",
            )
        ],
    ),
    (
        "rename a function and its call sites",
        [("shop/views.py", "def create(", "def create_item("), ("shop/cli.py", "create", "create_item")],
    ),
    (
        "change an import to a new file",
        [
            ("shop/text.py", None, "def slug(text):\n    return text.casefold()\n"),
            ("shop/models.py", "from shop import slug", "from shop.text import slug"),
        ],
    ),
    (
        "change a class hierarchy",
        [
            (
                "shop/mixins.py",
                None,
                "class Audited:\n    def validate(self):\n        log(self)\n\n\ndef log(x):\n    print(x)\n",
            ),
            ("shop/models.py", "class Item(Base):", "class Item(Audited, Base):"),
            (
                "shop/models.py",
                "from shop.util import money",
                "from shop.mixins import Audited\nfrom shop.util import money",
            ),
            ("shop/models.py", "    def validate(self):\n        check(self.price)\n\n", ""),
        ],
    ),
    ("delete files", [("shop/cli.py", None, None), ("shop/text.py", None, None)]),
    (
        "turn a method into a property and change parameters",
        [
            (
                "shop/models.py",
                "    def key(self):\n        return id",
                "    @property\n    def key(self):\n        return id",
            ),
            ("shop/util.py", "def money(value):", "def money(value, places=2):"),
        ],
    ),
    (
        "make a decorator external",
        [("shop/views.py", "def deco(fn):\n    return fn\n", "from functools import cache as deco\n")],
    ),
    (
        "add a name that a star import provides",
        [
            ("shop/util.py", "", "\n\ndef shout(text):\n    return slug(text).upper()\n"),
            ("shop/cli.py", None, "from shop import shout\n\n\ndef main():\n    print(shout('x'))\n"),
        ],
    ),
    (
        "give an uncalled method a caller",
        [("shop/views.py", "    item.save()\n", "    item.save()\n    item.describe()\n")],
    ),
    ("call a parameter", [("shop/util.py", "", "\n\ndef apply(hook):\n    hook()\n")]),
    (
        "make the parameter a local variable",
        [("shop/util.py", "def apply(hook):\n    hook()\n", "def apply():\n    hook = None\n    hook()\n")],
    ),
    (
        "shadow a builtin a clean function calls",
        [("shop/util.py", "", "\n\ndef round(value, places):\n    return value\n")],
    ),
    (
        "import a module that is not there yet",
        [
            (
                "shop/views.py",
                "",
                "\n\nimport shop\nfrom shop import extra\n\n\ndef more():\n    return extra.run()\n"
                "\n\ndef most():\n    return shop.extra.run()\n",
            )
        ],
    ),
    ("add that module", [("shop/extra.py", None, "def run():\n    print()\n")]),
    (
        "pass a keyword argument no parameter takes",
        [
            ("shop/util.py", "", "\n\ndef notify(callback):\n    callback()\n"),
            ("shop/views.py", "", "\n\ndef alert():\n    util.notify(handler=util.slug)\n"),
        ],
    ),
    (
        "rename the parameter to that keyword",
        [("shop/util.py", "def notify(callback):\n    callback()", "def notify(handler):\n    handler()")],
    ),
    (
        "subclass an external class",
        [("shop/patch.py", None, "def patch(w):\n    w.start = print\n"), ("shop/jobs.py", None, JOBS)],
    ),
    (
        "assign what the external class would define",
        [("shop/jobs.py", "", "\n\ndef go2():\n    patch(Worker())\n")],
    ),
    ("decorate with what has no value", [("shop/ext.py", None, EXT), ("shop/plugins.py", None, PLUGINS)]),
    (
        "give the decorator a value",  # before it is applied: after, it would not change the decorator
        [("shop/plugins.py", "\n\n@hooks.wrap", "\nhooks = Hooks()\n\n\n@hooks.wrap")],
    ),
    (
        "import a name a star import does not provide",
        [("shop/cli.py", None, "from shop import loud\n\n\ndef main():\n    loud('x')\n")],
    ),
    ("provide it", [("shop/util.py", "", "\n\ndef loud(text):\n    return print(text)\n")]),
    (
        "pass an instance with an external base",
        [("shop/ext.py", "", "\n\ndef later():\n    poke(Runner())\n")],
    ),
    ("add classes", [("shop/shapes.py", None, SHAPES)]),
    ("swap a base class", [("shop/shapes.py", "class Tile(Round):", "class Tile(Square):")]),
    ("iterate, enter, raise, call back", [("shop/protocols.py", None, PROTOCOLS)]),
    (
        "give a context manager its own __enter__",
        [
            (
                "shop/protocols.py",
                "class Scope:\n",
                "class Scope:\n    def __enter__(self):\n        return Rows()\n\n",
            )
        ],
    ),
    (
        "give an exception class an __init__",
        [
            (
                "shop/protocols.py",
                "class Failure(Exception):\n    pass",
                "class Failure(Exception):\n    def __init__(self):\n        money(1)",
            )
        ],
    ),
    (
        "make a function a generator",
        [("shop/protocols.py", "def stream():\n    return [Scope()]", "def stream():\n    yield Rows()")],
    ),
    (
        "change what a lambda calls and a key function",
        [
            ("shop/protocols.py", "lambda a, b: slug(b)", "lambda a, b: b.close()"),
            ("shop/protocols.py", "key=money", "key=slug"),
        ],
    ),
    ("branches and an element overwritten", [("shop/flow.py", None, FLOW)]),
    (
        "overwrite in straight-line code",
        [("shop/flow.py", "    if flag:\n        action = slug", "    action = slug")],
    ),
    ("stop overwriting the element", [("shop/flow.py", 'TABLE["a"] = slug\n', "")]),
    ("declared types, visitors, dunders", [("shop/typed.py", None, TYPED)]),
    (
        "subclass a declared type elsewhere",
        [
            (
                "shop/sub.py",
                None,
                "from shop.typed import Base\n\n\nclass Sub(Base):\n    def run(self):\n        return 3\n",
            )
        ],
    ),
    (
        "add a visitor method",
        [
            (
                "shop/typed.py",
                "    def visit_a(self):",
                "    def visit_b(self):\n        return 4\n\n    def visit_a(self):",
            )
        ],
    ),
    (
        "drop a dunder",
        [("shop/typed.py", "    def __getitem__(self, key):\n        return self.items[key]\n", "")],
    ),
    ("a decorator that returns its argument", [("shop/hooks.py", None, HOOKS)]),
    (
        "it returns something else too",
        [
            (
                "shop/hooks.py",
                "    return function\n",
                "    if function is None:\n        return on_stop\n    return function\n",
            )
        ],
    ),
    ("alias a base class in another module", [("shop/base.py", None, BASE), ("shop/tiles.py", None, TILES)]),
    # the names, classes and bases of every file stay; only a module-level binding moves (hierarchy.py)
    ("rebind the alias", [("shop/base.py", "Shape = Round", "Shape = Square")]),
    # a function's body only, but now it returns its parameter (Program.identities)
    ("return the argument", [("shop/base.py", "    return None", "    return kind")]),
    ("a method called with a receiver", [("shop/runner.py", None, RUNNER), ("shop/go.py", None, GO)]),
    # its `self` now comes from its seed alone, which no earlier run used (fixpoint.decide)
    ("that call goes", [("shop/go.py", "    return Runner().run()", "    return None")]),
    ("it comes back", [("shop/go.py", "    return None", "    return Runner().run()")]),
]


def apply(files: dict[str, str], edits: list[Edit]) -> dict[str, str | None]:
    """The changed files after edits (None: deleted); files is updated in place."""
    changed: dict[str, str | None] = {}
    for path, old, new in edits:
        if new is None:
            del files[path]
        elif old is None:
            files[path] = new
        elif old == "":
            files[path] += new
        else:
            assert old in files[path], (path, old)
            files[path] = files[path].replace(old, new)
        changed[path] = files.get(path)
    return changed


def start() -> dict[str, str]:
    return {**ballast(), **{path: textwrap.dedent(text).lstrip() for path, text in SHOP.items()}}


def index_both(repo: Repository, sha: str, warm: Path, cold: Path) -> CallGraphIndex:
    """Index sha warm and cold; assert the two indexes are identical; return the warm one."""
    found = cache.index(repo, sha, warm)
    fresh = cache.index(repo, sha, cold)
    assert fresh.stats.solve == "scratch"
    assert found.graph == fresh.graph
    assert found.entry_points == fresh.entry_points
    return found


@pytest.mark.parametrize("rewrite", [0.0, 1.0], ids=["pack rewritten every run", "pack kept from the first"])
@pytest.mark.parametrize("hold", [False, True], ids=["from disk", "held in memory"])
def test_every_edit_gives_the_cold_graph(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rewrite: float, hold: bool
) -> None:
    """Held in memory (the resident process), each run resumes from the last run's own state."""
    monkeypatch.setattr(cache, "REWRITE_SHARE", rewrite)
    monkeypatch.setattr(cache, "HOLD", hold)
    monkeypatch.setattr(cache, "_held", {})
    files = start()
    sha = commit(git_repo, dict(files))
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        first = index_both(repo, sha, warm, tmp_path / "cold-0")
        assert first.stats.solve == "scratch"
        assert "shop.util.money" in first.graph.edges["shop.models.Item.__init__"]
        again = index_both(repo, sha, warm, tmp_path / "cold-again")
        assert again.stats.solve == "unchanged"
        for number, (label, edits) in enumerate(EDITS, 1):
            sha = commit(git_repo, apply(files, edits), message=label)
            found = index_both(repo, sha, warm, tmp_path / f"cold-{number}")
            assert found.stats.solve == "incremental", label


def edges(index: CallGraphIndex, caller: str) -> set[str]:
    return set(index.graph.edges.get(caller, ()))


def test_each_edit_changes_the_graph(git_repo: Path, tmp_path: Path) -> None:
    """The edits are not no-ops: a cold solve after each finds what it should."""
    files = start()
    sha = commit(git_repo, dict(files))
    found = []
    with Repository(git_repo) as repo:
        found.append(cache.index(repo, sha, tmp_path / "0"))
        for number, (_, edits) in enumerate(EDITS, 1):
            sha = commit(git_repo, apply(files, edits))
            found.append(cache.index(repo, sha, tmp_path / str(number)))
    assert [a.graph != b.graph for a, b in itertools.pairwise(found)] == [True] * len(EDITS)
    assert edges(found[0], "shop.models.Base.describe") == {"shop.models.Base.key"}  # self: its own class
    assert "shop.util.tax" in edges(found[1], "shop.views.listing")
    assert found[2].graph.unresolved == {**found[1].graph.unresolved, "undefined name": 1}
    assert "shop.views.create_item" in edges(found[3], "shop.cli.main")
    assert "shop.text.slug" in edges(found[4], "shop.models.Item.key")
    assert "shop.mixins.Audited.validate" in edges(found[5], "shop.models.Base.save")
    assert "shop.cli.main" not in found[6].graph.functions
    assert "shop.text.slug" in found[6].graph.external  # its module is gone: a name outside now
    assert "shop.models.Base.key" in edges(found[7], "shop.models.Base.describe")  # a property read
    assert "functools.cache" in edges(found[8], "shop.views")
    assert "shop.util.shout" in edges(found[9], "shop.cli.main")
    assert edges(found[10], "shop.models.Base.describe") == {"shop.models.Item.key"}  # self: an Item
    assert found[11].graph.unresolved["parameter of unknown value"] == 1
    assert "parameter of unknown value" not in found[12].graph.unresolved
    assert "shop.util.round" in edges(found[13], "shop.util.money")
    assert edges(found[14], "shop.views.more") == set()  # from a package of ours: nothing outside
    assert "shop.extra.run" in edges(found[15], "shop.views.more")
    assert "shop.extra.run" in edges(found[15], "shop.views.most")
    assert "shop.util.slug" not in edges(found[16], "shop.util.notify")
    assert "shop.util.slug" in edges(found[17], "shop.util.notify")
    assert "threading.Thread.start" in edges(found[18], "shop.jobs.Worker.go")
    assert edges(found[19], "shop.jobs.Worker.go") == {"<builtin>.print"}
    assert edges(found[20], "shop.plugins.run") == {"shop.plugins.plugin"}
    assert edges(found[20], "shop.ext.sink") == {"threading.Thread.label_fn", "shop.plugins.plugin"}
    assert edges(found[21], "shop.plugins.run") == set()  # what the decorator returns is not known
    assert edges(found[21], "shop.ext.sink") == {"threading.Thread.label_fn"}
    assert edges(found[22], "shop.cli.main") == set()
    assert edges(found[23], "shop.cli.main") == {"shop.util.loud"}
    assert edges(found[23], "shop.ext.poke") == set()
    assert edges(found[24], "shop.ext.poke") == {"threading.Thread.poke_fn"}
    assert edges(found[25], "shop.shapes.measure") == {"shop.shapes.Round.area"}
    assert edges(found[26], "shop.shapes.measure") == {"shop.shapes.Square.area"}
    assert edges(found[27], "shop.protocols.rows") >= {
        "shop.protocols.Rows.__iter__",
        "shop.protocols.Rows.__next__",
    }
    assert edges(found[27], "shop.protocols.scoped") == {"shop.protocols.Scope.close"}  # entered: itself
    assert edges(found[27], "shop.protocols.totals") >= {"shop.util.money", "shop.util.slug"}
    assert edges(found[28], "shop.protocols.scoped") == {"shop.protocols.Scope.__enter__"}  # a Rows now
    assert edges(found[29], "shop.protocols.fail") == {"shop.protocols.Failure.__init__"}
    assert "shop.protocols.Scope.close" in edges(found[29], "shop.protocols.consume")
    assert edges(found[30], "shop.protocols.consume") == {"shop.protocols.stream"}  # yields Rows
    assert edges(found[31], "shop.protocols.totals") >= {"shop.util.slug", "shop.protocols.Scope.close"}
    assert "shop.util.money" not in edges(found[31], "shop.protocols.totals")
    assert edges(found[32], "shop.flow.pick") == {"shop.util.money", "shop.util.slug"}
    assert edges(found[32], "shop.flow") == {"shop.util.slug"}
    assert edges(found[33], "shop.flow.pick") == {"shop.util.slug"}
    assert edges(found[34], "shop.flow") == {"shop.util.money"}
    assert edges(found[35], "shop.typed.use") == {"shop.typed.Base.run"}
    assert edges(found[35], "shop.typed.peek") == {"shop.typed.Holder.__getitem__"}
    assert edges(found[36], "shop.typed.use") == {"shop.typed.Base.run", "shop.sub.Sub.run"}
    assert "shop.typed.Base.visit_b" in edges(found[37], "shop.typed.Base.visit")
    assert edges(found[38], "shop.typed.peek") == set()
    assert edges(found[39], "shop.hooks.start") == {"shop.hooks.on_start"}
    assert edges(found[40], "shop.hooks.start") == {"shop.hooks.on_start", "shop.hooks.on_stop"}
    assert edges(found[41], "shop.tiles.weigh") == {"shop.shapes.Round.area"}
    assert edges(found[42], "shop.tiles.weigh") == {"shop.shapes.Square.area"}
    assert edges(found[42], "shop.base.use") == {"shop.base.keep"}
    assert edges(found[43], "shop.base.use") == {"shop.base.keep", "shop.shapes.Round.area"}  # not Square's
    assert edges(found[44], "shop.go.go") == {"shop.runner.Runner.run"}
    assert edges(found[45], "shop.go.go") == set()
    assert edges(found[45], "shop.runner.Runner.run") == {"shop.runner.Runner.helper"}  # self: its seed


def handlers(count: int) -> str:
    """A module with count functions in one list: past 128 values, its slot is widened."""
    defs = "".join(f"def h{i}():\n    pass\n\n\n" for i in range(count))
    names = ", ".join(f"h{i}" for i in range(count))
    return f"{defs}HANDLERS = [{names}]\n\n\ndef fire():\n    for handler in HANDLERS:\n        handler()\n"


@pytest.mark.parametrize(
    ("first", "then", "why"),
    [
        (handlers(120), {"app/handlers.py": handlers(140)}, "scratch: a slot widened"),
        (
            handlers(20),
            {"app/handlers.py": handlers(20).replace("h", "g")},
            "scratch: the change taints most of the program",
        ),
    ],
    ids=["widens now", "most of the program tainted"],
)
def test_fallbacks_give_the_cold_graph(
    git_repo: Path, tmp_path: Path, first: str, then: dict[str, str], why: str
) -> None:
    sha = commit(
        git_repo,
        {"app/__init__.py": "", "app/handlers.py": first, "app/other.py": "def other():\n    return 1\n"},
    )
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        cache.index(repo, sha, warm)
        sha = commit(git_repo, then)
        found = index_both(repo, sha, warm, tmp_path / "cold")
        assert found.stats.solve == why


def registry(direct: int, late: int) -> dict[str, str]:
    """A parameter past 128 values fed over two rounds of work: the first round's values reach
    the call through it before it is widened (edges to h*), the second round's never (g*)."""
    defs = "".join(
        f"def {name}{i}():\n    pass\n\n\n"
        for name, count in (("h", direct), ("g", late))
        for i in range(count)
    )
    calls = "".join(f"register(h{i})\n" for i in range(direct)) + "".join(
        f"again(g{i})\n" for i in range(late)
    )
    return {
        "app/__init__.py": "",
        "app/a_registry.py": "def register(fn):\n    fn()\n    return fn\n\n\ndef again(f):\n    register(f)\n",
        "app/handlers.py": f"from app.a_registry import again, register\n\n\n{defs}{calls}",
        "app/other.py": "def other():\n    return 1\n",
    }


LATE = "from app.a_registry import register\n\n\ndef late():\n    pass\n\n\nregister(late)\n"
WIDENED_EDITS: list[tuple[str, list[Edit], str]] = [
    ("a comment", [("app/handlers.py", "", "# a comment\n")], "unchanged"),
    ("a call far from the widened slot", [("app/other.py", "return 1", "return print(2)")], "incremental"),
    (
        "a body far from it, in a file that feeds it",
        [
            ("app/handlers.py", "def h5():\n    pass", "def h5():\n    other()"),
            ("app/handlers.py", "from app.a_registry", "from app.other import other\nfrom app.a_registry"),
        ],
        "incremental",
    ),
    (
        "one more value for the widened slot",
        [("app/other.py", "", LATE)],
        "scratch",  # it widens register's result (`return fn`), or is seen to reach the widened slot
    ),
    ("a far call again, after a scratch", [("app/other.py", "print(2)", "len(2)")], "incremental"),
    (
        "a value fed in another order",
        [
            ("app/handlers.py", "register(h0)\n", ""),
            ("app/handlers.py", "again(g0)\n", "again(g0)\nregister(h0)\n"),
        ],
        "scratch: the change reaches a widened slot",
    ),
    (
        "a new reader of the widened slot",
        [("app/a_registry.py", "    fn()\n", "    fn()\n    print(fn)\n")],
        "scratch: the change reaches a widened slot",
    ),
    (
        "a reader of the widened slot goes",
        [("app/a_registry.py", "    fn()\n", "")],
        "scratch: the change reaches a widened slot",
    ),
]


@pytest.mark.parametrize("rewrite", [0.0, 1.0], ids=["pack rewritten every run", "pack kept from the first"])
def test_a_widened_program_resumes_where_the_change_cannot_reach_the_widening(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rewrite: float
) -> None:
    """Which values a widened slot's readers saw depends on the order of work: a change that
    reaches that part of the program is solved from scratch, any other is resumed."""
    monkeypatch.setattr(cache, "REWRITE_SHARE", rewrite)
    files = registry(100, 40)
    sha = commit(git_repo, dict(files))
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        first = index_both(repo, sha, warm, tmp_path / "cold-0")
        assert "app.handlers.h99" in edges(first, "app.a_registry.register")  # seen before the widening
        assert "app.handlers.g0" not in edges(first, "app.a_registry.register")  # not after
        assert index_both(repo, sha, warm, tmp_path / "cold-again").stats.solve == "unchanged"
        for number, (label, edits, how) in enumerate(WIDENED_EDITS, 1):
            sha = commit(git_repo, apply(files, edits), message=label)
            found = index_both(repo, sha, warm, tmp_path / f"cold-{number}")
            # a pack kept from the first run holds no late value: every later edit adds one again
            assert found.stats.solve.startswith(how) or (rewrite and number > 3), label


@pytest.mark.parametrize("rewrite", [0.0, 1.0], ids=["pack rewritten every run", "pack kept from the first"])
@pytest.mark.parametrize("hold", [False, True], ids=["from disk", "held in memory"])
def test_an_approximate_index_resumes_through_the_widening_and_an_exact_one_never_uses_it(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rewrite: float, hold: bool
) -> None:
    """The hook's index (approximate=True) resumes where an exact one solves from scratch; only
    what calls through the widened slot (register's parameter) may differ from a cold solve, and
    an exact index after it solves from scratch and gives the cold graph."""
    monkeypatch.setattr(cache, "REWRITE_SHARE", rewrite)
    monkeypatch.setattr(cache, "HOLD", hold)
    monkeypatch.setattr(cache, "_held", {})
    files = registry(100, 40)
    sha = commit(git_repo, dict(files))
    warm = tmp_path / "warm"
    through = {"app.a_registry.register"}  # the only caller through the widened slot
    approximate = []
    with Repository(git_repo) as repo:
        assert cache.index(repo, sha, warm, approximate=True).stats.solve == "scratch"
        for number, (label, edits, how) in enumerate(WIDENED_EDITS, 1):
            sha = commit(git_repo, apply(files, edits), message=label)
            found = cache.index(repo, sha, warm, approximate=True)
            cold = cache.index(repo, sha, tmp_path / f"cold-{number}")
            assert not found.stats.solve.startswith("scratch"), label
            if how.startswith("scratch"):  # what the exact index would have solved from scratch
                assert found.stats.solve == "approximate", label
            if found.stats.solve == "approximate":
                approximate.append(label)
            else:  # once approximate, every later index resumed from it is too
                assert not approximate, label
                assert found.graph == cold.graph, label
            outside = {c: v for c, v in found.graph.edges.items() if c not in through}
            assert outside == {c: v for c, v in cold.graph.edges.items() if c not in through}, label
            assert found.graph.functions == cold.graph.functions, label
            assert found.entry_points == cold.entry_points, label
        assert approximate  # the edits did reach the widening
        # the same files, asked exactly: not the approximate result, nor a resume from its pack
        exact = cache.index(repo, sha, warm)
        kept = "scratch: the change reaches a widened slot"  # the first run's exact pack, resumed
        approximate_state = rewrite == 0.0 or hold  # written to the pack, or held in memory
        assert exact.stats.solve == ("scratch: the last solve was approximate" if approximate_state else kept)
        assert exact.graph == cold.graph and exact.entry_points == cold.entry_points
        assert cache.index(repo, sha, warm).stats.solve == "unchanged"
        # and an approximate index of the same files then takes the exact result
        assert cache.index(repo, sha, warm, approximate=True).stats.solve == "unchanged"


def seeded(count: int, body: str) -> dict[str, str]:
    """count classes whose method does body; with `REGISTRY.append(self)`, the receivers come from
    `self` seeds, so the list's slot is widened in phase two, with phase-two values."""
    classes = "".join(f"class C{i}:\n    def go(self):\n        {body}\n\n\n" for i in range(count))
    return {
        "app/__init__.py": "",
        "app/kinds.py": f"REGISTRY = []\n\n\n{classes}def fire():\n    for item in REGISTRY:\n        item.go()\n",
    }


def test_an_approximate_resume_after_one_that_emptied_a_widened_slot(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An approximate resume empties a widened slot whose writers were all removed, and that the
    second phase had given values (seen on pytest's history): the next resume must not expect
    it (it raised KeyError)."""
    monkeypatch.setattr(cache, "REWRITE_SHARE", 0.0)  # each run resumes from the last one's state
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        for number, body in enumerate(("REGISTRY.append(self)", "pass", "REGISTRY.append(self)", "pass")):
            sha = commit(git_repo, seeded(140, body))
            found = cache.index(repo, sha, warm, approximate=True)
            cold = cache.index(repo, sha, tmp_path / f"cold-{number}")
            assert found.stats.solve == ("scratch" if number == 0 else "approximate")
            assert found.graph.functions == cold.graph.functions


def test_a_held_graph_loses_the_functions_and_modules_that_went(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph of a resume held in memory is made from the last one (fixpoint.graph): a function
    and a module that went are no longer nodes, and a class body whose only call is of a lambda
    stays a caller without edges, as in a cold graph."""
    monkeypatch.setattr(cache, "REWRITE_SHARE", 0.0)
    monkeypatch.setattr(cache, "HOLD", True)
    monkeypatch.setattr(cache, "_held", {})
    files = {
        "app/__init__.py": "",
        "app/main.py": "from app.extra import spare\n\n\ndef go():\n    return spare()\n\n\ndef gone():\n    pass\n",
        "app/extra.py": "def spare():\n    pass\n",
        "app/table.py": "class Table:\n    width = (lambda: 1)()\n",
    }
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        first = index_both(repo, commit(git_repo, dict(files)), warm, tmp_path / "cold-0")
        assert {"app.main.gone", "app.extra", "app.table.Table"} <= first.graph.edges.keys()
        change = {"app/main.py": "def go():\n    return None\n", "app/extra.py": None}
        found = index_both(repo, commit(git_repo, change), warm, tmp_path / "cold-1")
        assert found.stats.solve == "incremental"
        assert not {"app.main.gone", "app.extra", "app.extra.spare"} & found.graph.edges.keys()
        assert found.graph.edges["app.table.Table"] == frozenset()


def typed(extra: str) -> dict[str, str]:
    """A parameter declared as one of three bases with 50 subclasses each: nothing passes it, so its
    declared type seeds it in the second phase with 153 instances, which widens its slot."""
    classes = "".join(f"class {base}{i}({base}):\n    pass\n\n\n" for base in "ABC" for i in range(50))
    bases = "".join(f"class {base}:\n    def run(self):\n        pass\n\n\n" for base in "ABC")
    return {
        "app/__init__.py": "",
        "app/kinds.py": f"{bases}{classes}def use(item: A | B | C):\n    return item.run()\n",
        "app/other.py": f"def other():\n    return {extra}\n",
    }


@pytest.mark.parametrize("hold", [False, True], ids=["from disk", "held in memory"])
def test_a_slot_widened_by_its_seed_keeps_its_seed_on_a_resume(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hold: bool
) -> None:
    """The slot had no value at the first fixed point, so its seed applies; once widened, a resume
    must still know that (SolverState.extra), or it drops the seed, re-derives its readers, and
    reaches the widened slot: an exact index is then solved from scratch for an unrelated edit."""
    monkeypatch.setattr(cache, "REWRITE_SHARE", 0.0)
    monkeypatch.setattr(cache, "HOLD", hold)
    monkeypatch.setattr(cache, "_held", {})
    warm = tmp_path / "warm"
    with Repository(git_repo) as repo:
        first = index_both(repo, commit(git_repo, typed("abs(1)")), warm, tmp_path / "cold-0")
        assert first.stats.solve == "scratch"
        for number, extra in enumerate(("min(1)", "max(1)"), 1):
            found = index_both(repo, commit(git_repo, typed(extra)), warm, tmp_path / f"cold-{number}")
            assert found.stats.solve == "incremental"


TABLES = (
    "modules",
    "module_files",
    "module_names",
    "stars",
    "functions",
    "spans",
    "classes",
    "class_names",
    "params",
)
PACKAGE = {
    "a/__init__.py": "def b():\n    def c():\n        pass\n    return c\n",
    "a/b.py": "def c(x):\n    return x\n",
    "m.py": "class K:\n    def run(self, n):\n        return n\n\nif X:\n    def f():\n        pass\nelse:\n    def f(y):\n        return y\n",
    "m/__init__.py": "def g():\n    pass\n",
    "solo.py": "import os\n\n\ndef h(p):\n    return os.sep\n",
    "v.py": "class W:\n    def w(self):\n        pass\n\nif X:\n    def f():\n        pass\nelse:\n    def f(y):\n        return y\n",
}


@pytest.mark.parametrize(
    ("path", "text", "kept"),
    [
        ("solo.py", "import os\n\n\n\ndef h(p):\n    x = 1\n    return os.sep\n", True),  # lines move
        ("solo.py", "import os\n\n\ndef h(p, q=1, *rest):\n    return os.sep\n", True),  # parameters
        (
            "solo.py",
            "import os\n\n\ndef h(p):\n    return os.sep\n\n\ndef i():\n    pass\n",
            False,
        ),  # a new one
        (  # one name defined twice in the file, and a method becoming static
            "v.py",
            PACKAGE["v.py"]
            .replace("def f(y)", "def f(y, z)")
            .replace("    def w(self)", "    @staticmethod\n    def w()"),
            True,
        ),
        ("a/b.py", "def c(x, y):\n    return x\n", False),  # `a.b.c` is also a/__init__.py's
        ("a/__init__.py", PACKAGE["a/__init__.py"].replace("def c()", "def c(z)"), False),  # and a/b.py's
        (
            "m.py",
            PACKAGE["m.py"].replace("def f(y)", "def f(y, z)").replace("run(self, n)", "run(self)"),
            False,
        ),
    ],
    ids=[
        "lines",
        "parameters",
        "a new function",
        "variants and kinds",
        "a qualname a package may define",
        "a qualname a submodule may define",
        "a module with two files",
    ],
)
def test_tables_of_changed_bodies_are_those_made_from_every_file(path: str, text: str, kept: bool) -> None:
    """incremental._body_tables takes the old tables and the changed file alone only where that
    gives what add_tables over every file gives, in the same order."""
    from preflight.callgraph import summarize
    from preflight.callgraph.incremental import _body_tables
    from preflight.callgraph.program import load

    before = {p: summarize(p, textwrap.dedent(t)).raw() for p, t in PACKAGE.items()}
    now = {**before, path: summarize(path, text).raw()}
    made = _body_tables(load(before.values()), before, now, [path])
    assert (made is not None) == kept
    if made is not None:
        whole = load(now.values())
        for table in TABLES:
            value, expected = getattr(made, table), getattr(whole, table)
            assert value == expected, table
            if isinstance(value, dict):
                assert list(value) == list(expected), table
