"""What of a platform reply is written back (pure).

* :func:`reply_fields` — the reply's scalars, plus ``dataset.field`` of each dataset's first
  row (what ``writeback:`` paths such as ``payinfo.bka001`` name);
* :func:`result_doc` — the whole reply as ``{"fields": …, "datasets": {name: [rows]}}`` for
  ``result_json`` and the reply rows;
* :func:`writeback_columns` — the feed's ``writeback:`` mapping applied to those fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.protocol.codec import Program

_ENVELOPE = frozenset({"return_code", "return_code_message", "session_id", "function_id"})


def reply_fields(program: Program | None) -> dict[str, str]:
    if program is None:
        return {}
    fields = {k: v for k, v in program.values.items() if k not in _ENVELOPE}
    for name, rows in program.datasets.items():
        if rows:
            fields.update({f"{name}.{k}": v for k, v in rows[0].values.items()})
    return fields


def result_doc(
    program: Program | None, adopted: Mapping[str, str] | None = None, *, by: str = "query"
) -> dict[str, Any]:
    """The reply as JSON-ready data; ``adopted`` fields when no reply came, marked with who
    found them: ``resolved_by_query`` (a resolution) or ``resolved_by_operator``."""
    if program is None:
        return {"fields": dict(adopted or {}), "datasets": {}, f"resolved_by_{by}": True}
    datasets = {name: [dict(r.values) for r in rows] for name, rows in program.datasets.items()}
    scalars = {k: v for k, v in program.values.items() if k != "session_id"}
    return {"fields": scalars, "datasets": datasets}


def flat_columns(fields: Mapping[str, str]) -> dict[str, str]:
    """Reply values under their plain field code (scalars win over dataset first rows)."""
    flat = {k: v for k, v in fields.items() if "." not in k}
    for path, value in fields.items():
        if "." in path:
            flat.setdefault(path.rpartition(".")[2], value)
    return flat


def writeback_columns(
    writeback: Mapping[str, str], fields: Mapping[str, str], columns: frozenset[str]
) -> dict[str, str]:
    """``writeback: {reply path: column}`` values for the columns the staging table has."""
    out: dict[str, str] = {}
    for path, column in writeback.items():
        value = fields.get(path)
        if value not in (None, "") and column.lower() in columns:
            out[column.lower()] = str(value)
    return out
