from __future__ import annotations

from pathlib import Path

from preflight.history import szz
from preflight.history.features import extract
from tests.conftest import git
from tests.history.conftest import commit_at

CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"


def test_fix_blames_the_commit_that_introduced_the_line(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "calc\n"}, "readme", day=0)
    bug = commit_at(git_repo, {"calc.py": CALC}, "add calc", day=1)
    commit_at(git_repo, {"calc.py": CALC + "\n\n# more later\n"}, "note", day=2)
    fix = commit_at(git_repo, {"calc.py": CALC.replace("return a - b", "return a + b", 1)}, "Fix add", day=3)
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ((bug, fix),)
    assert (result.fixes, result.blames) == (1, 1)
    assert result.inducing() == {bug}
    assert result.inducing(fixes=[]) == set()


def test_comments_blank_lines_and_tests_are_not_blamed(git_repo: Path) -> None:
    commit_at(git_repo, {"calc.py": "# old note\n\nx = 1\n", "tests/test_calc.py": "assert 1\n"}, "start")
    commit_at(git_repo, {"calc.py": "\nx = 1\n", "tests/test_calc.py": "assert 2\n"}, "fix a crash")
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ()
    assert (result.fixes, result.blames) == (1, 0)


def test_renamed_file_is_blamed_under_its_old_path(git_repo: Path) -> None:
    body = "".join(f"v{i} = {i}\n" for i in range(10))
    commit_at(git_repo, {"README.md": "values\n"}, "start")
    bug = commit_at(git_repo, {"old.py": body}, "add values")
    commit_at(git_repo, {"old.py": None, "new.py": body.replace("v3 = 3", "v3 = 33")}, "Fix v3 while moving")
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.inducing() == {bug}


def test_hunk_content_that_looks_like_a_header() -> None:
    text = (
        "\x1eabc\x1fdef\n\ndiff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -3,2 +3 @@\n--- a/x\n-y = 1\n+z\n"
    )
    assert list(szz.parse_fix_diffs(text)) == [szz.FixDiff("abc", "def", "m.py", (3, 4))]


BUGGY = "def area(w, h):\n    return w * w\n\n\ndef half(x):\n    return x / 2\n"
FORMATTED = 'def area(w, h):\n    """The area."""\n    return (\n        w * w\n    )  # width times height\n\n\ndef half(x):\n    return x / 2\n'
FIXED = FORMATTED.replace("w * w", "w * h")


def test_a_formatting_commit_is_looked_through(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "geometry\n"}, "start", day=0)
    bug = commit_at(git_repo, {"geo.py": BUGGY}, "add area", day=1)
    style = commit_at(git_repo, {"geo.py": FORMATTED}, "reformat the code", day=2)
    fix = commit_at(git_repo, {"geo.py": FIXED}, "Fix area", day=3)
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ((bug, fix),)
    assert style in result.ignored
    assert result.blames == 2  # blamed once, then again through the formatting commit


def test_git_blame_ignore_revs_is_honoured(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "geometry\n"}, "start", day=0)
    bug = commit_at(git_repo, {"geo.py": BUGGY}, "add area", day=1)
    # a behavioural change the project chose to have blame ignore (say, a mass rename of a variable)
    listed = commit_at(
        git_repo, {"geo.py": BUGGY.replace("return w * w", "return w * w * 1")}, "rename", day=2
    )
    commit_at(git_repo, {".git-blame-ignore-revs": f"# big rename\n{listed}\n"}, "ignore it", day=3)
    fix = commit_at(git_repo, {"geo.py": BUGGY.replace("return w * w", "return w * h")}, "Fix area", day=4)
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ((bug, fix),)
    assert listed in result.ignored


def test_an_initial_import_is_never_blamed(git_repo: Path) -> None:
    commit_at(git_repo, {"geo.py": BUGGY}, "add area", day=0)  # the root commit
    commit_at(git_repo, {"lib/old.py": "def f():\n    return 1\n"}, "Initial import from svn", day=1)
    fix = commit_at(git_repo, {"geo.py": BUGGY.replace("w * w", "w * h")}, "Fix area", day=2)
    commit_at(git_repo, {"lib/old.py": "def f():\n    return 2\n"}, "fix f", day=3)
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ()
    assert (result.fixes, result.blames) == (2, 2)
    assert fix not in result.ignored and len(result.ignored) == 2


def test_a_revert_links_the_reverted_commit(git_repo: Path) -> None:
    commit_at(git_repo, {"geo.py": BUGGY}, "start", day=0)
    bad = commit_at(git_repo, {"geo.py": BUGGY + "\n\nRATE = 3\n"}, "add rate", day=1)
    revert = commit_at(git_repo, {"geo.py": BUGGY}, f'Revert "add rate"\n\nThis reverts commit {bad}.', day=2)
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ((bad, revert),)
    assert (result.reverts, result.fixes) == (1, 0)


def test_fixes_need_more_than_a_word(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "x\n"}, "start", day=0)
    bug = commit_at(git_repo, {"geo.py": BUGGY, "vendor/six.py": "X = 1\n"}, "add area", day=1)
    commit_at(git_repo, {"geo.py": BUGGY.replace("x / 2", "x / 2.0")}, "Fix typo in half", day=2)
    commit_at(git_repo, {"vendor/six.py": "X = 2\n"}, "Fix vendored six", day=3)
    closes = commit_at(
        git_repo,
        {"geo.py": BUGGY.replace("x / 2", "x / 2.0").replace("w * w", "w * h")},
        "Use the height\n\nCloses #12.",
        day=4,
    )
    result = szz.label(git_repo, extract(git_repo).commits)
    assert result.links == ((bug, closes),)  # the typo fix is not one; vendored lines are not blamed
    assert result.fixes == 2


def test_window_keeps_follow_up_fixes_only(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "x\n"}, "start", day=0)
    commit_at(git_repo, {"geo.py": BUGGY}, "add area", day=1)
    fix = commit_at(git_repo, {"geo.py": BUGGY.replace("w * w", "w * h")}, "Fix area", day=60)
    commits = extract(git_repo).commits
    assert szz.label(git_repo, commits, window_days=30).links == ()
    assert len(szz.label(git_repo, commits, window_days=90).links) == 1
    assert fix


def test_an_unreadable_blob_is_a_failed_blame(git_repo: Path) -> None:
    commit_at(git_repo, {"README.md": "x\n"}, "start", day=0)
    commit_at(git_repo, {"geo.py": BUGGY, "big.py": "A = 1\nB = 2\n"}, "add area", day=1)
    commit_at(
        git_repo, {"geo.py": BUGGY.replace("w * w", "w * h"), "big.py": "A = 1\nB = 3\n"}, "Fix area", day=2
    )
    blob = git(git_repo, "rev-parse", "HEAD~1:big.py")
    (git_repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    history = extract(git_repo)
    assert history.unreadable == ("big.py",)
    result = szz.label(git_repo, history.commits, exclude=history.unreadable)
    assert len(result.links) == 1 and result.failed_blames == 0


def _many_fixes(repo: Path, modules: int) -> None:
    """Modules added, some reformatted or changed again, each fixed later; a listed ignore-rev."""
    commit_at(repo, {"README.md": "many\n"}, "start", day=0)
    for i in range(modules):
        body = BUGGY.replace("area", f"area{i}")
        commit_at(repo, {f"pkg/m{i}.py": body}, f"add area {i}", day=1 + i)
        if i % 3 == 0:  # looked through in a second round
            body = FORMATTED.replace("area", f"area{i}")
            commit_at(repo, {f"pkg/m{i}.py": body}, f"reformat {i}", day=1 + i)
        if i % 4 == 0:  # a second behavioural change, blamed with the first
            body = body.replace("x / 2", "x / 3")
            commit_at(repo, {f"pkg/m{i}.py": body}, f"thirds {i}", day=1 + i)
    for i in range(modules):
        path = repo / f"pkg/m{i}.py"
        fixed = path.read_text().replace("w * w", "w * h").replace("x / 3", "x / 2")
        commit_at(repo, {f"pkg/m{i}.py": fixed}, f"Fix area {i}", day=100 + i)


def test_parallel_blames_label_as_one_blame_at_a_time(git_repo: Path) -> None:
    """More suspects than one cosmetic batch, two rounds, the commit graph: the same labels."""
    _many_fixes(git_repo, modules=2 * szz.BATCH + 5)
    commits = extract(git_repo).commits
    before = sorted(str(p.relative_to(git_repo)) for p in (git_repo / ".git").rglob("*"))
    one = szz.label(git_repo, commits, workers=1, commit_graph=False)
    many = szz.label(git_repo, commits, workers=4)
    assert many == one
    assert len(one.links) == 2 * szz.BATCH + 5 + (2 * szz.BATCH + 5 + 3) // 4  # a link per bug-fix pair
    assert one.blames > one.fixes  # a second round, through the reformatting commits
    assert {c.sha for c in commits if c.subject.startswith("reformat")} <= set(one.ignored)
    after = sorted(str(p.relative_to(git_repo)) for p in (git_repo / ".git").rglob("*"))
    assert after == before  # the commit graph was written elsewhere
