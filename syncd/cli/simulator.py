"""``syncd simulator``: run the platform simulator in the foreground until Ctrl-C / SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import click

from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError
from syncd.logs import setup_logging
from syncd.simulator import (
    DEFAULT_AKB020S,
    DEFAULT_PASSWORD,
    DEFAULT_USERID,
    ServedFunctionIds,
    Simulator,
    SimulatorConfig,
    load_covered_items,
    load_persons,
    parse_fault,
)


def _accounts(values: tuple[str, ...]) -> dict[str, str]:
    accounts = {}
    for value in values:
        userid, sep, password = value.partition(":")
        if not sep or not userid or not password:
            raise ConfigError(
                zh_en(
                    "--account 的格式为 USERID:PASSWORD", "--account must look like USERID:PASSWORD"
                )
            )
        accounts[userid] = password
    return accounts or {DEFAULT_USERID: DEFAULT_PASSWORD}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to bind.")
@click.option(
    "--port",
    default=8090,
    show_default=True,
    type=int,
    help="端口（0 = 任一空闲端口）/ port (0 = a free port).",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite 状态文件（默认在内存中，退出即丢失）/ SQLite state file (default: in memory, "
    "lost on exit).",
)
@click.option(
    "--persons",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="参保人员文件：CSV、JSON 或 YAML（格式见 README；默认随程序发布的）/ persons file: CSV, "
    "JSON or YAML (format in the README; default: the shipped one).",
)
@click.option(
    "--items",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="工伤目录：项目编码 → covered/partly/self-pay（全额/部分/自费），CSV、JSON 或 YAML；"
    "默认随程序发布的 / covered-items catalogue: item code → covered / partly / self-pay, "
    "CSV, JSON or YAML (default: the shipped one).",
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="USERID:PASSWORD",
    help=f"登录账号，可重复（默认 {DEFAULT_USERID}:{DEFAULT_PASSWORD}）/ login account, "
    f"repeatable (default {DEFAULT_USERID}:{DEFAULT_PASSWORD}).",
)
@click.option(
    "--akb020",
    "akb020s",
    multiple=True,
    metavar="CODE",
    help=f"接受的机构编码，可重复（默认 {' '.join(DEFAULT_AKB020S)}）/ accepted institution "
    f"code, repeatable (default {' '.join(DEFAULT_AKB020S)}).",
)
@click.option(
    "--fee-delete-allowed/--no-fee-delete-allowed",
    default=True,
    show_default=True,
    help="本地市是否允许 bizh120004（删除全部费用明细）/ whether bizh120004 (delete all fee "
    "rows) is allowed in this city.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SPEC",
    help="故障注入，可重复 / fault, repeatable: KIND[:function=ID,times=N,rate=R,ms=N,seed=N].",
)
@click.option("--test-mode", is_flag=True, help="启用 POST /_sim/reset / enable POST /_sim/reset.")
@click.option(
    "--settlement-slip-id",
    default="bizh120206",
    show_default=True,
    help="结算信息提取的交易号 / function_id of the settlement slip.",
)
@click.option(
    "--record-patient-id",
    default="bizh200101",
    show_default=True,
    help="病案首页的交易号 / function_id of the medical record's front page.",
)
@click.option(
    "--illness-late-upload-id",
    default=None,
    help="伤病分离因病数据事后补传的交易号（默认不提供）/ function_id of the late 因病 upload "
    "(default: not served).",
)
@click.option(
    "--log-format",
    type=click.Choice(["kv", "json"]),
    default="kv",
    show_default=True,
    help="日志格式 / log format.",
)
def simulator(
    host: str,
    port: int,
    state: Path | None,
    persons: Path | None,
    items: Path | None,
    accounts: tuple[str, ...],
    akb020s: tuple[str, ...],
    fee_delete_allowed: bool,
    faults: tuple[str, ...],
    test_mode: bool,
    settlement_slip_id: str,
    record_patient_id: str,
    illness_late_upload_id: str | None,
    log_format: str,
) -> None:
    """运行模拟的工伤联网结算平台（/hygeia_esb_sj/api/call.action）/ run the simulated
    platform at /hygeia_esb_sj/api/call.action."""
    setup_logging("INFO", log_format, with_time=True)
    ids = ServedFunctionIds(settlement_slip_id, record_patient_id, illness_late_upload_id or None)
    config = SimulatorConfig(
        accounts=_accounts(accounts),
        akb020s=frozenset(akb020s or DEFAULT_AKB020S),
        fee_delete_allowed=fee_delete_allowed,
        function_ids=ids,
        persons=load_persons(persons),
        covered_items=load_covered_items(items),
        test_mode=test_mode,
    )
    sim = Simulator(
        config, state_path=state, host=host, port=port, faults=[parse_fault(f) for f in faults]
    )
    sim.start()
    click.echo(
        zh_en(f"模拟平台监听 {sim.endpoint}", f"simulator listening on {sim.endpoint}"), err=True
    )

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        click.echo(zh_en("模拟平台停止", "simulator stopping"), err=True)
    finally:
        sim.stop()
