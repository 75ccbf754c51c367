"""``/login`` and ``/logout``.

The login form is protected like every other form: its token is random per visit of the
page and paired with a short-lived HttpOnly cookie (a cross-site form cannot know it).
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from syncd.console.auth import LOGIN_COOKIE, SESSION_COOKIE, same
from syncd.console.site import ConsoleSite
from syncd.console.web import Page, client_of, page, redirect, refused

_FORM_S = 900  # the login form's token lasts this long


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/"


def _form(request: Request, error: str = "", status: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    site: ConsoleSite = request.app.state.site
    token = secrets.token_urlsafe(24)
    nxt = _safe_next(request.query_params.get("next", "/"))
    response = templates.TemplateResponse(
        request,
        "login.html.j2",
        {"token": token, "next": nxt, "error": error, "viewer": None, "site": site},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=_FORM_S,
        httponly=True,
        samesite="strict",
        secure=site.settings.console.cookie_secure,
        path="/login",
    )
    return response


async def login_form(request: Request) -> Response:
    return _form(request)


async def login(request: Request) -> Response:
    site: ConsoleSite = request.app.state.site
    form = await request.form()
    if not same(str(form.get("token") or ""), request.cookies.get(LOGIN_COOKIE)):
        return refused(
            request.app.state.templates,
            request,
            403,
            "登录表单已过期，请刷新后重试 / the login form expired",
        )
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")
    result = await run_in_threadpool(site.auth.login, username, password, client_of(request))
    if not result.token:
        status = 429 if result.retry_after_s else 401
        response = _form(request, result.refused_zh, status)
        if result.retry_after_s:
            response.headers["Retry-After"] = str(result.retry_after_s)
        return response
    response = redirect(_safe_next(str(form.get("next") or "/")))
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="strict",
        secure=site.settings.console.cookie_secure,
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@page()
async def logout(p: Page) -> Response:
    await p.run(p.site.auth.logout, p.viewer, p.client)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
