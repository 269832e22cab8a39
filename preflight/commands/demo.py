"""`preflight demo`: the shop example as a git repository, every scenario through `check`.

The example (examples/shop in preflight's source checkout: ten services, their SLOs, a snapshot
built from their recorded telemetry, and scenario patches) becomes the main branch of a new
repository, and each scenario a branch with its patch applied. Each branch goes through
`preflight check` against main, with the example's .preflight.yml, SLOs and committed snapshot,
as of the moment the telemetry was recorded (scored later, the recording would count as stale).
The terminal gets one screen: a block per scenario and a table of expected against found; the
full reports go to files: each scenario's Markdown (the pull-request comment) and JSON, and one
HTML digest of them all. Without --output-dir all of it is built in a temporary directory that is
removed before the command returns; the screen then says how to keep it (--output-dir). Every
command the screen prints runs as printed: absolute paths, and preflight called the way the
user's shell finds it (hook.invocation).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from preflight import hook, pipeline
from preflight.commands import Target, check
from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.models import CheckResult
from preflight.report.escaping import terminal
from preflight.report.formats import render
from preflight.repository import init_repository

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"
"""The example in preflight's source checkout (an editable install, as `make demo` makes); a
wheel does not ship it, and the demo then says where to get it."""
COPIED = ("shop", "slos", "snapshot", ".preflight.yml", "README.md")
"""What the demo repository holds: the code, the SLOs, the snapshot and the config (the README
because a scenario edits it); not the raw telemetry, which the snapshot already summarizes."""
WIDTH = 100
"""Longest line of a scenario block; the reports have every explanation whole."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """One pull request of the example (scenarios/<name>.patch) and what the example expects."""

    name: str
    change: str
    """What the change does, in a line (its commit subject)."""
    level: str
    """The risk level the example expects (examples/shop/README.md)."""
    low_confidence: bool = False
    """Expected to be scored with low confidence: an unknown, not a safe change."""

    @property
    def expected(self) -> str:
        """The expectation as the summary shows it."""
        return f"{self.level}, confidence low" if self.low_confidence else self.level


SCENARIOS = (
    Scenario("docs-only", "a troubleshooting section in the README, no code", "low"),
    Scenario("rare-function", "ad.get_random_ads, home page only (the page renders without ads)", "low"),
    Scenario(
        "hot-checkout-path",
        "currency.convert in exact decimals, rounded to the cent (every checkout)",
        "high",
    ),
    Scenario("helper-signature", "money.from_float takes its arguments the other way round", "high"),
    Scenario("new-module", "a new shop/loyalty.py that nothing runs yet", "low", low_confidence=True),
)


KEEP_DIR = "preflight-demo"
"""What the screen suggests for --output-dir after a run in a temporary directory (a free sibling
name, preflight-demo-2 and so on, when it is taken)."""


def run(
    output_dir: Path | None,
    out: TextIO,
    scenario: str | None = None,
    example: Path = EXAMPLE,
    environ: Mapping[str, str] | None = None,
    scratch: Path | None = None,
) -> int:
    """Build the example repository, check every scenario (or the one named), print one screen and
    write the reports; exits 0 (it is a demo: the table says whether each level is the expected one).

    Without output_dir, everything is built in a temporary directory under scratch (default: the
    system's) and removed before returning. environ's PATH decides how printed commands call
    preflight."""
    chosen = select(scenario)
    command = hook.invocation((environ or {}).get("PATH"))
    if not example.is_dir():
        raise InputError(
            f"the demo runs the shop example of preflight's source checkout, and {example} does not exist: "
            "a wheel install does not ship it; clone preflight's repository and run `make demo` there"
        )
    missing = [name for name in COPIED if not (example / name).exists()]
    missing += [
        f"scenarios/{s.name}.patch"
        for s in chosen
        if not (example / "scenarios" / f"{s.name}.patch").is_file()
    ]
    if missing:
        raise InputError(f"{example}: the shop example lacks {', '.join(missing)}; restore it from git")
    if output_dir is not None:
        root = output_dir.absolute()
        if (root / "shop").exists():
            raise InputError(
                f"--output-dir {output_dir}: {root / 'shop'} exists already; pass a new directory or remove it"
            )
        out.write(checked(root, example, chosen, Kept(command)))
        return 0
    with tempfile.TemporaryDirectory(prefix="preflight-demo-", dir=scratch) as temp:
        text = checked(Path(temp), example, chosen, Removed(command, scenario, free_dir(Path.cwd())))
    out.write(text)
    return 0


@dataclass(frozen=True, slots=True)
class Kept:
    """The run's directory stays: the screen names its files and a command to try."""

    command: str
    """How the user's shell runs preflight (hook.invocation)."""


@dataclass(frozen=True, slots=True)
class Removed:
    """The run's directory was temporary: the screen says how to run again and keep it."""

    command: str
    """How the user's shell runs preflight (hook.invocation)."""
    scenario: str | None
    """The --scenario of this run, repeated in the suggested command."""
    keep_dir: Path
    """A directory the suggested --output-dir can build in (it has no shop/)."""


def free_dir(cwd: Path) -> Path:
    """KEEP_DIR under cwd, or the first KEEP_DIR-N without a shop/ in it."""
    candidates = (cwd / (KEEP_DIR if n == 1 else f"{KEEP_DIR}-{n}") for n in range(1, 1000))
    return next((c for c in candidates if not (c / "shop").exists()), cwd / f"{KEEP_DIR}-{os.getpid()}")


def checked(root: Path, example: Path, chosen: tuple[Scenario, ...], after: Kept | Removed) -> str:
    """Build the repository under root, check each scenario, write the reports; the screen."""
    repo_dir, reports = root / "shop", root / "reports"
    base = build(repo_dir, example, chosen)
    now = recorded_at(example / "snapshot") or datetime.datetime.now(datetime.timezone.utc)
    results = []
    for item in chosen:
        target = Target(repo_dir, "main", f"scenario/{item.name}")
        report, stages = reports / f"{item.name}.md", pipeline.Options(repo_dir=repo_dir)
        options = check.CheckOptions(target, "markdown", output=report, stages=stages)
        # The real `check`, as `preflight check --base main --head scenario/NAME` runs it; no
        # environment, so a CI runner's GITHUB_* variables cannot redirect it.
        (result,) = check.check(options, io.StringIO(), {}, now=now).results
        results.append(result)
        write_atomic(reports / f"{item.name}.json", render(result, "json"))
    digest = root / "digest.html"
    write_atomic(digest, html_digest(repo_dir, base, chosen, results))
    return screen(chosen, results, root, now, after)


def select(name: str | None) -> tuple[Scenario, ...]:
    """Every scenario, or the one named; InputError listing the names for an unknown one."""
    if name is None:
        return SCENARIOS
    found = tuple(s for s in SCENARIOS if s.name == name)
    if not found:
        raise InputError(
            f"--scenario {name!r}: unknown; choose one of {', '.join(s.name for s in SCENARIOS)}"
        )
    return found


def build(repo_dir: Path, example: Path, scenarios: tuple[Scenario, ...]) -> str:
    """The example on main, and a branch scenario/NAME per scenario with its patch committed;
    main's sha."""
    repo_dir.mkdir(parents=True)
    for name in COPIED:
        source = example / name
        if source.is_dir():
            shutil.copytree(source, repo_dir / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        else:
            shutil.copy(source, repo_dir / name)
    with init_repository(repo_dir) as repo:
        base = repo.commit_all("shop: ten services, their SLOs, and a snapshot of their recorded telemetry")
        for item in scenarios:
            repo.switch_new_branch(f"scenario/{item.name}", "main")
            repo.apply(example / "scenarios" / f"{item.name}.patch")
            repo.commit_all(f"{item.name}: {item.change}")
    return base


def recorded_at(snapshot: Path) -> datetime.datetime | None:
    """When the snapshot's telemetry ended (its window end), or None when it does not say."""
    try:
        end = json.loads((snapshot / "meta.json").read_text(encoding="utf-8")).get("window_end")
        return datetime.datetime.fromisoformat(end.replace("Z", "+00:00")) if isinstance(end, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def html_digest(
    repo_dir: Path, base: str, scenarios: tuple[Scenario, ...], results: list[CheckResult]
) -> str:
    """One self-contained HTML page over every scenario, from `preflight report`'s renderer."""
    from preflight import config, exposure
    from preflight.commands import report
    from preflight.digest import Merged, ScoredChange, summary
    from preflight.digest import render as renderer

    snapshot = repo_dir / (config.load_file(repo_dir / ".preflight.yml").snapshot or "snapshot")
    scored = tuple(
        ScoredChange(
            Merged(result.changes.revisions.head_sha, base, "commit", None, f"{item.name}: {item.change}"),
            result,
        )
        for item, result in zip(scenarios, results, strict=True)
    )
    edges = report.service_edges(exposure.load(None, snapshot))
    digest = summary.build("main..scenario/*", base, "scenario/*", scored, edges, str(snapshot))
    return renderer.html(digest)


def screen(
    scenarios: tuple[Scenario, ...],
    results: list[CheckResult],
    root: Path,
    now: datetime.datetime,
    after: Kept | Removed,
) -> str:
    """What the terminal shows: a block per scenario, the summary table, where the reports are."""
    count = len(scenarios)
    lines = [
        f"preflight demo: {count} pull request{'s' * (count != 1)} to the shop example (10 services, SLOs, recorded",
        "telemetry), each a branch checked against main by `preflight check` with the example's",
        f".preflight.yml, SLOs and snapshot, as of the recording ({now:%Y-%m-%d %H:%M} UTC).",
    ]
    # What caps every scenario's confidence (the new repository's short history) is said once.
    shared = set.intersection(*(set(caps(r)) for r in results)) if count > 1 else set()
    lines += [
        _fit(f"Unknown for every scenario: {terminal(why)} (confidence at most {cap})")
        for why, cap in sorted(shared)
    ]
    lines.append("")
    for item, result in zip(scenarios, results, strict=True):
        lines += [*block(item, result, shared), ""]
    lines += table(scenarios, results)
    lines += ["", *closing(scenarios, root, after)]
    return "\n".join(lines) + "\n"


def closing(scenarios: tuple[Scenario, ...], root: Path, after: Kept | Removed) -> list[str]:
    """Where the files are and a command to try; or, after a temporary run, how to keep them."""
    if isinstance(after, Removed):
        again = f"{after.command} demo --output-dir {shlex.quote(str(after.keep_dir))}"
        if after.scenario is not None:
            again += f" --scenario {after.scenario}"
        return [
            "The repository and reports were built in a temporary directory, now removed. To keep them:",
            f"  {again}",
        ]
    first = scenarios[-1].name if len(scenarios) == 1 else "hot-checkout-path"
    shop = shlex.quote(str(root / "shop"))
    return [
        f"Repository: {root / 'shop'} (branches main and scenario/NAME)",
        f"Reports: {root / 'reports'}/NAME.md (the pull-request comment) and NAME.json",
        f"HTML digest of {'every scenario' if len(scenarios) > 1 else 'the scenario'}: {root / 'digest.html'}",
        f"Try one: {after.command} check --repo {shop} --base main --head scenario/{first} --format text",
    ]


def caps(result: CheckResult) -> list[tuple[str, str]]:
    """The unknowns that capped the confidence: (why, the cap)."""
    from preflight.risk.explain import cap_of

    return [found for found in map(cap_of, result.risk.unknowns) if found is not None]


def block(
    item: Scenario, result: CheckResult, shared: AbstractSet[tuple[str, str]] = frozenset()
) -> list[str]:
    """One scenario: what it changes, its score and gate, its top factors, its confidence."""
    risk, decision = result.risk, result.decision
    gate = f"{decision.verdict}" + (
        f" ({decision.mode}: fails above {decision.threshold})" if decision.threshold is not None else ""
    )
    lines = [
        f"{item.name}: {item.change}",
        f"  risk {risk.score}/100 {risk.level}, gate {gate}, confidence {risk.confidence}",
    ]
    top = sorted(risk.factors, key=lambda f: -abs(f.points))[:3]
    lines += [_fit(f"  {f.points:+6.1f}  {f.name}: {terminal(f.detail)}") for f in top]
    capped = [why for why, cap in caps(result) if (why, cap) not in shared]
    if capped:
        lines.append(_fit(f"  unknown: {terminal('; '.join(capped))}"))
    return lines


def table(scenarios: tuple[Scenario, ...], results: list[CheckResult]) -> list[str]:
    """Every scenario's score, level, confidence and verdict against what the example expects."""
    rows = [("scenario", "score", "level", "confidence", "gate", "expected", "")]
    for item, result in zip(scenarios, results, strict=True):
        risk = result.risk
        met = risk.level == item.level and (not item.low_confidence or risk.confidence == "low")
        rows.append(
            (
                item.name,
                str(risk.score),
                risk.level,
                risk.confidence,
                result.decision.verdict,
                item.expected,
                "as expected" if met else "DIFFERS",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i == 1 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _fit(line: str) -> str:
    """The line, or as many of its words as fit in WIDTH, then an ellipsis."""
    if len(line) <= WIDTH:
        return line
    cut = line.rfind(" ", 0, WIDTH - 1)
    return line[: cut if cut > WIDTH // 2 else WIDTH - 1].rstrip(" ;,(") + "…"
