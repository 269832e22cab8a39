"""`preflight init`: set preflight up in a repository in one step.

Writes a commented `.preflight.yml` (the services it can infer: the top-level Python packages,
and the entry points the code index finds), the GitHub Actions workflow
`.github/workflows/preflight.yml`, and with --hook the pre-push hook; then says where runtime data
comes from. Running it again changes nothing: a file already there is named and left alone unless
--force, and then nothing at all is written (exit 2), so a half-initialised repository never
results. Every file goes through files.write_atomic.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from preflight import __version__, config, hook
from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.repository import Repository

CONFIG = ".preflight.yml"
WORKFLOW = ".github/workflows/preflight.yml"
REQUIREMENT = f"preflight-risk-gate=={__version__}"
"""What the workflow installs: this version of the distribution, so nothing in it needs an edit."""
SCAN_LIMIT = 2000
"""At most this many Python files are read for entry points, so init stays fast on a monorepo."""
SKIPPED = frozenset({".git", ".venv", "venv", "env", ".tox", ".nox", "node_modules", "build", "dist"})
"""Directories never walked: environments, build output, other tools' caches."""


@dataclass(frozen=True, slots=True)
class Found:
    """What init inferred from the work tree."""

    packages: tuple[str, ...]
    """Top-level Python packages (a directory with __init__.py at the root or under src/)."""
    entry_points: tuple[tuple[str, int], ...]
    """(kind, how many) of the entry points the code index found, most first."""
    examples: tuple[str, ...]
    """A few entry points as `kind qualname (detail)`, to show what was found."""


def run(repo_dir: Path, hook_too: bool, force: bool, out: TextIO, environ: Mapping[str, str]) -> int:
    """Write the config and the workflow (and the hook with hook_too); print the next step."""
    with Repository(repo_dir) as repo:
        root, hooks = repo.root, repo.git_path("hooks")
    found = infer(root)
    files = {CONFIG: config_text(found), WORKFLOW: workflow_text()}
    present = [name for name in files if (root / name).exists() or (root / name).is_symlink()]
    same = [name for name in present if _read(root / name) == files[name]]
    clashing = [name for name in present if name not in same]
    if clashing and not force:
        raise InputError(
            f"{', '.join(str(root / name) for name in clashing)} exists already and differs from what "
            "init writes; nothing was written: keep it, or pass --force to replace it"
        )
    for name, text in files.items():
        if name in same:
            out.write(f"preflight: {name} is up to date\n")
            continue
        write_atomic(root / name, text)
        out.write(f"preflight: {'replaced' if name in present else 'wrote'} {name}\n")
    command = hook.invocation(environ.get("PATH"))
    if hook_too:
        exe, args = hook.command()
        done = hook.install(hooks, hook.script(exe, args))
        out.write(f"preflight: pre-push hook {done.action} at {done.hook}\n")
    out.write(next_step(found, command, hook_too))
    return 0


def infer(root: Path) -> Found:
    """The packages and entry points of the Python code under root (production files only)."""
    from preflight.callgraph import entrypoints

    packages = sorted(
        path.name
        for base in (root, root / "src")
        if base.is_dir()
        for path in base.iterdir()
        if path.is_dir()
        and (path / "__init__.py").is_file()
        and path.name.isidentifier()
        and config.Config().is_production(f"{path.relative_to(root).as_posix()}/__init__.py")
    )
    kinds: Counter[str] = Counter()
    examples: list[str] = []
    for count, path in enumerate(python_files(root)):
        if count >= SCAN_LIMIT:
            break
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for entry in entrypoints.find(path.relative_to(root).as_posix(), source):
            kinds[entry.kind] += 1
            if len(examples) < 5:
                examples.append(
                    f"{entry.kind} {entry.qualname}" + (f" ({entry.detail})" if entry.detail else "")
                )
    return Found(
        tuple(packages), tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))), tuple(examples)
    )


def python_files(root: Path) -> Iterator[Path]:
    """The production .py files under root, in a stable order, skipping environments and caches."""
    defaults = config.Config()
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED and not d.startswith("."))
        for name in sorted(names):
            path = Path(directory) / name
            if name.endswith(".py") and defaults.is_production(path.relative_to(root).as_posix()):
                yield path


def config_text(found: Found) -> str:
    """The commented .preflight.yml; every line that is not a comment loads with config.parse."""
    lines = [
        "# preflight's configuration, written by `preflight init`; every key is optional.",
        "# Reference: docs/configuration.md in preflight's repository.",
        "# check reads this file at the base revision: a pull request cannot change how it is checked.",
        "",
        "runtime:",
        "  # The runtime snapshot `preflight collect` writes (traffic, latency, SLOs per function).",
        "  # Without one, check scores the code alone and says the traffic is unknown.",
        "  snapshot: .preflight/snapshot",
        "",
        "gate:",
        "  mode: advisory   # report and never fail; `blocking` fails above gate.fail_above",
        "",
    ]
    if found.entry_points:
        counts = ", ".join(f"{count} {kind}" for kind, count in found.entry_points)
        lines += [f"# Entry points found in the code: {counts}, e.g.:"]
        lines += [f"#   {example}" for example in found.examples]
        lines += ["# Others, registered by a decorator preflight does not know, can be named:"]
    else:
        lines += ["# No entry points were found in the code; name the decorators that register them:"]
    lines += [
        "# entry_points:",
        "#   - decorator: myframework.route",
        "#     kind: http",
        "",
    ]
    if found.packages:
        lines += [
            "# The services, one per top-level package found; a service is named as its telemetry",
            "# names it (service.name). Add what spans cannot show: CPU utilization for queueing,",
            "# and calls (timeout_ms, retries, calls_per_request, fallback, mode: parallel).",
            "services:",
        ]
        for package in found.packages:
            lines += [
                f"  {package}: {{}}",
                "    # utilization: 0.4",
                "    # calls:",
                "    #   other-service: {timeout_ms: 800, retries: 2}",
            ]
    else:
        lines += [
            "# No top-level Python package was found; declare services as telemetry names them:",
            "# services:",
            "#   checkout:",
            "#     calls:",
            "#       payment: {timeout_ms: 800, retries: 2}",
        ]
    return "\n".join(lines) + "\n"


def workflow_text() -> str:
    """The GitHub Actions workflow: preflight on every pull request.

    It runs `preflight check --github` itself, with what the action would give it (the token, a
    report file), so it names no repository to copy: comment, annotations, step summary, outputs
    and exit code are the action's.
    """
    return f"""\
# preflight on pull requests: a sticky comment with the risk of the change, and the gate.
# Written by `preflight init`. On pull requests from forks GitHub gives a read-only token:
# preflight still annotates and gates, and says it could not comment.
name: preflight
on: pull_request
permissions:            # least privilege
  contents: read        # read the code
  pull-requests: write  # the sticky comment
concurrency:
  group: preflight-${{{{ github.event.pull_request.number }}}}
  cancel-in-progress: true
jobs:
  preflight:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0              # the merge base and history; a shallow clone is refused
          persist-credentials: false
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: .github/workflows/*  # where the version below is pinned
      # Not on PyPI yet: this install fails until {REQUIREMENT} is published.
      - name: Install preflight
        run: python -m pip install {REQUIREMENT}
      - id: preflight             # outputs: score, level, decision, passed, report
        run: preflight check --github --output "$RUNNER_TEMP/preflight.md"
        env:
          GITHUB_TOKEN: ${{{{ github.token }}}}  # for the comment; never printed
"""


def next_step(found: Found, command: str, hooked: bool) -> str:
    """What to do next: commit, then give check runtime data."""
    lines = [
        "",
        "Next:",
        f"  1. Commit {CONFIG} and {WORKFLOW}; the workflow comments on every pull request.",
        f"  2. Try it on a branch: {command} check --format text   (against main or master)",
        "  3. Runtime data makes the score about traffic, not only code: export your services'",
        "     OpenTelemetry traces as OTLP JSON (or Jaeger, Zipkin, cProfile) and build the snapshot",
        f"     {CONFIG} names: {command} collect --help",
    ]
    if not hooked:
        lines.append(f"  4. Gate your pushes too: {command} hook install")
    if not found.packages:
        lines.append(f"  No Python package was found: edit services in {CONFIG} by hand.")
    return "\n".join(lines) + "\n"


def _read(path: Path) -> str | None:
    """The file's text, or None when it cannot be read as text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
