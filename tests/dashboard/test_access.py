"""Sign-in, roles and the audit trail, through HTTP against the real app and database.

The database (tests/dashboard/conftest.py) holds, in 2020-21: R1 (child C1, IRO I1,
North), R2 (child C2, IRO I2, South), R3 (child C1, IRO I3, North); and from 2015 R0
(child C9, I1) and conference K0 (child C9, chair H1, team CP). So:

- the IRO I1 may see children C1 and C9 (their own reviews), never C2, and never another
  IRO by name ("Iro Two", "Iro Three");
- the North team manager may see C1 (North's reviews), never C2 or "Iro Two";
- an admin sees no child at all and nobody by name;
- the service manager sees everything (the control: the same calls do return C2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import dash
import pytest
from argon2 import PasswordHasher
from dash import _get_app
from flask.testing import FlaskClient

from queries.access.scope import Scope
from queries.state import accounts

pytestmark = pytest.mark.http

PASSWORD = "correct horse battery"
USERS = {
    "manager": ("service_manager", None, None),
    "north": ("team_manager", None, "North"),
    "iro1": ("iro", "I1", None),
    "admin": ("admin", None, None),
}
FORBIDDEN = {
    "manager": [],
    "north": [r"\bC2\b", "Iro Two"],
    "iro1": [r"\bC2\b", "Iro Two", "Iro Three"],
    "admin": [r"\bC[0-9]\b", "Iro One", "Iro Two", "Iro Three", "Chair One"],
}


@pytest.fixture(scope="module")
def accounts_db(app: dash.Dash) -> Path:
    from dashboard import data

    path = data.settings().accounts_db
    for name, (role, staff_id, team) in USERS.items():
        if accounts.get(path, name) is None:
            accounts.add(path, name, role, PASSWORD, staff_id, team)
    return path


def _token(client: FlaskClient) -> str:
    page = client.get("/sign-in").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(client: FlaskClient, user: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/sign-in",
        data={"username": user, "password": password, "csrf_token": _token(client), "next": "/"},
    )


@pytest.fixture
def client(app: dash.Dash, accounts_db: Path) -> Iterator[FlaskClient]:
    with app.server.test_client() as c:
        yield c


def signed_in(app: dash.Dash, user: str) -> FlaskClient:
    c = app.server.test_client()
    response = sign_in(c, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return c


def csrf(c: FlaskClient) -> dict[str, str]:
    cookie = c.get_cookie("sqa_csrf")
    assert cookie is not None
    return {"X-CSRF-Token": cookie.value}


# --- sign-in, lockout, sessions -------------------------------------------------------


def test_pages_and_data_need_sign_in(client: FlaskClient) -> None:
    page = client.get("/cla-reviews?fy=2020-21")
    assert page.status_code == 302
    assert page.headers["Location"] == "/sign-in?next=%2Fcla-reviews%3Ffy%3D2020-21"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 401
    update = client.post("/_dash-update-component", json={"output": "x.children"})
    assert update.status_code == 401
    assert "sign-in has ended" in update.get_data(as_text=True)
    assert client.get("/assets/sqa.css").status_code == 200  # the sign-in page's styles


def test_sign_in_lands_each_role_on_its_home(app: dash.Dash, accounts_db: Path) -> None:
    with app.server.test_client() as c:
        r = sign_in(c, "iro1")
        assert (r.status_code, r.headers["Location"]) == (302, "/iro/I1")
        # Having signed in, an IRO may open the service's KPI table (aggregates only).
        assert c.get("/").status_code == 200
    with app.server.test_client() as c:
        r = sign_in(c, "manager")
        assert (r.status_code, r.headers["Location"]) == (302, "/")
        assert c.get("/").status_code == 200


def _message(response: Any) -> str:
    found = re.search(r'role="alert">([^<]+)<', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return html.unescape(found.group(1))


def _post_sign_in(c: FlaskClient, user: str, password: str, addr: str) -> Any:
    return c.post(
        "/sign-in",
        data={"username": user, "password": password, "csrf_token": _token(c)},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_every_failure_reads_the_same_and_costs_one_hash_check(
    app: dash.Dash, accounts_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown name, wrong password, a throttled name, an admin-locked account and a
    proxy-only account: one sentence, and exactly one argon2 check each (so the time
    cannot tell them apart either; the seconds themselves belong in a benchmark)."""
    from dashboard import data

    accounts.add(accounts_db, "samey", "service_manager", PASSWORD)
    accounts.add(accounts_db, "locked-out", "service_manager", PASSWORD)
    accounts.lock(accounts_db, "locked-out")
    accounts.add(accounts_db, "sso-only", "service_manager", None)
    attempts = data.settings().lockout_attempts
    checks: list[int] = []

    class Counted(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            checks.append(1)
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_hasher", Counted())
    messages = {}
    with app.server.test_client() as c:
        for _ in range(attempts):
            _post_sign_in(c, "samey", "not it", "127.0.0.9")
        for case, (user, pw) in {
            "unknown": ("nobody", "not the password"),
            "wrong": ("manager", "not the password"),
            "throttled, right password": ("samey", PASSWORD),
            "admin-locked, right password": ("locked-out", PASSWORD),
            "proxy-only": ("sso-only", PASSWORD),
        }.items():
            checks.clear()
            r = _post_sign_in(c, user, pw, "127.0.0.9")
            assert r.status_code == 200 and "Location" not in r.headers, case
            messages[case] = _message(r)
            assert len(checks) == 1, case
    assert len(set(messages.values())) == 1, messages
    assert "wait 15 minutes" in next(iter(messages.values()))
    # The trail, unlike the person, is told which it was.
    log = accounts.search(accounts_db, Scope("t", "system"), text="sign-in refused: ")
    said: dict[str, str] = {}
    for user, detail in zip(log["username"], log["detail"], strict=True):
        said.setdefault(user, detail)  # newest first: each name's last attempt
    assert said["nobody"].startswith("sign-in refused: unknown name")
    assert said["samey"].startswith("sign-in refused: throttled")
    assert said["locked-out"].startswith("sign-in refused: locked")
    assert said["sso-only"].startswith("sign-in refused: proxy-only account")


def test_a_strangers_failures_never_lock_the_owner_out(app: dash.Dash, accounts_db: Path) -> None:
    from dashboard import data

    accounts.add(accounts_db, "owner", "service_manager", PASSWORD)
    attempts = data.settings().lockout_attempts  # 5 by default
    with app.server.test_client() as c:
        for _ in range(attempts * 3):  # the stranger keeps trying, from 127.0.0.1
            _post_sign_in(c, "owner", "guess!", "127.0.0.1")
        # The stranger is now refused even with the right password ...
        r = _post_sign_in(c, "owner", PASSWORD, "127.0.0.1")
        assert r.status_code == 200 and "Location" not in r.headers
    with app.server.test_client() as c:  # ... while the owner, from 127.0.0.2, gets in.
        assert _post_sign_in(c, "owner", PASSWORD, "127.0.0.2").status_code == 302
    log = accounts.search(accounts_db, Scope("t", "system"), username="owner")
    refused = log[log["action"] == "sign_in_failed"]
    assert len(refused) == attempts * 3 + 1
    assert set(refused["address"]) == {"127.0.0.1"}
    assert log.iloc[0]["action"] == "sign_in" and log.iloc[0]["address"] == "127.0.0.2"


def test_a_copy_of_the_cookie_opens_nothing_after_sign_out(
    app: dash.Dash, accounts_db: Path
) -> None:
    c = signed_in(app, "manager")
    stolen = c.get_cookie("sqa_session")
    assert stolen is not None and c.get("/cla-reviews").status_code == 200
    c.post("/sign-out", data={"csrf_token": csrf(c)["X-CSRF-Token"]})
    with app.server.test_client() as thief:
        thief.set_cookie("sqa_session", stolen.value)
        assert thief.get("/cla-reviews").status_code == 302
        assert thief.post("/_dash-update-component", json={}).status_code == 401


CHANGES = {
    "password changed": lambda p: accounts.set_password(p, "changer", "a brand new passphrase"),
    "role changed": lambda p: accounts.set_role(p, "changer", "admin"),
    "locked by an admin": lambda p: accounts.lock(p, "changer"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_account_changes_end_its_other_sessions(
    app: dash.Dash, accounts_db: Path, change: str
) -> None:
    if accounts.get(accounts_db, "changer"):
        accounts.remove(accounts_db, "changer")
    accounts.add(accounts_db, "changer", "service_manager", PASSWORD)
    laptop, phone = signed_in(app, "changer"), signed_in(app, "changer")
    assert laptop.get("/").status_code == phone.get("/").status_code == 200
    CHANGES[change](accounts_db)
    assert laptop.get("/").status_code == phone.get("/").status_code == 302


def test_public_paths_match_exactly(client: FlaskClient) -> None:
    for path in ("/healthzfoo", "/favicon.icoX", "/sign-inx", "/assetsx/sqa.css"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/sign-in?next="), path
    assert client.get("/healthz").get_data(as_text=True) == "ok\n"


def test_state_files_are_private(app: dash.Dash, accounts_db: Path) -> None:
    from dashboard import data

    sign_in(app.server.test_client(), "manager")
    assert accounts_db.stat().st_mode & 0o777 == 0o600
    for extra in ("-wal", "-shm"):
        side = accounts_db.with_name(accounts_db.name + extra)
        if side.exists():
            assert side.stat().st_mode & 0o077 == 0, side
    assert data.settings().secret_key_file.stat().st_mode & 0o777 == 0o600


def test_sign_in_form_needs_its_token(client: FlaskClient) -> None:
    _token(client)
    r = client.post(
        "/sign-in", data={"username": "manager", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert r.status_code == 200 and "Location" not in r.headers
    assert "sign-in form had expired" in r.get_data(as_text=True)


def test_sign_out_needs_the_token_and_ends_the_session(app: dash.Dash, accounts_db: Path) -> None:
    c = signed_in(app, "manager")
    assert c.post("/sign-out").status_code == 403
    assert c.get("/cla-reviews").status_code == 200
    out = c.post("/sign-out", data={"csrf_token": csrf(c)["X-CSRF-Token"]})
    assert out.headers["Location"] == "/sign-in?signed_out=1"
    assert c.get("/cla-reviews").status_code == 302


def test_removed_account_is_signed_out_at_once(app: dash.Dash, accounts_db: Path) -> None:
    accounts.add(accounts_db, "leaver", "service_manager", PASSWORD)
    c = signed_in(app, "leaver")
    assert c.get("/").status_code == 200
    accounts.remove(accounts_db, "leaver")
    assert c.get("/").status_code == 302


def test_dash_requests_need_the_csrf_token_and_same_origin(
    app: dash.Dash, accounts_db: Path
) -> None:
    c = signed_in(app, "manager")
    body = {
        "output": "data-banner.children",
        "outputs": {"id": "data-banner", "property": "children"},
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"}],
        "changedPropIds": ["_pages_location.pathname"],
    }
    assert c.post("/_dash-update-component", json=body).status_code == 403
    ok = c.post("/_dash-update-component", json=body, headers=csrf(c))
    assert ok.status_code == 200
    other_site = {**csrf(c), "Origin": "https://evil.example"}
    refused = c.post("/_dash-update-component", json=body, headers=other_site)
    assert refused.status_code == 403
    assert "from another site" in refused.get_data(as_text=True)


def test_security_headers_and_cookie_flags(app: dash.Dash, accounts_db: Path) -> None:
    with app.server.test_client() as c:
        page = c.get("/sign-in")
        csp = page.headers["Content-Security-Policy"]
        assert (
            "script-src 'self' 'sha256-" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in csp
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        session_cookie = next(
            h for h in page.headers.getlist("Set-Cookie") if h.startswith("sqa_session=")
        )
        assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
        assert "Secure" not in session_cookie  # plain http (a test); see below for https
    with app.server.test_client() as c:
        page = c.get("/sign-in", base_url="https://dashboard.example")
        cookies = page.headers.getlist("Set-Cookie")
        assert all("Secure" in h for h in cookies), cookies
    # Behind nginx, which ends TLS: Secure when the trusted proxy (10.9.9.0/24 here) says
    # https; the same header from anyone else is not believed.
    https = {"X-Forwarded-Proto": "https"}
    for addr, secure in (("10.9.9.4", True), ("192.0.2.9", False)):
        with app.server.test_client() as c:
            page = c.get("/sign-in", headers=https, environ_base={"REMOTE_ADDR": addr})
            cookies = page.headers.getlist("Set-Cookie")
            assert cookies and all(("Secure" in h) == secure for h in cookies), (addr, cookies)


def test_proxy_sign_on_trusts_only_configured_addresses(
    tmp_path: Path, accounts_db: Path, app: dash.Dash
) -> None:
    """A second app in proxy mode, over the same database and accounts."""
    from dashboard import data
    from dashboard.auth import install

    settings = data.settings()
    previous = _get_app.APP  # a second Dash app takes over dash.get_app(); put it back
    try:
        proxy_app = dash.Dash(__name__, assets_folder=str(tmp_path))
    finally:
        _get_app.APP = previous
    proxy_app.layout = dash.html.Div("signed in")
    install(
        proxy_app,
        dataclasses.replace(settings, auth="proxy", trusted_proxies=("10.1.2.0/24",)),
    )
    c = proxy_app.server.test_client()
    head = {"X-Remote-User": "manager"}
    far = c.get("/", headers=head, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert far.status_code == 403
    assert "straight from 192.0.2.9 is refused" in far.get_data(as_text=True)
    near = c.get("/", headers=head, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert near.status_code == 200
    unknown = c.get(
        "/", headers={"X-Remote-User": "stranger"}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert unknown.status_code == 403
    assert "no dashboard account for 'stranger'" in html.unescape(unknown.get_data(as_text=True))
    none = c.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert none.status_code == 401


# --- the authorization matrix ---------------------------------------------------------

SQLISH = "North' OR '1'='1' --"
PATHISH = "../../../etc/passwd"
VARIANTS = {
    "as sent by the page": {},
    "another IRO's id": {"staff": "I2", "team": "__all__"},
    "another team": {"team": "South", "staff": "__all__"},
    "SQL in the filters": {"staff": SQLISH, "team": SQLISH, "kind": SQLISH, "file": PATHISH},
}


def _value(cid: str, prop: str, variant: dict[str, str]) -> Any:
    """A value for one input, as a page would send it, then forged by ``variant``."""
    low = cid.lower()
    if prop == "n_clicks":
        return 1
    if prop == "pathname":
        return "/"
    if prop == "data":
        return 0
    for key in ("staff", "team", "kind", "file", "since", "until", "user", "text", "quarter"):
        if key in low and key in variant:
            return variant[key]
    if low.endswith(("-fy", "fy")):
        return "2020-21"
    if "cmp" in low:
        return "2019-20"
    if low.endswith(("-from", "start", "since")):
        return "2020-04-01"
    if low.endswith(("-to", "end", "until")):
        return "2021-03-31"
    if "late" in low:
        return []
    if "days" in low:
        return "56"
    if "period" in low:
        return "custom"
    return "__all__"


def _parts(spec: str) -> tuple[Any, str]:
    """An output's id and property; a pattern-matching id (JSON) with its wildcards
    filled in as one concrete component."""
    cid, _, prop = spec.rpartition(".")
    return (_concrete(json.loads(cid)) if cid.startswith("{") else cid), prop


def _concrete(cid: Any) -> Any:
    if isinstance(cid, dict):
        return {
            k: ("x-1" if v in (["MATCH"], ["ALL"], ["ALLSMALLER"]) else v) for k, v in cid.items()
        }
    return cid


def _item(spec: dict[str, Any], variant: dict[str, str]) -> Any:
    """One input or state as Dash sends it (a list of one for an ALL wildcard)."""
    cid, prop = spec["id"], spec["property"]
    if isinstance(cid, dict):
        concrete = _concrete(cid)
        value = _value(json.dumps(concrete), prop, variant)
        if prop == "id":
            value = concrete
        one = {"id": concrete, "property": prop, "value": value}
        return [one] if ["ALL"] in cid.values() else one
    return {"id": cid, "property": prop, "value": _value(cid, prop, variant)}


_APP: list[dash.Dash] = []


def server_callbacks() -> list[dict[str, Any]]:
    """Every callback the app runs on the server (registered by its first request)."""
    callbacks: list[dict[str, Any]] = _APP[0]._callback_list
    return [c for c in callbacks if not c.get("clientside_function")]


def call(c: FlaskClient, cb: dict[str, Any], variant: dict[str, str]) -> tuple[int, str]:
    out = cb["output"]
    specs = out[2:-2].split("...") if out.startswith("..") else [out]
    outputs = [dict(zip(("id", "property"), _parts(s), strict=True)) for s in specs]
    inputs = [_item(i, variant) for i in cb["inputs"]]
    state = [_item(s, variant) for s in cb.get("state", [])]
    body = {
        "output": out,
        "outputs": outputs if out.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [
            f"{json.dumps(i['id']) if isinstance(i['id'], dict) else i['id']}.{i['property']}"
            for i in inputs[-1:]
            if isinstance(i, dict)
        ],
    }
    r = c.post("/_dash-update-component", json=body, headers=csrf(c))
    return r.status_code, r.get_data(as_text=True)


@pytest.fixture(scope="module")
def clients(app: dash.Dash, accounts_db: Path) -> dict[str, FlaskClient]:
    made = {user: signed_in(app, user) for user in USERS}
    made["manager"].get("/")  # Dash registers its callbacks on the first request
    _APP[:] = [app]
    return made


def test_every_callback_as_every_role_returns_nothing_out_of_scope(
    clients: dict[str, FlaskClient],
) -> None:
    callbacks = server_callbacks()
    assert len(callbacks) >= 30  # every page's callbacks are registered
    leaks, errors, manager_saw_c2 = [], [], False
    for (user, c), cb, (vname, variant) in itertools.product(
        clients.items(), callbacks, VARIANTS.items()
    ):
        status, text = call(c, cb, variant)
        if status >= 500:
            errors.append((user, cb["output"], vname, status, text[:200]))
        for pattern in FORBIDDEN[user]:
            if status == 200 and re.search(pattern, text):
                leaks.append((user, cb["output"], vname, pattern))
        if user == "manager" and status == 200 and re.search(r"\bC2\b", text):
            manager_saw_c2 = True
    assert leaks == []
    assert errors == []
    assert manager_saw_c2  # the control: the same calls do reach C2 for a manager


def test_downloads_stay_in_scope_and_names_stay_plain(clients: dict[str, FlaskClient]) -> None:
    downloads = [cb for cb in server_callbacks() if cb["output"].endswith("download.data")]
    assert len(downloads) >= 4
    for (user, c), cb, variant in itertools.product(
        clients.items(), downloads, [*VARIANTS.values(), {"staff": PATHISH, "team": PATHISH}]
    ):
        status, text = call(c, cb, variant)
        if status != 200:
            assert status in (400, 403), (user, cb["output"], status, text)
            continue
        payload = json.loads(text)["response"]
        sent = next(iter(payload.values()))["data"]
        if user == "admin" and not cb["output"].startswith(("audit-", "dq-")):
            raise AssertionError(f"admin downloaded child-level rows from {cb['output']}")
        assert "/" not in sent["filename"] and ".." not in sent["filename"], sent["filename"]
        for pattern in FORBIDDEN[user]:
            assert not re.search(pattern, sent["content"]), (user, cb["output"], pattern)


def test_iro_sees_own_rows_and_others_anonymised(clients: dict[str, FlaskClient]) -> None:
    c = clients["iro1"]
    page = c.get("/_dash-layout")
    assert page.status_code == 200
    # The IRO list names only themselves; the by-IRO table anonymises everyone else.
    cb = next(cb for cb in server_callbacks() if cb["output"] == "cla-by-iro.figure")
    status, text = call(c, cb, {"team": "__all__"})
    assert status == 200
    assert "Iro One" in text and "Another IRO 1" in text and "Another IRO 2" in text
    # Their own records: R1 (C1) is theirs; R3 is also C1's but chaired by I3, so hidden.
    rec = next(cb for cb in server_callbacks() if cb["output"].startswith("..cla-records-table"))
    status, text = call(c, rec, {"team": "__all__", "staff": "__all__"})
    assert status == 200 and re.search(r"\bC1\b", text)
    shown = json.loads(text)["response"]["cla-records-status"]["children"]
    assert shown == "Records 1–1 of 1 · page 1 of 1"


def test_admin_gets_the_audit_page_and_others_do_not(clients: dict[str, FlaskClient]) -> None:
    cb = next(cb for cb in server_callbacks() if cb["output"] == "audit-result.children")
    for user in ("manager", "north", "iro1"):
        status, text = call(clients[user], cb, {})
        assert status == 403 and "for admins only" in text
    today = dt.date.today().isoformat()
    status, text = call(
        clients["admin"], cb, {"since": today, "until": today, "user": "", "text": ""}
    )
    assert status == 200 and "records, newest first" in text


def test_views_and_exports_of_child_rows_are_audited(
    clients: dict[str, FlaskClient], accounts_db: Path
) -> None:
    c = clients["north"]
    rec = next(cb for cb in server_callbacks() if cb["output"].startswith("..cla-records-table"))
    download = next(cb for cb in server_callbacks() if cb["output"] == "cla-records-download.data")
    before = len(accounts.search(accounts_db, Scope("t", "system"), username="north"))
    assert call(c, rec, {"team": "__all__", "staff": "__all__"})[0] == 200
    assert call(c, download, {"team": "__all__", "staff": "__all__"})[0] == 200
    log = accounts.search(accounts_db, Scope("t", "system"), username="north")
    new = log.head(len(log) - before)
    # Newest first: the export, then the page of records shown.
    assert new["action"].tolist() == ["export", "view"]
    export, view = new.iloc[0], new.iloc[1]
    # Structured: a fixed label, then the filters as sent (all teams and people are left
    # out), then the viewer's role and place. No staff name is written.
    assert export["detail"] == (
        "CLA review records (xlsx) · format=xlsx · fy=2020-21 · late_only=[] · "
        "table=cla-records · as team_manager North"
    )
    assert export["role"] == view["role"] == "team_manager"
    # North's reviews in 2020-21: R1 (C1, I1) and R3 (C1, I3): 2 rows, in both.
    assert export["rows"] == view["rows"] == 2
    assert view["detail"] == (
        "CLA review records · fy=2020-21 · late_only=[] · page=1 · table=cla-records"
        " · as team_manager North"
    )
    # Shown again (now from the view cache): recorded again.
    assert call(c, rec, {"team": "__all__", "staff": "__all__"})[0] == 200
    again = accounts.search(accounts_db, Scope("t", "system"), username="north")
    assert len(again) == len(log) + 1 and again.iloc[0]["action"] == "view"


# --- the audit trail nobody can dodge, and inputs of the wrong kind ----------------------

FORGED = "x · as service_manager\n2026-12-01 manager export everything"


def _trail(path: Path, user: str) -> Any:
    return accounts.search(path, Scope("t", "system"), username=user)


def test_a_forged_filter_is_refused_not_recorded(
    clients: dict[str, FlaskClient], accounts_db: Path
) -> None:
    c = clients["manager"]
    rec = next(cb for cb in server_callbacks() if cb["output"].startswith("..cla-records-table"))
    before = len(_trail(accounts_db, "manager"))
    for team in (FORGED, "y" * 200_000):
        status, text = call(c, rec, {"team": team, "staff": "__all__"})
        assert status == 400, text[:200]
    log = _trail(accounts_db, "manager")
    assert len(log) == before  # neither value reached the trail
    assert not log["detail"].str.contains("export everything").any()


def test_every_callback_answers_400_to_values_of_the_wrong_kind(
    clients: dict[str, FlaskClient],
) -> None:
    """Walk /_dash-dependencies as an attacker would and send, for each input in turn,
    nothing (null, as a cleared chooser sends), a blank, a list, a dict, a number and
    far-off dates where the page sends text: never a 5xx."""
    c = clients["manager"]
    deps = c.get("/_dash-dependencies").get_json()
    server_side = [d for d in deps if not d.get("clientside_function")]
    assert len(server_side) >= 30
    bad_values: list[Any] = [
        None,
        "",
        ["North"],
        {"team": "North"},
        12345,
        "0001-01-01",
        "9999-12-31",
    ]
    answers, errors = {}, []
    for cb, bad in itertools.product(server_side, bad_values):
        for n in range(len(cb["inputs"])):
            status, text = _call_with(c, cb, n, bad)
            answers[status] = answers.get(status, 0) + 1
            if status >= 500:
                errors.append((cb["output"], n, bad, text[:160]))
    assert errors == []
    assert answers.get(400, 0) > 50  # most wrong kinds are refused with a sentence


def _call_with(c: FlaskClient, cb: dict[str, Any], n: int, bad: Any) -> tuple[int, str]:
    """``cb`` as the page sends it, with input ``n`` replaced by ``bad``."""
    out = cb["output"]
    specs = out[2:-2].split("...") if out.startswith("..") else [out]
    outputs = [dict(zip(("id", "property"), _parts(s), strict=True)) for s in specs]
    inputs = [_item(i, {}) for i in cb["inputs"]]
    target = inputs[n]
    if isinstance(target, list):
        target[0]["value"] = bad
    else:
        target["value"] = bad
    body = {
        "output": out,
        "outputs": outputs if out.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": [_item(s, {}) for s in cb.get("state", [])],
        "changedPropIds": [
            f"{json.dumps(i['id']) if isinstance(i['id'], dict) else i['id']}.{i['property']}"
            for i in inputs[n : n + 1]
            if isinstance(i, dict)
        ],
    }
    r = c.post("/_dash-update-component", json=body, headers=csrf(c))
    return r.status_code, r.get_data(as_text=True)


def test_refusals_are_on_the_trail(clients: dict[str, FlaskClient], accounts_db: Path) -> None:
    c = clients["iro1"]
    rec = next(cb for cb in server_callbacks() if cb["output"].startswith("..cla-records-table"))
    before = len(_trail(accounts_db, "iro1"))
    status, text = call(c, rec, {"staff": "I2", "team": "__all__"})  # another IRO's records
    assert status == 200 and "C2" not in text  # the page says no, in words
    log = _trail(accounts_db, "iro1")
    assert len(log) == before + 1
    assert log.iloc[0]["action"] == "refused" and log.iloc[0]["role"] == "iro"
    assert "staff=I2" in log.iloc[0]["detail"]
    # Asked again (the refusal now comes from the view cache): on the trail again.
    call(c, rec, {"staff": "I2", "team": "__all__"})
    assert len(_trail(accounts_db, "iro1")) == before + 2


def test_table_downloads_are_built_on_the_server_and_audited(
    clients: dict[str, FlaskClient], accounts_db: Path
) -> None:
    """The page holds a token, never the rows: the file comes from what the server drew for
    this viewer, and another viewer's token opens nothing."""
    c = clients["manager"]
    drawn = next(cb for cb in server_callbacks() if cb["output"] == "cla-by-team.children")
    status, text = call(c, drawn, {})
    assert status == 200
    tokens = re.findall(r'"type":\s*"table-data"[^}]*\}[^}]*?"data":\s*"([^"]+)"', text)
    assert tokens, text[:500]
    token = tokens[0]
    assert "North" in text  # the table (teams North and South) was drawn ...
    file_cb = next(cb for cb in server_callbacks() if "table-file" in cb["output"])
    body = {
        "output": file_cb["output"],
        "outputs": {"id": {"type": "table-file", "table": "cla-team-table"}, "property": "data"},
        "inputs": [
            {"id": {"type": "table-csv", "table": "cla-team-table"}, "property": "n_clicks",
             "value": 1},
            {"id": {"type": "table-xlsx", "table": "cla-team-table"}, "property": "n_clicks",
             "value": 0},
        ],
        "state": [
            {"id": {"type": "table-data", "table": "cla-team-table"}, "property": "data",
             "value": token}
        ],
        "changedPropIds": ['{"table":"cla-team-table","type":"table-csv"}.n_clicks'],
    }  # fmt: skip
    before = len(_trail(accounts_db, "manager"))
    r = c.post("/_dash-update-component", json=body, headers=csrf(c))
    assert r.status_code == 200
    sent = next(iter(r.get_json()["response"].values()))["data"]
    assert "North" in sent["content"] and sent["filename"].endswith(".csv")
    log = _trail(accounts_db, "manager")
    assert len(log) == before + 1 and log.iloc[0]["action"] == "export"
    assert "table=cla-team-table" in log.iloc[0]["detail"]
    # The same token from another account: refused, nothing sent.
    other = clients["north"]
    r = other.post("/_dash-update-component", json=body, headers=csrf(other))
    assert r.status_code == 400 and "North" not in r.get_data(as_text=True)


def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy(
    app: dash.Dash, accounts_db: Path
) -> None:
    from dashboard import data

    trusted = data.settings().trusted_proxies
    assert trusted, "the test app trusts a proxy network"
    proxy = trusted[0].split("/")[0]
    with app.server.test_client() as c:
        _token(c)
        headers = {"X-Forwarded-For": "203.0.113.7, 198.51.100.9"}
        for addr in (proxy, "127.0.0.5"):
            c.post(
                "/sign-in",
                data={"username": "ghost-" + addr, "password": "x", "csrf_token": _token(c)},
                headers=headers,
                environ_base={"REMOTE_ADDR": addr},
            )
    log = accounts.search(accounts_db, Scope("t", "system"), text="sign-in refused")
    by_user = dict(zip(log["username"], log["address"], strict=True))
    assert by_user["ghost-" + proxy] == "198.51.100.9"  # the hop the trusted proxy saw
    assert by_user["ghost-127.0.0.5"] == "127.0.0.5"  # anyone else: the socket


PACK = {"quarter": "year"}


def test_board_packs_are_rate_limited_per_person(
    clients: dict[str, FlaskClient], accounts_db: Path
) -> None:
    from dashboard import data

    limit = data.settings().export_limit
    boss = Scope("manager", "service_manager")
    for _ in range(limit):  # as if built in the last minutes
        accounts.record(accounts_db, boss, "export", "board pack (pdf)", 0)
    pack = next(cb for cb in server_callbacks() if cb["output"].startswith("..pack-download.data"))
    status, text = call(clients["manager"], pack, PACK)
    assert status == 200, text
    assert f"You have built {limit} board packs in the last 10 minutes" in text
    assert '"content"' not in text  # no pack was built or sent
    # Someone else is not held back by the manager's count.
    status, text = call(clients["admin"], pack, PACK)
    assert "board packs in the last 10 minutes" not in text


def test_team_managers_cannot_replace_the_service_commentary(
    clients: dict[str, FlaskClient], accounts_db: Path
) -> None:
    note = {"type": "pack-note", "measure": "cla_reviews_on_time"}
    body = {
        "output": "pack-saved.children",
        "outputs": {"id": "pack-saved", "property": "children"},
        "inputs": [{"id": "pack-save", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "pack-fy", "property": "value", "value": "2020-21"},
            {"id": "pack-quarter", "property": "value", "value": "year"},
            [{"id": note, "property": "value", "value": "Replaced by a team manager."}],
            [{"id": note, "property": "id", "value": note}],
        ],
        "changedPropIds": ["pack-save.n_clicks"],
    }
    before = len(_trail(accounts_db, "north"))
    for user, expect in (("north", "only service managers write it"), ("manager", "saved.")):
        c = clients[user]
        r = c.post("/_dash-update-component", json=body, headers=csrf(c))
        assert r.status_code == 200 and expect in r.get_data(as_text=True), user
    tried = _trail(accounts_db, "north")  # refused, nothing saved, and on the trail
    assert len(tried) == before + 1 and tried.iloc[0]["action"] == "refused"
    saved = _trail(accounts_db, "manager").iloc[0]
    assert saved["action"] == "commentary"
    assert "measure=cla_reviews_on_time" in saved["detail"] and "period=2020-21" in saved["detail"]


def test_an_iros_lists_name_whose_rows_they_are(clients: dict[str, FlaskClient]) -> None:
    """An IRO who chose nobody sees only their own children: the worklist says so by name,
    not "All teams" (which would read as everyone's)."""
    summary = next(cb for cb in server_callbacks() if cb["output"] == "wl-summary.children")
    status, text = call(clients["iro1"], summary, {"team": "__all__", "staff": "__all__"})
    assert status == 200
    assert "for Iro One" in text and "All teams" not in text
    status, text = call(clients["north"], summary, {"team": "__all__", "staff": "__all__"})
    assert "for North" in text and "All teams" not in text
    status, text = call(clients["manager"], summary, {"team": "__all__", "staff": "__all__"})
    assert "for All teams" in text
