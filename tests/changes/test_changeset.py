"""Changed files through `analyze`: status, language, parsing, and the functions found in them."""

from __future__ import annotations

import os
from pathlib import Path

from preflight.changes.changeset import analyze
from preflight.changes.sources import MAX_PARSE_BYTES
from preflight.models import ChangeKind, FileChange, LineSpan
from tests.conftest import commit, git


def _funcs(source: dict[str, int]) -> str:
    """A module of simple functions: name -> return expression."""
    return "\n\n".join(f"def {name}():\n    return {value}\n" for name, value in source.items())


def _file(files: tuple[FileChange, ...], path: str) -> FileChange:
    (found,) = [f for f in files if f.path == path]
    return found


def test_every_changed_file_listed_with_status_and_language(git_repo: Path) -> None:
    mover = _funcs({f"f{n}": n for n in range(6)})
    base = commit(git_repo, {"README.md": "# a\n", "old_name.py": mover, "conf.json": "{}\n"})
    commit(
        git_repo,
        {
            "README.md": "# b\n",
            "conf.json": None,
            "tool.py": "def t():\n    return 1\n",
            "old_name.py": None,
            "new_name.py": mover,
        },
    )
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.old_path, f.status, f.language, f.parsed) for f in changes.files] == [
        ("README.md", "README.md", "modified", "Markdown", "no"),
        ("conf.json", "conf.json", "deleted", "JSON", "no"),
        ("new_name.py", "old_name.py", "renamed", "Python", "full"),
        ("tool.py", None, "added", "Python", "full"),
    ]
    assert _file(changes.files, "README.md").added_lines == 1
    assert _file(changes.files, "README.md").removed_lines == 1
    assert changes.warnings == ()


def test_binary_file_is_listed_not_parsed(git_repo: Path) -> None:
    base = commit(git_repo, {"keep.txt": "x\n"})
    commit(git_repo, {"image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "blob.py": b"def f():\x00\n"})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.language, f.parsed) for f in changes.files] == [
        ("blob.py", "binary", "no"),
        ("image.png", "binary", "no"),
    ]
    assert changes.functions == ()


def test_latin1_python_with_coding_cookie_is_parsed(git_repo: Path) -> None:
    cookie = b"# -*- coding: latin-1 -*-\n"
    base = commit(
        git_repo,
        {
            "legacy.py": cookie + b'def f():\n    return "caf\xe9"\n\n\ndef g():\n    return 1\n',
        },
    )
    commit(
        git_repo,
        {
            "legacy.py": cookie + b'def f():\n    return "th\xe9"\n\n\ndef g():\n    return 1\n',
        },
    )
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.language, f.parsed) for f in changes.files] == [("legacy.py", "Python", "full")]
    assert [(fn.qualname, fn.kind, fn.new_lines) for fn in changes.functions] == [
        ("legacy.f", ChangeKind.MODIFIED, LineSpan(2, 3)),
    ]
    assert changes.warnings == ()


def test_undecodable_python_is_warned_and_not_parsed(git_repo: Path) -> None:
    base = commit(git_repo, {"other.py": "x = 1\n"})
    commit(git_repo, {"bad.py": b"def f():\n    return '\xff\xfe'\n"})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.language, f.parsed) for f in changes.files] == [("bad.py", "Python", "no")]
    assert changes.functions == ()
    assert len(changes.warnings) == 1
    assert changes.warnings[0].startswith("bad.py: cannot decode")


def test_syntax_error_in_one_function_leaves_the_others_unreported(git_repo: Path) -> None:
    values = {f"f{n}": n for n in range(1, 6)}
    base = commit(git_repo, {"mod.py": _funcs(values)})
    broken = _funcs(values).replace("    return 3\n", "    x = foo(1, 2\n    return x\n")
    commit(git_repo, {"mod.py": broken})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.parsed) for f in changes.files] == [("mod.py", "partial")]
    assert len(changes.warnings) == 1
    assert changes.warnings[0].startswith("mod.py: syntax error at line 10;")
    assert [(fn.qualname, fn.kind) for fn in changes.functions] == [("mod.f3", ChangeKind.MODIFIED)]


def test_syntax_error_never_reports_every_function(git_repo: Path) -> None:
    values = {f"f{n}": n for n in range(1, 6)}
    base = commit(git_repo, {"mod.py": _funcs(values)})
    broken = _funcs(values).replace("def f2():", "def f2(:")
    commit(git_repo, {"mod.py": broken})
    changes = analyze(git_repo, base=base)
    assert _file(changes.files, "mod.py").parsed == "partial"
    assert [w.split(";")[0] for w in changes.warnings] == ["mod.py: syntax error at line 5"]
    assert [(fn.qualname, fn.kind) for fn in changes.functions] == [("mod.f2", ChangeKind.MODIFIED)]


def test_function_swallowed_by_syntax_error_is_not_reported_removed(git_repo: Path) -> None:
    values = {f"f{n}": n for n in range(1, 6)}
    base = commit(git_repo, {"mod.py": _funcs(values)})
    broken = _funcs(values).replace("def f1():", "def f1(").replace("return 3\n", "return 33\n")
    commit(git_repo, {"mod.py": broken})
    changes = analyze(git_repo, base=base)
    assert _file(changes.files, "mod.py").parsed == "partial"
    assert [(fn.qualname, fn.kind) for fn in changes.functions] == [("mod.f3", ChangeKind.MODIFIED)]
    assert changes.warnings[0].startswith("mod.py: syntax error at line 1;")
    assert changes.warnings[1] == "mod.py: f1 not found after a syntax error; not reported as removed"


def test_syntax_error_fixed_does_not_report_hidden_functions_added(git_repo: Path) -> None:
    values = {f"f{n}": n for n in range(1, 6)}
    base = commit(git_repo, {"mod.py": _funcs(values).replace("def f1():", "def f1(")})
    commit(git_repo, {"mod.py": _funcs(values)})
    changes = analyze(git_repo, base=base)
    assert _file(changes.files, "mod.py").parsed == "partial"
    assert changes.functions == ()
    assert changes.warnings[1] == "mod.py: f1 was hidden by a syntax error before; not reported as added"


def test_huge_file_is_listed_not_parsed(git_repo: Path) -> None:
    base = commit(git_repo, {"small.py": "x = 1\n"})
    line = "def f():\n    return 1\n"
    huge = line * (MAX_PARSE_BYTES // len(line) + 1)
    commit(git_repo, {"generated.py": huge})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.status, f.language, f.parsed) for f in changes.files] == [
        ("generated.py", "added", "Python", "no"),
    ]
    assert changes.functions == ()
    assert len(changes.warnings) == 1
    assert changes.warnings[0].startswith("generated.py: ")
    assert "limit" in changes.warnings[0]


def test_symlink_to_python_file_is_not_parsed(git_repo: Path) -> None:
    base = commit(git_repo, {"target.py": "def f():\n    return 1\n"})
    os.symlink("target.py", git_repo / "alias.py")
    commit(git_repo, {})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.status, f.language, f.parsed) for f in changes.files] == [
        ("alias.py", "added", "symlink", "no"),
    ]
    assert changes.functions == ()


def test_submodule_is_listed_as_submodule(git_repo: Path, tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    git(library, "init", "-q", "-b", "main")
    commit(library, {"lib.py": "def lib():\n    return 1\n"})
    base = commit(git_repo, {"app.py": "x = 1\n"})
    git(
        git_repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "vendor/library"
    )
    commit(git_repo, {})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.status, f.language, f.parsed) for f in changes.files] == [
        (".gitmodules", "added", "unknown", "no"),
        ("vendor/library", "added", "submodule", "no"),
    ]
    assert changes.functions == ()


def test_deleted_python_file_reports_functions_removed(git_repo: Path) -> None:
    base = commit(
        git_repo, {"pkg/old.py": "def a():\n    return 1\n\n\nclass K:\n    def b(self):\n        pass\n"}
    )
    commit(git_repo, {"pkg/old.py": None})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.old_path, f.status) for f in changes.files] == [
        ("pkg/old.py", "pkg/old.py", "deleted")
    ]
    assert [
        (fn.path, fn.old_path, fn.qualname, fn.kind, fn.old_lines, fn.new_lines) for fn in changes.functions
    ] == [
        ("pkg/old.py", "pkg/old.py", "pkg.old.a", ChangeKind.REMOVED, LineSpan(1, 2), None),
        ("pkg/old.py", "pkg/old.py", "pkg.old.K.b", ChangeKind.REMOVED, LineSpan(6, 7), None),
    ]


def test_added_python_file_reports_functions_added(git_repo: Path) -> None:
    base = commit(git_repo, {"other.txt": "x\n"})
    commit(git_repo, {"new.py": "def a():\n    return 1\n\n\nasync def b():\n    return 2\n"})
    changes = analyze(git_repo, base=base)
    assert [
        (fn.path, fn.old_path, fn.qualname, fn.kind, fn.new_lines, fn.old_lines, fn.added_lines)
        for fn in changes.functions
    ] == [
        ("new.py", None, "new.a", ChangeKind.ADDED, LineSpan(1, 2), None, 2),
        ("new.py", None, "new.b", ChangeKind.ADDED, LineSpan(5, 6), None, 2),
    ]


def test_src_layout_and_package_init_module_names(git_repo: Path) -> None:
    base = commit(git_repo, {"README.md": "x\n"})
    commit(
        git_repo,
        {
            "src/pkg/__init__.py": "def func():\n    return 1\n",
            "src/pkg/sub/mod.py": "def helper():\n    return 2\n",
        },
    )
    changes = analyze(git_repo, base=base)
    assert [(fn.path, fn.qualname) for fn in changes.functions] == [
        ("src/pkg/__init__.py", "pkg.func"),
        ("src/pkg/sub/mod.py", "pkg.sub.mod.helper"),
    ]


def test_extensionless_python_script_by_shebang(git_repo: Path) -> None:
    base = commit(git_repo, {"README.md": "x\n"})
    commit(
        git_repo,
        {
            "bin/deploy": "#!/usr/bin/env python3\ndef main():\n    return 0\n",
            "bin/run": "#!/bin/sh\necho hi\n",
        },
    )
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.language, f.parsed) for f in changes.files] == [
        ("bin/deploy", "Python", "full"),
        ("bin/run", "unknown", "no"),
    ]
    assert [(fn.qualname, fn.kind) for fn in changes.functions] == [("bin.deploy.main", ChangeKind.ADDED)]


def test_renamed_file_with_one_function_modified(git_repo: Path) -> None:
    untouched = (
        "def keep(items):\n" + "".join(f"    items.append({n})\n" for n in range(12)) + "    return items\n"
    )
    old = untouched + "\n\ndef change():\n    return 1\n"
    new = untouched + "\n\ndef change():\n    return 2\n"
    base = commit(git_repo, {"pkg/a.py": old})
    commit(git_repo, {"pkg/a.py": None, "pkg/b.py": new})
    changes = analyze(git_repo, base=base)
    assert [(f.path, f.old_path, f.status) for f in changes.files] == [("pkg/b.py", "pkg/a.py", "renamed")]
    assert [(fn.path, fn.old_path, fn.qualname, fn.old_qualname, fn.kind) for fn in changes.functions] == [
        ("pkg/b.py", "pkg/a.py", "pkg.b.keep", "pkg.a.keep", ChangeKind.RENAMED),
        ("pkg/b.py", "pkg/a.py", "pkg.b.change", "pkg.a.change", ChangeKind.MODIFIED),
    ]
    assert changes.functions[0].aspects == ()
    assert [a.value for a in changes.functions[1].aspects] == ["body"]


def test_python_renamed_to_text_removes_its_functions(git_repo: Path) -> None:
    body = _funcs({f"f{n}": n for n in range(8)})
    base = commit(git_repo, {"notes.py": body})
    commit(git_repo, {"notes.py": None, "notes.txt": body})
    changes = analyze(git_repo, base=base)
    file = _file(changes.files, "notes.txt")
    assert (file.status, file.old_path, file.language, file.parsed) == ("renamed", "notes.py", "Text", "full")
    assert {(f.kind, f.path, f.qualname) for f in changes.functions} == {
        (ChangeKind.REMOVED, "notes.py", f"notes.f{n}") for n in range(8)
    }


def test_crlf_switch_counts_lines_and_is_cosmetic(git_repo: Path) -> None:
    body = _funcs({"a": 1, "b": 2})
    base = commit(git_repo, {"m.py": body})
    commit(git_repo, {"m.py": body.replace("\n", "\r\n").encode()})
    changes = analyze(git_repo, base=base)
    lines = len(body.splitlines())
    assert (changes.files[0].added_lines, changes.files[0].removed_lines) == (lines, lines)
    assert {(f.qualname, f.kind) for f in changes.functions} == {
        ("m.a", ChangeKind.COSMETIC),
        ("m.b", ChangeKind.COSMETIC),
    }
