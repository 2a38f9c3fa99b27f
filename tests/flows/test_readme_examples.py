"""The README's `newsprism sql` examples are real: each one runs on the demo warehouse and must
print what the README shows.

Every ```console block line `$ newsprism sql "QUERY" [OPTIONS]` (the query may go on over
indented lines, as a shell would read it) is run in-process through `flows.cli.main` at a fixed
table width, and its output is compared with the lines that follow it in the block. Two things
DuckDB prints are left out of the README, and only those two are ignored, on both sides: the
column-type row under the header and the "N rows (M shown)" footer under the box. Trailing
whitespace and trailing blank lines are ignored too.

After a view changes, refresh the outputs in place (same two things left out), then read the diff:

    NEWSPRISM_UPDATE_README=1 .venv/bin/pytest -q tests/flows/test_readme_examples.py
"""
from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import shlex
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.conftest import REPO

README = REPO / "README.md"
# The width the README's tables were made with: wide enough for the widest example, and fixed so
# the terminal running the tests does not matter. An example may give its own --max-width.
TABLE_WIDTH = 160
UPDATE_ENV = "NEWSPRISM_UPDATE_README"

# Views whose README example is still to come, with the reason. Listed here, a view must still
# lack an example (strict xfail), so this entry goes when the example arrives.
PENDING_EXAMPLES: dict[str, str] = {}  # view -> why its example is still missing

_COMMAND = re.compile(r"^\$ newsprism sql(?:\s|$)")
_RELATION = re.compile(r"\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_FOOTER = re.compile(r"^\s*(?:\d[\d,]* rows?|\d[\d,]* columns?|\(\d[\d,]* shown\))(?:\s.*)?$")


@dataclass(frozen=True)
class Example:
    """One `newsprism sql` command of the README and the output shown under it.

    Line numbers are 0-based indexes into the README's lines; output_end is exclusive."""

    id: str
    line: int
    command: str  # as written, without the "$ " prompt; lines joined with "\\n"
    argv: tuple[str, ...]  # the words after `newsprism`, as a shell would split them
    output_start: int
    output_end: int
    expected: tuple[str, ...]
    error: str | None = None

    @property
    def query(self) -> str:
        return self.argv[2] if len(self.argv) > 2 else ""


def find_examples(text: str) -> list[Example]:
    """Every `$ newsprism sql` command inside a ```console block, with the output shown under it.

    Rules, in order:
    1. Only ```console fences count; other fences (```sql, ```python) are skipped whole.
    2. A command starts at a line beginning `$ newsprism sql`; it goes on over following
       indented lines until its quotes close (shell rules, `shlex`).
    3. Its output is every line after the command up to the next `$ ` line or the closing fence.
    4. A command that does not parse (unclosed quote, no query, a `--db` that would point away
       from the demo warehouse) is returned with `error` set, so its test fails instead of
       vanishing.
    """
    lines = text.split("\n")
    found: list[Example] = []
    i, fence = 0, None
    while i < len(lines):
        line = lines[i]
        if fence is None:
            if line.startswith("```"):
                fence = line[3:].strip()
            i += 1
            continue
        if line.startswith("```"):
            fence = None
            i += 1
            continue
        if fence != "console" or not _COMMAND.match(line):
            i += 1
            continue
        start, parts, argv, error = i, [line[2:]], None, None
        while True:
            try:
                argv = tuple(shlex.split("\n".join(parts)))
                break
            except ValueError as exc:
                nxt = lines[i + 1] if i + 1 < len(lines) else "```"
                if nxt.startswith("```") or not nxt[:1].isspace():
                    error = f"{exc} (the query goes on over indented lines until its quote closes)"
                    break
                i += 1
                parts.append(nxt)
        out_start = i + 1
        j = out_start
        while j < len(lines) and not lines[j].startswith("```") and not lines[j].startswith("$ "):
            j += 1
        if error is None:
            error = _check_argv(argv)
        found.append(Example(
            id="", line=start, command="\n".join(parts), argv=argv or (), output_start=out_start,
            output_end=j, expected=tuple(lines[out_start:j]), error=error,
        ))
        i = j
    return _with_ids(found)


def _check_argv(argv: tuple[str, ...] | None) -> str | None:
    if not argv or argv[:2] != ("newsprism", "sql"):
        return "expected `newsprism sql \"QUERY\" [OPTIONS]`"
    if len(argv) < 3 or argv[2].startswith("-") or not argv[2].strip():
        return "no query after `newsprism sql`"
    if any(a == "--db" or a.startswith("--db=") for a in argv):
        return "an example must not name --db: it runs on the demo warehouse"
    return None


def _with_ids(examples: list[Example]) -> list[Example]:
    """Name each example by the first relation its query reads (claim_mentions, claim_mentions-2...)."""
    seen: dict[str, int] = {}
    out = []
    for ex in examples:
        m = _RELATION.search(ex.query)
        base = m.group(1).lower() if m else f"line-{ex.line + 1}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        out.append(replace(ex, id=name))
    return out


def relations(query: str) -> set[str]:
    """The tables and views a query reads (names after `from` or `join`)."""
    return {m.lower() for m in _RELATION.findall(query)}


# --- normalisation --------------------------------------------------------------------------------

def _header_span(lines: list[str]) -> tuple[int, int] | None:
    """(first, end) of the header lines of a DuckDB box: after `┌`, before the first `├` or `└`."""
    top = next((k for k, l in enumerate(lines) if l.startswith("┌")), None)
    if top is None:
        return None
    end = next((k for k in range(top + 1, len(lines)) if lines[k][:1] in ("├", "└")), len(lines))
    return top + 1, end


def type_row(actual: list[str]) -> str | None:
    """The column-type row of DuckDB's box: the last header line (names can wrap over several)."""
    span = _header_span(actual)
    if span is None or span[1] - span[0] < 2:
        return None
    return actual[span[1] - 1].rstrip()


def normalise(lines: list[str] | tuple[str, ...], types: str | None) -> list[str]:
    """Lines without trailing whitespace, trailing blank lines, the type row `types` (where the
    box header ends with it) and the row-count footer under the box."""
    out = [l.rstrip() for l in lines]
    span = _header_span(out)
    if types is not None and span is not None and span[1] - span[0] >= 2 and out[span[1] - 1] == types:
        del out[span[1] - 1]
    bottom = max((k for k, l in enumerate(out) if l.startswith("└")), default=None)
    if bottom is not None:
        out = out[:bottom + 1] + [l for l in out[bottom + 1:] if not _FOOTER.match(l)]
    while out and not out[-1]:
        out.pop()
    return out


# --- running --------------------------------------------------------------------------------------

def run_example(ex: Example, db: str) -> tuple[int, str, str]:
    """Run the example's command through the CLI entry point; (exit status, stdout, stderr)."""
    from flows.cli import main

    args = list(ex.argv[1:]) + ["--db", db]
    if not any(a == "--max-width" or a.startswith("--max-width=") for a in args):
        args += ["--max-width", str(TABLE_WIDTH)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(args)
        except SystemExit as exc:  # argparse rejects the options
            status = exc.code if isinstance(exc.code, int) else 2
    return status, out.getvalue(), err.getvalue()


def zoned_columns(db: str, query: str) -> list[str]:
    """Columns of the query's result that DuckDB prints in the session's time zone (the machine's)."""
    from warehouse.db import session

    with session(db, read_only=True) as con:
        rel = con.sql(query)
        return [c for c, t in zip(rel.columns, rel.types) if "WITH TIME ZONE" in str(t).upper()]


def rewrite_output(path: Path, ex: Example, new_output: list[str]) -> None:
    """Put new_output under the same command in the README as it is now (earlier rewrites may
    have moved it): the n-th command with this exact text."""
    text = path.read_text(encoding="utf-8")
    nth = [e for e in EXAMPLES if e.command == ex.command].index(ex)
    current = [e for e in find_examples(text) if e.command == ex.command]
    if len(current) <= nth:
        raise AssertionError(f"README.md changed while rewriting: `{ex.command[:60]}` not found")
    target = current[nth]
    lines = text.split("\n")
    lines[target.output_start:target.output_end] = new_output
    path.write_text("\n".join(lines), encoding="utf-8")


EXAMPLES = find_examples(README.read_text(encoding="utf-8"))


# --- tests ----------------------------------------------------------------------------------------

def test_the_readme_has_sql_examples():
    assert len(EXAMPLES) >= 10, [e.id for e in EXAMPLES]


@pytest.mark.flow
@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(ex: Example, demo_runs):
    where = f"README.md line {ex.line + 1}"
    if ex.error:
        pytest.fail(f"{where}: cannot read the example: {ex.error}\n$ {ex.command}")
    status, out, err = run_example(ex, demo_runs["db"])
    assert status == 0 and not err.strip(), f"{where}: the command failed ({status}):\n$ {ex.command}\n{err}"
    actual_lines = out.split("\n")
    types = type_row(actual_lines)
    zoned = zoned_columns(demo_runs["db"], ex.query)
    assert not zoned, (
        f"{where}: {', '.join(zoned)} would print in the reader's time zone, so the output differs "
        f"from machine to machine; select timezone('UTC', col), or a text form such as published_iso\n"
        f"$ {ex.command}")
    actual = normalise(actual_lines, types)
    expected = normalise(ex.expected, types)
    if actual == expected:
        return
    if os.environ.get(UPDATE_ENV) == "1":
        rewrite_output(README, ex, actual)
        warnings.warn(f"{where}: rewrote the output of `{ex.id}`", stacklevel=1)
        return
    diff = "\n".join(difflib.unified_diff(
        expected, actual, f"{where} (shown)", "newsprism sql (printed now)",
        n=max(len(expected), len(actual)), lineterm=""))
    pytest.fail(f"{where}: the output differs from the README\n$ {ex.command}\n\n{diff}\n\n"
                f"If the new output is right, refresh the README: {UPDATE_ENV}=1 pytest {Path(__file__).relative_to(REPO)}",
                pytrace=False)


def _view_names() -> list[str]:
    from warehouse.schema import view_files

    return [v.name for v in view_files()]


@pytest.mark.parametrize("view", [
    pytest.param(v, marks=pytest.mark.xfail(strict=True, reason=PENDING_EXAMPLES[v]))
    if v in PENDING_EXAMPLES else v
    for v in _view_names()
])
def test_every_view_has_a_readme_example(view):
    shown = set().union(*(relations(e.query) for e in EXAMPLES if not e.error))
    assert view in shown, f"no `newsprism sql` example in README.md reads {view}"


# --- the reader and the normalisation themselves ---------------------------------------------------

_SAMPLE_DOC = '''intro
```console
$ newsprism sql "select a, b from stg_fetches
    where a = 'x' order by a" --format csv
a,b
x,1
```

```sql
$ newsprism sql "select 1 from not_an_example"
```

```console
$ newsprism sql "select outlet from int_topic_outlets
where x"
$ newsprism sql "select 2 from stg_fetches" --db other.duckdb
$ newsprism views
stg_fetches
```
'''


def test_reader_follows_shell_quoting_and_reports_bad_examples():
    multi, unclosed, db = find_examples(_SAMPLE_DOC)
    assert multi.argv == ("newsprism", "sql", "select a, b from stg_fetches\n    where a = 'x' order by a",
                          "--format", "csv")
    assert multi.expected == ("a,b", "x,1") and multi.id == "stg_fetches" and multi.error is None
    assert "quotation" in unclosed.error  # the next line is not indented: not a continuation
    assert "--db" in db.error and db.id == "stg_fetches-2"
    assert db.expected == ()  # output stops at the next command


_PRINTED = """┌─────────┬───────┐
│    a    │   b   │
│ varchar │ int32 │
├─────────┼───────┤
│ x       │     1 │
└─────────┴───────┘
   10 rows  
  (1 shown) 
"""


def test_normalise_ignores_only_the_type_row_and_the_footer():
    printed = _PRINTED.split("\n")
    types = type_row(printed)
    assert types == "│ varchar │ int32 │"
    shown = [l for l in printed if "varchar" not in l and "row" not in l and "shown" not in l]
    assert normalise(printed, types) == normalise(shown, types)
    assert normalise(printed, types)[-1] == "└─────────┴───────┘"
    changed = [l.replace("x      ", "y      ") for l in shown]
    assert normalise(changed, types) != normalise(printed, types)
    # a wrapped column name is header text, not a type row
    wrapped = ["┌──────┐", "│ long │", "│ name │", "│ int  │", "├──────┤", "│    1 │", "└──────┘"]
    assert normalise(wrapped, type_row(wrapped)) == [wrapped[0], wrapped[1], wrapped[2], *wrapped[4:]]
    assert normalise(wrapped[:3] + wrapped[4:], type_row(wrapped)) == normalise(wrapped, type_row(wrapped))


def test_zoned_columns_finds_what_prints_in_the_readers_time_zone(tmp_path):
    import duckdb

    db = str(tmp_path / "z.duckdb")
    con = duckdb.connect(db)
    con.execute("create table t as select timestamptz '2025-03-28 20:10:00-04' as published, 'x' as s")
    con.close()
    assert zoned_columns(db, "select s, published from t") == ["published"]
    assert zoned_columns(db, "select s, timezone('UTC', published) as published_utc from t") == []
