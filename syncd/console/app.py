"""The console as one Starlette application (:func:`console_app`).

Pages (all need a login; the actions an operator's): ``/`` the dashboard, ``/attention``,
``/rows``, ``/row/FEED/KEY``, ``/command/ID``, ``/visit/KEY``, ``/message/ID``, ``/messages``,
``/reconciliation`` (+ ``/reports/RUN/KIND``), ``/basedata``, ``/audit``, and ``/act/ACTION``;
``/login``, ``/logout``; ``/static/`` (the stylesheet and the few lines of script, served by
syncd itself).  ``/metrics``, ``/healthz`` and ``/readyz`` are the monitoring app's when given
(:mod:`syncd.console.serving`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp

from syncd.console import (
    actions,
    audit_page,
    basedata_page,
    dashboard,
    list_pages,
    login,
    recon_page,
    search_page,
    story_pages,
)
from syncd.console.basedata_page import CodesCheck
from syncd.console.present import environment
from syncd.console.site import ConsoleSite
from syncd.console.web import SecurityHeaders


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login.login_form, methods=["GET"]),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/", dashboard.dashboard),
        Route("/live", dashboard.live),
        Route("/attention", list_pages.attention),
        Route("/attention/{group}", list_pages.group),
        Route("/rows", list_pages.rows),
        Route("/row/{feed}/{key:path}", story_pages.row, methods=["GET", "POST"]),
        Route("/command/{id:int}", story_pages.command, methods=["GET", "POST"]),
        Route("/visit/{visit:path}", story_pages.visit),
        Route("/message/{id:int}", story_pages.message, methods=["GET", "POST"]),
        Route("/messages", search_page.messages, methods=["GET", "POST"]),
        Route("/reconciliation", recon_page.reconciliation),
        Route("/reports/{run:int}/{kind}", recon_page.report),
        Route("/basedata", basedata_page.basedata),
        Route("/audit", audit_page.audit),
        Route("/act/{action}", actions.act, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("syncd.console", "static")]), name="static"),
    ]


def console_app(
    site: ConsoleSite, monitoring: ASGIApp | None = None, monitored: tuple[str, ...] = ()
) -> Starlette:
    """The console; ``monitoring`` answers the paths ``monitored`` (no login: they hold no
    personal data), as ``syncd run`` serves them on ``monitoring.listen``."""
    extra: list[BaseRoute] = [Route(path, monitoring) for path in monitored] if monitoring else []
    app = Starlette(routes=[*extra, *routes()], middleware=[Middleware(SecurityHeaders)])
    app.state.site = site
    app.state.templates = Jinja2Templates(env=environment())
    app.state.codes_check = CodesCheck()
    return app
