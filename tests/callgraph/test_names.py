"""Name resolution: module globals, imports, re-exports and star imports (through `build`)."""

from __future__ import annotations

from preflight.callgraph import build
from tests.callgraph.helpers import edges


def test_absolute_and_aliased_imports() -> None:
    files = {
        "a/b.py": "def f(): pass\ndef g(): pass\n",
        "main.py": "import a.b\nimport a.b as c\nfrom a.b import g as h\na.b.f()\nc.g()\nh()\n",
    }
    assert edges(files, "main") == ["a.b.f", "a.b.g"]


def test_relative_imports_and_package_module() -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/x.py": "def y(): pass\n",
        "pkg/m.py": "def run(): pass\n",
        "pkg/use.py": "from .x import y as z\nfrom . import m\ndef go():\n    z()\n    m.run()\n",
    }
    assert edges(files, "pkg.use.go") == ["pkg.m.run", "pkg.x.y"]


def test_reexport_through_package_init() -> None:
    files = {
        "src/pkg/__init__.py": "from .impl import f\n",
        "src/pkg/impl.py": "def f(): pass\n",
        "main.py": "from pkg import f\nimport pkg\nf()\npkg.f()\n",
    }
    assert edges(files, "main") == ["pkg.impl.f"]


def test_star_import_from_the_repository() -> None:
    files = {"a.py": "def f(): pass\n", "m.py": "from a import *\nf()\n"}
    assert edges(files, "m") == ["a.f"]


def test_external_calls_are_named_not_followed() -> None:
    source = "import os.path\nimport requests\nfrom json import dumps as d\nos.path.join('a')\nrequests.get('u')\nd(1)\n"
    graph = build({"m.py": source})
    assert graph.to_pycg()["m"] == ["json.dumps", "os.path.join", "requests.get"]
    assert graph.external == frozenset({"json.dumps", "os.path.join", "requests.get"})
