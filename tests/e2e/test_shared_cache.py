"""A shared cache: two app servers on one Redis (a real redis-server), as several servers
behind a load balancer would run. A view one server built is a hit on the other, and a
new load is a miss on both at once (the keys hold the load id)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import redis

from queries.ingest import demo, loader
from tests.e2e.conftest import DEMO_END, ROOT
from tests.e2e.test_security import Client

pytestmark = pytest.mark.e2e

BY_TEAM = {
    "output": "cla-by-team.children",
    "outputs": {"id": "cla-by-team", "property": "children"},
    "inputs": [{"id": "cla-fy", "property": "value", "value": "2020-21"}],
    "changedPropIds": ["cla-fy.value"],
    "state": [],
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/test.sh installs it)"
    port = _port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    url = f"redis://127.0.0.1:{port}/0"
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def _server(demo_db: Path, accounts_db: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {
        **os.environ,
        "SQA_DB": str(demo_db),
        "SQA_AUTO_DEMO": "0",
        "SQA_CACHE_TYPE": "RedisCache",
        "SQA_CACHE_REDIS_URL": url,
        "SQA_ACCOUNTS_DB": str(accounts_db),
        "SQA_SECRET_KEY_FILE": str(demo_db.parent / "secret-key"),
        "SQA_SNAPSHOTS_DB": str(demo_db.parent / "snapshots.sqlite"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "app:server"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("an app server did not start")


def _post(client: Client, body: dict) -> str:  # type: ignore[type-arg]
    con = http.client.HTTPConnection(client.host, client.port, timeout=60)
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


def untokened(text: str) -> str:
    """A response without its held-table token (each drawing of a table gets a new one)."""
    return re.sub(r'"data":"[A-Za-z0-9_-]{16,}"', '"data":"…"', text)


def _load_id(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return str(con.execute("select load_id from load_info").fetchone()[0])  # type: ignore[index]


def test_two_servers_share_one_cache_and_see_a_new_load_at_once(
    demo_db: Path, accounts_db: Path, redis_url: str
) -> None:
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    (a_proc, a_base), (b_proc, b_base) = (
        _server(demo_db, accounts_db, redis_url), _server(demo_db, accounts_db, redis_url),
    )  # fmt: skip
    try:
        a = Client(a_base)
        assert a.sign_in("e2e-manager") == 302
        b = Client(b_base)
        b.cookies = dict(a.cookies)  # one session, server-side in the shared accounts file

        def view_keys(load_id: str) -> list[bytes]:
            return [
                k for k in store.scan_iter("*sqa:view:*update_by_team*") if load_id.encode() in k
            ]

        first = _load_id(demo_db)
        built = _post(a, BY_TEAM)  # server A builds the view: a miss, stored in Redis
        assert len(view_keys(first)) == 1
        hits = int(store.info("stats")["keyspace_hits"])
        served = _post(b, BY_TEAM)  # server B: the same view, read from Redis
        assert served == built
        assert int(store.info("stats")["keyspace_hits"]) > hits
        assert len(view_keys(first)) == 1  # B stored nothing new: it was a hit

        # A new load (the same extract again: a new load id) is seen by both at once.
        loader.load_extract(demo_db.parent / "extract", demo_db, as_of=demo.extract_time(DEMO_END))
        second = _load_id(demo_db)
        assert second != first
        rebuilt = _post(b, BY_TEAM)  # B now misses, builds from the new load
        assert untokened(rebuilt) == untokened(built)  # the same figures, a new table token
        assert rebuilt != built and len(view_keys(second)) == 1
        hits = int(store.info("stats")["keyspace_hits"])
        assert _post(a, BY_TEAM) == rebuilt  # and A reads what B built for the new load
        assert int(store.info("stats")["keyspace_hits"]) > hits
        assert len(view_keys(second)) == 1
    finally:
        for proc in (a_proc, b_proc):
            proc.terminate()
            proc.wait(timeout=20)
