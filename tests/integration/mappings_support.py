"""Shared parts of the mapping tests: a seeded reference HIS, settings, and a tiny send helper.

:class:`Flow` renders a feed's row (or a ``WI_REQUEST`` command) with :func:`syncd.service.render.
render_key` (which reads the real views and ``WI_VISIT``), sends each request with the real
:class:`PlatformClient` over HTTP, and keeps the visit ledger minimal: after a registration or
admission it writes the reply's aaz218 into ``WI_VISIT`` (the engine's real ledger is not used
here; it is tested on its own).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from syncd.config.mappings import load_mappings
from syncd.config.settings import (
    CitySettings,
    DatabaseSettings,
    FolderSettings,
    FunctionIds,
    HospitalSettings,
    PlatformSettings,
    Settings,
)
from syncd.core.records import Outcome
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables
from syncd.mapping import FeedSpec
from syncd.platform.client import PlatformClient, SessionCache
from syncd.protocol import catalogue
from syncd.protocol.calls import CallResult
from syncd.reference import seed
from syncd.service.render import RenderResult, RenderSources, render_key

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
DAY = dt.date(2026, 11, 25)
TAG = f"{DAY:%y%m%d}"
LATE_UPLOAD_ID = "bizh120005"  # the simulator serves the late 因病 upload under this id
TABLES = staging_tables()


def settings_for(
    db_url: str,
    *,
    platform_url: str = "http://127.0.0.1:9/x",
    fee_delete_allowed: bool = True,
    mappings: Path = MAPPINGS,
) -> Settings:
    return Settings(
        hospital=HospitalSettings(akb020="SS0001", name="中山大学附属第七医院（测试）"),
        database=DatabaseSettings(url=db_url),
        platform=PlatformSettings(
            url=platform_url,
            userid="SS0001",
            password=SecretStr("sim-password"),
            connect_timeout_s=2.0,
            read_timeout_s=10.0,
            function_ids=FunctionIds(illness_late_upload=LATE_UPLOAD_ID),
        ),
        city=CitySettings(fee_delete_allowed=fee_delete_allowed),
        folders=FolderSettings(mappings=mappings),
    )


def seeded_engine(settings: Settings) -> sa.Engine:
    """The reference HIS seeded for :data:`DAY`, plus the staging tables."""
    engine = make_engine(settings.database)
    seed(engine, day=DAY)
    init_db(engine, TABLES)
    return engine


def sources_for(engine: sa.Engine, settings: Settings) -> RenderSources:
    ids = settings.platform.function_ids.model_dump()
    cat = catalogue.load(ids)
    feeds: dict[str, FeedSpec] = load_mappings(settings.folders.mappings, cat)
    return RenderSources(engine, TABLES, settings, cat, feeds)


class Flow:
    """Render, send, and remember aaz218 per visit (see the module docstring)."""

    def __init__(self, sources: RenderSources) -> None:
        self.sources = sources
        self.engine = sources.engine
        self.client = PlatformClient(sources.settings.platform, sessions=SessionCache())
        self.sent: list[str] = []

    def close(self) -> None:
        self.client.close()

    def command(self, name: str, visit_key: str | None = None, **params: str) -> str:
        """Insert a WI_REQUEST row as the HIS would; its id as text (the render KEY)."""
        values = {"command": name, "visit_key": visit_key, "params_json": json.dumps(params)}
        with self.engine.begin() as conn:
            result = conn.execute(sa.insert(TABLES.request).values(values))
            return str(result.inserted_primary_key[0])

    def render(self, feed: str, key: str, **options: Any) -> RenderResult:
        return render_key(self.sources, feed, key, **options)

    def send(self, feed: str, key: str, reply: Mapping[str, Any] | None = None) -> list[CallResult]:
        """Render and send every request; each must succeed on the platform."""
        rendered = self.render(feed, key, reply=reply)
        assert not rendered.errors, rendered.errors
        assert rendered.requests, f"{feed} {key} rendered no request"
        results = [self.client.call(request) for request in rendered.requests]
        for result in results:
            assert result.outcome is Outcome.SUCCEEDED, (feed, key, result.message)
        self.sent.append(feed)
        return results

    def register(self, feed: str, key: str, kind: str) -> str:
        """Send a registration/admission and put its aaz218 into WI_VISIT."""
        (result,) = self.send(feed, key)
        assert result.reply is not None
        aaz218 = result.reply.get("aaz218")
        assert aaz218, "the reply carries the new aaz218"
        self.set_visit(key, kind, aaz218)
        return aaz218

    def set_visit(self, visit_key: str, kind: str, aaz218: str) -> None:
        row = {"visit_key": visit_key, "kind": kind, "aaz218": aaz218, "state": "REGISTERED"}
        with self.engine.begin() as conn:
            conn.execute(sa.insert(TABLES.visit).values(row))
