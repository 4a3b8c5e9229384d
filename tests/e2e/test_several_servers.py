"""Several app servers, as a service with more than one machine runs them: a real
PostgreSQL for the state, a real Redis for the cache, two gunicorn servers over the same
DuckDB load folder, and nginx in front with the shipped site (docs/deploy). Everything a
person does through one server holds on the other, and killing one loses nothing."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import redis

from queries.access.scope import SYSTEM
from queries.ingest import demo, loader
from queries.state import accounts, database, snapshots
from tests.e2e.conftest import DEMO_END, PASSWORD, ROOT, USERS
from tests.e2e.test_security import Client
from tests.servers import Postgres, free_port, loopback_site, start_nginx, start_redis

pytestmark = pytest.mark.e2e

BY_TEAM = {
    "output": "cla-by-team.children",
    "outputs": {"id": "cla-by-team", "property": "children"},
    "inputs": [{"id": "cla-fy", "property": "value", "value": "2020-21"}],
    "changedPropIds": ["cla-fy.value"],
    "state": [],
}


@dataclass
class Farm:
    """Two app servers behind nginx, on one state database and one cache."""

    servers: list[subprocess.Popen[bytes]]
    bases: list[str]
    front: str
    state_url: str
    redis_url: str
    access_log: Path
    demo_db: Path


def _start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "app:server"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the master and its workers
    )  # fmt: skip


def _wait(base: str) -> None:
    for _ in range(240):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{base} did not start")


@pytest.fixture(scope="module")
def farm(
    demo_db: Path, postgres_server: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Farm]:
    folder = tmp_path_factory.mktemp("farm")
    state_url = postgres_server.url(postgres_server.new_database("farm"))
    for name, (role, staff_id, team) in USERS.items():
        accounts.add(state_url, name, role, PASSWORD, staff_id, team)
    database.dispose()
    redis_gen = start_redis(folder)
    redis_url = next(redis_gen)
    env = {
        **os.environ,
        "SQA_DB": str(demo_db),
        "SQA_AUTO_DEMO": "0",
        "SQA_STATE_URL": state_url,
        "SQA_CACHE_TYPE": "RedisCache",
        "SQA_CACHE_REDIS_URL": redis_url,
        "SQA_SECRET_KEY_FILE": str(folder / "secret-key"),  # one key: one cookie for all
        "SQA_TRUSTED_PROXIES": "127.0.0.1",
        "SQA_TODAY": "2021-07-01",
    }
    ports = [free_port(), free_port()]
    servers = [_start_server(env, p, folder / f"server{i}.log") for i, p in enumerate(ports)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    for base in bases:
        _wait(base)
    listen = free_port()
    nginx_gen = start_nginx(folder, loopback_site(ports, listen, folder))
    next(nginx_gen)
    front = f"http://127.0.0.1:{listen}"
    _wait(front)
    try:
        yield Farm(servers, bases, front, state_url, redis_url, folder / "sqa.log", demo_db)
    finally:
        for proc in servers:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        for gen in (nginx_gen, redis_gen):
            next(gen, None)
        database.dispose()


def _on(client: Client, base: str) -> Client:
    """The same browser (its cookies), talking to one server directly."""
    other = Client(base)
    other.cookies = client.cookies
    return other


def post(client: Client, body: dict[str, Any]) -> str:
    con = http.client.HTTPConnection(client.host, client.port, timeout=120)
    con.request(
        "POST", "/_dash-update-component", body=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRF-Token": client.cookies["sqa_csrf"],
                 "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
                 "Origin": f"http://{client.host}:{client.port}"},
    )  # fmt: skip
    resp = con.getresponse()
    text = resp.read().decode()
    assert resp.status == 200, text[:300]
    return text


def _callback(client: Client, output_id: str, trigger: str) -> dict[str, Any]:
    """The request the browser sends for the callback drawing ``output_id`` when
    ``trigger`` changes, from the server's own ``/_dash-dependencies``."""
    status, _, text = client.request("GET", "/_dash-dependencies")
    assert status == 200
    dep = next(
        d for d in json.loads(text)
        if f"{output_id}." in d["output"] and any(i["id"] == trigger for i in d["inputs"])
    )  # fmt: skip
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in dep["output"].strip(".").split("...")
    ]
    return {"output": dep["output"], "outputs": outputs, "inputs": dep["inputs"],
            "changedPropIds": [], "state": dep["state"]}  # fmt: skip


def _freeze_request(client: Client, press: bool) -> dict[str, Any]:
    body = _callback(client, "pack-status", "pack-freeze")
    values = {"pack-fy": "2020-21", "pack-quarter": "year", "pack-group": "Service",
              "pack-audience": "internal", "pack-freeze": 1 if press else None}  # fmt: skip
    for item in body["inputs"]:
        item["value"] = values[item["id"]]
    body["changedPropIds"] = ["pack-freeze.n_clicks" if press else "pack-fy.value"]
    return body


def _load_id(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return str(con.execute("select load_id from load_info").fetchone()[0])  # type: ignore[index]


def _upstreams(log: Path) -> list[str]:
    """The server that answered each request: the last one nginx tried (after a dead one,
    nginx logs both, "127.0.0.1:A, 127.0.0.1:B")."""
    return [
        tried.split(", ")[-1] for tried in re.findall(r"upstream=(\S.*?) time=", log.read_text())
    ]


def test_requests_through_nginx_land_on_both_servers(farm: Farm) -> None:
    me = Client(farm.front)
    assert me.sign_in("e2e-manager") == 302
    seen = len(_upstreams(farm.access_log))
    for _ in range(12):
        assert me.request("GET", "/cla-reviews")[0] == 200
    landed = _upstreams(farm.access_log)[seen:]
    ports = {b.rsplit(":", 1)[1] for b in farm.bases}
    assert {u.rsplit(":", 1)[1] for u in landed} == ports, landed
    # The address on the trail is the person's, forwarded by nginx, not nginx's own.
    trail = accounts.search(farm.state_url, SYSTEM, username="e2e-manager")
    assert trail.iloc[-1]["action"] == "sign_in" and trail.iloc[-1]["address"] == "127.0.0.1"


def test_a_sign_out_on_one_server_ends_the_session_on_the_other(farm: Farm) -> None:
    a_base, b_base = farm.bases
    me = Client(a_base)
    assert me.sign_in("e2e-north") == 302
    assert _on(me, b_base).request("GET", "/cla-reviews")[0] == 200  # one session, both
    assert me.request("POST", "/sign-out", {"csrf_token": me.cookies["sqa_csrf"]})[0] == 302
    stolen = Client(b_base)
    stolen.cookies = {k: v for k, v in me.cookies.items()}
    status, headers, _ = _on(stolen, b_base).request("GET", "/cla-reviews")
    assert status == 302 and headers["location"].startswith("/sign-in")
    # Both servers wrote to one trail: the sign-in and sign-out came through A, the views
    # through B; they are all there, in order.
    actions = accounts.search(farm.state_url, SYSTEM, username="e2e-north")["action"].tolist()
    assert actions[:2] == ["sign_out", "sign_in"]


def test_audit_records_from_both_servers_are_in_one_trail(farm: Farm) -> None:
    me = Client(farm.bases[0])
    assert me.sign_in("e2e-manager") == 302
    before = len(accounts.search(farm.state_url, SYSTEM))
    for base in farm.bases:
        status, _, _ = _on(me, base).request("GET", "/audit")  # an admin-only page: refused
        assert status == 403
    refused = accounts.search(farm.state_url, SYSTEM, username="e2e-manager", text="/audit")
    assert len(accounts.search(farm.state_url, SYSTEM)) == before + 2
    assert refused["action"].tolist()[:2] == ["refused", "refused"]


def test_a_freeze_on_one_server_is_seen_on_the_other(farm: Farm) -> None:
    me = Client(farm.bases[0])
    assert me.sign_in("e2e-manager") == 302
    b = _on(me, farm.bases[1])
    assert "are not frozen yet" in post(b, _freeze_request(b, press=False))
    post(me, _freeze_request(me, press=True))  # frozen through server A
    assert "Figures frozen" in post(b, _freeze_request(b, press=False))
    assert snapshots.get(farm.state_url, "2021-03") is not None


def test_a_view_cached_by_one_is_a_hit_on_the_other_and_a_new_load_is_seen_by_both(
    farm: Farm,
) -> None:
    store = redis.Redis.from_url(farm.redis_url)
    me = Client(farm.bases[0])
    assert me.sign_in("e2e-manager") == 302
    a, b = me, _on(me, farm.bases[1])

    def view_keys(load_id: str) -> list[bytes]:
        return [k for k in store.scan_iter("*sqa:view:*update_by_team*") if load_id.encode() in k]

    first = _load_id(farm.demo_db)
    built = post(a, BY_TEAM)  # A builds the view: a miss, stored in Redis
    assert len(view_keys(first)) == 1
    hits = int(store.info("stats")["keyspace_hits"])
    assert post(b, BY_TEAM) == built  # B reads what A built
    assert int(store.info("stats")["keyspace_hits"]) > hits
    assert len(view_keys(first)) == 1
    # A new load (the same extract again: a new load id) swaps the link both servers read.
    loader.load_extract(
        farm.demo_db.parent / "extract", farm.demo_db, as_of=demo.extract_time(DEMO_END)
    )
    second = _load_id(farm.demo_db)
    assert second != first
    rebuilt = post(b, BY_TEAM)  # B builds from the new load at once
    assert len(view_keys(second)) == 1
    hits = int(store.info("stats")["keyspace_hits"])
    assert post(a, BY_TEAM) == rebuilt  # and A serves the new load too, from the cache
    assert int(store.info("stats")["keyspace_hits"]) > hits


def test_killing_one_server_loses_nothing(farm: Farm) -> None:
    me = Client(farm.front)
    assert me.sign_in("e2e-manager") == 302
    before = accounts.search(farm.state_url, SYSTEM)
    victim = farm.servers[0]
    os.killpg(victim.pid, signal.SIGKILL)  # master and workers, no goodbye: a power cut
    victim.wait(timeout=30)
    seen = len(_upstreams(farm.access_log))
    for _ in range(8):  # the same session, every page still answered
        assert me.request("GET", "/cla-reviews")[0] == 200
        assert "cla-by-team" in post(me, BY_TEAM)
    survivor = farm.bases[1].rsplit(":", 1)[1]
    assert {u.rsplit(":", 1)[1] for u in _upstreams(farm.access_log)[seen:]} == {survivor}
    # Every record the dead server wrote is still on the trail, and the freeze is kept.
    after = accounts.search(farm.state_url, SYSTEM)
    assert after.iloc[len(after) - len(before) :].values.tolist() == before.values.tolist()
    assert snapshots.get(farm.state_url, "2021-03") is not None
