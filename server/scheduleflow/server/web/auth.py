"""Who may read the schedule page: the gRPC tokens, presented the ways a browser can.

Rules:

1. The same tokens file and the same roles as gRPC (``rpc.security``):
   without ``tokens_file`` everyone may read; with it every page, JSON and
   live endpoint needs a token with the read role (write includes read).
   Nothing on this port writes.
2. A token arrives in one of three ways, first found wins:
   ``Authorization: Bearer <token>`` (scripts, curl, Prometheus);
   the ``scheduleflow_token`` cookie (a browser, after signing in); or
   ``?token=<token>`` once on a page address (a link an operator shares):
   it is checked, put in the cookie, and the browser is sent to the same
   address without it, so the token does not stay in the address bar.
3. The cookie is ``HttpOnly`` (scripts cannot read it), ``SameSite=Strict``
   (another site cannot make the browser send it) and ``Secure`` when the
   port serves TLS. Pages are sent with ``Referrer-Policy: no-referrer``.
4. Only the sign-in form and the static assets (code and styles, no data)
   are open. A refused JSON or live request is 401 with a message; a refused
   page goes to the sign-in form.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from importlib import resources
from urllib.parse import urlencode

from aiohttp import web

from scheduleflow.server.core.errors import Unauthenticated
from scheduleflow.server.rpc.security import Role, Tokens, bearer_token

COOKIE = "scheduleflow_token"
#: Paths anyone may fetch: the sign-in form and the page's code and styles.
OPEN_PREFIXES = ("/login", "/static/")
#: How long the browser keeps the cookie: a working week.
COOKIE_MAX_AGE_S = 5 * 86_400

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PageAuth:
    """The checks of rule 1 and 2, and the sign-in form."""

    def __init__(self, tokens: Tokens | None, *, secure: bool) -> None:
        self.tokens = tokens
        self.secure = secure

    def role(self, request: web.Request) -> Role:
        """The caller's role; raises Unauthenticated saying how to supply a token."""
        assert self.tokens is not None
        header = request.headers.get("Authorization")
        if header is not None:
            token = bearer_token([("authorization", header)])
        else:
            token = request.query.get("token") or request.cookies.get(COOKIE, "")
        if not token:
            raise Unauthenticated(
                "this server requires a read token: sign in at /login, open the page once with ?token=TOKEN, "
                "or send 'Authorization: Bearer TOKEN'"
            )
        role = self.tokens.role_of(token)
        if role is None:
            raise Unauthenticated("the token is not valid on this server: sign in at /login with a valid one")
        return role

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.tokens is None or request.path.startswith(OPEN_PREFIXES):
            return await handler(request)
        try:
            self.role(request)  # every role includes read (rule 1)
        except Unauthenticated:
            if _wants_page(request):
                raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs})) from None
            raise
        token = request.query.get("token")
        if token and "Authorization" not in request.headers and _wants_page(request):
            # Rule 2: the token moves from the address into the cookie.
            rest = {k: v for k, v in request.query.items() if k != "token"}
            target = request.path + ("?" + urlencode(rest) if rest else "")
            response = web.HTTPSeeOther(target)
            self.set_cookie(response, token)
            raise response
        return await handler(request)

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_MAX_AGE_S,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.secure,
        )

    async def login_form(self, request: web.Request) -> web.Response:
        return _login_page(_safe_next(request.query.get("next", "/")), "")

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        token = str(form.get("token", "")).strip()
        target = _safe_next(str(form.get("next", "/")))
        if self.tokens is None:
            raise web.HTTPSeeOther(target)
        if not token or self.tokens.role_of(token) is None:
            return _login_page(target, "That token is not valid on this server.", status=401)
        response = web.HTTPSeeOther(target)
        self.set_cookie(response, token)
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        response = web.HTTPSeeOther("/login")
        response.del_cookie(COOKIE, path="/")
        raise response


def _wants_page(request: web.Request) -> bool:
    return request.method == "GET" and not request.path.startswith(("/api/", "/metrics"))


def _safe_next(target: str) -> str:
    """Only a path on this server: never send a signed-in browser elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(target: str, problem: str, *, status: int = 200) -> web.Response:
    template = resources.files(__package__).joinpath("static/login.html").read_text(encoding="utf-8")
    body = template.replace("{{next}}", html.escape(target, quote=True)).replace(
        "{{problem}}", f'<p class="problem" role="alert">{html.escape(problem)}</p>' if problem else ""
    )
    return web.Response(text=body, content_type="text/html", status=status)
