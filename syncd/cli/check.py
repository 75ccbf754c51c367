"""``syncd check``: validate the settings, the mappings (and the settings that name feeds), the
folders syncd writes, then the mappings against the live HIS database; every problem at once.

Run by hand it reads the credentials the service gets (``--credentials-dir``, default
``$CREDENTIALS_DIRECTORY``: what systemd's ``LoadCredential=`` hands over), so the real
configuration can be checked before the unit starts; the unit runs it as ``ExecStartPre``.

Exit codes: 0 all well; 78 configuration problems (settings, mapping files, a folder that is
missing or not writable, a view or column a mapping reads that the database lacks), each with
``file:line:column`` and a hint; 69 the database cannot be reached (the rest was valid).
``--offline`` skips the database.  A warning (exit code unchanged) when
``platform.test_environment`` is true: right during a joint test, wrong in production.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from syncd.cli.context import CliContext
from syncd.config.feeds import watermark_of
from syncd.config.loader import secret_missing, setting_problem
from syncd.config.settings import FolderSettings, Settings
from syncd.config.yamlfile import load_yaml
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem, SourceError
from syncd.db.disabled_feeds import UNSETTLED_HINT, unsettled_message, unsettled_of_disabled
from syncd.db.engine import make_engine
from syncd.db.live_hints import session_offset, view_rows, zone_fix
from syncd.db.mapping_check import disabled_views, live_problems
from syncd.db.schema import staging_tables
from syncd.db.views import ViewReader


@click.command()
@click.option(
    "--offline", is_flag=True, help="不连接 HIS 数据库 / do not connect to the HIS database."
)
@click.option(
    "--credentials-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="从该目录读取凭据（platform-password 等），同 systemd 传给服务的；默认 "
    "$CREDENTIALS_DIRECTORY / read the credentials (platform-password, …) from DIR as systemd "
    "hands them to the service; default $CREDENTIALS_DIRECTORY.",
)
@click.pass_obj
def check(obj: CliContext, offline: bool, credentials_dir: Path | None) -> None:
    """检查设置、映射、所写目录及映射读取的视图和列：有问题全部列出并以 78 退出
    / check the settings, the mappings, the folders syncd writes and the views and columns the
    mappings read: exit 78 listing every problem, 0 when all is well."""
    if credentials_dir is not None:
        if not credentials_dir.is_dir():
            message = zh_en(
                f"凭据目录 {credentials_dir} 不存在",
                f"credentials folder {credentials_dir} does not exist",
            )
            raise ConfigError(message)
        obj.credentials_dir = credentials_dir
    settings = obj.settings
    problems = [] if settings.platform.password is not None else [secret_missing("platform")]
    problems += folder_problems(settings, obj.config_file)
    try:
        feeds = len(obj.feeds)
    except ConfigError as exc:
        problems += exc.problems
        feeds = 0
    warnings: list[ConfigProblem] = []
    unreachable = None
    if not offline and feeds:
        unreachable = _live(settings, problems, lambda e: warnings.extend(live_warnings(obj, e)))
    if settings.platform.test_environment:
        click.echo(str(test_environment_warning(obj.config_file)), err=True)
    for warning in warnings:
        click.echo(str(warning), err=True)
    if problems:
        raise ConfigError(problems)
    if unreachable is not None:
        raise unreachable
    _all_well(obj, settings, feeds, offline)


def test_environment_warning(settings_file: Path) -> ConfigProblem:
    """The warning ``check`` prints while ``platform.test_environment`` is true (at its
    ``file:line``): the go-live checklist turns it off."""
    warning = setting_problem(
        settings_file,
        ("platform", "test_environment"),
        zh_en(
            "警告：platform.test_environment 为 true，platform.url 被当作经办机构的联调测试环境",
            "warning: platform.test_environment is true, platform.url is taken for the "
            "insurer's test environment",
        ),
        zh_en(
            "联调期间可以保留；正式上线前改为 false 或删去这一行（docs/go-live.md 第四节）",
            "fine during the joint test; set it to false or remove the line before going live "
            "(docs/go-live.md, section 4)",
        ),
    )
    return warning


def _all_well(obj: CliContext, settings: Settings, feeds: int, offline: bool) -> None:
    click.echo(f"{obj.config_file}: " + zh_en("设置正常", "settings OK"))
    well = zh_en(f"{feeds} 个映射文件正常", f"{feeds} mapping file(s) OK")
    click.echo(f"{settings.folders.mappings}: {well}")
    for name in FolderSettings.WRITTEN:
        click.echo(f"{getattr(settings.folders, name)}: " + zh_en("可写", "writable"))
    if not offline:
        found = zh_en(
            "HIS 数据库：映射读取的视图和列都存在",
            "HIS database: every view and column the mappings read exists",
        )
        click.echo(found)


def folder_problems(settings: Settings, settings_file: Path) -> list[ConfigProblem]:
    """Every folder syncd writes (:attr:`FolderSettings.WRITTEN`) must exist and be writable
    by this user (the unit runs ``check`` as its own user before it starts)."""
    problems = []
    for name in FolderSettings.WRITTEN:
        folder = Path(getattr(settings.folders, name))
        if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
            continue
        if not folder.is_dir():
            message = zh_en(
                f"folders.{name} 目录 {folder} 不存在",
                f"folders.{name}: folder {folder} does not exist",
            )
        else:
            message = zh_en(
                f"folders.{name} 目录 {folder} 不可写",
                f"folders.{name}: folder {folder} is not writable",
            )
        hint = zh_en(
            f"建立该目录并交给服务用户：install -d -o syncd -g syncd {folder}；"
            "systemd 单元只允许写 /var/lib/syncd（StateDirectory）",
            f"create it for the service user: install -d -o syncd -g syncd {folder}; "
            "the systemd unit may only write under /var/lib/syncd (StateDirectory)",
        )
        problems.append(setting_problem(settings_file, ("folders", name), message, hint))
    return problems


def _live(
    settings: Settings, problems: list[ConfigProblem], hints: Callable[[Any], None]
) -> SourceError | None:
    """Add the missing views/columns to ``problems`` (a disabled feed's views are not asked
    for: said on stdout), then the warnings (``hints``); the SourceError when the database
    cannot be reached (said at once, raised after the configuration problems)."""
    engine = make_engine(settings.database)
    try:
        reader = ViewReader(engine)  # views in the connection's default schema unless named
        reader.names(None)  # fails fast when unreachable
        problems += live_problems(settings.folders.mappings, reader)
        for path, view in disabled_views(settings.folders.mappings):
            disabled = zh_en(
                f"该业务已停用（enabled: false），不需要也未检查视图 {view}",
                f"the feed is disabled (enabled: false): its view {view} is not needed",
            )
            click.echo(f"{path}: {disabled}")
        hints(engine)
    except SourceError as exc:
        skipped = zh_en("数据库无法连接，未核对视图和列", "live check skipped")
        click.echo(f"{skipped}: {exc}", err=True)
        return exc
    finally:
        engine.dispose()
    return None


def live_warnings(obj: CliContext, engine: Any) -> list[ConfigProblem]:
    """What a real HIS database should know (warnings, exit 0): the session's time zone
    against the hospital's, and fact views of many rows read without a watermark."""
    settings, out = obj.settings, []
    zone = settings.platform.session_timezone
    offset = session_offset(engine, datetime.now(ZoneInfo(zone)).replace(tzinfo=None))
    if offset:
        hours = offset.total_seconds() / 3600
        message = zh_en(
            f"警告：数据库会话的时间比医院时区 {zone} 差 {hours:+g} 小时："
            "HIS 按数据库默认值写入的时间（如 WI_REQUEST.created_at）"
            "与 syncd 写的时间（answered_at 等）相差这么多",
            f"warning: the database session's clock is {hours:+g} h off the hospital's time "
            f"zone {zone}: times written by column defaults (WI_REQUEST.created_at) are that "
            "far from syncd's (answered_at)",
        )
        utc = datetime.now(ZoneInfo(zone)).strftime("%z")
        utc = f"{utc[:3]}:{utc[3:]}"
        fix_zh, fix_en = zone_fix(engine, zone, utc)
        hint = zh_en(f"修正：{fix_zh}", f"fix: {fix_en}")
        out.append(
            setting_problem(obj.config_file, ("platform", "session_timezone"), message, hint)
        )
    bound = settings.polling.watermark_hint_rows
    for name, spec in obj.feeds.items() if bound else ():
        view = spec.source.view
        if not spec.enabled or view is None or watermark_of(settings, spec) is not None:
            continue
        rows = view_rows(engine, view, bound)
        if rows is None:
            continue
        message = zh_en(
            f"提示：业务 {name} 的视图 {view} 有 {rows:,} 行，未配置 watermark："
            "每次轮询都与全部行比对",
            f"hint: feed {name}'s view {view} has {rows:,} rows and no watermark: every poll "
            "compares them all",
        )
        hint = zh_en(
            f"在 polling.watermarks.{name} 设 column（随新行增长的时间或 ID 列）与 lookback",
            f"set polling.watermarks.{name}.column (a time or id column that grows) and lookback",
        )
        out.append(setting_problem(obj.config_file, ("polling", "watermarks"), message, hint))
    return out + _unsettled_warnings(obj, engine)


def _unsettled_warnings(obj: CliContext, engine: Any) -> list[ConfigProblem]:
    """A disabled feed with calls not settled (IN_FLIGHT/UNKNOWN), at its ``enabled`` line."""
    db = obj.settings.database
    found = unsettled_of_disabled(
        engine, staging_tables(db.table_prefix, db.schema_name), obj.feeds
    )
    out = []
    for feed, rows in found.items():
        path = next(obj.settings.folders.mappings.rglob(f"{feed}.yaml"), None)
        message = unsettled_message(feed, rows)
        if path is None:
            out.append(ConfigProblem(feed, 0, 0, message, UNSETTLED_HINT))
        else:
            out.append(load_yaml(path).problem(("enabled",), message, UNSETTLED_HINT))
    return out
