from __future__ import annotations

from preflight.history.log import (
    CommitFile,
    PythonHunks,
    parse_changes,
    parse_name_status,
    parse_record,
    records,
)

PATCH = (
    "diff --git a/m.py b/m.py\nindex 1..2 100644\n--- a/m.py\n+++ b/m.py\n"
    "@@ -1,2 +1,2 @@ def f():\n-    if a:\n+    if a and b:\n     pass\n"
    "@@ -9 +9,2 @@\n-x = 1\n+x = 2\n+\x1ey = 3\n\\ No newline at end of file\n"
    'diff --git "a/sp ce\\t.py" "b/sp ce\\t.py"\n--- "a/sp ce\\t.py"\n+++ "b/sp ce\\t.py"\n@@ -0,0 +1 @@\n+z\n'
    "diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n"
    "diff --git a/doc.txt b/doc.txt\n--- a/doc.txt\n+++ b/doc.txt\n@@ -1 +1 @@\n-a\n+b\n"
    "diff --git a/img.png b/img.png\nBinary files a/img.png and b/img.png differ\n"
)


def test_patch_sections_of_python_files() -> None:
    files, python = parse_changes("\n2\t2\tm.py\0" + "1\t1\t\0old.py\0new.py\0-\t-\timg.png\0\0" + PATCH)
    assert files == (
        CommitFile("m.py", None, 2, 2),
        CommitFile("new.py", "old.py", 1, 1),
        CommitFile("img.png", None, 0, 0),
    )
    assert python == (
        PythonHunks("m.py", "    if a and b:\nx = 2\n\x1ey = 3", "    if a:\nx = 1"),
        PythonHunks("sp ce\\t.py", "z", ""),
        PythonHunks("gone.py", "", "old"),
    )


def test_records_split_only_at_line_starts_across_chunks() -> None:
    header = "\x1e" + "a" * 40 + "\x1f\x1fme@x\x1f5\x1fsubject"
    stream = header + "\0\n1\t0\tm.py\0\0" + PATCH + header.replace("a", "b") + "\0"
    pieces = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    found = [parse_record(r) for r in records(pieces)]
    assert [c.sha[0] for c in found if c] == ["a", "b"]
    first = found[0]
    assert first is not None and first.python[0].added.endswith("\x1ey = 3")  # not a record break
    assert (first.author, first.time, first.parents) == ("me@x", 5, ())


def test_name_status() -> None:
    assert parse_name_status("\nA\0new file.py\0M\0m.py\0") == (("A", "new file.py"), ("M", "m.py"))


def test_a_nul_and_separator_inside_a_patch_line_do_not_split_the_record() -> None:
    """git looks for NULs in a file's first 8,000 bytes only: a later line can hold one."""
    header = "\x1e" + "a" * 40 + "\x1f\x1fme@x\x1f5\x1fs"
    patch = "diff --git a/d.py b/d.py\n--- a/d.py\n+++ b/d.py\n@@ -1 +1 @@\n-x\n+y\0\x1ez\x1f\x1f\x1f\x1f\0\n"
    merge = "\x1e" + "b" * 40 + "\x1f1 2\x1fme@x\x1f6\x1fmerge\0"
    stream = header + "\0\n1\t1\td.py\0\0" + patch + merge + header.replace("a", "c") + "\0\n0\t0\te.py\0"
    found = [parse_record(r) for r in records([stream[:150], stream[150:]])]
    assert [(c.sha[0], len(c.files)) for c in found if c] == [("a", 1), ("b", 0), ("c", 1)]
    assert found[0] is not None and found[0].python[0].added == "y\0\x1ez\x1f\x1f\x1f\x1f\0"
