"""One engine instance (L4 composition): one process = one owner id, everything restartable.

``Worker(settings, feeds)`` builds the database engine, the platform client, the stores, the
exchange (:mod:`syncd.engine.exchange`) and a :class:`~syncd.engine.pipeline.FeedPipeline` per
enabled fact-view feed plus the command runner, and offers what ``syncd once`` and the daemon's
scheduler call: :meth:`tick_feed`, :meth:`tick_commands` (each with this tick's code tables,
read by :meth:`refresh_code_tables`), :meth:`once`, :meth:`prune_archive`,
:meth:`stop_claiming` (the daemon's stop hook), :meth:`release_all` (shutdown: give back every
lease not in flight), :meth:`operator` (``syncd retry``) and :meth:`close`.  Nothing old is
re-sent at start-up: FAILED rows wait for ``syncd retry``; UNKNOWN rows are only ever resolved
by query.
"""

from __future__ import annotations

import gc
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache

import sqlalchemy as sa

from syncd.config.feeds import watermark_of
from syncd.config.loader import secret_missing
from syncd.config.mappings import NO_LOOKUP_EN, NO_LOOKUP_ZH, settings_values
from syncd.config.settings import Settings
from syncd.core.bilingual import zh_en
from syncd.core.clock import Clock, local_clock
from syncd.core.errors import ConfigError
from syncd.db.archive import Archive
from syncd.db.audit import AuditLog
from syncd.db.code_store import CodeStore
from syncd.db.disabled_feeds import unsettled_of_disabled
from syncd.db.engine import make_engine
from syncd.db.feed_source import ChildViews, FeedSource
from syncd.db.person_store import PersonStore
from syncd.db.request_notify import RequestWakeups
from syncd.db.schema import StagingTables, staging_tables
from syncd.db.writeback import Writeback
from syncd.engine.commands import CommandRunner
from syncd.engine.exchange import Exchange, PlatformCalls
from syncd.engine.gate import Gate
from syncd.engine.lanes import CallSlots
from syncd.engine.operator import Actor, Operator
from syncd.engine.persons import LookupPolicy, PersonLookups
from syncd.engine.pipeline import FeedPipeline, fee_delete_commands
from syncd.engine.prepare import RenderInputs
from syncd.engine.reports import CommandReport, TickReport
from syncd.mapping import FeedSpec, lookup_feed, needs_persons
from syncd.monitor.metrics import record_resolution
from syncd.platform.client import PlatformClient
from syncd.platform.pace import paced
from syncd.protocol import catalogue as catalogue_module
from syncd.protocol.calls import Caller
from syncd.protocol.catalogue import Catalogue
from syncd.rules.outbox import RetryPolicy


def new_owner() -> str:
    """``host:pid:random`` — unique per process, readable in ``lease_owner``."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


CALLS_PER_INTENT = 4  # a login, the call, a login again after -9 and the replay


def longest_call_s(settings: Settings) -> float:
    """How long the sending of one intent may take at most (each of its HTTP exchanges timing
    out).  The queries that resolve an UNKNOWN afterwards need no cover: they send nothing."""
    p = settings.platform
    return CALLS_PER_INTENT * (p.connect_timeout_s + p.read_timeout_s)


@cache
def settle_start_up_heap() -> None:
    """Once per process, when its first engine is built: every object that exists then (the
    modules, the catalogue, the mappings, SQLAlchemy's tables and caches) lives as long as
    the process, so it leaves the cyclic garbage collector's generations (:func:`gc.freeze`).
    A full collection walked all of them again each time a tick had made enough new objects:
    bench (a), 20,000 fee rows, three full collections of about 45 ms each."""
    gc.freeze()


def retry_policy(settings: Settings) -> RetryPolicy:
    d = settings.delivery
    return RetryPolicy(
        d.max_attempts,
        d.backoff_initial_s,
        d.backoff_max_s,
        d.backoff_jitter,
        wait_s=settings.polling.default_interval_s,
        unknown_hold_s=flight_s(settings),
    )


def flight_s(settings: Settings) -> float:
    """How long an intent may be under way: its lease, and the least an UNKNOWN waits before
    a query may call it "not processed"."""
    return max(settings.delivery.lease_s, longest_call_s(settings))


@dataclass
class OnceReport:
    feeds: list[TickReport] = field(default_factory=list)
    commands: CommandReport | None = None

    @property
    def quiet(self) -> bool:
        """Nothing new found and nothing but waiting: another pass would do the same."""
        results = [tick.results for tick in self.feeds]
        if self.commands is not None:
            results.append(self.commands.results)
        found = sum(tick.discovered for tick in self.feeds)
        return found == 0 and all(set(r) <= {"WAITING"} for r in results)


class Worker:
    def __init__(
        self,
        settings: Settings,
        feeds: Mapping[str, FeedSpec],
        *,
        engine: sa.Engine | None = None,
        client: Caller | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        owner: str | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        if client is None and settings.platform.password is None:
            raise ConfigError([secret_missing("platform")])  # before any intent is committed
        self.settings, self.feeds = settings, dict(feeds)
        self.clock = clock or local_clock(settings.platform.session_timezone)
        self._own_engine = engine is None
        self.engine = engine or make_engine(settings.database)
        self.tables: StagingTables = staging_tables(
            settings.database.table_prefix, settings.database.schema_name
        )
        self.catalogue = catalogue or catalogue_module.load(
            settings.platform.function_ids.model_dump()
        )
        self._own_client = client is None
        self.client: Caller = client or PlatformClient(settings.platform)
        self.store = Writeback(self.engine, self.tables)
        self.archive = Archive(self.engine, self.tables)
        self.codes = CodeStore(self.engine, self.tables)
        self.persons = PersonStore(self.engine, self.tables)
        akb020, draw = settings.hospital.akb020, (rng or random.Random()).random
        self.calls = PlatformCalls(
            paced(self.client, settings.platform.max_calls_per_s),
            self.catalogue,
            self.archive,
            self.clock,
            akb020,
            settings.platform.figure_tolerance,
            record_resolution,
        )
        policy = retry_policy(settings)
        self.exchange = Exchange(self.calls, policy, draw, owner or new_owner(), flight_s(settings))
        self.slots = CallSlots(settings.delivery.max_in_flight)  # shared by every feed
        self.inputs = RenderInputs(
            settings_values(settings), {}, settings.platform.fee_rows_per_call
        )
        self.pipelines = {
            name: self._pipeline(spec)
            for name, spec in self.feeds.items()
            if spec.enabled and spec.source.view
        }
        self.commands = CommandRunner(
            self.feeds,
            self.exchange,
            self.store,
            ChildViews(self.engine),
            batch_size=settings.polling.batch_size,
            lease_s=settings.delivery.lease_s,
        )
        settle_start_up_heap()

    @property
    def owner(self) -> str:
        return self.exchange.owner

    def _source(self, spec: FeedSpec) -> FeedSource:
        return FeedSource(self.engine, self.tables, spec, watermark_of(self.settings, spec))

    def _pipeline(self, spec: FeedSpec) -> FeedPipeline:
        after = [
            self._source(self.feeds[name])
            for name in spec.requires.after
            if name in self.feeds and self.feeds[name].source.view
        ]
        return FeedPipeline(
            spec,
            self._source(spec),
            after,
            self.exchange,
            self.store,
            batch_size=self.settings.polling.batch_size,
            lease_s=self.settings.delivery.lease_s,
            fee_deletes=fee_delete_commands(self.feeds),
            zero_fee_wait_s=self.settings.delivery.zero_fee_wait_s,
            refill_allowed=self.settings.city.fee_delete_allowed,
            slots=self.slots,
            persons=self._lookups(spec),
            recheck_rejected_s=self.settings.delivery.recheck_rejected_s,
        )

    def _lookups(self, spec: FeedSpec) -> PersonLookups | None:
        """The person look-up of a feed with ``person:`` rules: its kind's look-up command
        (110001 for outpatient feeds, 120001 for inpatient ones) renders the query."""
        if not needs_persons(spec):
            return None
        name = lookup_feed(spec, self.feeds)
        if name is None:  # syncd check says so first (config.mappings)
            raise ConfigError(f"{spec.feed}: {NO_LOOKUP_ZH} / {NO_LOOKUP_EN}")
        lookup = self.feeds[name]
        p = self.settings.persons
        policy = LookupPolicy(p.refresh_s, p.frozen, self.settings.polling.default_interval_s)
        return PersonLookups(self.calls, self.persons, lookup, policy)

    def refresh_code_tables(self) -> None:
        """Read the code tables (``<p>code``) the mappings translate through; every tick
        from now on is given them."""
        self.inputs = replace(self.inputs, code_tables=self.codes.tables_by_category())

    # --- what the scheduler and `syncd once` call --------------------------------------

    def tick_feed(self, name: str, *, discover: bool = True) -> TickReport:
        return self.pipelines[name].tick(self.inputs, discover=discover)

    def tick_commands(self) -> CommandReport:
        return self.commands.tick(self.inputs)

    def request_wakeups(self) -> RequestWakeups | None:
        """What wakes the command loop at a new command: PostgreSQL's NOTIFY (None elsewhere;
        the poll then is all there is)."""
        if not RequestWakeups.supported(self.engine):
            return None
        return RequestWakeups(self.engine, self.tables)

    def operator(self, actor: Actor | None = None) -> Operator:
        """The operator's actions (``syncd retry``, the console) on this engine's rows and
        commands, each written to the audit log as ``actor`` (default: this worker's owner);
        a call the archive no longer holds is rebuilt with the code tables read then."""

        def inputs() -> RenderInputs:
            self.refresh_code_tables()
            return self.inputs

        parts = (self.store, self.exchange, self.pipelines, self.commands)
        audit = AuditLog(self.engine, self.tables)
        who = actor or Actor(f"worker:{self.owner}")
        return Operator(self.feeds, *parts, inputs, flight_s(self.settings), audit, who)

    def once(self, feed: str | None = None) -> OnceReport:
        """One pass: every enabled feed (or just ``feed``), then the command table."""
        self.refresh_code_tables()
        report = OnceReport()
        commands = {spec.feed for spec in self.commands.by_command.values() if spec.enabled}
        if feed is not None and feed not in self.pipelines and feed not in commands:
            raise ConfigError(
                zh_en(
                    f"'{feed}' 不是已启用的业务或命令",
                    f"feed '{feed}' is not an enabled feed or command",
                )
            )
        names = (
            list(self.pipelines) if feed is None else [n for n in (feed,) if n in self.pipelines]
        )
        for name in names:
            report.feeds.append(self.tick_feed(name))
        if feed is None or feed not in self.pipelines:
            report.commands = self.tick_commands()
        return report

    def unsettled_of_disabled(self) -> dict[str, int]:
        """Unsettled rows (IN_FLIGHT/UNKNOWN) of each disabled fact-view feed that has any:
        nothing settles them while the feed is disabled (:mod:`syncd.db.disabled_feeds`)."""
        return unsettled_of_disabled(self.engine, self.tables, self.feeds)

    def prune_archive(self, now: datetime | None = None) -> int:
        """The archive's exchanges and the person table's answers older than
        ``archive.retention_days`` (both hold personal data); the exchanges deleted."""
        now, days = now or self.clock(), self.settings.archive.retention_days
        self.persons.prune(now, days)
        return self.archive.prune(now, days)

    def stop_claiming(
        self,
        stop: Callable[[], bool],
        *,
        on_feed_unit: Callable[[], None],
        on_command_unit: Callable[[], None],
    ) -> None:
        """From now on every unit (a feed row or visit batch, a command) asks ``stop`` first:
        once true it raises :class:`~syncd.engine.gate.ShutdownRequested`, which ends the tick (its
        ``finally`` gives back every lease not in flight); a unit's later calls are handed
        back unsent.  ``on_…_unit`` hears of each unit let through."""
        for pipeline in self.pipelines.values():
            pipeline.gate = Gate(stop, on_feed_unit)
        self.commands.gate = Gate(stop, on_command_unit)

    def release_all(self) -> None:
        """Shutdown: give back every lease that is not in flight."""
        for pipeline in self.pipelines.values():
            pipeline.release()
        self.commands.release()

    def close(self) -> None:
        self.release_all()
        if self._own_client and isinstance(self.client, PlatformClient):
            self.client.close()
        if self._own_engine:
            self.engine.dispose()
