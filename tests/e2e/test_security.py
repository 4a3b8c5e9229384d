"""Sessions and sign-in against the real gunicorn server (2 workers), as an attacker would:
plain HTTP from chosen loopback addresses, no browser."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from queries.access.scope import SYSTEM
from queries.state import accounts
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e


class Client:
    """A tiny HTTP client that keeps cookies and speaks from ``source`` (a loopback
    address of this machine: all of 127.0.0.0/8 is local)."""

    def __init__(self, base: str, source: str = "127.0.0.1") -> None:
        parts = urlsplit(base)
        self.host, self.port, self.source = parts.hostname or "", parts.port or 80, source
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        con = http.client.HTTPConnection(
            self.host, self.port, timeout=30, source_address=(self.source, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        con.request(method, path, body=body, headers=headers)
        resp = con.getresponse()
        text = resp.read().decode()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        con.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text

    def sign_in(self, user: str, password: str = PASSWORD) -> int:
        _, _, page = self.request("GET", "/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page
        status, _, _ = self.request(
            "POST",
            "/sign-in",
            {"username": user, "password": password, "csrf_token": token.group(1), "next": "/"},
        )
        return status


def test_a_copied_cookie_dies_with_sign_out_on_every_worker(server: str) -> None:
    me = Client(server)
    assert me.sign_in("e2e-manager") == 302
    stolen = dict(me.cookies)
    for _ in range(4):  # two workers: each answers some of these
        assert me.request("GET", "/cla-reviews")[0] == 200
    assert me.request("POST", "/sign-out", {"csrf_token": me.cookies["sqa_csrf"]})[0] == 302
    thief = Client(server)
    thief.cookies = stolen
    for _ in range(4):
        status, headers, _ = thief.request("GET", "/cla-reviews")
        assert status == 302 and headers["location"].startswith("/sign-in")


def test_a_password_change_ends_the_other_sessions(server: str, accounts_db: Path) -> None:
    accounts.add(accounts_db, "e2e-changer", "service_manager", PASSWORD)
    laptop = Client(server)
    assert laptop.sign_in("e2e-changer") == 302
    assert laptop.request("GET", "/")[0] == 200
    accounts.set_password(accounts_db, "e2e-changer", "another end to end passphrase")
    assert laptop.request("GET", "/")[0] == 302


def test_failures_from_one_address_never_lock_out_the_owner_at_another(
    server: str, accounts_db: Path
) -> None:
    accounts.add(accounts_db, "e2e-target", "service_manager", PASSWORD)
    stranger = Client(server, "127.0.0.1")
    for _ in range(12):
        assert stranger.sign_in("e2e-target", "not the password") == 200
    assert stranger.sign_in("e2e-target") == 200  # throttled: even the right one is refused
    owner = Client(server, "127.0.0.2")
    assert owner.sign_in("e2e-target") == 302
    assert owner.request("GET", "/")[0] == 200
    log = accounts.search(accounts_db, SYSTEM, username="e2e-target")
    assert set(log[log["action"] == "sign_in_failed"]["address"]) == {"127.0.0.1"}
    assert log.iloc[0]["action"] == "sign_in" and log.iloc[0]["address"] == "127.0.0.2"


def test_public_paths_are_exact_on_the_real_server(server: str) -> None:
    anyone = Client(server)
    for path in ("/healthzfoo", "/favicon.icoX"):
        status, headers, _ = anyone.request("GET", path)
        assert status == 302 and headers["location"].startswith("/sign-in"), path
    assert anyone.request("GET", "/healthz")[0] == 200
