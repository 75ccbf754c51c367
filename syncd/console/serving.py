"""The console as it is started: on its own (``syncd console``) or beside the daemon
(``syncd run`` with ``console.enabled``).

Beside the daemon it shares the daemon's database engine, shows the platform as the daemon's
client sees it (:func:`~syncd.console.platform_view.from_health`) and mounts the daemon's
``/metrics``, ``/healthz`` and ``/readyz`` (:func:`syncd.monitor.http.monitoring_app`, the
same app as on ``monitoring.listen``).  On its own it answers ``/healthz`` (it serves) and
``/readyz`` (the database answers) with the same app; ``/metrics`` is the daemon's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from wsgiref.types import WSGIApplication

from a2wsgi import WSGIMiddleware
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.types import ASGIApp

from syncd.config.settings import Settings
from syncd.console.app import console_app
from syncd.console.platform_view import from_health
from syncd.console.server import ConsoleServer
from syncd.console.site import ConsoleSite, open_site
from syncd.core.errors import SourceError
from syncd.db.engine import check_connection
from syncd.mapping import FeedSpec
from syncd.monitor import metrics
from syncd.monitor.http import Health, monitoring_app
from syncd.service.daemon import Daemon


def _asgi(app: WSGIApplication) -> ASGIApp:
    """The monitoring app (WSGI) inside the console (ASGI); a2wsgi spells the WSGI types its
    own way, hence the casts."""
    return cast(ASGIApp, WSGIMiddleware(cast(Any, app)))


def beside(daemon: Daemon) -> ConsoleServer:
    """The console of ``syncd run`` (ConfigError when its address is taken)."""
    settings = daemon.settings
    site = open_site(
        settings,
        daemon.worker.feeds,
        engine=daemon.worker.engine,
        platform=from_health(daemon.health),
    )
    endpoints = monitoring_app(
        metrics.REGISTRY, alive=daemon.monitoring.alive, ready=daemon.monitoring.ready
    )
    app = console_app(site, _asgi(endpoints), ("/metrics", "/healthz", "/readyz"))
    return ConsoleServer(app, settings.console.host, settings.console.port)


def alone(settings: Settings, feeds: Mapping[str, FeedSpec]) -> tuple[ConsoleSite, Starlette]:
    """The console of ``syncd console``: its site and app."""
    site = open_site(settings, feeds)

    def alive() -> Health:
        return True, {"alive": True, "console": True}

    def ready() -> Health:
        try:
            check_connection(site.engine)
        except SourceError:
            return False, {"database": False}
        return True, {"database": True}

    endpoints = monitoring_app(CollectorRegistry(), alive=alive, ready=ready)
    return site, console_app(site, _asgi(endpoints), ("/healthz", "/readyz"))
