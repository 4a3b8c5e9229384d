"""Sign-in, sessions, CSRF and security headers: who is asking, on every request.

Two ways in (``SQA_AUTH``):

- **accounts**: the built-in accounts (``sqa users``), a sign-in form, and a server-side
  session (a row in the accounts file, so every app server sees it) whose random token
  rides in a signed cookie (HttpOnly, SameSite=Lax, Secure whenever the request came over
  HTTPS). It ends at sign-out, after ``SQA_SESSION_HOURS`` without use, after
  ``SQA_SESSION_MAX_HOURS`` in all, and when the account's password, role or lock changes
  or the account is removed: a copy of an ended cookie opens nothing;
- **proxy**: the authority's reverse proxy or identity gateway signs people in and puts
  the user name in ``SQA_PROXY_HEADER``; only requests from ``SQA_TRUSTED_PROXIES`` are
  believed, and the name must still have an account here (which gives the role).

Either way the account is read again on every request, so a changed role or a removed
account takes effect at once, the client's address is the socket's or, from a trusted
proxy only, the forwarded one (``X-Forwarded-For``), and the viewer's
:class:`~queries.access.scope.Scope` is put on ``flask.g`` for :func:`dashboard.data.current_scope`.

CSRF: every POST needs a same-origin ``Origin`` (when the browser sends one) and the
session's token, in the form (sign-in, sign-out) or in the ``X-CSRF-Token`` header, which
Dash's renderer adds to its own requests from the ``sqa_csrf`` cookie (Dash's
``csrf_token_name`` / ``csrf_header_name``).
"""

from __future__ import annotations

import datetime as dt
import html
import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import dash
from flask import Flask, Response, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from queries.access.scope import ROLES, Scope, require_admin, require_data_quality
from queries.core.errors import AccessDenied, AuthError, SqaError
from queries.core.settings import Settings
from queries.state import accounts

# Served without sign-in: these paths exactly, and files under /assets/ (CSS, JS, fonts).
PUBLIC = frozenset({"/sign-in", "/_favicon.ico", "/favicon.ico", "/healthz"})
PUBLIC_PREFIX = "/assets/"
CSRF_COOKIE = "sqa_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request is HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or https()


def https() -> bool:
    """Whether the browser reached us over HTTPS: directly, or through a trusted proxy
    (nginx) that ended TLS and said so in ``X-Forwarded-Proto``."""
    return bool(request.is_secure or g.get("sqa_https"))


def secret_key(path: Path) -> bytes:
    """The key that signs session cookies: read, or made once with mode 600.

    Every worker reads the same file, so a session signed by one is good in all.
    """
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    try:
        os.link(tmp, path)  # first writer wins; the others read what it wrote
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()


def install(app: dash.Dash, settings: Settings) -> None:
    server: Flask = app.server
    server.secret_key = secret_key(settings.secret_key_file)
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME="sqa_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_max_hours),
    )
    networks = [ipaddress.ip_network(n, strict=False) for n in settings.trusted_proxies]

    def script_hashes() -> str:
        # Read per response: Dash adds inline scripts (clientside callbacks written as
        # strings, Dash Pages' own) while it sets itself up on the first request.
        return " ".join(app.csp_hashes())  # each already quoted

    def audit(scope: Scope | None, action: str, what: str, user: str | None = None) -> None:
        accounts.record(
            settings.accounts_state,
            scope,
            action,
            what,
            0,
            client_address(),
            {"path": request.path},
            user=user,
        )

    @server.before_request
    def identify() -> Any:
        g.sqa_address = _client_address(networks)
        g.sqa_https = _trusted(request.remote_addr or "", networks) and (
            request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"
        )
        if request.path != "/sign-in" and (
            request.path in PUBLIC or request.path.startswith(PUBLIC_PREFIX)
        ):
            return None
        if request.method not in SAFE_METHODS and not _same_origin():
            return _refuse(403, "This request came from another site, so it was refused.")
        outcome = (
            _from_proxy(settings, networks) if settings.auth == "proxy" else _from_session(settings)
        )
        if outcome is not None:
            return outcome
        return page_gate(request.path, g.get("sqa_scope"))

    @server.route("/sign-in", methods=["GET", "POST"])
    def sign_in() -> Any:
        if settings.auth == "proxy":
            return redirect("/")
        error = ""
        if request.method == "POST":
            if not _csrf_ok():
                error = "The sign-in form had expired. Please try again."
            else:
                username = (request.form.get("username") or "").strip()[:200]
                try:
                    scope = accounts.authenticate(
                        settings.accounts_state,
                        username,
                        (request.form.get("password") or "")[:1024],
                        settings.lockout_attempts,
                        settings.lockout_minutes,
                        address=client_address(),
                    )
                except AuthError as exc:
                    error = str(exc)
                    why = f"sign-in refused: {exc.reason}" if exc.reason else "sign-in refused"
                    audit(None, "sign_in_failed", why, user=username)
                else:
                    old = session.get("sid")
                    if old:
                        accounts.end_session(settings.accounts_state, str(old), "signed in again")
                    session.clear()  # a new session on sign-in: no fixation
                    session.permanent = True
                    session["sid"] = accounts.start_session(
                        settings.accounts_state, scope.user, client_address()
                    )
                    session["csrf"] = secrets.token_urlsafe(32)
                    g.sqa_scope = scope
                    audit(scope, "sign_in", "signed in")
                    return redirect(_next_page(request.form.get("next"), scope))
        token = session.setdefault("csrf", secrets.token_urlsafe(32))
        no_accounts = not accounts.list_accounts(settings.accounts_state)
        body = _sign_in_page(token, error, request.args.get("next", "/"), no_accounts)
        # 200 even with an error: the form is shown again, with the sentence to act on.
        return Response(body, mimetype="text/html")

    @server.route("/sign-out", methods=["POST"])
    def sign_out() -> Any:
        if not _csrf_ok():
            return _refuse(403, "The sign-out form had expired; reload the page and try again.")
        scope = g.get("sqa_scope")
        accounts.end_session(settings.accounts_state, str(session.get("sid") or ""))
        if isinstance(scope, Scope):
            audit(scope, "sign_out", "signed out")
        session.clear()
        return redirect("/sign-in?signed_out=1")

    @server.route("/healthz")
    def healthz() -> Any:
        return Response("ok\n", mimetype="text/plain")

    @server.errorhandler(AccessDenied)
    def denied(exc: AccessDenied) -> Any:
        return _refuse(403, str(exc))

    @server.errorhandler(SqaError)
    def bad_request(exc: SqaError) -> Any:
        # A value the page would never send (a forged or stale request): say what was
        # wrong rather than fail with a server error.
        return _refuse(400, str(exc))

    @server.after_request
    def headers(response: Response) -> Response:
        if response.status_code == 403:
            # Every refusal is on the trail: an IRO probing others' records leaves a trace.
            scope = g.get("sqa_scope")
            audit(
                scope if isinstance(scope, Scope) else None,
                "refused",
                str(g.get("sqa_refusal") or "refused"),
                user=None if isinstance(scope, Scope) else "(not signed in)",
            )
        h = response.headers
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' {script_hashes()}; "
            "style-src 'self' 'unsafe-inline'; "  # Dash and Plotly set inline styles
            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Cache-Control", "no-store")  # figures about children stay off disk
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        token = session.get("csrf")
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                secure=https(),
                httponly=False,  # Dash's renderer reads it to send the header
                samesite="Strict",
            )
        return response


def page_gate(path: str, scope: object) -> Response | None:
    """A page outside the viewer's role, asked for by its address, answers HTTP 403 with
    the sentence the page would show (the page itself still says so if reached in-app)."""
    if not isinstance(scope, Scope) or request.method != "GET":
        return None
    page = "/" + path.strip("/").split("/", 1)[0]
    if page == "/audit":
        try:
            require_admin(scope)
        except AccessDenied as exc:
            return _refuse(403, str(exc))
    if page == "/data-quality":
        try:
            require_data_quality(scope)
        except AccessDenied as exc:
            return _refuse(403, str(exc))
    return None


def _refuse(status: int, message: str) -> Response:
    g.sqa_refusal = message
    if request.path.startswith("/_dash") or request.is_json:
        return Response(message, status=status, mimetype="text/plain")
    page = _page(
        {400: "Not understood", 401: "Sign in", 403: "Not allowed"}.get(status, "Error"),
        f'<div class="alert alert-danger" role="alert">{html.escape(message)}</div>'
        '<p><a href="/">Back to the dashboard</a></p>',
    )
    return Response(page, status=status, mimetype="text/html")


def _same_origin() -> bool:
    """False when the browser says the request came from another origin."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return True  # not a browser form or fetch (curl, the tests' HTTP client)
    # The host only: behind a proxy that ends TLS, the scheme seen here is http.
    return urlsplit(origin).netloc == request.host


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and secrets.compare_digest(str(expected), given)


def _from_session(settings: Settings) -> Any:
    token = session.get("sid")
    if request.path == "/sign-in":
        return None
    account = (
        accounts.check_session(
            settings.accounts_state,
            str(token),
            settings.session_hours,
            settings.session_max_hours,
        )
        if token
        else None
    )
    if account is None:
        session.pop("sid", None)
        if request.method in SAFE_METHODS and not request.path.startswith("/_dash"):
            return redirect("/sign-in?" + urlencode({"next": request.full_path.rstrip("?")}))
        return _refuse(401, "Your sign-in has ended. Reload the page to sign in again.")
    if request.method not in SAFE_METHODS and not _csrf_ok():
        return _refuse(403, "This request had no valid form token. Reload the page.")
    g.sqa_scope = account.scope()
    return None


def _trusted(addr: str, networks: list[Any]) -> bool:
    try:
        return any(ipaddress.ip_address(addr) in n for n in networks)
    except ValueError:
        return False


def _client_address(networks: list[Any]) -> str:
    """The client's address: the socket's, or behind a trusted proxy the nearest address
    in ``X-Forwarded-For`` that is not itself a trusted proxy (a client cannot forge it,
    since each proxy appends what it saw)."""
    addr = request.remote_addr or ""
    if not _trusted(addr, networks):
        return addr
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return addr  # a malformed header: keep the last address we can trust
        addr = hop
        if not _trusted(hop, networks):
            break
    return addr


def client_address() -> str:
    """This request's client address, as worked out when it came in."""
    return str(g.get("sqa_address") or request.remote_addr or "")


def _from_proxy(settings: Settings, networks: list[Any]) -> Any:
    addr = request.remote_addr or ""
    if not _trusted(addr, networks):
        return _refuse(
            403,
            f"This dashboard signs people in through the authority's proxy; a request "
            f"straight from {addr} is refused.",
        )
    user = (request.headers.get(settings.proxy_header) or "").strip()
    if not user:
        return _refuse(
            401, f"The proxy sent no user name (header {settings.proxy_header}); sign in again."
        )
    account = accounts.get(settings.accounts_state, user)
    if account is None:
        return _refuse(
            403,
            f"There is no dashboard account for '{user}'. Ask an admin to add one "
            "(sqa users add NAME --role ROLE --sso).",
        )
    session.setdefault("csrf", secrets.token_urlsafe(32))
    if request.method not in SAFE_METHODS and not _csrf_ok():
        return _refuse(403, "This request had no valid form token. Reload the page.")
    g.sqa_scope = account.scope()
    return None


def home(scope: Scope) -> str:
    """Where a role lands on signing in: an IRO on their own figures (they may still open
    the service's KPI table at ``/``, aggregates only); everyone else on the overview."""
    return f"/iro/{scope.staff_id}" if scope.role == "iro" else "/"


def _next_page(raw: str | None, scope: Scope) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    target = (raw or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home(scope)
    return home(scope) if target == "/" else target


def csrf_token() -> str:
    return str(session.get("csrf", ""))


def role_name(scope: Scope) -> str:
    return ROLES[scope.role]


def _page(title: str, content: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · SQA Dashboard</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap-5.3.8.min.css">
<link rel="stylesheet" href="/assets/sqa.css"></head>
<body><header class="navbar navbar-dark bg-dark"><div class="container-fluid">
<span class="navbar-brand">SQA Dashboard</span></div></header>
<main id="main" class="container py-4" style="max-width: 32rem">
<h1 class="h3">{html.escape(title)}</h1>{content}</main></body></html>"""


def _sign_in_page(token: str, error: str, next_page: str, no_accounts: bool) -> str:
    notes = []
    if request.args.get("signed_out"):
        notes.append('<div class="alert alert-success" role="status">You have signed out.</div>')
    if error:
        notes.append(f'<div class="alert alert-danger" role="alert">{html.escape(error)}</div>')
    if no_accounts:
        notes.append(
            '<div class="alert alert-warning" role="status">There are no accounts yet. '
            "On the server, run <code>sqa users add NAME --role service_manager</code>, "
            "or <code>sqa users demo</code> for the demo accounts.</div>"
        )
    return _page(
        "Sign in",
        "".join(notes)
        + f"""<form method="post" action="/sign-in" class="card card-body">
<input type="hidden" name="csrf_token" value="{html.escape(token)}">
<input type="hidden" name="next" value="{html.escape(next_page)}">
<div class="mb-3"><label class="form-label" for="username">User name</label>
<input class="form-control" id="username" name="username" autocomplete="username" required
 autofocus></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit">Sign in</button></form>
<p class="text-body-secondary mt-3">The figures here are about children. Your views and
downloads of child-level records are recorded in the audit trail.</p>""",
    )
