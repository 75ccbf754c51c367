"""Where a joint test runs: its folder, its settings, its HIS and the platform it talks to.

* :func:`prepare_simulator` — the embedded default, as ``syncd demo`` prepares it
  (:mod:`syncd.demo.run`): the simulator on a free loopback port, a settings file marked as a
  test environment, a copy of the shipped mappings;
* :func:`prepare_test_environment` — the insurer's test environment named by the hospital's
  settings (hospital, platform, city sections); refused unless ``platform.test_environment``
  is true.

Either way the HIS is a fresh SQLite reference HIS in the folder holding the test persons
and nothing else, with syncd's staging tables (the message archive ``WI_MESSAGE`` included):
the kit never writes into a hospital's database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from syncd.config import Settings, load_settings
from syncd.config.settings import (
    DatabaseSettings,
    DeliverySettings,
    FolderSettings,
    LoggingSettings,
    PollingSettings,
)
from syncd.core.bilingual import zh_en
from syncd.core.clock import Clock, local_clock
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.db.engine import make_engine
from syncd.db.schema import StagingTables
from syncd.demo.run import (
    WAIT_S,
    copy_mappings,
    create_staging_tables,
    load_feeds,
    refuse_used_folder,
    start_simulator,
    write_settings,
)
from syncd.jointtest.his import KitHis
from syncd.jointtest.persons import Persons
from syncd.mapping import FeedSpec
from syncd.protocol.catalogue import Catalogue
from syncd.reference import prepare_his
from syncd.simulator import Simulator

_NOT_TEST = zh_en(
    "platform.url 未标记为联调测试环境，syncd jointtest 拒绝运行",
    "platform.url is not marked as a test environment: the joint test refuses to run against it",
)
_NOT_TEST_HINT = zh_en(
    "若该地址是经办机构的联调测试环境，在 platform 下写 test_environment: true"
    "（正式设置中不得写）；对模拟平台演练用 syncd jointtest --simulator",
    "if this url is the insurer's test environment, set 'test_environment: true' under "
    "platform (never in production settings); to rehearse against the simulator, run "
    "'syncd jointtest --simulator'",
)


@dataclass
class JointTestSite:
    """Everything a joint test runs on; :meth:`close` stops the simulator (if any)."""

    folder: Path
    settings: Settings
    engine: sa.Engine
    tables: StagingTables
    feeds: dict[str, FeedSpec]
    catalogue: Catalogue
    his: KitHis
    clock: Clock
    sim: Simulator | None = None

    @property
    def database(self) -> Path:
        return self.folder / "his.db"

    @property
    def platform_url(self) -> str:
        return self.settings.platform.url

    def close(self) -> None:
        self.engine.dispose()
        if self.sim is not None:
            self.sim.stop()


def prepare_simulator(folder: Path, persons: Persons) -> JointTestSite:
    """The embedded default: the simulator and its settings, as ``syncd demo`` has them."""
    refuse_used_folder(folder)
    sim = start_simulator(folder)
    try:
        site = _site(folder, load_settings(write_settings(folder, sim.endpoint)), persons)
    except BaseException:
        sim.stop()
        raise
    site.sim = sim
    return site


def prepare_test_environment(
    folder: Path, settings: Settings, persons: Persons, config_file: str
) -> JointTestSite:
    """The platform of ``settings`` (marked as a test environment), the kit's own HIS."""
    refuse_production(settings, config_file)
    refuse_used_folder(folder)
    copy_mappings(folder, late_upload=False)
    return _site(folder, kit_settings(settings, folder), persons)


def refuse_production(settings: Settings, config_file: str) -> None:
    if not settings.platform.test_environment:
        raise ConfigError([ConfigProblem(config_file, 0, 0, _NOT_TEST, _NOT_TEST_HINT)])


def kit_settings(settings: Settings, folder: Path) -> Settings:
    """The hospital's hospital, platform and city settings; the kit's database, mappings,
    pace and quiet logging (a rehearsal waits seconds, not minutes, between attempts)."""
    return settings.model_copy(
        update={
            "database": DatabaseSettings(url=f"sqlite:///{folder / 'his.db'}"),
            "folders": FolderSettings(mappings=folder / "mappings", reports=folder / "reports"),
            "polling": PollingSettings(default_interval_s=WAIT_S),
            "delivery": DeliverySettings(backoff_initial_s=0.5, backoff_max_s=2),
            "logging": LoggingSettings(level="ERROR"),
        }
    )


def _site(folder: Path, settings: Settings, persons: Persons) -> JointTestSite:
    clock = local_clock(settings.platform.session_timezone)
    engine = make_engine(settings.database)
    try:
        stamp = f"{clock():%m%d%H%M%S}"
        his = KitHis(engine, stamp, clock, persons.items)
        prepare_his(engine, KitHis.patients(persons.persons))
        tables = create_staging_tables(engine, settings)
        catalogue, feeds = load_feeds(settings)
    except BaseException:
        engine.dispose()
        raise
    return JointTestSite(folder, settings, engine, tables, feeds, catalogue, his, clock)


def today(site: JointTestSite) -> dt.date:
    return site.clock().date()
