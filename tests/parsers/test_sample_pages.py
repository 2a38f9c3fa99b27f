"""The bundled sample edition: every status-200 page must parse to what sample/expected.toml says.

Skips cleanly while the sample edition is absent (it is written separately from the parser).
"""
from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from parsers.article import parse_article


def _load(sample_dir: Path) -> tuple[list[dict], dict[str, str]]:
    expected = sample_dir / "expected.toml"
    if not expected.is_file():
        pytest.skip(f"sample edition not present: {expected} does not exist")
    pages = tomllib.loads(expected.read_text(encoding="utf-8")).get("page", [])
    content_types: dict[str, str] = {}
    edition = sample_dir / "edition.toml"
    if edition.is_file():
        for capture in tomllib.loads(edition.read_text(encoding="utf-8")).get("capture", []):
            if capture.get("file") and capture.get("content_type"):
                content_types[capture["file"]] = capture["content_type"]
    return pages, content_types


def _same_time(expected: str, actual: str | None) -> bool:
    """Equal as instants when both carry an offset (a page may state one instant in two
    offsets), else equal as strings."""
    if actual is None:
        return False
    try:
        e, a = datetime.fromisoformat(expected), datetime.fromisoformat(actual)
    except ValueError:
        return expected == actual
    if e.tzinfo is not None and a.tzinfo is not None:
        return e == a
    return expected == actual


@pytest.fixture(scope="module")
def parsed(sample_dir: Path) -> list[tuple[dict, object]]:
    pages, content_types = _load(sample_dir)
    out = []
    for page in pages:
        path = sample_dir / page["file"]
        record = parse_article(
            path.read_bytes(),
            page["url"],
            content_type=content_types.get(page["file"]),
            now=datetime.fromisoformat("2025-04-10T00:00:00+00:00"),
        )
        out.append((page, record))
    return out


def test_every_readable_capture_has_an_entry(sample_dir: Path, parsed: list[tuple[dict, object]]) -> None:
    assert parsed, "expected.toml lists no pages"
    edition = sample_dir / "edition.toml"
    if not edition.is_file():
        pytest.skip("sample/edition.toml not present")
    captures = tomllib.loads(edition.read_text(encoding="utf-8")).get("capture", [])
    readable = {c["file"] for c in captures if c.get("status") == 200}
    listed = {page["file"] for page, _ in parsed}
    assert readable <= listed, f"status-200 pages without expectations: {sorted(readable - listed)}"


@pytest.mark.parametrize("field", ["title", "authors", "published", "language", "outlet"])
def test_metadata(parsed: list[tuple[dict, object]], field: str) -> None:
    failures = []
    for page, record in parsed:
        if field not in page:
            continue
        want = page[field]
        got = getattr(record, field)
        if field == "authors":
            got = list(got)
        ok = _same_time(want, got) if field == "published" else got == want
        if not ok:
            failures.append(f"{page['file']}: {field} = {got!r}, expected {want!r}")
    assert not failures, "\n".join(failures)


def test_body_must_contain(parsed: list[tuple[dict, object]]) -> None:
    failures = []
    for page, record in parsed:
        assert record.status == "ok", f"{page['file']}: status {record.status}, warnings {record.warnings}"
        for snippet in page.get("must_contain", []):
            if snippet not in record.body:
                failures.append(f"{page['file']}: body lacks {snippet!r}")
    assert not failures, "\n".join(failures)


def test_body_must_not_contain(parsed: list[tuple[dict, object]]) -> None:
    failures = []
    for page, record in parsed:
        for snippet in page.get("must_not_contain", []):
            if snippet in record.body:
                failures.append(f"{page['file']}: body contains {snippet!r}")
    assert not failures, "\n".join(failures)


def test_spanish_pages_have_no_mojibake(parsed: list[tuple[dict, object]]) -> None:
    for page, record in parsed:
        if page.get("language") != "es":
            continue
        text = (record.title or "") + record.body
        for bad in ("Ã", "Â", "\ufffd", "â€"):
            assert bad not in text, f"{page['file']}: mojibake {bad!r} (decoded as {record.encoding} from {record.encoding_source})"
