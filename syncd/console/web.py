"""The console's request plumbing: who is asking, may they, and the page they get.

:func:`page` wraps every handler: it finds the session (no session: a GET is sent to the login
page, anything else refused with 403), checks the role an action needs, and for every POST the
CSRF token of the session; the handler gets a :class:`Page` with the site, the viewer and the
form.  :class:`SecurityHeaders` adds the headers every answer carries: a Content-Security-Policy
allowing only syncd's own scripts, styles and images (no CDN, no inline script), no framing, no
referrer, no caching of pages with patients' data.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncd.console.auth import SESSION_COOKIE, Viewer, same
from syncd.console.site import ConsoleSite
from syncd.core.errors import SourceError
from syncd.logs import event

logger = logging.getLogger(__name__)
PageHandler = Callable[["Page"], Awaitable[Response]]
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


@dataclass
class Page:
    request: Request
    site: ConsoleSite
    viewer: Viewer
    form: FormData | None
    templates: Jinja2Templates

    @property
    def client(self) -> str:
        return client_of(self.request)

    def field(self, name: str, default: str = "") -> str:
        """A form field (POST) or query parameter (GET), stripped."""
        source: Mapping[str, Any] = (
            self.form if self.form is not None else (self.request.query_params)
        )
        value = source.get(name, default)
        return str(value).strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return list(self.request.query_params.getlist(name))
        return [str(v) for v in self.form.getlist(name) if isinstance(v, str)]

    def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        context = {
            "viewer": self.viewer,
            "site": self.site,
            "request": self.request,
            "csrf": self.viewer.csrf_token,
            **values,
        }
        return self.templates.TemplateResponse(
            self.request, template, context, status_code=status_code
        )

    async def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Blocking work (the database) off the event loop."""
        return await run_in_threadpool(function, *args, **kwargs)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "-"


def redirect(path: str, **query: object) -> RedirectResponse:
    shown = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(f"{path}?{urlencode(shown)}" if shown else path, status_code=303)


def refused(templates: Jinja2Templates, request: Request, status: int, reason_zh: str) -> Response:
    return templates.TemplateResponse(
        request, "refused.html.j2", {"reason": reason_zh, "viewer": None}, status_code=status
    )


def page(*, act: bool = False) -> Callable[[PageHandler], Callable[[Request], Awaitable[Response]]]:
    """A handler that needs a session (``act``: an operator's)."""

    def wrap(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            site: ConsoleSite = request.app.state.site
            templates: Jinja2Templates = request.app.state.templates
            viewer = await run_in_threadpool(site.auth.viewer, request.cookies.get(SESSION_COOKIE))
            post = request.method == "POST"
            if viewer is None:
                if not post:
                    return redirect("/login", next=_next(request))
                return refused(templates, request, 403, "请先登录 / please log in")
            form = await request.form() if post else None
            if form is not None and not same(str(form.get("csrf") or ""), viewer.csrf_token):
                event(logger, "console.csrf_refused", path=request.url.path)
                return refused(
                    templates,
                    request,
                    403,
                    "表单已过期或来源不明，请返回重新操作 / the form's token is missing or wrong",
                )
            if act and not viewer.can_act:
                return refused(templates, request, 403, "只读用户不能执行操作 / viewers cannot act")
            try:
                return await handler(Page(request, site, viewer, form, templates))
            except SourceError as exc:
                event(logger, "console.database_error", logging.WARNING, path=request.url.path)
                return refused(templates, request, 503, f"数据库暂时不可用 / database error: {exc}")

        return endpoint

    return wrap


def _next(request: Request) -> str:
    """Where to go after the login: this path (never another site)."""
    path = request.url.path
    return path if path.startswith("/") and not path.startswith("//") else "/"


class SecurityHeaders:
    """The headers of the module docstring on every answer (``no-store`` on pages), and
    ``Server-Timing: app;dur=…`` — how long the server took until the answer began (what
    ``bench/bench_console.py`` reads)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        started = time.perf_counter()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers += [*HEADERS, (b"server-timing", f"app;dur={took:.1f}".encode())]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)
