from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.history import incidents
from preflight.history.features import extract
from tests.conftest import git
from tests.history.conftest import commit_at


def test_csv_and_json_forms(tmp_path: Path) -> None:
    csv_file = tmp_path / "inc.csv"
    csv_file.write_text("incident,commit,pr\nINC-1,ABCDEF1,\nINC-2,,#12\n", encoding="utf-8")
    assert incidents.load(csv_file) == (
        incidents.Incident("INC-1", "abcdef1", None, f"{csv_file}:2"),
        incidents.Incident("INC-2", None, 12, f"{csv_file}:3"),
    )
    listed = tmp_path / "inc.json"
    listed.write_text('[\n {"incident": "A", "pr": 3},\n {"incident": "B", "commit": "1234567"}\n]', "utf-8")
    assert [(i.incident, i.pr, i.commit, i.where) for i in incidents.load(listed)] == [
        ("A", 3, None, f"{listed}:2"),
        ("B", None, "1234567", f"{listed}:3"),
    ]
    mapping = tmp_path / "map.json"
    mapping.write_text('{\n"#5": "X",\n"abcdef0": "Y"\n}', "utf-8")
    assert [(i.pr, i.commit, i.where) for i in incidents.load(mapping)] == [
        (5, None, f"{mapping}:2"),
        (None, "abcdef0", f"{mapping}:3"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.csv", "id,sha\n", r"a\.csv:1: the header needs"),
        ("b.csv", "incident,commit\nI,xyz\nI,\n", r"b\.csv:2: 'xyz' is not a commit sha"),
        ("c.csv", "incident,commit,pr\nI,abcdef1,\nI,,\n", r"c\.csv:3: give exactly one"),
        ("d.csv", "incident,pr\n,4\n", r"d\.csv:2: missing incident"),
        ("e.csv", "incident,pr\nI,four\n", r"e\.csv:2: 'four' is not a pull request"),
        ("f.json", '[\n{"incident": "I"\n', r"f\.json:3: not valid JSON"),
        ("g.json", '[\n "abc"\n]', r"g\.json:2: each entry must be an object"),
        ("h.json", "3", r"h\.json:1: expected a list"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        incidents.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read incidents file"):
        incidents.load(tmp_path / "none.csv")


def test_labels_from_commits_squashes_and_merges(git_repo: Path, tmp_path: Path) -> None:
    first = commit_at(git_repo, {"a.py": "a\n"}, "start")
    squash = commit_at(git_repo, {"b.py": "b\n"}, "Add b (#4)")
    git(git_repo, "checkout", "-q", "-b", "feature")
    merged = commit_at(git_repo, {"c.py": "c\n"}, "add c")
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #9 from x/feature", "feature")
    path = tmp_path / "inc.csv"
    path.write_text(f"incident,commit,pr\nI1,{first[:8]},\nI2,,4\nI3,,#9\nI4,,77\n", encoding="utf-8")
    found, unmatched = incidents.labels(git_repo, extract(git_repo), incidents.load(path))
    assert found == {first, squash, merged}
    assert [u.incident for u in unmatched] == ["I4"]
