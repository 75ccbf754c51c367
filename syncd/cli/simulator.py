"""``syncd simulator``: run the platform simulator in the foreground until Ctrl-C / SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import click

from syncd.core.errors import ConfigError
from syncd.logs import setup_logging
from syncd.simulator import (
    DEFAULT_AKB020S,
    DEFAULT_PASSWORD,
    DEFAULT_USERID,
    FunctionIds,
    Simulator,
    SimulatorConfig,
    load_persons,
    parse_fault,
)


def _accounts(values: tuple[str, ...]) -> dict[str, str]:
    accounts = {}
    for value in values:
        userid, sep, password = value.partition(":")
        if not sep or not userid or not password:
            raise ConfigError("--account must look like USERID:PASSWORD")
        accounts[userid] = password
    return accounts or {DEFAULT_USERID: DEFAULT_PASSWORD}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8090, show_default=True, type=int, help="Port (0 = free port).")
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite state file (default: in memory, lost on exit).",
)
@click.option(
    "--persons",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Persons fixture YAML (default: the shipped one).",
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="USERID:PASSWORD",
    help=f"Login account, repeatable (default {DEFAULT_USERID}:{DEFAULT_PASSWORD}).",
)
@click.option(
    "--akb020",
    "akb020s",
    multiple=True,
    metavar="CODE",
    help=f"Accepted institution code, repeatable (default {' '.join(DEFAULT_AKB020S)}).",
)
@click.option(
    "--fee-delete-allowed/--no-fee-delete-allowed",
    default=True,
    show_default=True,
    help="Whether bizh120004 (delete all fee rows) is allowed in this city.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SPEC",
    help="Fault, repeatable: KIND[:function=ID,times=N,rate=R,ms=N,seed=N].",
)
@click.option("--test-mode", is_flag=True, help="Enable POST /_sim/reset.")
@click.option("--settlement-slip-id", default="bizh120206", show_default=True)
@click.option("--record-patient-id", default="bizh200101", show_default=True)
@click.option(
    "--illness-late-upload-id",
    default=None,
    help="function_id of 伤病分离因病数据事后补传 (default: not served).",
)
@click.option("--log-format", type=click.Choice(["kv", "json"]), default="kv", show_default=True)
def simulator(
    host: str, port: int, state: Path | None, persons: Path | None, accounts: tuple[str, ...],
    akb020s: tuple[str, ...], fee_delete_allowed: bool, faults: tuple[str, ...], test_mode: bool,
    settlement_slip_id: str, record_patient_id: str, illness_late_upload_id: str | None,
    log_format: str,
) -> None:  # fmt: skip
    """Run the simulated 工伤联网结算平台 at /hygeia_esb_sj/api/call.action."""
    setup_logging("INFO", log_format, with_time=True)
    ids = FunctionIds(settlement_slip_id, record_patient_id, illness_late_upload_id or None)
    config = SimulatorConfig(
        accounts=_accounts(accounts), akb020s=frozenset(akb020s or DEFAULT_AKB020S),
        fee_delete_allowed=fee_delete_allowed, function_ids=ids, persons=load_persons(persons),
        test_mode=test_mode,
    )  # fmt: skip
    sim = Simulator(config, state_path=state, host=host, port=port,
                    faults=[parse_fault(f) for f in faults])  # fmt: skip
    sim.start()
    click.echo(f"simulator listening on {sim.endpoint}", err=True)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        click.echo("simulator stopping", err=True)
    finally:
        sim.stop()


COMMANDS = [simulator]
