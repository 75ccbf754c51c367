"""What of a platform reply is written back (pure).

* :func:`reply_fields` — the reply's scalars, plus ``dataset.field`` of each dataset's first
  row (what ``writeback:`` paths such as ``payinfo.bka001`` name);
* :func:`result_doc` — the whole reply as ``{"fields": …, "datasets": {name: [rows]}}`` for
  ``result_json`` and the reply rows;
* :func:`writeback_columns` — the feed's ``writeback:`` mapping applied to those fields;
* :func:`reply_flag` — what a success reply was concluded with although it did not read
  cleanly: settlement figures off their §8.1 identities by more than the tolerance, several
  ``payinfo`` rows (the first is read), elements repeated with other values (the last
  non-empty one is read) — kept in ``result_json`` under :data:`FLAG_KEY`, and
  :func:`flag_zh`, that flag in Chinese words (the joint-test report, the reconciliation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from syncd.protocol.decoded import Program
from syncd.protocol.messages import Reply, SettlementReply

_ENVELOPE = frozenset({"return_code", "return_code_message", "session_id", "function_id"})
FLAG_KEY = "reply_flag"  # the result_json key of a flagged reply


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


@dataclass(frozen=True)
class ReplyFlag:
    """Why a success reply did not read cleanly (codes and amounts only: no names or ID
    numbers).  ``identities``: the §8.1 identities its figures break by more than
    ``tolerance``, with the figures as sent; ``payinfo_rows``: how many came (more than one);
    ``repeated``: element codes that came more than once with other values."""

    identities: tuple[str, ...] = ()
    tolerance: Decimal = Decimal("0.00")
    payinfo_rows: int = 1
    repeated: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.identities or self.payinfo_rows > 1 or self.repeated)

    @property
    def broken_totals(self) -> tuple[str, ...]:
        """The totals whose identity is broken (``akc264`` …)."""
        return tuple(text.split(" ", 1)[0] for text in self.identities)

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if self.identities:
            doc |= {"identities": list(self.identities), "tolerance": f"{self.tolerance:.2f}"}
        if self.payinfo_rows > 1:
            doc["payinfo_rows"] = self.payinfo_rows
        if self.repeated:
            doc["repeated"] = list(self.repeated)
        return doc


def reply_flag(reply: Reply, program: Program, tolerance: Decimal) -> ReplyFlag:
    """The flag of a success reply (false when it read cleanly)."""
    broken: list[str] = []
    rows = 1
    if isinstance(reply, SettlementReply) and reply.figures is not None:
        broken = reply.figures.identity_errors(tolerance)
        rows = max(reply.payinfo_rows, 1)
    return ReplyFlag(tuple(broken), tolerance, rows, program.repeated)


def flag_zh(result_json: str | None) -> str:
    """A flagged reply's ``reply_flag`` (``result_json``) in words; "" when not flagged."""
    try:
        flag = json.loads(result_json or "{}").get(FLAG_KEY) or {}
    except (ValueError, AttributeError):
        return ""
    parts = []
    if flag.get("identities"):
        parts.append("金额不满足规范 §8.1 恒等式：" + "；".join(flag["identities"]))
    if flag.get("payinfo_rows"):
        parts.append(f"payinfo 有 {flag['payinfo_rows']} 行，取第 1 行")
    if flag.get("repeated"):
        parts.append("重复的元素（取最后的非空值）：" + "、".join(flag["repeated"]))
    return "；".join(parts)
