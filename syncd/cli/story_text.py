"""A row's story (:class:`syncd.console.stories.RowStory`) as plain text for ``syncd show``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.console.present import Shown, status_zh, when
from syncd.console.site import ConsoleSite
from syncd.console.stories import RowStory

_SKIP = frozenset({"lease_owner", "lease_until"})


def _kv(record: Mapping[str, Any], shown: Shown, indent: str = "  ") -> list[str]:
    out = []
    for name, value in record.items():
        if value is None or value == "" or name in _SKIP:
            continue
        if name.endswith("_json"):
            text = shown.json(str(value)).replace("\n", "\n" + indent + "    ")
        elif isinstance(value, str):
            text = shown.value(name, value, record)
        else:
            text = str(value)
        out.append(f"{indent}{name}: {text}")
    return out


def story_text(site: ConsoleSite, story: RowStory, shown: Shown) -> str:
    cur = story.current
    kind = "命令 #" if story.command else "主键 "
    lines = [
        f"{story.title}（{story.feed}）{kind}{story.key}  "
        f"{cur['status']} {status_zh(str(cur['status']))}"
    ]
    if story.advice.situation_zh:
        lines.append(f"怎么办 / what to do: {story.advice.situation_zh}：{story.advice.todo_zh}")
    if shown.reveal:
        lines.append("（显示完整信息，已记入操作记录 / revealed: written to the audit log）")
    lines += _his(site, story, shown)
    lines += ["", "同步记录与回写 / the row and its write-back:"]
    for number, record in enumerate(story.records, start=1):
        if len(story.records) > 1:
            lines.append(f" 版本 / version {number}:")
        lines += _kv(record, shown)
    for row in story.reply_rows:
        lines.append(f"  {row['dataset']} #{row['row_no']}: {shown.json(row.get('row_json'))}")
    if story.history:
        lines += ["", "状态经过 / status history:"]
        lines += [
            f"  {when(h['created_at'])} {h['username']} {h['action']} "
            f"{h['status_before'] or ''}→{h['status_after'] or ''} {shown.text(h['detail'] or '')}"
            for h in story.history
        ]
    lines += ["", "报文 / exchanges:", *_exchanges(site, story, shown)]
    if story.visit_key:
        lines += _visit(story, shown)
    return "\n".join(lines)


def _his(site: ConsoleSite, story: RowStory, shown: Shown) -> list[str]:
    if not (story.his or story.his_note):
        return []
    spec = site.feeds.get(story.feed)
    lines = ["", f"HIS 当前数据 / HIS data now ({spec.source.view if spec else ''}):"]
    for his in story.his:
        lines += _kv(shown.columns(his, story.his_codes), shown)
    return lines + ([f"  {story.his_note}"] if story.his_note else [])


def _exchanges(site: ConsoleSite, story: RowStory, shown: Shown) -> list[str]:
    lines = [f"  #{m.id} {when(m.created_at)} {m.function_id} {m.outcome}" for m in story.older]
    for m in story.exchanges:
        line = m.line
        name = site.functions.get(line.function_id, "")
        lines.append(
            f"  #{line.id} {when(line.created_at)} {line.function_id} {name} {line.outcome} "
            f"return_code={line.return_code or '-'} {line.duration_ms or '-'} ms"
        )
        lines += ["  请求 / request:", _indent(shown.xml(m.request_xml), "    ")]
        reply = shown.xml(m.reply_xml) if m.reply_xml else "（没有应答 / no reply）"
        lines += ["  应答 / reply:", _indent(reply, "    ")]
    return lines or ["  （归档中没有 / none in the archive）"]


def _visit(story: RowStory, shown: Shown) -> list[str]:
    ledger = [
        f"  {v['kind']} aaz218={v.get('aaz218') or '-'} state={v['state']} "
        f"费用明细 {v.get('fee_rows') or 0} 行 / fee rows, 上传 {v['fee_count']} 次 / calls, "
        f"amount={v['fee_amount']} batch={v['last_batch']}"
        for v in story.ledger
    ]
    findings = [
        f"  {f['recon_date']} {f['item_class']} {shown.text(f.get('detail') or '')}"
        for f in story.findings
    ]
    return [
        "",
        f"就诊台账 / visit ledger ({story.visit_key}):",
        *(ledger or ["  （没有 / none）"]),
        "",
        "对账 / reconciliation:",
        *(findings or ["  （没有 / none）"]),
    ]


def _indent(text: str, indent: str) -> str:
    return "\n".join(indent + line for line in text.splitlines())
