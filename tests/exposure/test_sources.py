"""Stage 4: the calls CSV and the join to changed functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.exposure import join, load_calls
from preflight.models import ChangeKind, ChangeSet, FunctionChange, LineSpan, RevisionRange

REVISIONS = RevisionRange("main", "HEAD", "a" * 40, "b" * 40, "a" * 40, "explicit")


def fn(qualname: str, kind: ChangeKind = ChangeKind.MODIFIED, old: str | None = None) -> FunctionChange:
    return FunctionChange(
        "m.py", "m.py", qualname, old or qualname, kind, (), LineSpan(1, 2), LineSpan(1, 2), 1, 1
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_calls(tmp_path: Path) -> None:
    path = write(tmp_path, "qualname,calls_per_min,extra\nm.f,1200,x\nm.g,0.5,y\n")
    assert load_calls(path) == {"m.f": 1200.0, "m.g": 0.5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,rate\nm.f,1\n", "calls.csv:1: missing column(s) qualname, calls_per_min"),
        ("qualname,calls_per_min\nm.f,abc\n", "calls.csv:2: calls_per_min 'abc' is not a number"),
        ("qualname,calls_per_min\nm.f,-3\n", "calls.csv:2: calls_per_min '-3' must be a finite number >= 0"),
        (
            "qualname,calls_per_min\nm.f,nan\n",
            "calls.csv:2: calls_per_min 'nan' must be a finite number >= 0",
        ),
        ("qualname,calls_per_min\n,3\n", "calls.csv:2: empty qualname"),
        ("qualname,calls_per_min\nm.f,1\nm.f,2\n", "calls.csv:3: m.f already given on line 2"),
    ],
)
def test_bad_calls_file_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_calls(write(tmp_path, text))


def test_missing_and_binary_calls_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read calls file"):
        load_calls(tmp_path / "absent.csv")
    path = tmp_path / "calls.csv"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not a UTF-8 CSV file"):
        load_calls(path)


def test_join_prefers_the_base_name_and_marks_unknown() -> None:
    changes = ChangeSet(
        REVISIONS,
        (),
        (fn("m.new_name", ChangeKind.RENAMED, old="m.old_name"), fn("m.f"), fn("m.fresh", ChangeKind.ADDED)),
    )
    exposure = join(changes, {"m.old_name": 50.0, "m.new_name": 1.0, "m.f": 7.0}, "calls.csv")
    assert [f.calls_per_min for f in exposure.functions] == [50.0, 7.0, None]
    assert exposure.source == "calls.csv"


def test_join_without_data_is_all_unknown() -> None:
    exposure = join(ChangeSet(REVISIONS, (), (fn("m.f"),)), None, None)
    assert [f.calls_per_min for f in exposure.functions] == [None]
    assert exposure.source is None
