"""Real servers for the tests, from Debian's packages, started once per test session:
PostgreSQL (state, SQL sources), with a fresh database per test that asks for one."""

from __future__ import annotations

import glob
import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "pg-test-password"
SITE = Path(__file__).resolve().parents[1] / "docs" / "deploy" / "nginx-sqa-dashboard.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Postgres:
    """A running PostgreSQL server on loopback; role ``sqa`` (password ``PASSWORD``)."""

    port: int
    psql: list[str]
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def sql(self, statement: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [*self.psql, "-d", database, "-At", "-c", statement],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout

    def new_database(self, prefix: str = "t") -> str:
        """A new empty database owned by ``sqa``: its name."""
        name = f"{prefix}{next(self._numbers)}"
        self.sql(f"create database {name} owner sqa")
        return name

    def url(self, database: str, password: bool = True) -> str:
        secret = f":{PASSWORD}" if password else ""
        return f"postgresql+psycopg://sqa{secret}@127.0.0.1:{self.port}/{database}"


def start_postgres() -> Iterator[Postgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed: scripts/test.sh installs Debian's postgresql"
    bin_dir = Path(found[-1]).parent
    root = os.geteuid() == 0
    data = Path(tempfile.mkdtemp(prefix="sqa-pg-"))
    run_as = ["runuser", "-u", "postgres", "--"] if root else []
    if root:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data / "db"), "-U", "postgres",
         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"),
         "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
         "-c max_connections=300", "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        psql = [*run_as, str(bin_dir / "psql"), "-h", str(data), "-p", str(port), "-U", "postgres"]
        server = Postgres(port, psql)
        server.sql(f"create role sqa login password '{PASSWORD}'")
        yield server
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )
        time.sleep(0.2)
        shutil.rmtree(data, ignore_errors=True)


def start_redis(folder: Path) -> Iterator[str]:
    """A real redis-server on loopback, nothing saved to disk: its URL."""
    import redis

    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/test.sh installs it)"
    port = free_port()
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
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


NGINX_SITE = """
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{site}
}}
"""


def start_nginx(folder: Path, site: str) -> Iterator[subprocess.Popen[bytes]]:
    """Debian's nginx in the foreground with ``site`` (a server block and its upstream)
    as its only configuration."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is not installed (scripts/test.sh installs it)"
    user = "user root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_SITE.format(user=user, folder=folder, site=site))
    subprocess.run([binary, "-t", "-c", str(conf), "-p", str(folder)], check=True,
                   capture_output=True)  # fmt: skip
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def loopback_site(upstreams: list[int], listen: int, folder: Path) -> str:
    """The shipped nginx site (docs/deploy) with loopback addresses and no TLS: these app
    servers' ports, nginx listening on ``listen``, its access log in ``folder/sqa.log``."""
    text = SITE.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in upstreams
    )
    text = re.sub(r"(    server 10\.0\.0\.\d+:8050[^\n]*\n)+", servers, text)
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen};")
    text = re.sub(r"\s*ssl_certificate(_key)? [^;]+;", "", text)
    text = text.replace("/var/log/nginx/sqa-dashboard.access.log", str(folder / "sqa.log"))
    assert "10.0.0." not in text and "ssl" not in text, text
    return text
