"""The pre-push hook's few lines per pushed ref."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

from preflight import exposure, pipeline
from preflight.changes.revisions import resolve
from preflight.models import CheckResult, Estimate, Impact, SloImpact
from preflight.report.compact import check_compact
from preflight.repository import Repository
from tests.conftest import commit

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
CODE = "".join(f"def f{n}():\n    return {n}\n\n\n" for n in range(5))


def result(repo_dir: Path, fail_above: int | None = None, calls: Path | None = None) -> CheckResult:
    base = commit(repo_dir, {"app/core.py": CODE})
    commit(
        repo_dir, {"app/core.py": CODE.replace("return", "return -"), "app/new.py": "def g():\n    pass\n"}
    )
    with Repository(repo_dir) as repo:
        revisions = resolve(repo, base, None, {})
        return pipeline.check(
            pipeline.Stages(repo, exposure.load(calls), fail_above=fail_above), revisions, NOW
        )


def slo(name: str, breach: float | None, before: float = 0.0) -> SloImpact:
    burn = Estimate(2.0, 1.0, 4.0)
    exhausted = None if breach is None else before
    return SloImpact(
        name, "shop", "availability", 0.999, 0.9995, burn, burn, 0.2, burn, breach, exhausted, ("shop",)
    )


def test_a_pass_names_functions_factors_and_how_to_see_more(git_repo: Path) -> None:
    found = result(git_repo)
    lines = check_compact(found).splitlines()
    rev = found.changes.revisions
    assert rev.merge_base is not None
    assert lines[0].startswith("preflight PASS HEAD: risk ")
    assert lines[1].startswith("  6 functions changed in 2 files: app.core.f0 (modified), ")
    assert lines[1].endswith(" and 3 more")
    assert lines[2].startswith("  top factors: ")
    assert lines[-1] == (
        f"  details: preflight check --base {rev.merge_base[:12]} --head {rev.head_sha[:12]} --format text"
    )


def test_a_failure_says_why_and_what_would_lower_it_in_colour(git_repo: Path, tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("qualname,calls_per_min\napp.core.f0,60000\n")
    found = result(git_repo, fail_above=0, calls=calls)
    text = check_compact(found, color=True)
    assert text.startswith("preflight \033[31mFAIL\033[0m HEAD: risk ")
    assert "\n  to lower the risk: ship app.core.f0 behind a feature flag or a 5% canary: score " in text


def test_slos_at_risk_are_listed_by_breach_probability(git_repo: Path) -> None:
    found = result(git_repo)
    slos = tuple(slo(f"slo-{n}", breach) for n, breach in enumerate((0.5, 0.0, None, 0.25, 0.1, 0.9)))
    impact = Impact(("shop:error=0.1",), 1000, (), slos, ())
    lines = check_compact(dataclasses.replace(found, impact=impact)).splitlines()
    assert "  SLOs at risk: slo-0 P(breach) 50%, slo-3 P(breach) 25%, slo-4 P(breach) 10% and 1 more" in lines


def test_an_slo_whose_budget_runs_out_without_the_change_is_not_listed(git_repo: Path) -> None:
    found = result(git_repo)
    slos = (slo("spent", 1.0, before=1.0), slo("pushed", 0.4))
    impact = Impact(("shop:error=0.1",), 1000, (), slos, ())
    lines = check_compact(dataclasses.replace(found, impact=impact)).splitlines()
    assert "  SLOs at risk: pushed P(breach) 40%" in lines


def test_an_empty_tree_range_has_no_details_line(git_repo: Path) -> None:
    found = result(git_repo)
    rev = dataclasses.replace(found.changes.revisions, merge_base=None, base_sha=None)
    changes = dataclasses.replace(found.changes, revisions=rev)
    assert "details:" not in check_compact(dataclasses.replace(found, changes=changes))
