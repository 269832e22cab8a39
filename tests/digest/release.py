"""A small release history with every kind of change a digest meets, and telemetry for it.

main: base -> PR #11 (merge commit of a two-commit branch) -> `Faster charge (#12)` (squash)
-> a docs-only commit -> PR #13 (merge commit) -> a direct commit; cart.add, checkout.charge and
the function in a file whose name is HTML are each changed by two of them. Titles, a file name and a service name carry HTML, quotes and a script.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest

from preflight import exposure
from preflight.cli import main
from preflight.commands import report
from preflight.digest import Digest, history, summary
from preflight.repository import Repository
from tests.conftest import commit, git

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
HOSTILE = '<b>bold</b> & "quotes" <script>alert(1)</script>'
EVIL_FILE = "shop/x<img src=x onerror=alert(2)>.py"
EVIL_SERVICE = 'pay"<b>svc</b>'
CART = "def add(cart, item):\n    cart.append(item)\n    return cart\n\n\ndef view(cart):\n    return list(cart)\n"
CHECKOUT = (
    "def place_order(cart):\n    return charge(sum(cart))\n\n\ndef charge(amount):\n    return amount\n"
)


@dataclass(frozen=True)
class Release:
    """The repository and the commits that matter."""

    repo: Path
    base: str
    head: str
    merge11: str
    squash12: str
    docs: str
    merge13: str
    direct: str


def build(repo: Path) -> Release:
    """The history above, in repo (an empty repository on main)."""
    base = commit(repo, {"shop/cart.py": CART, "shop/checkout.py": CHECKOUT, "README.md": "shop\n"}, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"shop/cart.py": CART.replace("cart.append(item)", "cart.append(item.copy())")}, "copy")
    commit(repo, {"shop/checkout.py": CHECKOUT.replace("return amount", "return round(amount, 2)")}, "round")
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "feature",
        "-m",
        "Merge pull request #11 from me/feature",
        "-m",
        HOSTILE,
    )
    merge11 = git(repo, "rev-parse", "HEAD")
    squash12 = commit(
        repo,
        {"shop/checkout.py": CHECKOUT.replace("return amount", "return round(amount, 3)")},
        "Faster charge (#12)",
    )
    docs = commit(repo, {"README.md": "shop: a small example\n"}, "Docs only")
    git(repo, "checkout", "-q", "-b", "evil")
    commit(
        repo,
        {
            "shop/cart.py": CART.replace("return list(cart)", "return sorted(cart)").replace(
                "cart.append(item.copy())", "cart.insert(0, item)"
            ),
            EVIL_FILE: "def run():\n    return 1\n",
        },
        "evil",
    )
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "evil",
        "-m",
        "Merge pull request #13 from me/evil",
        "-m",
        "Sort the cart",
    )
    merge13 = git(repo, "rev-parse", "HEAD")
    direct = commit(repo, {EVIL_FILE: "def run():\n    return 2\n"}, "Tweak <i>run</i>")
    return Release(repo, base, direct, merge11, squash12, docs, merge13, direct)


def telemetry(directory: Path) -> Path:
    """CSV tables of a snapshot: frontend calls cart and checkout, checkout calls a hostile name."""
    directory.mkdir(parents=True, exist_ok=True)
    quoted = '"' + EVIL_SERVICE.replace('"', '""') + '"'
    files = {
        "functions.csv": "service,qualname,calls,calls_per_min,p50_ms,error_rate\n"
        "cart,shop.cart.add,36000,600,4,0.001\ncheckout,shop.checkout.charge,3600,60,120,0.01\n",
        "edges.csv": "caller_service,callee_service,calls_per_min,calls_per_caller_request,p50_ms,error_rate\n"
        f"frontend,cart,600,0.6,5,0.001\nfrontend,checkout,60,0.06,150,0.01\ncheckout,{quoted},60,1,40,0.001\n",
        "endpoints.csv": "service,route,requests_per_min,p50_ms,error_rate\nfrontend,GET /,1000,80,0.001\n"
        f"cart,POST /cart,600,4,0.001\ncheckout,POST /checkout,60,130,0.01\n{quoted},POST /pay,60,40,0.001\n",
        "slos.csv": "name,service,indicator,objective,window\n"
        "checkout-availability,checkout,availability,0.99,28d\nfront-door,frontend,availability,0.999,28d\n",
        "budgets.csv": "slo,budget_remaining\ncheckout-availability,0.1\nfront-door,0.5\n",
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def snapshot(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str] | None = None) -> Path:
    """`preflight collect` of the telemetry tables, resolved against repo."""
    tables = telemetry(tmp_path / "telemetry")
    out = tmp_path / "snapshot"
    assert (
        main(["collect", *map(str, sorted(tables.iterdir())), "--output", str(out), "--repo", str(repo)]) == 0
    )
    if capsys is not None:
        capsys.readouterr()
    return out


def digest(built: Release, snap: Path) -> Digest:
    """The digest of the whole release, as `preflight report` computes it."""
    spec = f"{built.base}..{built.head}"
    with Repository(built.repo) as repo:
        base, head = history.resolve(repo, spec)
        runtime = exposure.load(None, snap)
        found = history.merged(repo.root, base, head)
        scored = report.score(repo, tuple(m for m in found if m.scored), runtime, NOW)
        skipped = tuple(m for m in found if not m.scored)
        return summary.build(spec, base, head, scored, report.service_edges(runtime), str(snap), skipped)
