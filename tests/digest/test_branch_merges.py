"""Forward-ports and back-merges of long-lived branches are listed, never scored as changes.

The history is built with git's own default merge messages (`git merge --no-edit`), GitHub's
`Merge pull request #N from ...` merges, squash commits `title (#N)` and direct pushes, the way a
project with a maintenance branch (click's 8.1.x) grows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from preflight.digest import history
from tests.conftest import commit, git

APP = "def handle(x):\n    return x\n\n\ndef helper(y):\n    return y\n"


def merge(repo: Path, branch: str, *message: str) -> str:
    """`git merge --no-ff` of branch into the current one: git's default message without one."""
    args = [arg for line in message for arg in ("-m", line)] if message else ["--no-edit"]
    git(repo, "merge", "-q", "--no-ff", branch, *args)
    return git(repo, "rev-parse", "HEAD")


def pull_request(repo: Path, number: int, files: dict[str, str], title: str, into: str) -> str:
    """A topic branch with one commit, merged into `into` as GitHub merges a pull request."""
    git(repo, "checkout", "-q", "-b", f"topic-{number}", into)
    commit(repo, files, f"work for #{number}")
    git(repo, "checkout", "-q", into)
    return merge(repo, f"topic-{number}", f"Merge pull request #{number} from someone/topic-{number}", title)


def build(repo: Path) -> dict[str, str]:
    """main and the maintenance branch 1.0.x, with every kind of merge a release range meets."""
    shas = {"base": commit(repo, {"app.py": APP, "README.md": "app\n"}, "Release 1.0.0")}
    git(repo, "tag", "1.0.0")
    git(repo, "branch", "1.0.x")
    # a fix on the maintenance branch through a pull request, released as 1.0.1
    pull_request(repo, 1, {"app.py": APP.replace("return x", "return x or 0")}, "Fix handle", "1.0.x")
    git(repo, "tag", "1.0.1")
    shas["pr2"] = pull_request(repo, 2, {"new.py": "def feature():\n    return 2\n"}, "Add feature", "main")
    shas["forward"] = merge(repo, "1.0.x")  # git's default: Merge branch '1.0.x'
    shas["squash"] = commit(repo, {"new.py": "def feature():\n    return 3\n"}, "Tune feature (#3)")
    shas["direct"] = commit(repo, {"settings.py": "def limit():\n    return 1\n"}, "Bump the limit")
    # a later fix on 1.0.x, forward-ported with a message a person wrote (no branch name in it)
    git(repo, "checkout", "-q", "1.0.x")
    commit(repo, {"README.md": "app, fixed\n"}, "Fix the readme (#4)")
    git(repo, "checkout", "-q", "-b", "topic-5")
    commit(repo, {"app.py": git(repo, "show", "HEAD:app.py").replace("return y", "return y + 0")}, "w")
    git(repo, "checkout", "-q", "1.0.x")
    merge(repo, "topic-5", "Merge pull request #5 from someone/topic-5", "Fix helper")
    git(repo, "checkout", "-q", "main")
    shas["by_hand"] = merge(repo, "1.0.x", "Bring the 1.0 fixes into main")
    # a topic branch merged locally with git's default message: a change of main, scored
    git(repo, "checkout", "-q", "-b", "cleanup")
    commit(repo, {"extra.py": "def tidy():\n    return 0\n"}, "tidy")
    git(repo, "checkout", "-q", "main")
    shas["topic"] = merge(repo, "cleanup")
    shas["pr6"] = pull_request(repo, 6, {"extra.py": "def tidy():\n    return 1\n"}, "Tidy more", "main")
    return shas


def test_forward_ports_are_branch_merges_with_their_reason(git_repo: Path) -> None:
    shas = build(git_repo)
    found = history.merged(git_repo, shas["base"], "main")
    kinds = [(m.sha, m.kind, m.number, m.title, m.reason) for m in found]
    assert kinds == [
        (shas["pr2"], "merge", 2, "Add feature", None),
        (shas["forward"], "branch", None, "Merge branch '1.0.x'", "brings in release tag 1.0.1"),
        (shas["squash"], "squash", 3, "Tune feature", None),
        (shas["direct"], "commit", None, "Bump the limit", None),
        (shas["by_hand"], "branch", None, "Bring the 1.0 fixes into main", "brings in 1 merged pull request"),
        (shas["topic"], "merge", None, "Merge branch 'cleanup'", None),
        (shas["pr6"], "merge", 6, "Tidy more", None),
    ]
    assert [m.scored for m in found] == [True, False, True, True, False, True, True]


def test_git_default_messages_of_long_lived_branches(git_repo: Path) -> None:
    """No pull request or tag on the other side: the default message's branch name decides."""
    base = commit(git_repo, {"a.py": "x = 1\n"})
    for name in ("2.1.x", "develop", "cleanup-main-docs"):
        git(git_repo, "checkout", "-q", "-b", name, base)
        commit(git_repo, {f"{name}.txt": name}, f"on {name}")
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"b.py": "y = 2\n"}, "on main")
    for name in ("2.1.x", "develop", "cleanup-main-docs"):
        merge(git_repo, name)
        git(git_repo, "branch", "-q", "-D", name)  # gone from this clone: only the message is left
    found = history.merged(git_repo, base, "main")
    assert [(m.title, m.kind, m.reason) for m in found] == [
        ("on main", "commit", None),
        ("Merge branch '2.1.x'", "branch", "merges branch 2.1.x"),
        ("Merge branch 'develop'", "branch", "merges branch develop"),
        ("Merge branch 'cleanup-main-docs'", "merge", None),  # a topic branch: its work is scored
    ]


def test_a_forward_port_through_a_pull_request_is_found_by_the_branch_holding_it(git_repo: Path) -> None:
    """click's "Merge stable into main (#2799)": its other side is on the branch stable, which does
    not hold the merge; a topic branch's side is held by nothing long-lived but main, which does."""
    base = commit(git_repo, {"app.py": APP}, "Release 1.0.0")
    git(git_repo, "checkout", "-q", "-b", "stable")
    commit(git_repo, {"app.py": APP.replace("return x", "return x or 0")}, "Fix handle (#8)")
    commit(git_repo, {"app.py": APP.replace("return y", "return y or 0")}, "Fix helper (#9)")
    git(git_repo, "checkout", "-q", "main")
    port = merge(git_repo, "stable", "Merge pull request #10 from someone/stable", "Merge stable into main")
    # a topic branch whose one commit cites an issue the GitHub way is still a change
    git(git_repo, "checkout", "-q", "-b", "topic-11")
    commit(git_repo, {"new.py": "def feature():\n    return 2\n"}, "Add feature (#4)")
    git(git_repo, "checkout", "-q", "main")
    topic = merge(git_repo, "topic-11", "Merge pull request #11 from someone/topic-11", "Add feature")
    found = history.merged(git_repo, base, "main")
    assert [(m.sha, m.kind, m.reason) for m in found] == [
        (port, "branch", "brings in commits of branch stable"),
        (topic, "merge", None),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("8.1.x", True),
        ("3.0", True),
        ("v2", True),
        ("main", True),
        ("master", True),
        ("stable-2.x", True),
        ("release/2.1", True),
        ("maint", True),
        ("feature", False),
        ("main-fix", False),
        ("dev-xyz", False),
        ("release-notes", False),
        ("fix/main", False),
    ],
)
def test_long_lived_names(name: str, expected: bool) -> None:
    assert history.long_lived(name) is expected


def report(capsys: pytest.CaptureFixture[str], repo: Path, base: str, fmt: str) -> str:
    args = ["report", f"{base}..main", "--repo", str(repo), "--no-callgraph", "--format", fmt]
    assert main(args) == 0
    return capsys.readouterr().out


def test_the_digest_lists_branch_merges_once_and_scores_the_rest(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = build(git_repo)
    doc: dict[str, Any] = json.loads(report(capsys, git_repo, shas["base"], "json"))
    assert [c["sha"] for c in doc["changes"]] == [
        shas[k] for k in ("pr2", "squash", "direct", "topic", "pr6")
    ]
    assert doc["totals"]["changes"] == 5 and doc["totals"]["branch_merges_not_scored"] == 2
    assert [(m["sha"], m["reason"]) for m in doc["branch_merges"]] == [
        (shas["forward"], "brings in release tag 1.0.1"),
        (shas["by_hand"], "brings in 1 merged pull request"),
    ]
    text = report(capsys, git_repo, shas["base"], "markdown")
    assert "2 branch merges (forward-ports or back-merges of another long-lived branch) not scored" in text
    assert f"`{shas['forward'][:7]}` Merge branch '1\\.0\\.x': brings in release tag 1\\.0\\.1" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "| score |" not in line]
    assert not any(shas["forward"][:7] in row or "1.0 fixes" in row for row in rows)
    page = report(capsys, git_repo, shas["base"], "html")
    assert '<details id="skipped"><summary>2 branch merges' in page


def many_changes(repo: Path, count: int) -> str:
    """A base and count direct commits of growing size, so that their scores differ."""
    base = commit(repo, {"pkg/__init__.py": ""}, "base")
    for i in range(count):
        body = "".join(
            f"    v{j} = x * {j}\n    x = v{j} if v{j} > {i} else x\n" for j in range(1 + i % 7 * 3)
        )
        commit(repo, {f"pkg/m{i}.py": f"def f{i}(x):\n{body}    return x\n"}, f"Change {i}")
    return base


def scores(table: str) -> list[int]:
    """The score column of a digest's Markdown change table."""
    return [int(line.split(" | ")[2]) for line in table.splitlines() if line.startswith("| `")]


def test_riskiest_twenty_shown_the_rest_collapsed_json_keeps_all(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = many_changes(git_repo, 23)
    doc: dict[str, Any] = json.loads(report(capsys, git_repo, base, "json"))
    assert [c["title"] for c in doc["changes"]] == [f"Change {i}" for i in range(23)]  # merge order
    ranked = sorted((c["score"] for c in doc["changes"]), reverse=True)
    assert ranked[0] > ranked[-1]  # the history gives the changes different scores
    text = report(capsys, git_repo, base, "markdown")
    top, _, rest = text.partition("<details><summary>3 more changes, less risky</summary>")
    assert "### Changes, riskiest first (top 20 of 23)" in top
    assert scores(top) == ranked[:20] and scores(rest) == ranked[20:]
    page = report(capsys, git_repo, base, "html")
    chart, _, rest_chart = page.partition('<details id="risk-rest"><summary>3 more changes')
    assert chart.count('<g class="bar">') == 20 and rest_chart.count('<g class="bar">') == 3
    shown = [int(n) for n in re.findall(r'<text class="value"[^>]*>(\d+) ', chart)]
    assert shown == ranked[:20]


def test_unknown_traffic_is_unknown_and_verdict_counts_match_rows(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = many_changes(git_repo, 3)
    strict = "gate:\n  warn_above: 0\n  fail_above: 100\n"  # every change with a score warns
    commit(git_repo, {".preflight.yml": strict}, "Strict gate")
    commit(git_repo, {"pkg/m0.py": "def f0(x):\n    return -x\n"}, "Negate")
    doc: dict[str, Any] = json.loads(report(capsys, git_repo, base, "json"))
    assert doc["totals"]["calls_per_min"] is None  # no runtime data: unknown, not 0
    words = [c["verdict"] for c in doc["changes"]]
    assert "warn" in words and "pass" in words
    assert doc["totals"]["by_verdict"] == {w: words.count(w) for w in ("pass", "warn", "fail")}
    text = report(capsys, git_repo, base, "markdown")
    assert "traffic touched: **unknown** (static only: no runtime data was given)" in text
    assert "0 calls/min" not in text
    counts = {w: words.count(w) for w in ("pass", "warn", "fail")}
    assert f"**{counts['fail']}** fail · **{counts['warn']}** warn · **{counts['pass']}** pass" in text
    row_words = [line.split(" | ")[4] for line in text.splitlines() if line.startswith("| `")]
    assert sorted(row_words) == sorted(words)
    page = report(capsys, git_repo, base, "html")
    assert '<div class="card" id="traffic"><b>unknown</b>' in page
