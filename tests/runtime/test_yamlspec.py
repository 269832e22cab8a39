"""runtime/yamlspec: YAML mappings that remember their lines, and typed access that names them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.runtime.yamlspec import Located, SpecFile, load_documents


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_documents_remember_their_key_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        kind: SLO
        spec:
          target: 0.99
          name: checkout
        ---
        ---
        kind: Other
        """,
    )
    first, second = load_documents(path)
    assert isinstance(first, Located) and first["kind"] == "SLO" and second["kind"] == "Other"
    assert (first.line_of("kind"), first.line_of("spec")) == (1, 2)
    spec = first["spec"]
    assert isinstance(spec, Located)
    assert spec.line == 2 and spec.line_of("name") == 4 and spec.line_of("absent") == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "spec.yaml:2: key 'a' appears twice"),
        ("a: [1\nb: 2\n", "invalid YAML"),
        ("a: !!int abc\n", "spec.yaml:1: 'abc' is not a valid int"),
        ("? [1, 2]\n: x\n", "a key is not a plain value"),
    ],
)
def test_bad_yaml_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        load_documents(write(tmp_path, text))


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_documents(tmp_path / "missing.yaml")


def test_typed_access_returns_the_values(tmp_path: Path) -> None:
    path = write(tmp_path, "spec:\n  name: cart\n  target: 99\n  items:\n    - a: 1\n")
    (doc,) = load_documents(path)
    spec = SpecFile(path)
    inner = spec.mapping(doc, "spec")
    assert spec.text(inner, "name") == "cart"
    assert spec.number(inner, "target") == 99.0
    assert [dict(item) for item in spec.items(inner, "items")] == [{"a": 1}]
    assert spec.optional_text(inner, "absent") is None
    assert spec.optional_mapping(inner, "absent") is None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("name", "spec.yaml:2: name must be a non-empty string"),
        ("target", "spec.yaml:3: target must be a number, not True"),
        ("huge", "spec.yaml:4: huge must be a finite number"),
        ("items", "spec.yaml:5: items must be a non-empty list of mappings"),
        ("absent", "spec.yaml:1: absent must be a mapping"),
    ],
)
def test_wrong_values_name_the_line_of_their_key(tmp_path: Path, key: str, message: str) -> None:
    path = write(tmp_path, f"spec:\n  name: ' '\n  target: true\n  huge: {'9' * 400}\n  items: []\n")
    (doc,) = load_documents(path)
    spec = SpecFile(path)
    inner = spec.mapping(doc, "spec")
    access = {
        "name": spec.text,
        "target": spec.number,
        "huge": spec.number,
        "items": spec.items,
        "absent": spec.mapping,
    }[key]
    with pytest.raises(InputError, match=message):
        access(inner, key)
