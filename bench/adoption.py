"""Time a new user's path from the built wheel to a gate on a real repository, on a clean machine.

Usage (from the repository root):
    python -m bench.adoption [--work DIR] [--output FILE] [--repeat N] [--worktree]
                             [--repo NAME] [--base TAG] [--head TAG] [--python PATH]

Everything runs in subprocesses under a temporary HOME (HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and
PIP_CACHE_DIR inside it; PIP_*, PYTHON*, XDG_* and VIRTUAL_ENV dropped from the inherited
environment), so pip starts with an empty cache and reads only the machine's site-wide
configuration. Steps, each a whole process timed with time.perf_counter:

1. build the wheel (offline, as tests/test_packaging.py does) from HEAD's files (`git archive`), or
   the work tree with --worktree;
2-4. `pip install <wheel>` into a fresh venv with pip's cache empty, then into --repeat more fresh
   venvs with the cache as the first install left it, then from a local wheelhouse with no
   network (the floor a warm cache can reach); site-packages sizes before and after;
5. `preflight init` in a copy of a real repository (default click from the release-pair corpus in
   /tmp/preflight-signal/repos) whose origin is a local bare repository, then the check init's
   output says to try, as printed, on a branch;
6. the first `preflight check` between two release tags, and a second one (warm cache);
7. `preflight init --hook`, then a real `git push` of one new commit through the hook and one with
   `--no-verify`;
8. `pip install '<wheel>[collect]'`;
9. `preflight collect` from real OpenTelemetry SDK output: a program drives the real click through
   CliRunner with click's own functions traced by the SDK, exporting with ConsoleSpanExporter,
   preflight.otel's OTLP JSON exporter and the SDK's OTLP protobuf encoder;
10. `preflight check --snapshot` with each snapshot, in a venv with the core install only;
11. the pushes and init's printed check again, now that the snapshot .preflight.yml names exists.

`python -X importtime` runs of the check path give its import time. A step that fails is reported
with its error; a failure that later steps depend on ends the run (also reported).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOS = Path("/tmp/preflight-signal/repos")
WARM_INSTALL_S = 20.0
CORE_MB = 150.0
HEAVY = ("pandas", "pyarrow", "scipy", "numpy", "networkx", "git", "tree_sitter")
"""Packages whose import in a command's path the report names."""
TIMEOUT = 900
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Adoption Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Adoption Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
TELEMETRY = (("console", "console.json"), ("OTLP JSON", "otlp.jsonl"), ("OTLP protobuf", "otlp.pb"))
"""(format, file) the instrumented program writes."""
RUNS = 400
"""Invocations of the instrumented click CLI."""


@dataclass(frozen=True, slots=True)
class Run:
    """One finished subprocess."""

    argv: tuple[str, ...]
    seconds: float
    returncode: int
    stdout: str
    stderr: str


@dataclass(slots=True)
class Step:
    """One row of the report."""

    name: str
    seconds: float
    returncode: int
    result: str
    ok: bool
    output: str
    """What the command printed, shown in the report ("" to leave it out)."""


@dataclass(slots=True)
class Report:
    """Everything the Markdown report shows."""

    machine: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    targets: list[tuple[str, str, str, bool]] = field(default_factory=list)
    """(target, measured, how it was measured, met)."""
    sizes: list[tuple[str, int]] = field(default_factory=list)
    largest: list[tuple[str, int]] = field(default_factory=list)
    imports: list[tuple[str, float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Failed(Exception):
    """A step that later steps need failed."""


def clean_environ(
    environ: Mapping[str, str], home: Path, venv: Path | None, drop_path: Sequence[Path]
) -> dict[str, str]:
    """The environment of a new user: HOME and every cache under home, no PIP_*, PYTHON*, XDG_* or
    VIRTUAL_ENV variables, venv's bin first on PATH and the directories in drop_path left out."""
    env = {
        key: value
        for key, value in environ.items()
        if not key.startswith(("PIP_", "PYTHON", "XDG_")) and key not in ("VIRTUAL_ENV", "CONDA_PREFIX")
    }
    dropped = {str(p) for p in drop_path}
    path = [p for p in environ.get("PATH", "").split(os.pathsep) if p and p not in dropped]
    if venv is not None:
        path.insert(0, str(venv / "bin"))
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        PIP_CACHE_DIR=str(home / ".cache" / "pip"),
        PATH=os.pathsep.join(path),
        **GIT_IDENTITY,
    )
    return env


def import_times(stderr: str) -> tuple[float, list[tuple[str, float]]]:
    """From `python -X importtime` output: the total seconds (the cumulative times of the top-level
    imports summed) and the top-level imports, slowest first."""
    top: list[tuple[str, float]] = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and not match.group(3):
            top.append((match.group(4), int(match.group(2)) / 1e6))
    return sum(s for _, s in top), sorted(top, key=lambda item: -item[1])


def imported(stderr: str, names: Sequence[str]) -> list[str]:
    """Which of names (top-level packages) `python -X importtime` output shows imported."""
    seen = {
        m.group(1).split(".")[0]
        for m in re.finditer(r"^import time:[^|]*\|[^|]*\|\s*(\S+)\s*$", stderr, re.M)
    }
    return [name for name in names if name in seen]


def verdict(stdout: str) -> str:
    """The verdict line of `check --format text`: its first non-empty line."""
    return next((line.strip() for line in stdout.splitlines() if line.strip()), "")


def tree_size(path: Path) -> int:
    """Bytes in the regular files under path (symbolic links not followed)."""
    total = 0
    for directory, _, names in os.walk(path):
        for name in names:
            item = Path(directory, name)
            if not item.is_symlink():
                total += item.stat().st_size
    return total


def mb(size: int) -> str:
    """Bytes as MB (10^6)."""
    return f"{size / 1e6:.1f}"


def spread(values: Sequence[float]) -> str:
    """best / median / max seconds, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f} s"


def run(argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str]) -> Run:
    """Run argv to the end, timed with perf_counter."""
    args = tuple(str(a) for a in argv)
    start = time.perf_counter()
    done = subprocess.run(
        args, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    return Run(args, time.perf_counter() - start, done.returncode, done.stdout, done.stderr)


def must(done: Run, what: str) -> Run:
    """done, or Failed naming what with the command's output."""
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-3000:]
        raise Failed(f"{what}: `{' '.join(done.argv)}` exited {done.returncode}:\n{tail}")
    return done


def shown(done: Run) -> str:
    """What a command printed, standard output then standard error."""
    return (done.stdout + ("\n" if done.stdout and done.stderr else "") + done.stderr).rstrip()


def site_packages(venv: Path) -> Path:
    """The venv's purelib directory."""
    (found,) = (venv / "lib").glob("python3*/site-packages")
    return found


def installed_line(pip_output: str) -> str:
    """pip's `Successfully installed ...` line."""
    return next((line for line in pip_output.splitlines() if line.startswith("Successfully installed")), "")


def largest(site: Path, count: int) -> list[tuple[str, int]]:
    """The count largest top-level entries of a site-packages directory (metadata left out)."""
    sizes = [
        (entry.name, tree_size(entry) if entry.is_dir() else entry.stat().st_size)
        for entry in site.iterdir()
        if not entry.name.endswith((".dist-info", ".pth")) and entry.name != "__pycache__"
    ]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def append_function(path: Path, name: str) -> None:
    """A small change: one new function at the end of a module."""
    text = path.read_text(encoding="utf-8")
    path.write_text(f"{text}\n\ndef {name}(value):\n    return value + 1\n", encoding="utf-8")


PROGRAM = '''\
"""A click CLI driven through CliRunner, with click's own functions traced by the OTel SDK."""
import functools
import json
import sys
from pathlib import Path

import click
import click.core
import click.shell_completion
import click.testing
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from preflight.otel import OtlpJsonLinesExporter

out, runs = Path(sys.argv[1]), int(sys.argv[2])
provider = TracerProvider(resource=Resource.create({"service.name": "click"}))
console = (out / "console.json").open("w", encoding="utf-8")
provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
provider.add_span_processor(BatchSpanProcessor(OtlpJsonLinesExporter(out / "otlp.jsonl")))
memory = InMemorySpanExporter()
provider.add_span_processor(SimpleSpanProcessor(memory))
tracer = provider.get_tracer("adoption-bench")

TRACED = (
    (click.testing.CliRunner, "invoke"),
    (click.core.Command, "main"),
    (click.core.Command, "make_context"),
    (click.core.Command, "parse_args"),
    (click.core.Command, "invoke"),
    (click.core.Group, "invoke"),
    (click.core.Context, "invoke"),
    (click.core.Option, "__init__"),
    (click.shell_completion, "_resolve_context"),
)


def trace(owner, name):
    function = vars(owner)[name]
    qualified = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def traced(*args, **kwargs):
        with tracer.start_as_current_span(function.__qualname__, attributes={"code.function.name": qualified}):
            return function(*args, **kwargs)

    setattr(owner, name, traced)


for owner, name in TRACED:
    trace(owner, name)


def build():
    @click.group()
    @click.option("--verbose", is_flag=True)
    def app(verbose):
        pass

    @app.command()
    @click.option("--count", type=int, default=1)
    @click.argument("name")
    def hello(count, name):
        click.echo(f"hello {name} " * count)

    @app.command()
    def fail():
        raise RuntimeError("boom")

    return app


runner = click.testing.CliRunner()
complete = {"_APP_COMPLETE": "bash_complete", "COMP_WORDS": "app hello --", "COMP_CWORD": "2"}
for i in range(runs):
    app = build()
    if i % 20 == 0:
        runner.invoke(app, [], env=complete, prog_name="app")
    elif i % 20 == 1:
        runner.invoke(app, ["fail"], prog_name="app")
    elif i % 20 == 2:
        runner.invoke(app, ["hello", "--count", "x", "n"], prog_name="app")
    else:
        runner.invoke(app, ["--verbose", "hello", "--count", "2", f"n{i}"], prog_name="app")
provider.shutdown()
console.close()
spans = memory.get_finished_spans()
(out / "otlp.pb").write_bytes(encode_spans(spans).SerializeToString())
names = sorted({s.attributes["code.function.name"] for s in spans})
print(json.dumps({"spans": len(spans), "errors": sum(not s.status.is_ok for s in spans), "functions": names}))
'''


class Bench:
    """The steps in order, with what they share: the paths, the environments and the report."""

    def __init__(
        self, work: Path, repo: str, base: str, head: str, python: str, repeat: int, worktree: bool
    ) -> None:
        self.work, self.repo_name, self.base, self.head = work, repo, base, head
        self.python, self.repeat, self.worktree = python, repeat, worktree
        self.home = work / "home"
        self.venv = work / "venv"  # the user's venv: core, then [collect]
        self.core = work / "core"  # a second venv that keeps the core install only
        self.repo = work / "repo"
        self.telemetry = work / "telemetry"
        self.wheel = work / "dist" / "missing.whl"
        self.printed = ""  # the check command init's output tells the user to try
        self.report = Report()
        self.drop = (Path(sys.executable).parent, ROOT / ".venv" / "bin")

    def env(self, venv: Path | None) -> dict[str, str]:
        """The new user's environment with venv's bin on PATH."""
        return clean_environ(os.environ, self.home, venv, self.drop)

    def step(self, name: str, done: Run, result: str = "", ok: bool | None = None, output: str = "") -> None:
        """Record one timed command; a failed one also under Failures."""
        good = done.returncode == 0 if ok is None else ok
        self.report.steps.append(Step(name, done.seconds, done.returncode, result, good, output))
        if not good:
            self.report.failures.append(f"{name}: exit {done.returncode}\n{shown(done)[-3000:]}")

    def machine(self) -> None:
        """The facts a reader needs to compare numbers."""
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        )
        version = subprocess.run([self.python, "--version"], capture_output=True, text=True).stdout.strip()
        self.report.machine = {
            "date (UTC)": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "cpus (nproc)": str(os.cpu_count()),
            "platform": platform.platform(),
            "python of the venvs": f"{version} ({self.python})",
            "preflight built from": f"commit {commit.stdout.strip()}"
            + (
                (" and the uncommitted changes of the work tree" if dirty.stdout.strip() else " (work tree)")
                if self.worktree
                else " (`git archive`: committed files only)"
            ),
            "repository": f"{self.repo_name} ({REPOS / self.repo_name}), tags {self.base} -> {self.head}",
            "load average (1 min) at the start": f"{os.getloadavg()[0]:.2f}",
        }

    def new_venv(self, venv: Path, label: str) -> int:
        """A fresh venv (`python3 -m venv`, timed); the size of its site-packages."""
        made = must(run([self.python, "-m", "venv", venv], self.work, self.env(None)), "python3 -m venv")
        self.step(f"`python3 -m venv` ({label})", made)
        return tree_size(site_packages(venv))

    def pip_install(self, venv: Path, *args: str | Path) -> Run:
        """`pip install ARGS` with venv's pip in the clean environment."""
        return run([venv / "bin" / "pip", "install", *args], self.work, self.env(venv))

    def build(self) -> None:
        """1. The wheel, as a release builds it (offline: no isolation)."""
        out, source = self.work / "dist", ROOT
        if not self.worktree:
            # The committed tree: others' edits in progress in the work tree stay out of the wheel.
            source = self.work / "source"
            source.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        argv: list[str | Path] = [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            out,
            source,
        ]
        done = must(run(argv, self.work, self.env(None)), "building the wheel")
        (self.wheel,) = out.glob("*.whl")
        self.step("1. build the wheel (`python -m build --wheel --no-isolation`)", done, self.wheel.name)

    def install(self) -> None:
        """2-4. The core install: cold, warm (repeat times), and from a wheelhouse without network."""
        before = self.new_venv(self.venv, "2. the user's venv")
        self.report.sizes.append(("fresh venv (pip and setuptools only)", before))
        pip = self.env(self.venv)
        config = run([self.venv / "bin" / "pip", "config", "list"], self.work, pip).stdout.strip()
        self.report.machine["pip configuration read"] = config.replace("\n", "; ") or "(none)"
        version = run([self.venv / "bin" / "pip", "--version"], self.work, pip).stdout
        self.report.machine["pip of the fresh venvs"] = version.split(" from ")[0]
        cold = must(self.pip_install(self.venv, self.wheel), "pip install (cold)")
        after = tree_size(site_packages(self.venv))
        added = after - before
        self.report.sizes.append(("after `pip install <wheel>` (core)", after))
        self.report.largest = largest(site_packages(self.venv), 8)
        self.step(
            "3. `pip install <wheel>`, pip cache empty",
            cold,
            f"{mb(added)} MB added",
            output=installed_line(cold.stdout),
        )
        cache = tree_size(self.home / ".cache" / "pip")
        self.report.notes.append(
            f"pip's cache held {mb(cache)} MB after the cold install"
            + (
                ": pip stored none of the downloads, so the"
                " 'warm' installs below downloaded every package again; the wheelhouse rows show the"
                " install without the network, the floor a warm cache can reach."
                if cache < 1e6
                else "."
            )
        )
        warm = []
        for number in range(1, self.repeat + 1):
            venv = self.core if number == 1 else self.work / f"warm{number}"
            self.new_venv(venv, f"4. second venv {number}")
            done = must(self.pip_install(venv, self.wheel), "pip install (warm)")
            self.step(f"4. `pip install <wheel>` again, pip cache as step 3 left it, run {number}", done)
            warm.append(done.seconds)
            if number > 1:
                shutil.rmtree(venv)
        house = self.work / "wheelhouse"
        fetched = must(
            run([self.venv / "bin" / "pip", "download", "--dest", house, self.wheel], self.work, pip),
            "pip download",
        )
        self.step("4w. `pip download <wheel> --dest wheelhouse` (once)", fetched)
        offline = []
        for number in range(1, self.repeat + 1):
            venv = self.work / f"offline{number}"
            self.new_venv(venv, f"4w. wheelhouse venv {number}")
            done = must(
                self.pip_install(venv, "--no-index", "--find-links", house, self.wheel),
                "pip install (wheelhouse)",
            )
            self.step(f"4w. `pip install --no-index --find-links wheelhouse <wheel>`, run {number}", done)
            offline.append(done.seconds)
            shutil.rmtree(venv)
        median = statistics.median(warm)
        self.report.targets += [
            (
                f"core `pip install` with a warm pip cache, < {WARM_INSTALL_S:.0f} s",
                spread(warm),
                f"step 4: best / median / max of {len(warm)}, fresh venvs, through the network",
                median < WARM_INSTALL_S,
            ),
            (
                f"(same, from a wheelhouse, < {WARM_INSTALL_S:.0f} s)",
                spread(offline),
                "no network: `--no-index --find-links`",
                statistics.median(offline) < WARM_INSTALL_S,
            ),
            (
                f"core installed, < {CORE_MB:.0f} MB",
                f"{mb(added)} MB",
                f"site-packages {mb(before)} -> {mb(after)} MB",
                added / 1e6 < CORE_MB,
            ),
        ]

    def clone(self) -> None:
        """A copy of the real repository whose origin is a bare repository holding main and the tags."""
        shutil.copytree(REPOS / self.repo_name, self.repo, symlinks=True)
        env, origin = self.env(self.venv), self.work / "origin.git"
        must(
            run(["git", "init", "--quiet", "--bare", "--initial-branch=main", origin], self.work, env),
            "git init --bare",
        )
        must(run(["git", "remote", "add", "origin", origin], self.repo, env), "git remote add")
        must(run(["git", "push", "--quiet", "origin", "main", "--tags"], self.repo, env), "the first push")
        must(run(["git", "fetch", "--quiet", "origin"], self.repo, env), "git fetch")

    def git(self, *args: str) -> Run:
        """git ARGS in the repository copy, which must succeed."""
        return must(run(["git", *args], self.repo, self.env(self.venv)), f"git {args[0]}")

    def init(self) -> None:
        """5. `preflight init`; its files committed and pushed as its output says; its check, as printed."""
        done = run(["preflight", "init"], self.repo, self.env(self.venv))
        self.step("5. `preflight init`", done, "wrote .preflight.yml and the workflow", output=shown(done))
        must(done, "preflight init")
        self.git("add", ".preflight.yml", ".github/workflows/preflight.yml")
        self.git("commit", "--quiet", "-m", "preflight init")
        self.git("push", "--quiet", "origin", "main")
        printed = re.search(r"Try it on a branch: (.+?)\s{2,}\(", done.stdout)
        self.printed = printed.group(1) if printed else ""
        self.try_printed("5b")

    def try_printed(self, number: str) -> None:
        """init's suggested check, run as printed on a branch with one new function."""
        if not self.printed:
            self.report.failures.append(f"{number}: `preflight init` printed no check command to try")
            return
        branch = "try-preflight"
        exists = run(["git", "rev-parse", "--verify", "--quiet", branch], self.repo, self.env(self.venv))
        self.git("checkout", "--quiet", *(() if exists.returncode == 0 else ("-b",)), branch)
        if exists.returncode != 0:
            append_function(self.repo / "src" / self.repo_name / "utils.py", "_adoption_try")
            self.git("commit", "--quiet", "-am", "try preflight")
        done = run(["sh", "-c", self.printed], self.repo, self.env(self.venv))
        self.git("checkout", "--quiet", "main")
        self.step(
            f"{number}. init's `{self.printed}`, as printed, on a branch",
            done,
            verdict(shown(done)),
            output=shown(done),
        )

    def check(self) -> None:
        """6. The first check between two release tags (cold cache), then a second (warm)."""
        argv = ["preflight", "check", "--base", self.base, "--head", self.head, "--format", "text"]
        for label in ("first, cold cache", "second, warm cache"):
            done = run(argv, self.repo, self.env(self.venv))
            self.step(
                f"6. `{' '.join(argv[:6])}`, {label}",
                done,
                verdict(done.stdout),
                output=shown(done) if "first" in label else "",
            )
        self.importtime("`check` (no snapshot), core venv", self.core, argv[1:])

    def importtime(self, label: str, venv: Path, args: Sequence[str]) -> None:
        """The import time of a command's path in a fresh process, and which heavy packages it imports."""
        done = run(
            [venv / "bin" / "python", "-X", "importtime", "-m", "preflight", *args], self.repo, self.env(venv)
        )
        total, top = import_times(done.stderr)
        heavy = ", ".join(imported(done.stderr, HEAVY)) or "none"
        slowest = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in top[:4])
        self.report.imports.append((f"{label} (exit {done.returncode})", total, f"{heavy} | {slowest}"))

    def pushes(self, number: str, when: str) -> None:
        """A push of one new commit through the hook, then one with --no-verify."""
        for letter, flags in (("b", ()), ("c", ("--no-verify",))):
            append_function(self.repo / "src" / self.repo_name / "utils.py", f"_adoption_{number}{letter}")
            self.git("commit", "--quiet", "-am", f"adoption {number}{letter}")
            done = run(["git", "push", *flags, "origin", "main"], self.repo, self.env(self.venv))
            how = "`git push --no-verify`" if flags else "`git push` through the hook"
            result = "pushed" if done.returncode == 0 else "push refused"
            self.step(
                f"{number}{letter}. {how}, one new commit, {when}",
                done,
                result,
                output="" if flags else shown(done),
            )

    def hook(self) -> None:
        """7. The hook through `init --hook`, then the pushes."""
        done = run(["preflight", "init", "--hook"], self.repo, self.env(self.venv))
        self.step("7a. `preflight init --hook` (after init)", done, "hook installed", output=shown(done))
        must(done, "preflight init --hook")
        self.pushes("7", "no snapshot yet")

    def collect_extra(self) -> None:
        """8. The [collect] extra into the user's venv."""
        before = tree_size(site_packages(self.venv))
        done = must(self.pip_install(self.venv, f"{self.wheel}[collect]"), "pip install [collect]")
        after = tree_size(site_packages(self.venv))
        self.report.sizes.append(("after `pip install '<wheel>[collect]'`", after))
        self.step(
            "8. `pip install '<wheel>[collect]'`",
            done,
            f"{mb(after - before)} MB added",
            output=installed_line(done.stdout),
        )

    def telemetry_files(self) -> None:
        """Real SDK spans in three formats, from the instrumented program."""
        self.telemetry.mkdir()
        program = self.telemetry / "program.py"
        program.write_text(PROGRAM, encoding="utf-8")
        # The service's own environment: this checkout's venv, which has the OpenTelemetry SDK.
        done = must(
            run([sys.executable, program, self.telemetry, str(RUNS)], self.work, self.env(None)),
            "the instrumented program",
        )
        sizes = ", ".join(f"{file} {mb((self.telemetry / file).stat().st_size)} MB" for _, file in TELEMETRY)
        self.report.machine["telemetry"] = (
            f"OpenTelemetry SDK spans of a click CLI run {RUNS} times through CliRunner ({sizes}): {done.stdout.strip()}"
        )

    def collect(self) -> None:
        """9. collect from each telemetry file, 10. check --snapshot with each, in the core venv."""
        for name, file in TELEMETRY:
            # The OTLP JSON snapshot goes where init's .preflight.yml says, as a user would put it.
            slug = name.lower().replace(" ", "-")
            snapshot = (
                self.repo / ".preflight" / "snapshot"
                if name == "OTLP JSON"
                else self.work / "snapshots" / slug
            )
            argv: list[str | Path] = [
                "preflight",
                "collect",
                self.telemetry / file,
                "--output",
                snapshot,
                "--revision",
                self.base,
            ]
            done = run(argv, self.repo, self.env(self.venv))
            ok = done.returncode == 0 and (snapshot / "meta.json").is_file()
            self.step(
                f"9. `preflight collect {file}` ({name})",
                done,
                "snapshot written" if ok else "no snapshot",
                ok,
                shown(done),
            )
            if not ok:
                continue
            args = [
                "check",
                "--base",
                self.base,
                "--head",
                self.head,
                "--snapshot",
                str(snapshot),
                "--format",
                "text",
            ]
            checked = run([self.core / "bin" / "preflight", *args], self.repo, self.env(self.core))
            self.step(
                f"10. `preflight check --snapshot` ({name} snapshot), core venv",
                checked,
                verdict(checked.stdout),
                output=shown(checked) if name == "OTLP JSON" else "",
            )
            if name == "OTLP JSON":
                self.importtime("`check --snapshot`, core venv", self.core, args)
                self.importtime("`check --snapshot`, venv with [collect]", self.venv, args)

    def again(self) -> None:
        """11. init's printed check and the pushes, now that the snapshot .preflight.yml names exists."""
        self.try_printed("11a")
        self.pushes("11", "snapshot in place")

    def all(self) -> None:
        """Every step; a failure later steps need ends the run, and is reported."""
        self.machine()
        try:
            self.steps()
        finally:
            self.report.machine["load average (1 min) at the end"] = f"{os.getloadavg()[0]:.2f}"

    def steps(self) -> None:
        """The steps in order."""
        try:
            self.build()
            self.install()
            self.clone()
            self.init()
            self.check()
            self.hook()
            self.collect_extra()
            self.telemetry_files()
            self.collect()
            self.again()
        except (Failed, subprocess.TimeoutExpired, OSError, ValueError) as error:
            self.report.failures.append(f"stopped: {error}")


def render(report: Report, command: str) -> str:
    """The Markdown report."""
    lines = [
        "# Adoption: from the built wheel to a gate on a real repository",
        "",
        f"`{command}` from preflight's checkout (`--work DIR` keeps the venvs and the repository copy).",
        "A clean temporary HOME (pip's cache empty at the start), fresh venvs, every command a whole",
        "process timed with `time.perf_counter`. Sizes are the bytes of the files in site-packages,",
        "in MB (10^6 bytes). One run: times that go through the network vary from run to run.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in report.machine.items()),
        "",
        "## Targets",
        "",
        "| target | measured | how | met |",
        "|---|---|---|---|",
        *(f"| {t} | {m} | {h} | {'PASS' if ok else 'FAIL'} |" for t, m, h, ok in report.targets),
        "",
        *(f"{note}\n" for note in report.notes),
        "## Steps",
        "",
        "| step | seconds | exit | result |",
        "|---|---:|---:|---|",
    ]
    for step in report.steps:
        mark = "" if step.ok else " **(failed)**"
        lines.append(f"| {step.name} | {step.seconds:.2f} | {step.returncode} | {step.result}{mark} |")
    lines += ["", "## Installed size (the user's venv, site-packages)", "", "| state | MB |", "|---|---:|"]
    lines += [f"| {label} | {mb(size)} |" for label, size in report.sizes]
    if report.largest:
        lines += [
            "",
            "Largest entries of the core install: "
            + ", ".join(f"{n} {mb(s)} MB" for n, s in report.largest)
            + ".",
        ]
    if report.imports:
        lines += [
            "",
            "## Import time of the check path",
            "",
            "`python -X importtime -m preflight ...` in a fresh process (bytecode compiled by pip); the",
            "first row is the core venv's first preflight process (its files maybe not yet in the page",
            "cache), the others follow runs in the same venv. Total = the cumulative times of the",
            "top-level imports summed, the interpreter's own start-up imports included.",
            "",
            "| command | imports (ms) | heavy packages imported | slowest top-level imports (ms) |",
            "|---|---:|---|---|",
        ]
        lines += [f"| {label} | {total * 1000:.0f} | {detail} |" for label, total, detail in report.imports]
    lines += ["", "## What the commands printed", ""]
    for step in report.steps:
        if step.output:
            lines += [f"### {step.name}", "", "```", step.output, "```", ""]
    lines += ["## Failures", ""]
    lines += [f"```\n{failure}\n```\n" for failure in report.failures] or ["None.", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the steps, write the report; exit 1 when a step failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--work",
        type=Path,
        help="An empty or new directory to work in, kept (default: a temporary one, removed).",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "adoption.md")
    parser.add_argument(
        "--repeat", type=int, default=5, help="Warm and wheelhouse installs, each in a fresh venv."
    )
    parser.add_argument("--repo", default="click", help=f"A repository under {REPOS}.")
    parser.add_argument("--base", default="8.2.0", help="The first check's base tag.")
    parser.add_argument("--head", default="8.2.1", help="The first check's head tag.")
    parser.add_argument(
        "--worktree",
        action="store_true",
        help="Build the wheel from the work tree, uncommitted changes included (default: HEAD's files).",
    )
    parser.add_argument("--python", help="Interpreter that makes the venvs (default: python3 on PATH).")
    args = parser.parse_args(argv)
    python = (
        args.python
        or subprocess.run(
            ["python3", "-c", "import sys; print(sys.executable)"],
            env={key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    work = args.work or Path(tempfile.mkdtemp(prefix="preflight-adoption-"))
    if work.exists() and any(work.iterdir()):
        parser.error(f"--work {work} is not empty")
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(work.resolve(), args.repo, args.base, args.head, python, args.repeat, args.worktree)
    try:
        bench.all()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    options = [
        f"--{name} {getattr(args, name)}"
        for name in ("repeat", "repo", "base", "head", "python")
        if getattr(args, name) != parser.get_default(name)
    ] + (["--worktree"] if args.worktree else [])
    text = render(bench.report, " ".join(["python -m bench.adoption", *options]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 1 if bench.report.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
