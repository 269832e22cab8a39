"""The synthetic monorepo generator (bench/monorepo.py) at a tiny size: deterministic, valid Python."""

from __future__ import annotations

import ast
import random
import subprocess
from pathlib import Path

from bench import monorepo
from bench.monorepo_code import telemetry_rows


def test_the_same_seed_gives_the_same_files() -> None:
    first = monorepo.render_all(monorepo.plan(8_000, seed=3))
    assert first == monorepo.render_all(monorepo.plan(8_000, seed=3))
    assert first != monorepo.render_all(monorepo.plan(8_000, seed=4))


def test_every_file_parses_and_the_size_follows_the_lines_asked() -> None:
    plan = monorepo.plan(20_000, seed=1)
    files = monorepo.render_all(plan)
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, path)
    lines = sum(text.count("\n") for path, text in files.items() if path.endswith(".py"))
    assert 15_000 < lines < 25_000
    assert abs(plan.functions() - 20_000 / monorepo.LINES_PER_FUNCTION) < 100
    assert {path.split("/", 1)[0] for path in files} >= set(monorepo.SERVICES) | {"common"}
    assert any("/tests/test_" in path for path in files)


def test_telemetry_names_functions_that_exist() -> None:
    plan = monorepo.plan(8_000, seed=1)
    tables = telemetry_rows(plan.modules, monorepo.SERVICES, random.Random(1))
    defined = {f"{m.name}.{f.name}" for m in plan.modules for f in m.funcs}
    defined |= {f"{m.name}.{k.name}.{f.name}" for m in plan.modules for k in m.classes for f in k.methods}
    assert tables["functions"] and {row["qualname"] for row in tables["functions"]} <= defined
    assert {row["service"] for row in tables["slos"]} == set(monorepo.SERVICES)


def test_the_repository_has_history_and_a_pull_request(tmp_path: Path) -> None:
    _, paths, _ = monorepo.build(tmp_path / "repo", 12_000, seed=1)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path / "repo"), *args], capture_output=True, text=True
        ).stdout

    assert len(git("rev-list", "main").split()) == len(monorepo.HISTORY) + 1
    assert len(git("rev-list", "main..pr").split()) == 2
    assert sorted(git("diff", "--name-only", "main", "pr").split()) == paths
    for path in paths:
        ast.parse(git("show", f"pr:{path}"), path)
