"""Keep the syncd column of ``docs/platform-fields.md`` in step with the shipped mappings.

Usage: ``.venv/bin/python tools/platform_fields.py [--check]``.  Each table of the document
follows a marker ``<!-- feed: NAME -->``; the last column of every row becomes
``file:line`` and the rule of that field in ``mappings/**/NAME.yaml`` (``—`` when the feed
does not send it).  ``--check`` writes nothing and exits 1 listing what differs: a wrong cell,
a shipped feed without a table, a field the feed sends without a row (the client columns of a
new row must be read in the public repositories by hand, so they are never invented here).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

from syncd.config.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "platform-fields.md"
MAPPINGS = ROOT / "mappings"
_MARKER = re.compile(r"^<!-- feed: (\w+) -->$")
_ROW = re.compile(r"^\| `([\w.]+)` \|(.*)\|$")
NONE = "—"


def rule_cells(path: Path) -> dict[str, str]:
    """Field (``dataset.code`` for rows) → "`file:line` `rule`" for one mapping file."""
    located = load_yaml(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    data = located.data if isinstance(located.data, dict) else {}
    groups: list[tuple[str, object, tuple[str, ...]]] = [("", data.get("fields"), ("fields",))]
    batch = data.get("batch")
    if isinstance(batch, dict):
        groups.append((f"{batch.get('dataset')}.", batch.get("fields"), ("batch", "fields")))
    for name, dataset in (data.get("datasets") or {}).items():
        groups.append((f"{name}.", dataset.get("fields"), ("datasets", name, "fields")))
    cells: dict[str, str] = {}
    for prefix, fields, at in groups:
        for code in fields if isinstance(fields, dict) else {}:
            line = located.where((*at, code))[0]
            rule = lines[line - 1].split(":", 1)[1].strip() or "(多行规则，见文件)"
            cells[prefix + str(code)] = f"`{path.name}:{line}` `{rule}`"
    return cells


def feeds(folder: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted(folder.rglob("*.yaml"))}


def refreshed(text: str, folder: Path) -> tuple[str, list[str]]:
    """The document with every syncd cell recomputed, and the problems found."""
    files = feeds(folder)
    problems: list[str] = []
    out: list[str] = []
    seen: set[str] = set()
    for feed, block in _blocks(text.splitlines()):
        if feed is None:
            out += block
            continue
        if feed not in files:
            problems.append(f"table for feed '{feed}': no mappings/**/{feed}.yaml")
            out += block
            continue
        seen.add(feed)
        cells = rule_cells(files[feed])
        rows: set[str] = set()
        for line in block:
            match = _ROW.match(line)
            if match is None:
                out.append(line)
                continue
            code, rest = match.groups()
            rows.add(code)
            columns = rest.split(" | ")
            columns[-1] = cells.get(code, NONE) + " "
            out.append(f"| `{code}` |" + " | ".join(columns) + "|")
        problems += [f"feed '{feed}': no row for {code}" for code in sorted(set(cells) - rows)]
    problems += [f"feed '{feed}' has no table (<!-- feed: {feed} -->)" for feed in files
                 if feed not in seen]  # fmt: skip
    return "\n".join(out) + "\n", problems


def _blocks(lines: list[str]) -> Iterator[tuple[str | None, list[str]]]:
    """Runs of lines: a marker with the table right under it (its feed name), or anything
    else (None)."""
    feed: str | None = None
    block: list[str] = []
    for line in lines:
        marker = _MARKER.match(line)
        table_ended = feed is not None and len(block) > 1 and not line.startswith("|")
        if marker or table_ended:
            yield feed, block
            feed, block = (marker.group(1) if marker else None), []
        block.append(line)
    yield feed, block


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    new, problems = refreshed(text, MAPPINGS)
    if "--check" in argv:
        differs = new != text
        for problem in problems:
            sys.stderr.write(problem + "\n")
        if differs:
            sys.stderr.write(
                f"{DOC.relative_to(ROOT)} is out of date: run tools/platform_fields.py\n"
            )
        return 1 if differs or problems else 0
    DOC.write_text(new, encoding="utf-8")
    for problem in problems:
        sys.stderr.write(problem + "\n")
    sys.stdout.write(f"wrote {DOC.relative_to(ROOT)}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
