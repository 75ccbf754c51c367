"""What the console works on: the settings, the mappings, the database and the clock, and the
readers and the operator's actions it goes through (nothing of its own: the reads are
:mod:`syncd.db`'s, the actions :mod:`syncd.engine.operator`'s)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from syncd.config.settings import Settings
from syncd.console.auth import Auth
from syncd.console.platform_view import PlatformView, Probing
from syncd.core.clock import Clock, local_clock
from syncd.db.audit import AuditLog
from syncd.db.browse import Browse
from syncd.db.engine import Engine, make_engine
from syncd.db.schema import StagingTables, staging_tables
from syncd.db.story import Story
from syncd.engine.operator import NO_PLATFORM, Actor, Operator
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue
from syncd.service.worker import Worker


@dataclass
class ConsoleSite:
    settings: Settings
    feeds: Mapping[str, FeedSpec]
    engine: Engine
    tables: StagingTables
    clock: Clock
    browse: Browse = field(init=False)
    story: Story = field(init=False)
    audit: AuditLog = field(init=False)
    platform: Callable[[], PlatformView] | None = None  # the dashboard's view of the platform
    auth: Auth = field(init=False)

    def __post_init__(self) -> None:
        self.browse = Browse(self.engine, self.tables)
        self.story = Story(self.engine, self.tables)
        self.audit = AuditLog(self.engine, self.tables)
        self.auth = Auth(self.engine, self.tables, self.settings.console, self.clock)
        cat = catalogue.load(self.settings.platform.function_ids.model_dump())
        self.functions = {s.function_id: s.name_zh for s in cat.all() if s.function_id}
        self._probe = Probing(self.settings.platform)

    @property
    def command_names(self) -> dict[str, str]:
        """Command name (``WI_REQUEST.command``) → its feed."""
        return {
            str(s.source.command): name for name, s in self.feeds.items() if s.source.is_command
        }

    def title(self, feed: str) -> str:
        """A feed's or command's Chinese description (its name when it has none)."""
        spec = self.feeds.get(feed) or self.feeds.get(self.command_names.get(feed, ""))
        return spec.description if spec is not None and spec.description else feed

    def platform_view(self) -> PlatformView:
        """The platform as the daemon sees it, or (a console on its own) as a probe finds it."""
        return (self.platform or self._probe)()

    @contextmanager
    def operator(self, actor: Actor) -> Iterator[Operator]:
        """The operator module on this database (the same as ``syncd retry``'s: it never
        calls the platform), auditing each action as ``actor``."""
        worker = Worker(
            self.settings, self.feeds, engine=self.engine, client=NO_PLATFORM, clock=self.clock
        )
        try:
            yield worker.operator(actor)
        finally:
            worker.close()

    def row_href(self, feed: str, key: str) -> str:
        """The story page of an archived exchange's row (a command's: by its id)."""
        spec = self.feeds.get(feed)
        if spec is not None and spec.source.is_command and key.isdigit():
            return f"/command/{key}"
        return f"/row/{feed}/{key}"


def open_site(
    settings: Settings,
    feeds: Mapping[str, FeedSpec],
    engine: Engine | None = None,
    platform: Callable[[], PlatformView] | None = None,
) -> ConsoleSite:
    """The console's site on the configured database (or on ``engine``, shared); ``platform``:
    the daemon's view of the platform (a console on its own probes it)."""
    clock = local_clock(settings.platform.session_timezone)
    tables = staging_tables(settings.database.table_prefix, settings.database.schema_name)
    return ConsoleSite(
        settings, feeds, engine or make_engine(settings.database), tables, clock, platform
    )
