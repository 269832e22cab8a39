"""How much of what `preflight check` says on real release pairs a reviewer can trust (issue 16).

Usage (from the repository root; PyPI reached through pip only):
    python -m bench.signal --corpus dev [--work /tmp/preflight-signal] [--output FILE]
    python -m bench.signal --corpus dev --preflight-root /tmp/preflight-before \
        --output bench/results/signal-dev-before.md
    python -m bench.signal --corpus heldout --format json

Each package's releases (CORPORA) become one git repository, one tagged commit per release
(bench.repos: sdists from `pip download --no-binary :all:`, cached under --work). Every
consecutive pair of a package's listed releases is checked the way a new user would: the
real CLI (`python -m preflight check` of --preflight-root, in a fresh process), static only
(no snapshot), in four formats, under three gate policies (GATES). A policy is committed as
`.preflight.yml` on a side commit over the base release, and the head release's tree is
committed on top of it with the same file, so the diff is exactly the release's while the
gate is read from the base as in a pull request; the compact lines are what the pre-push
hook prints (`preflight hook run` with PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF).

Counted per pair (definitions in NOTES): signature edits called breaking that the stdlib-ast
cross-check (bench.signature_oracle.breaks) calls compatible and the reverse; callers and
entry points from test code; verdict words that disagree across renderers and the exit code;
the Markdown comment's size and headline; wall time per check. The held-out corpus is run
once at the end and never looked at while preflight is changed.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import itertools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.repos import _GIT_ENV, build_repo


def _versions(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


CORPORA: dict[str, dict[str, tuple[str, ...]]] = {
    # Looked at while preflight is changed: the pairs issue 16 names, oldest release first.
    "dev": {
        "click": _versions("8.1.7 8.1.8 8.2.0 8.2.1"),
        "httpx": _versions("0.27.1 0.27.2 0.28.0"),
        "rich": _versions("13.8.1 13.9.0 13.9.4"),
        "flask": _versions("3.0.2 3.0.3 3.1.0"),
        "attrs": _versions("23.2.0 24.1.0 24.2.0"),
        "requests": _versions("2.31.0 2.32.2 2.32.3"),
    },
    # Never looked at while the code is changed: run once, at the end.
    "heldout": {
        "jinja2": _versions("3.1.4 3.1.5 3.1.6"),
        "werkzeug": _versions("3.0.6 3.1.0 3.1.3"),
        "itsdangerous": _versions("2.1.1 2.1.2 2.2.0"),
        "markupsafe": _versions("2.1.5 3.0.0 3.0.2"),
        "pluggy": _versions("1.4.0 1.5.0 1.6.0"),
        "packaging": _versions("23.2 24.0 24.1"),
    },
}
GATES: dict[str, str | None] = {
    "default": None,  # no .preflight.yml: the defaults a new user gets
    "advisory-crossed": "gate:\n  mode: advisory\n  warn_above: 5\n  fail_above: 10\n",
    "blocking-low": "gate:\n  mode: blocking\n  warn_above: 5\n  fail_above: 10\n",
}
"""Gate policies each pair runs under: the advisory one has its fail threshold crossed by almost
any change (it must say warn and exit 0), the blocking one fails almost any change (fail, exit 1)."""
FORMATS = ("json", "markdown", "text", "compact")
COMMENT_LIMIT = 15_000
"""Issue 16's target for a PR comment, in characters."""
WORDS = ("pass", "warn", "fail")
_VERDICT = re.compile(r"\b(PASS|WARN|FAIL)\b")
_VERDICT_ANY_CASE = re.compile(r"\b(pass|warn|fail)\b", re.IGNORECASE)
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_MD_ESCAPE = re.compile(r"\\(.)")

NOTES = """## Definitions

- Pairs: consecutive releases in CORPORA, each a commit of its sdist's tree (bench.repos).
- Runs: `python -m preflight check --base OLD --head NEW --format F` of the checkout under test,
  static only, F in json, markdown, text; compact is `preflight hook run` (the pre-push hook's
  output) over the same range. Gate policies: none (defaults), `gate: {mode: advisory,
  warn_above: 5, fail_above: 10}` and `gate: {mode: blocking, warn_above: 5, fail_above: 10}`,
  each committed as `.preflight.yml` on a side commit over OLD, with NEW's tree committed on top
  (same file), so the diff is the release's and the policy is read from the base.
- Signature edits: modified functions whose JSON has a `signature` aspect (production ones only,
  when the JSON says which). "Called breaking": a non-empty `signature_break` when the JSON has
  that field, else (before it existed) callers > 0, since every signature edit with callers then
  scored them. The truth: `bench.signature_oracle.breaks(old_def, new_def)`, Python's calling
  rules on the two defs (decorators included) cut out of the two blobs with the stdlib `ast`.
  False alarms: called breaking, the cross-check says compatible; missed: the reverse. Those in
  test files (is_test_path) are also counted apart, as the JSON before issue 16 scores all code.
- Test code: a qualname whose module file is under tests/ or named test_*.py, *_test.py or
  conftest.py (modules mapped to files through the head's tree; a `tests`/`test_*` segment when
  no file matches). Counted in the default run's JSON: `reached_from` entries whose entry point
  is test code, distinct test functions on their paths; and distinct test qualnames mentioned in
  the Markdown comment. `callers_left_out` / `entry_points_left_out` are summed when the JSON
  has them.
- Verdicts: JSON `decision.verdict`, the first PASS/WARN/FAIL word of the Markdown `###` heading,
  of the text's first line and of the compact first line, and the exit code (fail iff 1; 0
  otherwise). A run set (one pair under one gate policy) disagrees when the words are not all
  the same or a renderer's word is fail without exit code 1 (or the reverse); each such
  mismatch is one disagreement.
- Comment: the default run's Markdown, characters. Headline: the non-blank lines from the `###`
  heading to the first blank line after the first paragraph below it.
- Time: wall seconds of each `check --format json` in a fresh process (default policy), after
  the other formats of the pair warmed preflight's caches in the repository's git directory.
"""


def is_test_path(path: str) -> bool:
    """True for test code: under a tests/ directory, test_*.py, *_test.py or conftest.py."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    if any(part in ("tests", "test") for part in parts[:-1]):
        return True
    return name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    )


def module_of(path: str) -> str:
    """The dotted module a Python file defines (src/ layout and __init__.py folded away)."""
    stem = path[: -len(".py")] if path.endswith(".py") else path
    parts = stem.split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def module_files(paths: Iterable[str]) -> dict[str, str]:
    """Module name -> file for every Python file of a tree."""
    return {module_of(p): p for p in paths if p.endswith(".py")}


def is_test_qualname(qualname: str, modules: Mapping[str, str]) -> bool:
    """True when qualname is defined in test code: its longest module prefix's file, else its segments."""
    parts = qualname.split(".")
    for end in range(len(parts), 0, -1):
        found = modules.get(".".join(parts[:end]))
        if found is not None:
            return is_test_path(found)
    return any(
        p in ("tests", "test", "conftest") or p.startswith("test_") or p.endswith("_test") for p in parts
    )


def verdict_word(line: str) -> str | None:
    """The verdict word a rendered line shows (upper-case word first), lower-cased; None if none."""
    found = _VERDICT.search(line) or _VERDICT_ANY_CASE.search(line)
    return found.group(1).lower() if found else None


def markdown_heading(markdown: str) -> str:
    """The comment's first `###` heading line ('' when there is none)."""
    return next((line for line in markdown.splitlines() if line.startswith("###")), "")


def first_line(text: str) -> str:
    """The first non-blank line of a rendered output."""
    return next((line for line in text.splitlines() if line.strip()), "")


def disagreement(words: Mapping[str, str | None], codes: Mapping[str, int]) -> list[str]:
    """Why one range's verdict words and exit codes disagree (fail iff exit code 1); [] when they agree."""
    reasons = []
    if len(set(words.values())) > 1 or None in words.values():
        reasons.append(", ".join(f"{name} {word or 'none'}" for name, word in words.items()))
    for name, code in codes.items():
        said_fail = words.get(name) == "fail"
        if code not in (0, 1):
            reasons.append(f"{name} exit code {code}")
        elif said_fail != (code == 1):
            reasons.append(f"{name} says {words.get(name) or 'nothing'} with exit code {code}")
    return reasons


def headline(markdown: str) -> list[str]:
    """The non-blank lines from the `###` heading to the first blank line after the first paragraph."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("###")), None)
    if start is None:
        return []
    taken, in_paragraph = [lines[start]], False
    for line in lines[start + 1 :]:
        if not line.strip():
            if in_paragraph:
                break
            continue
        in_paragraph = True
        taken.append(line)
    return taken


def distribution(values: Sequence[float]) -> dict[str, float]:
    """min, median, max of values (all 0 when empty)."""
    if not values:
        return {"min": 0, "median": 0, "max": 0}
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def test_mentions(markdown: str, modules: Mapping[str, str]) -> set[str]:
    """Distinct dotted names in a Markdown comment that are test code (Markdown escapes undone)."""
    plain = _MD_ESCAPE.sub(r"\1", markdown)
    return {name for name in _DOTTED.findall(plain) if "." in name and is_test_qualname(name, modules)}


def def_source(source: str, span_start: int, span_end: int) -> str | None:
    """The def (decorators included) a report's line span names: the outermost def whose `def`
    line is in the span, else the innermost one containing the span's first line."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inside = [n for n in defs if span_start <= n.lineno <= span_end]
    around = [n for n in defs if _first_line(n) <= span_start <= (n.end_lineno or n.lineno)]
    if inside:
        best = min(inside, key=lambda n: (n.lineno, -(n.end_lineno or 0)))
    elif around:
        best = max(around, key=lambda n: (n.lineno, -(n.end_lineno or 0)))
    else:
        return None
    if _is_overload(best):  # a stub describes the implementation; callers bind to the implementation
        best = next(
            (
                n
                for n in defs
                if n.name == best.name
                and n.col_offset == best.col_offset
                and n.lineno > best.lineno
                and not _is_overload(n)
            ),
            best,
        )
    lines = source.splitlines()[_first_line(best) - 1 : best.end_lineno]
    return textwrap.dedent("\n".join(lines)) + "\n"


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    names = {d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "") for d in node.decorator_list}
    return "overload" in names


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


# ---- the edges: git, subprocesses ------------------------------------------------------------


@dataclass(slots=True)
class Run:
    """One preflight process: its output, exit code and wall time."""

    output: str
    code: int
    seconds: float
    stderr: str = ""


@dataclass(slots=True)
class PairResult:
    """Everything measured on one release pair."""

    package: str
    old: str
    new: str
    signature_edits: int = 0
    called_breaking: int = 0
    oracle_breaking: int = 0
    false_alarms: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    signature_break_field: bool = False
    test_entry_routes: int = 0
    test_path_functions: int = 0
    markdown_test_names: int = 0
    callers_left_out: int | None = None
    entry_points_left_out: int | None = None
    score: int | None = None
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)
    disagreeing_gates: list[str] = field(default_factory=list)
    test_false_alarms: int = 0
    test_missed: int = 0
    comment_chars: int = 0
    headline_lines: int = 0
    headline_chars: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def preflight(root: Path, args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """`python -m preflight ARGS` of the checkout at root, in a fresh process."""
    full_env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.pop("GITHUB_EVENT_PATH", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    return Run(done.stdout, done.returncode, time.perf_counter() - started, done.stderr)


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None, input_text: str | None = None) -> str:
    """Run git in repo (bench identity, no user config) and return its stdout."""
    full_env = {**os.environ, **_GIT_ENV, **(env or {})}
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env=full_env,
        input=input_text,
    )
    return done.stdout


def which_preflight(root: Path) -> Path:
    """The preflight package a run under root imports (it must be root's, not an installed one)."""
    done = subprocess.run(
        [sys.executable, "-c", "import preflight; print(preflight.__file__)"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip()).resolve()


def with_policy(repo: Path, old: str, new: str, name: str, policy: str) -> tuple[str, str]:
    """(base, head) commits: OLD's and NEW's trees each plus .preflight.yml, NEW's on top of OLD's."""
    blob = git(repo, "hash-object", "-w", "--stdin", input_text=policy).strip()
    index = repo / ".git" / f"signal-{name}.index"
    made: list[str] = []
    for rev, message in ((old, f"{old} with {name} policy"), (new, f"{new} with {name} policy")):
        env = {"GIT_INDEX_FILE": str(index)}
        git(repo, "read-tree", rev, env=env)
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},.preflight.yml", env=env)
        tree = git(repo, "write-tree", env=env).strip()
        date = git(repo, "log", "-1", "--format=%ct", rev).strip()
        parent = made[-1] if made else old
        stamp = {"GIT_AUTHOR_DATE": f"{date} +0000", "GIT_COMMITTER_DATE": f"{date} +0000"}
        made.append(git(repo, "commit-tree", tree, "-p", parent, "-m", message, env=stamp).strip())
    index.unlink(missing_ok=True)
    return made[0], made[1]


def run_set(root: Path, repo: Path, base: str, head: str) -> dict[str, Run]:
    """The four outputs of one range: check in json, markdown, text, and the hook's compact lines."""
    runs: dict[str, Run] = {}
    for fmt in ("markdown", "text", "json"):  # json last: its time is the warm check's
        runs[fmt] = preflight(
            root, ["check", "--repo", str(repo), "--base", base, "--head", head, "--format", fmt]
        )
    runs["compact"] = preflight(
        root,
        ["hook", "run", "--repo", str(repo)],
        env={"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head},
    )
    return runs


def words_of(runs: Mapping[str, Run]) -> dict[str, str | None]:
    """The verdict word each renderer shows."""
    try:
        doc_word = json.loads(runs["json"].output)["decision"]["verdict"]
    except (ValueError, KeyError, TypeError):
        doc_word = None
    return {
        "json": doc_word,
        "markdown": verdict_word(markdown_heading(runs["markdown"].output)),
        "text": verdict_word(first_line(runs["text"].output)),
        "compact": verdict_word(first_line(runs["compact"].output)),
    }


Oracle = Callable[[str, str], bool]


def load_oracle(path: Path | None) -> Oracle | None:
    """bench.signature_oracle.breaks, or breaks() of the file at path (a local stand-in), else None."""
    if path is None:
        try:
            from bench import signature_oracle  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            return None
        found: Oracle = signature_oracle.breaks
        return found
    spec = importlib.util.spec_from_file_location("signature_oracle_standin", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--oracle {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded: Oracle = module.breaks
    return loaded


def is_production(function: Mapping[str, Any]) -> bool:
    """False only when the JSON says the function is not production code (fields issue 16 adds)."""
    if function.get("production") is False:
        return False
    return not function.get("non_production") and not function.get("test")


def called_breaking(function: Mapping[str, Any]) -> bool:
    """Whether the report treats a signature edit as breaking (see NOTES for the fallback)."""
    if "signature_break" in function:
        return bool(function["signature_break"])
    return (function.get("callers") or 0) > 0


def check_signatures(repo: Path, doc: Mapping[str, Any], oracle: Oracle | None, result: PairResult) -> None:
    """Compare the report's idea of each signature edit with the calling-rules cross-check."""
    blobs: dict[tuple[str, str], str | None] = {}

    def blob(rev: str, path: str) -> str | None:
        if (rev, path) not in blobs:
            try:
                blobs[rev, path] = git(repo, "show", f"{rev}:{path}")
            except subprocess.CalledProcessError:
                blobs[rev, path] = None
        return blobs[rev, path]

    for function in doc.get("functions", []):
        if function.get("kind") != "modified" or "signature" not in function.get("aspects", ()):
            continue
        if not is_production(function):
            continue
        result.signature_edits += 1
        result.signature_break_field = result.signature_break_field or "signature_break" in function
        said = called_breaking(function)
        result.called_breaking += said
        name = function["qualname"]
        old_span, new_span = function.get("old_lines"), function.get("new_lines")
        old_text = blob(doc["base"], function.get("old_path") or function["path"])
        new_text = blob(doc["head"], function["path"])
        if oracle is None or not (old_span and new_span and old_text and new_text):
            result.unchecked.append(name)
            continue
        old_def = def_source(old_text, old_span["start"], old_span["end"])
        new_def = def_source(new_text, new_span["start"], new_span["end"])
        if old_def is None or new_def is None:
            result.unchecked.append(name)
            continue
        try:
            truth = oracle(old_def, new_def)
        except Exception as e:  # a cross-check bug must not hide the rest of the pair
            result.unchecked.append(f"{name} ({type(e).__name__})")
            continue
        result.oracle_breaking += truth
        in_tests = is_test_path(function["path"])  # shown apart: the JSON may not say what is production
        if said and not truth:
            result.false_alarms.append(name)
            result.test_false_alarms += in_tests
        elif truth and not said:
            result.missed.append(name)
            result.test_missed += in_tests


def count_test_code(
    doc: Mapping[str, Any], markdown: str, modules: Mapping[str, str], result: PairResult
) -> None:
    """Entry points, reach paths and comment mentions that are test code; left-out counts if reported."""
    on_paths: set[str] = set()
    for function in doc.get("functions", []):
        for route in function.get("reached_from") or ():
            result.test_entry_routes += is_test_qualname(route.get("entry", ""), modules)
            on_paths.update(q for q in route.get("path", ()) if is_test_qualname(q, modules))
        for key in ("callers_left_out", "entry_points_left_out"):
            if isinstance(function.get(key), int):
                setattr(result, key, (getattr(result, key) or 0) + function[key])
    left_out = doc.get("left_out") or {}  # the document-level counts: distinct callers, entry points
    for key, name in (("callers_left_out", "callers"), ("entry_points_left_out", "entry_points")):
        if isinstance(left_out.get(name), int):
            setattr(result, key, left_out[name])
    result.test_path_functions = len(on_paths)
    result.markdown_test_names = len(test_mentions(markdown, modules))


def measure_pair(
    root: Path, repo: Path, package: str, old: str, new: str, oracle: Oracle | None
) -> PairResult:
    """Every count of one release pair."""
    result = PairResult(package, old, new)
    modules = module_files(git(repo, "ls-tree", "-r", "--name-only", new).splitlines())
    for gate, policy in GATES.items():
        base, head = (old, new) if policy is None else with_policy(repo, old, new, gate, policy)
        runs = run_set(root, repo, base, head)
        words = words_of(runs)
        codes = {name: run.code for name, run in runs.items()}
        result.verdicts[gate] = {"words": words, "codes": codes}
        for name, run in runs.items():
            if run.code not in (0, 1):
                result.errors.append(f"{gate} {name}: exit {run.code}: {run.stderr.strip()[-300:]}")
        reasons = disagreement(words, codes)
        result.disagreements += [f"{gate}: {reason}" for reason in reasons]
        if reasons:
            result.disagreeing_gates.append(gate)
        if policy is not None:
            continue
        result.seconds.append(runs["json"].seconds)
        try:
            doc = json.loads(runs["json"].output)
        except ValueError:
            continue
        result.score = doc.get("risk", {}).get("score")
        markdown = runs["markdown"].output
        result.comment_chars = len(markdown)
        lines = headline(markdown)
        result.headline_lines, result.headline_chars = len(lines), len("\n".join(lines))
        check_signatures(repo, doc, oracle, result)
        count_test_code(doc, markdown, modules, result)
    return result


def summary(results: Sequence[PairResult]) -> dict[str, Any]:
    """The corpus totals issue 16 sets targets for."""
    sizes = [r.comment_chars for r in results]
    heads = [r.headline_lines for r in results]
    seconds = [s for r in results for s in r.seconds]
    left_out = [r.callers_left_out for r in results if r.callers_left_out is not None]
    return {
        "pairs": len(results),
        "packages": len({r.package for r in results}),
        "signature_edits": sum(r.signature_edits for r in results),
        "called_breaking": sum(r.called_breaking for r in results),
        "cross_check_breaking": sum(r.oracle_breaking for r in results),
        "compatible_called_breaking": sum(len(r.false_alarms) for r in results),
        "breaking_missed": sum(len(r.missed) for r in results),
        "not_cross_checked": sum(len(r.unchecked) for r in results),
        "signature_break_field": any(r.signature_break_field for r in results),
        "test_entry_routes": sum(r.test_entry_routes for r in results),
        "test_functions_on_paths": sum(r.test_path_functions for r in results),
        "test_names_in_comments": sum(r.markdown_test_names for r in results),
        "callers_left_out": sum(left_out) if left_out else None,
        "compatible_called_breaking_in_tests": sum(r.test_false_alarms for r in results),
        "breaking_missed_in_tests": sum(r.test_missed for r in results),
        "verdict_disagreements": sum(len(r.disagreeing_gates) for r in results),
        "verdict_disagreement_reasons": sum(len(r.disagreements) for r in results),
        "run_sets": sum(len(r.verdicts) for r in results),
        "comment_chars": distribution(sizes),
        "comments_over_limit": sum(size > COMMENT_LIMIT for size in sizes),
        "headline_lines": distribution(heads),
        "check_seconds": distribution(seconds),
        "errors": sum(len(r.errors) for r in results),
    }


def markdown_table(corpus: str, root: Path, results: Sequence[PairResult]) -> str:
    """The per-pair table, the totals and what went wrong, in Markdown."""
    total = summary(results)
    lines = [
        f"# Signal on real release pairs: {corpus} corpus",
        "",
        f"preflight checkout: `{root}` ({_describe(root)}); Python {platform.python_version()}, "
        f"{os.cpu_count()} cores. Command: `python -m bench.signal --corpus {corpus} --preflight-root {root}`.",
        "",
        "| pair | score | sig. edits | called breaking | cross-check breaking | false alarms | missed "
        "| test entry routes | test fns on paths | test names in comment | run sets with verdicts disagreeing "
        "| comment chars | headline lines | check s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.package} {r.old} -> {r.new} | {r.score} | {r.signature_edits} | {r.called_breaking} "
            f"| {r.oracle_breaking} | {len(r.false_alarms)} | {len(r.missed)} | {r.test_entry_routes} "
            f"| {r.test_path_functions} | {r.markdown_test_names} | {len(r.disagreeing_gates)} of {len(r.verdicts)} "
            f"| {r.comment_chars:,} | {r.headline_lines} | {_seconds(r.seconds)} |"
        )
    sizes, heads, secs = total["comment_chars"], total["headline_lines"], total["check_seconds"]
    lines += [
        "",
        "## Totals",
        "",
        "| measure | value | target |",
        "|---|---:|---:|",
        f"| pairs (packages) | {total['pairs']} ({total['packages']}) | 12+ (5+) |",
        f"| signature edits (called breaking / cross-check breaking) | {total['signature_edits']} "
        f"({total['called_breaking']} / {total['cross_check_breaking']}) | |",
        f"| compatible signature edits called breaking (of them in test files) | "
        f"{total['compatible_called_breaking']} ({total['compatible_called_breaking_in_tests']}) | 0 |",
        f"| breaking signature edits missed (of them in test files) | {total['breaking_missed']} "
        f"({total['breaking_missed_in_tests']}) | 0 |",
        f"| signature edits not cross-checked | {total['not_cross_checked']} | 0 |",
        f"| reach routes from a test entry point | {total['test_entry_routes']:,} | 0 |",
        f"| test functions on reach paths | {total['test_functions_on_paths']:,} | 0 |",
        f"| test qualnames named in comments | {total['test_names_in_comments']:,} | 0 |",
        f"| callers left out as non-production (reported) | {_maybe(total['callers_left_out'])} | |",
        f"| run sets (pair x gate policy) whose verdict words or exit codes disagree, of {total['run_sets']} "
        f"| {total['verdict_disagreements']} ({total['verdict_disagreement_reasons']} disagreements) | 0 |",
        f"| comment characters min / median / max | {sizes['min']:,} / {sizes['median']:,.0f} / "
        f"{sizes['max']:,} | max <= {COMMENT_LIMIT:,} |",
        f"| comments over {COMMENT_LIMIT:,} characters | {total['comments_over_limit']} | 0 |",
        f"| headline lines min / median / max | {heads['min']} / {heads['median']:g} / {heads['max']} | < 5 |",
        f"| check wall seconds min / median / max | {secs['min']:.2f} / {secs['median']:.2f} / "
        f"{secs['max']:.2f} | |",
        f"| runs that errored (exit 2/3) | {total['errors']} | 0 |",
        "",
        f"`signature_break` in the JSON: {'yes' if total['signature_break_field'] else 'no (callers > 0 counts as breaking)'}.",
        "",
        "## Details",
        "",
    ]
    for r in results:
        notes = [
            *(f"compatible called breaking: `{n}`" for n in r.false_alarms),
            *(f"breaking missed: `{n}`" for n in r.missed),
            *(f"not cross-checked: `{n}`" for n in r.unchecked),
            *(f"verdicts {d}" for d in r.disagreements),
            *(f"error {e}" for e in r.errors),
        ]
        if notes:
            lines.append(f"- {r.package} {r.old} -> {r.new}:")
            lines += [f"  - {note}" for note in notes]
    lines += ["", NOTES]
    return "\n".join(lines).rstrip() + "\n"


def _seconds(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) or "-"


def _maybe(value: int | None) -> str:
    return "not reported" if value is None else f"{value:,}"


def _describe(root: Path) -> str:
    """The checkout's commit, for the record."""
    try:
        return subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        return "not a git checkout"


def pairs(corpus: str) -> list[tuple[str, tuple[str, ...], str, str]]:
    """(package, its versions, old, new) for every consecutive pair of the corpus ('all': both)."""
    names = ("dev", "heldout") if corpus == "all" else (corpus,)
    found = []
    for name in names:
        for package, versions in CORPORA[name].items():
            found += [(package, versions, old, new) for old, new in itertools.pairwise(versions)]
    return found


def main(argv: Sequence[str] | None = None) -> None:
    """Build the corpus, check every pair, print and write the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/preflight-signal"), help="sdists and repositories"
    )
    parser.add_argument("--preflight-root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument(
        "--output", type=Path, help="write the report here too (default: bench/results/signal-CORPUS.md)"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument(
        "--oracle", type=Path, help="a file with breaks(old_src, new_src) instead of bench.signature_oracle"
    )
    parser.add_argument("--packages", help="comma-separated: only these packages of the corpus")
    args = parser.parse_args(argv)
    root = args.preflight_root.resolve()
    imported = which_preflight(root)
    if not imported.is_relative_to(root):  # an editable install elsewhere would be measured instead
        raise SystemExit(f"--preflight-root {root}: python imports preflight from {imported} instead")
    oracle = load_oracle(args.oracle)
    if oracle is None:
        print(
            "no bench/signature_oracle.py and no --oracle: signature edits are not cross-checked",
            file=sys.stderr,
        )
    wanted = set(args.packages.split(",")) if args.packages else None
    results = []
    for package, versions, old, new in pairs(args.corpus):
        if wanted is not None and package not in wanted:
            continue
        repo = build_repo(package, versions, args.work)
        started = time.perf_counter()
        results.append(measure_pair(root, repo, package, old, new, oracle))
        print(f"{package} {old} -> {new}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    if args.format == "json":
        report = (
            json.dumps(
                {
                    "corpus": args.corpus,
                    "root": str(root),
                    "summary": summary(results),
                    "pairs": [asdict(r) for r in results],
                },
                indent=2,
            )
            + "\n"
        )
    else:
        report = markdown_table(args.corpus, root, results)
    sys.stdout.write(report)
    output = args.output or (
        Path("bench/results") / f"signal-{args.corpus}.{'json' if args.format == 'json' else 'md'}"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(output.suffix + ".tmp")
    temporary.write_text(report, encoding="utf-8")
    temporary.replace(output)


if __name__ == "__main__":
    main()
