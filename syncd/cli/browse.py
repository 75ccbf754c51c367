"""``syncd list`` and ``syncd show``: the console's lists and a row's story at a terminal.

``list`` reads what the console's "rows" page reads (:class:`syncd.db.browse.Browse`); ``show``
tells the same story as the console's row page (:mod:`syncd.console.stories`), personal data
masked unless ``--reveal``, which is written to the audit log (as ``cli:<login name>``).
Exit 4 when the row does not exist.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Any

import click

from syncd.cli.context import CliContext
from syncd.core.errors import OperatorError

_TIME = click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
STATUSES = (
    "PENDING",
    "WAITING",
    "BLOCKED",
    "IN_FLIGHT",
    "UNKNOWN",
    "FAILED",
    "REJECTED",
    "SUCCEEDED",
    "NEW",
    "DONE",
)


def _site(obj: CliContext) -> Any:
    from syncd.console.site import open_site

    return open_site(obj.settings, obj.feeds)


@click.command("list")
@click.option(
    "--status",
    type=click.Choice(STATUSES, case_sensitive=False),
    default=None,
    help="只列该状态（BLOCKED：在等被拒的登记）/ only this status (BLOCKED: waiting behind a "
    "refused registration).",
)
@click.option("--feed", default=None, help="只列该业务或命令 / only this feed (or command).")
@click.option("--visit", default=None, help="只列该就诊 / only this visit (HIS visit number).")
@click.option(
    "--person", default=None, help="只列该人员（电脑号 aac001）的就诊 / only this person's visits."
)
@click.option(
    "--since", type=_TIME, default=None, help="此时间及以后有变化的 / changed at or after (local)."
)
@click.option(
    "--limit",
    type=click.IntRange(1, 100000),
    default=200,
    show_default=True,
    help="最多列出的行数 / at most this many lines.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="输出一个 JSON 文档，供脚本使用 / one JSON document for scripts.",
)
@click.pass_obj
def list_rows(
    obj: CliContext,
    status: str | None,
    feed: str | None,
    visit: str | None,
    person: str | None,
    since: datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """按状态、业务、就诊、人员、时间列出记录与命令，最近变化的在前 / rows and commands, newest
    change first: by status, feed, visit, person, time."""
    from syncd.db.browse import RowFilter

    site = _site(obj)
    try:
        f = RowFilter(
            status=status.upper() if status else None,
            feed=feed,
            visit=visit,
            person=person,
            since=since,
            limit=limit,
        )
        found = site.browse.list_rows(f, list(site.command_names))
    finally:
        site.engine.dispose()
    if as_json:
        click.echo(
            json.dumps({"rows": [line.as_json() for line in found]}, ensure_ascii=False, indent=2)
        )
        return
    click.echo(_table(found))


def _table(found: list[Any]) -> str:
    from syncd.console.present import status_zh
    from syncd.protocol.privacy import mask_id_numbers

    head = [
        "业务/feed",
        "主键/key",
        "就诊/visit",
        "状态/status",
        "尝试",
        "变更/changed",
        "原因/reason",
    ]
    lines = [head]
    for r in found:
        shown = "BLOCKED" if r.blocked else r.status
        changed = r.changed_at.isoformat(sep=" ", timespec="seconds") if r.changed_at else "-"
        lines.append(
            [
                r.feed,
                f"#{r.key}" if r.command else r.key,
                r.visit_key or "-",
                f"{shown} {status_zh(shown)}",
                str(r.attempts),
                changed,
                mask_id_numbers(r.reason)[:60] or "-",
            ]
        )
    if len(lines) == 1:
        return "没有记录 / no rows"
    widths = [max(_width(line[i]) for line in lines) for i in range(len(head) - 1)]
    return "\n".join(
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(line, widths, strict=False))
        + "  "
        + line[-1]
        for line in lines
    )


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


@click.command("show")
@click.argument("feed")
@click.argument("key")
@click.option(
    "--reveal",
    is_flag=True,
    help="显示身份证号、姓名、电话、地址（写入操作记录）/ show ID numbers, names, phones and "
    "addresses (written to the audit log).",
)
@click.pass_obj
def show(obj: CliContext, feed: str, key: str, reveal: bool) -> None:
    """一条记录的经过：HIS 数据、状态与回写、报文、就诊台账、对账（命令的 KEY 为 WI_REQUEST 的
    id）/ a row's story: HIS data, write-back, exchanges, visit ledger, reconciliation."""
    from syncd.cli.story_text import story_text
    from syncd.console.present import Shown
    from syncd.console.stories import command_story, row_story
    from syncd.db.audit import AuditEntry

    site = _site(obj)
    try:
        spec = site.feeds.get(feed)
        is_command = (spec is not None and spec.source.is_command) or feed in site.command_names
        if is_command and not key.isdigit():
            raise OperatorError("命令的 KEY 是 WI_REQUEST 的 id（数字）/ a command's KEY is its id")
        story = command_story(site, int(key)) if is_command else row_story(site, feed, key)
        if story is None:
            raise OperatorError(f"{feed} 中没有记录 {key} / {feed} has no row {key}")
        if reveal:
            entry = AuditEntry(f"cli:{getpass.getuser()}", "reveal", feed, key, detail="show")
            site.audit.write(entry, site.clock())
        click.echo(story_text(site, story, Shown(reveal)))
    finally:
        site.engine.dispose()
