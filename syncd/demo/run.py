"""``syncd demo``: a whole day of work-injury activity on a fresh machine, no configuration.

:func:`prepare` creates, in a work folder, a SQLite HIS with the reference schema seeded for
today (:func:`syncd.reference.seed`), syncd's staging tables (``init-db``), a copy of the
shipped mappings (late 因病 upload switched on), a settings file and a password file, and
starts the platform simulator on a free loopback port (a thread of this process).
:func:`run_day` inserts the HIS's commands stage by stage (:mod:`syncd.demo.day`) and runs
the engine until a stage has nothing left to do; :func:`reconcile` runs the nightly
reconciliation for the day when :mod:`syncd.reconcile` is installed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from syncd import resources
from syncd.config import Settings, load_settings
from syncd.config.mappings import load_mappings
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, SyncdError
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import StagingTables, staging_tables
from syncd.demo.day import DemoCommand, Stage, day_stages
from syncd.demo.report import DemoTables, progress_text
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue as catalogue_module
from syncd.protocol.catalogue import Catalogue
from syncd.reference import seed
from syncd.service.worker import Worker
from syncd.simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERID,
    ServedFunctionIds,
    Simulator,
    SimulatorConfig,
)

TIMEZONE = "Asia/Shanghai"
LATE_UPLOAD_ID = "bizh120005"  # the demo's stand-in for the unknown late 因病 upload id
WAIT_S = 0.3  # how soon a waiting row is looked at again (polling.default_interval_s)
TIMEOUT_S = 50.0  # the whole day; the demo must finish in under a minute
StageProgress = Callable[[str, bool], None]  # (text, final line of a stage)


@dataclass
class DemoSite:
    """Everything :func:`prepare` made; :meth:`close` stops the simulator."""

    folder: Path
    day: dt.date
    settings: Settings
    sim: Simulator
    engine: sa.Engine
    tables: StagingTables
    feeds: dict[str, FeedSpec]
    catalogue: Catalogue

    @property
    def database(self) -> Path:
        return self.folder / "his.db"

    def close(self) -> None:
        self.engine.dispose()
        self.sim.stop()


def shipped_mappings() -> Path:
    """The shipped ``mappings/`` folder (inside a wheel, or at the top of a checkout)."""
    try:
        return resources.shipped_mappings()
    except FileNotFoundError as exc:
        raise ConfigError(zh_en(f"{exc}；请重新安装 syncd", f"{exc}; reinstall syncd")) from exc


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def prepare(folder: Path, day: dt.date) -> DemoSite:
    """Seed the HIS, create the staging tables, write the settings, start the simulator."""
    refuse_used_folder(folder)
    sim = start_simulator(folder)
    try:
        settings = load_settings(write_settings(folder, sim.endpoint))
        engine = make_engine(settings.database)
        seed(engine, day=day)
        tables = create_staging_tables(engine, settings)
    except BaseException:
        sim.stop()
        raise
    cat, feeds = load_feeds(settings)
    return DemoSite(folder, day, settings, sim, engine, tables, feeds, cat)


def refuse_used_folder(folder: Path) -> None:
    """Create ``folder``; ConfigError when it holds a HIS database already."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "his.db").exists():
        db = folder / "his.db"
        raise ConfigError(
            zh_en(
                f"{db} 已存在：--keep 请选一个空目录",
                f"{db} exists already: choose an empty --keep folder",
            )
        )


def start_simulator(folder: Path) -> Simulator:
    """The platform simulator on a free loopback port, its state in ``folder`` (fee deletion
    allowed, the demo's stand-in id for the late 因病 upload)."""
    sim = Simulator(
        SimulatorConfig(
            function_ids=ServedFunctionIds(illness_late_upload=LATE_UPLOAD_ID),
            fee_delete_allowed=True,
        ),
        state_path=folder / "platform-simulator.db",
    )
    sim.start()
    return sim


def create_staging_tables(engine: sa.Engine, settings: Settings) -> StagingTables:
    tables = staging_tables(settings.database.table_prefix)
    init_db(engine, tables)
    return tables


def load_feeds(settings: Settings) -> tuple[Catalogue, dict[str, FeedSpec]]:
    """The catalogue for the settings' function ids and the mappings of ``folders.mappings``."""
    cat = catalogue_module.load(settings.platform.function_ids.model_dump())
    return cat, load_mappings(settings.folders.mappings, cat)


def copy_mappings(folder: Path, *, late_upload: bool) -> Path:
    """The shipped mappings copied into ``folder/mappings`` (kept as they are if there);
    ``late_upload`` switches the late 因病 upload on (it needs the simulator's stand-in id)."""
    mappings = folder / "mappings"
    if not mappings.exists():
        shutil.copytree(shipped_mappings(), mappings)
        if late_upload:
            late = mappings / "other" / "illness_late_upload.yaml"
            text = late.read_text(encoding="utf-8").replace("\nenabled: false", "\nenabled: true")
            late.write_text(text, encoding="utf-8")
    return mappings


def write_settings(folder: Path, endpoint: str) -> Path:
    """The settings file for a SQLite HIS in ``folder`` and the simulator at ``endpoint`` (a
    test environment), with the password file and a copy of the mappings beside it."""
    copy_mappings(folder, late_upload=True)
    secret = folder / "platform-password"
    secret.write_text(DEFAULT_PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    path = folder / "syncd.yaml"
    path.write_text(
        _SETTINGS.format(
            db=folder / "his.db",
            url=endpoint,
            userid=DEFAULT_USERID,
            late=LATE_UPLOAD_ID,
            wait=WAIT_S,
        ),
        encoding="utf-8",
    )
    return path


_SETTINGS = """\
# syncd demo settings (written by `syncd demo`; paths relative to this file)
hospital: {{akb020: "SS0001", name: 中山大学附属第七医院（演示）}}
database: {{url: "sqlite:///{db}"}}
platform:
  url: {url}
  test_environment: true
  userid: "{userid}"
  password_file: platform-password
  connect_timeout_s: 2
  read_timeout_s: 10
  function_ids: {{illness_late_upload: {late}}}
city: {{fee_delete_allowed: true}}
polling: {{default_interval_s: {wait}}}
delivery: {{backoff_initial_s: 0.5, backoff_max_s: 2}}
folders: {{mappings: mappings, reports: reports}}
logging: {{level: ERROR}}
"""


# --- running the day --------------------------------------------------------------------


def run_day(
    site: DemoSite,
    progress: StageProgress,
    stages: list[Stage] | None = None,
    *,
    timeout_s: float = TIMEOUT_S,
) -> bool:
    """Every stage in turn; False if the work was not done within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    worker = Worker(site.settings, site.feeds)
    view = DemoTables(site.engine, site.tables)
    try:
        for stage in stages if stages is not None else day_stages(site.day):
            insert_commands(site.engine, site.tables, stage.commands)
            if not _run_stage(worker, view, stage, progress, deadline):
                return False
    finally:
        worker.close()
    return True


def insert_commands(
    engine: sa.Engine,
    tables: StagingTables,
    commands: tuple[DemoCommand, ...],
    requested_by: str = "demo",
) -> list[int]:
    """Insert the stage's commands as the HIS would (one row each, in order); their ids."""
    rows = [
        {
            "command": c.command,
            "visit_key": c.visit_key,
            "bka895": c.bka895,
            "bka896": c.bka896,
            "requested_by": requested_by,
            "params_json": json.dumps(c.params, ensure_ascii=False),
        }
        for c in commands
    ]
    ids = []
    if rows:
        with engine.begin() as conn:
            for row in rows:
                key = conn.execute(sa.insert(tables.request).values(row)).inserted_primary_key
                assert key is not None  # WI_REQUEST has an identity key
                ids.append(int(key[0]))
    return ids


def _run_stage(
    worker: Worker, view: DemoTables, stage: Stage, progress: StageProgress, deadline: float
) -> bool:
    """Passes until nothing is pending, in flight or unknown, and a whole wait interval went
    by without a change."""
    quiet_since: float | None = None
    text = ""
    while time.monotonic() < deadline:
        report = worker.once()
        counts = view.counts()
        text = progress_text(counts, stage.title_zh)
        progress(text, False)
        if counts["PENDING"] + counts["IN_FLIGHT"] + counts["UNKNOWN"] or not report.quiet:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 2 * WAIT_S:
            progress(text, True)
            return True
        time.sleep(WAIT_S / 3 if quiet_since is not None else 0)
    progress(text + "  (超时 / timed out)", True)
    return False


# --- the night ---------------------------------------------------------------------------


def reconcile(site: DemoSite) -> list[str]:
    """Run the nightly reconciliation for the day; the report files (empty: none produced)."""
    try:
        from syncd.reconcile import reconcile_day
    except ImportError:
        return []
    from syncd.platform.client import PlatformClient

    with PlatformClient(site.settings.platform) as client:
        try:
            result = reconcile_day(
                site.settings, site.engine, client, site.day, feeds=site.feeds, mail=False
            )
        except SyncdError as exc:
            return [f"(对账失败 / reconciliation failed: {exc})"]
    files = result.files
    note = f"(差异 / discrepancies: {result.discrepancies})"
    return [str(files.html), str(files.xlsx), str(files.csv), note]
