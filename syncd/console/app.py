"""The console as one Starlette application (:func:`console_app`).

Pages (all need a login; the actions an operator's): ``/`` the dashboard, ``/attention``,
``/rows``, ``/row/FEED/KEY``, ``/command/ID``, ``/visit/KEY``, ``/message/ID``, ``/messages``,
``/reconciliation`` (+ ``/reports/RUN/KIND``), ``/basedata``, ``/audit``, and ``/act/ACTION``;
``/login``, ``/logout``; ``/static/`` (the stylesheet and the few lines of script, served by
syncd itself).  ``monitoring`` (a WSGI app: ``/metrics``, ``/healthz``, ``/readyz``) is mounted
as it is when given.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from syncd.console import (
    audit_page,
    basedata_page,
    list_pages,
    login,
    recon_page,
    search_page,
    story_pages,
)
from syncd.console.basedata_page import CodesCheck
from syncd.console.present import environment
from syncd.console.site import Site
from syncd.console.web import SecurityHeaders


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login.login_form, methods=["GET"]),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
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
        Mount("/static", StaticFiles(packages=[("syncd.console", "static")]), name="static"),
    ]


def console_app(site: Site) -> Starlette:
    app = Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])
    app.state.site = site
    app.state.templates = Jinja2Templates(env=environment())
    app.state.codes_check = CodesCheck()
    return app
