"""action.yml and the workflows: validated against GitHub's schemas offline, and the composite
action's `run:` steps executed with bash in a simulated runner.

What is simulated: the runner itself. This test reads action.yml, evaluates the few
expression forms it uses (`inputs.*`, `steps.*.outputs.*`, `github.token`, and `if:`
comparisons of an input or a step's output with a string), skips `uses:` steps
(actions/setup-python, actions/cache), and runs each `run:` script the way the runner does
(`bash --noprofile --norc -eo pipefail`) with GITHUB_* variables, an event file, a fresh
$GITHUB_OUTPUT per step and one $GITHUB_STEP_SUMMARY. The install step runs for real but
takes its documented shortcut, PREFLIGHT_VENV, pointing at this checkout's .venv instead of
pip-installing from $GITHUB_ACTION_PATH (no network in tests). GitHub's API is the local
fake server.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from preflight import __version__
from preflight.commands import init
from tests.conftest import GIT_ENV, commit
from tests.sinks.conftest import APP_TOKEN, new_state
from tests.sinks.server import State, serve

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("examples/workflows/*.yml")])
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def validate(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its vendored copy of SchemaStore's schema: no network."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )


def test_action_matches_the_github_actions_schema() -> None:
    done = validate("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_matches_the_github_workflows_schema(path: Path) -> None:
    done = validate("vendor.github-workflows", path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_inits_workflow_matches_the_github_workflows_schema(tmp_path: Path) -> None:
    path = tmp_path / "preflight.yml"
    path.write_text(init.workflow_text(), encoding="utf-8")
    done = validate("vendor.github-workflows", path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_workflow_asks_the_reader_to_replace_an_owner() -> None:
    """Every workflow installs the distribution pinned to this version with pip: nothing to edit."""
    texts = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in WORKFLOWS}
    texts["preflight init"] = init.workflow_text()
    for name, text in texts.items():
        assert "OWNER" not in text, name
        pins = re.findall(r"preflight-risk-gate(?:\[[\w,]+\])?==([\w.]+)", text)
        assert set(pins) <= {__version__}, name
    examples = [name for name in texts if name.startswith("examples/")]
    assert all(f"=={__version__}" in texts[name] for name in examples)


def test_the_schema_check_does_reject_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text(encoding="utf-8").replace("using: composite", "using: compost"))
    assert validate("vendor.github-actions", broken).returncode == 1


def test_inputs_and_outputs_are_the_documented_kebab_case_names() -> None:
    action = load(ACTION)
    assert set(action["inputs"]) >= {
        "base", "head", "config", "snapshot", "fail-above", "mode", "comment", "github-token", "python-version"
    }  # fmt: skip
    assert set(action["outputs"]) >= {"score", "level", "decision", "report"}
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", name) for name in [*action["inputs"], *action["outputs"]])
    assert action["runs"]["using"] == "composite"


def test_no_expression_is_spliced_into_a_script() -> None:
    """Inputs reach scripts through env: only, so no input value can inject shell code."""
    for step in load(ACTION)["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_workflows_are_least_privilege_and_fork_safe() -> None:
    for path in WORKFLOWS:
        workflow = load(path)
        triggers = workflow.get(True, workflow.get("on"))  # YAML 1.1 reads `on` as True
        assert "pull_request_target" not in json.dumps(triggers), path
        assert workflow.get("permissions"), f"{path}: top-level permissions missing"
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout"):
                    assert step.get("with", {}).get("persist-credentials") is False or path.name == "ci.yml"
    same_repo = load(ROOT / "examples/workflows/preflight.yml")
    assert same_repo["permissions"] == {"contents": "read", "pull-requests": "write", "checks": "write"}
    checkout = same_repo["jobs"]["preflight"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0
    report = load(ROOT / "examples/workflows/preflight-report.yml")
    assert report["permissions"] == {"contents": "read"}
    poster = load(ROOT / "examples/workflows/preflight-comment.yml")
    assert poster["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert poster[True]["workflow_run"]["workflows"] == [report["name"]]
    steps = poster["jobs"]["comment"]["steps"]
    assert not any("checkout" in step.get("uses", "") for step in steps)  # never runs PR code
    scheduled = load(ROOT / "examples/workflows/preflight-snapshot.yml")
    assert scheduled["permissions"] == {
        "contents": "read"
    }  # the ClickHouse password is a secret, not a grant
    assert set(scheduled[True]) == {"schedule", "workflow_dispatch"}  # never a pull request's code


def _step(action: dict[str, Any], **match: str) -> dict[str, Any]:
    """The one step of action whose keys start with the values given (uses="actions/cache@")."""
    found = [
        step
        for step in action["runs"]["steps"]
        if all(str(step.get(key, "")).startswith(value) for key, value in match.items())
    ]
    assert len(found) == 1, match
    step: dict[str, Any] = found[0]
    return step


def test_pip_cache_is_keyed_on_the_actions_own_pyproject(tmp_path: Path) -> None:
    """setup-python's `cache: pip` hashes files of the workspace; the action's pyproject is not there."""
    action = load(ACTION)
    cache = _step(action, uses="actions/cache@")
    key_id = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.key \}\}", cache["with"]["key"])
    assert key_id, cache["with"]["key"]
    assert cache["with"]["path"] == f"${{{{ steps.{key_id.group(1)}.outputs.dir }}}}"
    assert cache["if"] == f"steps.{key_id.group(1)}.outputs.key != ''"
    ids = [step.get("id") for step in action["runs"]["steps"]]
    assert ids.index(key_id.group(1)) < ids.index("cache") < ids.index("install")  # before pip runs
    install = _step(action, id="install")
    assert install["env"]["PIP_CACHE"] == f"${{{{ steps.{key_id.group(1)}.outputs.dir }}}}"
    assert 'PIP_CACHE_DIR="$PIP_CACHE"' in install["run"]
    keyer = _step(action, id=key_id.group(1))

    def key(action_path: Path, ref: str, venv: str = "") -> dict[str, str]:
        output = tmp_path / "output"
        output.write_text("")
        script = tmp_path / "key.sh"
        script.write_text(keyer["run"], encoding="utf-8")
        env = {
            **GIT_ENV, "GITHUB_ACTION_PATH": str(action_path), "GITHUB_OUTPUT": str(output),
            "RUNNER_OS": "Linux", "RUNNER_TEMP": str(tmp_path), "PYTHON": sys.executable,
            "ACTION_REF": ref, **({"PREFLIGHT_VENV": venv} if venv else {}),
        }  # fmt: skip
        assert set(keyer["env"]) <= set(env)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env)
        assert done.returncode == 0
        return _read_outputs(output.read_text(encoding="utf-8"))

    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = ".".join(map(str, sys.version_info[:3]))
    keyed = key(ROOT, "v0.1.0")
    assert keyed["key"] == f"preflight-pip-Linux-py{python}-{digest}-v0.1.0"
    assert keyed["restore"] == f"preflight-pip-Linux-py{python}-"
    assert keyed["dir"] == str(tmp_path / "preflight-pip")
    assert cache["with"]["restore-keys"] == f"${{{{ steps.{key_id.group(1)}.outputs.restore }}}}"
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    assert key(other, "v0.1.0")["key"] != keyed["key"]
    assert key(ROOT, "v0.2.0")["key"] != keyed["key"]
    assert key(ROOT, "v0.1.0", venv=str(tmp_path)) == {}  # a prepared environment: no cache step


@dataclass
class Run:
    """What the simulated runner saw: the action's outputs, each step's exit code and output."""

    outputs: dict[str, str] = field(default_factory=dict)
    codes: dict[str, int | None] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""


def run_action(inputs: dict[str, str], env: dict[str, str], workdir: Path, tmp_path: Path) -> Run:
    """Execute action.yml's steps like the runner would (see the module docstring)."""
    action = load(ACTION)
    context: dict[str, Any] = {"github": {"token": env.get("GITHUB_TOKEN", "")}, "steps": {}}
    context["inputs"] = {
        name: inputs.get(name, _substitute(str(spec.get("default", "")), context))
        for name, spec in action["inputs"].items()
    }
    run = Run()
    for number, step in enumerate(action["runs"]["steps"]):
        name = step.get("id", f"step{number}")
        context["steps"][name] = {"outputs": {}}
        if "if" in step and not _condition(step["if"], context):
            run.codes[name] = None
            continue
        if "uses" in step:  # actions/setup-python: not run here; the runner's python3 stands in
            run.codes[name] = None
            continue
        output = tmp_path / f"output-{name}"
        output.write_text("")
        script = tmp_path / f"step-{name}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {key: _substitute(str(value), context) for key, value in step.get("env", {}).items()}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workdir,
            env={**env, **step_env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
        )
        run.stdout += done.stdout
        run.stderr += done.stderr
        run.codes[name] = done.returncode
        context["steps"][name]["outputs"] = _read_outputs(output.read_text(encoding="utf-8"))
        if done.returncode != 0:
            break  # a failing step ends the composite action, as on the runner
    run.outputs = {k: _substitute(v["value"], context) for k, v in action["outputs"].items()}
    return run


def _substitute(text: str, context: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        root, *path = match.group(1).split(".")
        assert root in context, f"the simulated runner does not evaluate {match.group(1)!r}"
        found: Any = context[root]
        for part in path:  # like the runner: a missing property is null, which renders as ''
            found = found.get(part, "") if isinstance(found, dict) else ""
        return str(found)

    return EXPRESSION.sub(value, text)


def _condition(expression: str, context: dict[str, Any]) -> bool:
    match = re.fullmatch(
        r"(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+) (==|!=) '(.*)'", expression.strip()
    )
    assert match, f"the simulated runner does not evaluate {expression!r}"
    equal = _substitute(f"${{{{ {match.group(1)} }}}}", context) == match.group(3)
    return equal if match.group(2) == "==" else not equal


def _read_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[name] = "\n".join(block)
        elif line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@pytest.fixture
def runner(git_repo: Path, tmp_path: Path) -> Iterator[tuple[dict[str, str], Path, State]]:
    """A pull_request job's environment: a real checkout, an event file, the fake API."""
    state = new_state()
    with serve(state) as url:
        yield _environment(git_repo, tmp_path, url), git_repo, state


def _environment(git_repo: Path, tmp_path: Path, url: str) -> dict[str, str]:
    base = commit(git_repo, {"app/core.py": "def f():\n    return 1\n"})
    head = commit(git_repo, {"app/core.py": "def f():\n    return 10\n"})
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": head}}})
    )
    (tmp_path / "runner-temp").mkdir()
    return {
        **GIT_ENV,
        "PATH": f"{Path(sys.executable).parent}:{GIT_ENV['PATH']}",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_WORKSPACE": str(git_repo),
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_API_URL": url,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": head,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_TOKEN": APP_TOKEN,  # what `${{ github.token }}` gives the github-token input
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "PREFLIGHT_VENV": str(Path(sys.executable).parent.parent),
    }


def test_action_checks_comments_and_sets_outputs(
    runner: tuple[dict[str, str], Path, State], tmp_path: Path
) -> None:
    env, repo, state = runner
    run = run_action({"fail-above": "0"}, env, repo, tmp_path)
    # The cache is not needed with a prepared environment; publish is not reached.
    expected = {"python": None, "pip-cache": 0, "cache": None, "install": 0, "check": 1}
    assert run.codes == expected, run.stderr
    report = tmp_path / "runner-temp" / "preflight" / "report.md"
    assert run.outputs["report"] == str(report)
    assert run.outputs["decision"] == "fail" and run.outputs["passed"] == "false"
    assert run.outputs["level"] in ("low", "medium", "high", "critical") and int(run.outputs["score"]) > 0
    body = report.read_text(encoding="utf-8")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == body
    assert [c["body"] for c in state.comments[7]] == [body]
    assert run.stdout.startswith("::error file=app/core.py,line=1,endLine=2,")
    assert APP_TOKEN not in run.stdout + run.stderr


def test_action_inputs_become_options(runner: tuple[dict[str, str], Path, State], tmp_path: Path) -> None:
    env, repo, state = runner
    run = run_action({"comment": "false", "check-run": "true", "mode": "advisory"}, env, repo, tmp_path)
    assert run.codes["check"] == 0, run.stderr
    assert 7 not in state.comments and len(state.check_runs) == 1
    assert run_action({"comment": "maybe"}, env, repo, tmp_path).codes["check"] == 2


def test_action_publish_mode_renders_the_json_report_again(
    runner: tuple[dict[str, str], Path, State], tmp_path: Path
) -> None:
    """The fork-safe pair: the pull_request half writes report.json with a read-only setup, the
    workflow_run half posts the comment rendered from it (never the artifact's own text)."""
    env, repo, state = runner
    checked = run_action({"comment": "false", "report-format": "json"}, env, repo, tmp_path)
    assert checked.codes["check"] == 0, checked.stderr
    report = Path(checked.outputs["report"])
    assert report.name == "report.json" and 7 not in state.comments
    head = json.loads(report.read_text(encoding="utf-8"))["head"]
    state.pulls[7] = head
    event = tmp_path / "workflow_run.json"
    event.write_text(json.dumps({"workflow_run": {"head_sha": head}}))
    env = {**env, "GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": str(event)}
    run = run_action({"publish-report": str(report), "pull-request": "7"}, env, tmp_path, tmp_path)
    expected = {"python": None, "pip-cache": 0, "cache": None, "install": 0, "check": None, "publish": 0}
    assert run.codes == expected, run.stderr
    assert [c["body"] for c in state.comments[7]] == [(tmp_path / "summary.md").read_text(encoding="utf-8")]
    assert run.outputs["score"] == ""
    assert run_action({"report-format": "yaml"}, env, repo, tmp_path).codes["check"] == 2


def test_action_refuses_an_environment_without_preflight(
    runner: tuple[dict[str, str], Path, State], tmp_path: Path
) -> None:
    env, repo, _ = runner
    empty = tmp_path / "empty-venv"
    empty.mkdir()
    run = run_action({}, {**env, "PREFLIGHT_VENV": str(empty)}, repo, tmp_path)
    assert run.codes["install"] == 2 and "no preflight executable" in run.stdout


def run_workflow_step(workflow: str, env: dict[str, str], workdir: Path, tmp_path: Path) -> Run:
    """Run the step with id preflight of a workflow's only job, as the runner would.

    Its install step (pip install of the pinned distribution) is not run: this checkout's
    .venv, first on PATH, stands in for it, as PREFLIGHT_VENV does for the action.
    """
    (job,) = yaml.safe_load(workflow)["jobs"].values()
    steps = {step.get("id", step.get("name")): step for step in job["steps"]}
    assert steps["Install preflight"]["run"] == f"python -m pip install {init.REQUIREMENT}"
    step = steps["preflight"]
    context: dict[str, Any] = {"github": {"token": env.get("GITHUB_TOKEN", "")}}
    output = tmp_path / "output-workflow"
    output.write_text("")
    script = tmp_path / "step-workflow.sh"
    script.write_text(step["run"], encoding="utf-8")
    step_env = {key: _substitute(str(value), context) for key, value in step.get("env", {}).items()}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workdir,
        env={
            **{k: v for k, v in env.items() if k != "PREFLIGHT_VENV"},
            **step_env,
            "GITHUB_OUTPUT": str(output),
        },
        capture_output=True,
        text=True,
    )
    run = Run(stdout=done.stdout, stderr=done.stderr)
    run.codes["preflight"] = done.returncode
    run.outputs = _read_outputs(output.read_text(encoding="utf-8"))
    return run


@pytest.mark.parametrize(
    ("workflow", "inputs"),
    [
        pytest.param(init.workflow_text(), {}, id="preflight-init"),
        pytest.param(
            (ROOT / "examples/workflows/preflight.yml").read_text(encoding="utf-8"),
            {"fail-above": "70", "check-run": "true"},
            id="example",
        ),
        pytest.param(
            (ROOT / "examples/workflows/preflight.yml")
            .read_text(encoding="utf-8")
            .replace("--fail-above 70", "--fail-above 0"),
            {"fail-above": "0", "check-run": "true"},
            id="example-gate-fails",
        ),
    ],
)
def test_a_workflow_running_check_does_what_the_action_does(
    runner: tuple[dict[str, str], Path, State], tmp_path: Path, workflow: str, inputs: dict[str, str]
) -> None:
    """Same comment, outputs, annotations and exit code as the action with the same settings."""
    env, repo, state = runner
    action = run_action(inputs, env, repo, tmp_path)
    body = [c["body"] for c in state.comments[7]]
    checks = len(state.check_runs)
    direct = run_workflow_step(workflow, env, repo, tmp_path)
    assert direct.codes["preflight"] == action.codes["check"] == (1 if inputs.get("fail-above") == "0" else 0)
    assert [c["body"] for c in state.comments[7]] == body  # the same sticky comment, updated
    assert len(state.check_runs) == 2 * checks
    assert {k: v for k, v in direct.outputs.items() if k != "report"} == {
        k: v for k, v in action.outputs.items() if k != "report"
    }
    assert direct.outputs["report"] and Path(direct.outputs["report"]).read_text(encoding="utf-8") == (
        Path(action.outputs["report"]).read_text(encoding="utf-8")
    )
    assert direct.stdout == action.stdout  # the annotations
    assert APP_TOKEN not in direct.stdout + direct.stderr
