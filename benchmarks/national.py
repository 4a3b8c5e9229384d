"""National-scale benchmark (issue 15): timings printed beside their targets, never tests.

    python benchmarks/national.py                 # ~9 million rows, every optional file
    python benchmarks/national.py --scale 10      # a quicker look (~1.4 million rows)

Prints, at national scale:
1. the load against DuckDB's own ``read_csv`` on the same files, side by side (read_csv
   timed just before and just after the load, both kept);
2. every page's layout and every callback its filters fire (a year, a team, a person),
   posted through HTTP as the browser posts them (found from each page's own layout and
   ``/_dash-dependencies``; button presses and file downloads are left out), uncached
   (NullCache) and cached (the default FileSystemCache, one worker), against the usual
   pandas-per-request Dash app (``peer_app.py``) on the same data in the same run;
3. locust (headless, loopback, a fixed time): 50 signed-in managers with 0.5-2 s think time
   on one server of 2 workers, then on the same deployment with shared state (PostgreSQL)
   and cache (Redis), and then twice the people on two such servers behind nginx.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench  # noqa: E402
import duckdb  # noqa: E402

from queries.ingest import demo, loader  # noqa: E402
from tests.servers import free_port, loopback_site, start_nginx, start_postgres, start_redis  # noqa: E402

OUT = bench.OUT
PAGES = [
    "/",
    "/cla-reviews",
    "/participation",
    "/child-protection",
    "/iro/S0001",
    "/worklist",
    "/quality",
    "/quality?section=drps",
    "/quality?section=caseloads",
    "/data-quality",
    "/records?measure=cla_reviews_on_time&from=2025-04-01&to=2026-03-31",
    "/board-pack",
]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# --------------------------------------------------------------------------- 1. the load


def read_csv_rate(folder: Path) -> tuple[float, int]:
    """Seconds for DuckDB's read_csv (auto-detected types) to read every file into a table."""
    con = duckdb.connect()
    rows = 0
    t0 = time.perf_counter()
    for path in sorted(folder.glob("*.csv")):
        con.execute("create or replace table t as select * from read_csv($p)", {"p": str(path)})
        counted = con.execute("select count(*) from t").fetchone()
        rows += int(counted[0]) if counted else 0
    seconds = time.perf_counter() - t0
    con.close()
    return seconds, rows


def read_csv_to_file_seconds(folder: Path) -> float:
    """Seconds for read_csv to read every file into tables of a new database file, written
    to disk (compressed, as a load's are): what persisting alone costs, for reference."""
    path = OUT / "read-csv-reference.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    t0 = time.perf_counter()
    for i, csv_path in enumerate(sorted(folder.glob("*.csv"))):
        made = f"create table t{i} as select * from read_csv($p)"  # noqa: S608 a number
        con.execute(made, {"p": str(csv_path)})
    con.execute("checkpoint")
    seconds = time.perf_counter() - t0
    con.close()
    path.unlink()
    return seconds


def load_side_by_side(scale: float) -> tuple[Path, list[list[str]]]:
    folder = OUT / f"extract-scale-{scale:g}"
    if not (folder / ".complete").exists():
        written = demo.write_demo_extract(folder, end=bench.END, scale=scale)
        (folder / ".complete").write_text(json.dumps(written))  # bench.py's marker too
    db = OUT / f"scale-{scale:g}.duckdb"
    before_s, rows = read_csv_rate(folder)
    report = loader.load_extract(folder, db, as_of=demo.extract_time(bench.END), keep=1)
    after_s, _ = read_csv_rate(folder)
    to_file_s = read_csv_to_file_seconds(folder)
    loaded = sum(report.rows.values()) + sum(report.rejects.values())
    engine = rows / statistics.mean([before_s, after_s])
    ours = loaded / report.seconds
    mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
    files = len(list(folder.glob("*.csv")))
    table = [
        ["DuckDB read_csv, before the load", f"{rows:,}", f"{before_s:.1f}",
         f"{rows / before_s:,.0f}", "", ""],
        ["DuckDB read_csv, after the load", f"{rows:,}", f"{after_s:.1f}",
         f"{rows / after_s:,.0f}", "", ""],
        ["DuckDB read_csv into a database file (reference, no target)", f"{rows:,}",
         f"{to_file_s:.1f}", f"{rows / to_file_s:,.0f}",
         f"{rows / to_file_s / engine:.2f} of read_csv", ""],
        [f"sqa load ({files} files, {mb:,.0f} MB: validate, build, swap)", f"{loaded:,}",
         f"{report.seconds:.1f}", f"{ours:,.0f}", f"{ours / engine:.2f} of read_csv",
         "≥ 0.20 " + ("met" if ours / engine >= 0.2 else "MISSED")],
    ]  # fmt: skip
    print(
        f"\nExtract at scale {scale:g}: {loaded:,} rows; every optional file present: "
        + ", ".join(f"{k} {v:,}" for k, v in report.rows.items())
    )
    return db, table


# --------------------------------------------------------------------------- 2. each view


def post(base: str, body: bytes, csrf: str, cookie: str) -> tuple[float, int, str]:
    host, port = base.removeprefix("http://").split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=600)
    t0 = time.perf_counter()
    con.request(
        "POST", "/_dash-update-component", body=body,
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf, "Cookie": cookie},
    )  # fmt: skip
    resp = con.getresponse()
    text = resp.read().decode()
    ms = (time.perf_counter() - t0) * 1000
    con.close()
    return ms, resp.status, text


def get(base: str, path: str) -> tuple[float, int]:
    host, port = base.removeprefix("http://").split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=600)
    t0 = time.perf_counter()
    con.request("GET", path)
    resp = con.getresponse()
    resp.read()
    ms = (time.perf_counter() - t0) * 1000
    con.close()
    return ms, resp.status


def _cookie(server: bench.Server) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in server.jar)


def _outputs(output: str) -> list[dict[str, str]]:
    return [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in output.strip(".").split("...")
    ]


def _body(dep: dict[str, Any], values: dict[tuple[str, str], Any]) -> dict[str, Any]:
    outputs = _outputs(dep["output"])
    inputs = [{**i, "value": values.get((i["id"], i["property"]))} for i in dep["inputs"]]
    return {
        "output": dep["output"],
        "outputs": outputs[0] if len(outputs) == 1 else outputs,
        "inputs": inputs,
        # The change that fires it: a filter's value, as when a person picks a year.
        "changedPropIds": [
            next(
                (f"{i['id']}.{i['property']}" for i in inputs if i["property"] != "n_clicks"),
                f"{inputs[0]['id']}.{inputs[0]['property']}",
            )
        ],
        "state": [{**s, "value": values.get((s["id"], s["property"]))} for s in dep["state"]],
    }


def _props(tree: Any) -> dict[tuple[str, str], Any]:
    """Every (component id, property) -> value in a layout, as the browser holds them."""
    found: dict[tuple[str, str], Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            if isinstance(props.get("id"), str):
                for key, value in props.items():
                    if key not in ("children", "id"):
                        found[(props["id"], key)] = value
                found.setdefault((props["id"], "n_clicks"), None)
            for value in props.values():
                walk(value)

    walk(tree)
    return found


def page_requests(server: bench.Server) -> dict[str, list[tuple[str, bytes]]]:
    """For each page: its layout request, then each callback whose every input is on it."""
    with server.opener.open(server.base + "/_dash-dependencies") as resp:
        deps = [d for d in json.load(resp) if not d.get("clientside_function")]
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    out: dict[str, list[tuple[str, bytes]]] = {}
    for page in PAGES:
        path, _, query = page.partition("?")
        url = {("_pages_location", "pathname"): path,
               ("_pages_location", "search"): f"?{query}" if query else "",
               ("_pages_location", "href"): server.base + page,
               ("_pages_location", "hash"): ""}  # fmt: skip
        layout_body = json.dumps(_body(router, url)).encode()
        _, status, text = post(server.base, layout_body, server.csrf, _cookie(server))
        assert status == 200, (page, status, text[:200])
        tree = json.loads(text)["response"]["_pages_content"]["children"]
        values = {**url, **_props(tree)}
        on_page = {key[0] for key in values}
        requests = [("layout", layout_body)]
        for dep in deps:
            ids = [i["id"] for i in dep["inputs"]]
            if dep is router or not ids or not all(isinstance(i, str) for i in ids):
                continue
            if all(i["property"] == "n_clicks" for i in dep["inputs"]):
                continue  # a button's work (a download, a freeze), not a view
            if any(o["property"].startswith("data") for o in _outputs(dep["output"])):
                continue  # a file for download, not a view
            if all(i in on_page for i in ids) and not all(i == "_pages_location" for i in ids):
                name = dep["output"].strip(".").split("...")[0]
                requests.append((name, json.dumps(_body(dep, values)).encode()))
        out[page] = requests
    return out


def view_timings(db: Path, repeat: int) -> tuple[list[list[str]], dict[str, float], list[Any]]:
    uncached = bench.Server(db, "NullCache")
    cached = bench.Server(db, "FileSystemCache")
    peer = PeerServer(db)
    try:
        peer_layout, peer_callback = peer.timings(repeat)
        requests = page_requests(cached)
        rows = []
        for page, reqs in requests.items():
            for name, body in reqs:
                times: dict[str, list[float]] = {"u": [], "c": []}
                statuses = set()
                for key, server in (("u", uncached), ("c", cached)):
                    cookie = _cookie(server)
                    post(server.base, body, server.csrf, cookie)  # warm (and fill the cache)
                    for _ in range(repeat):
                        ms, status, _ = post(server.base, body, server.csrf, cookie)
                        times[key].append(ms)
                        statuses.add(status)
                u95, c95 = percentile(times["u"], 0.95), percentile(times["c"], 0.95)
                limit = peer_layout if name == "layout" else peer_callback / 3
                ok = u95 <= limit and (c95 <= 10 or name == "layout")
                rows.append([
                    page, name, f"{statistics.median(times['u']):.0f}", f"{u95:.0f}",
                    f"≤ {limit:.0f}", f"{statistics.median(times['c']):.1f}", f"{c95:.1f}",
                    "≤ 10" if name != "layout" else "–",
                    "/".join(str(s) for s in sorted(statuses)),
                    "met" if ok else "MISSED",
                ])  # fmt: skip
        flat = [
            {"name": f"{page} {name}", "body": body.decode()}
            for page, reqs in requests.items()
            for name, body in reqs
        ]
    finally:
        uncached.stop()
        cached.stop()
        peer.stop()
    return rows, {"layout": peer_layout, "callback": peer_callback}, flat


class PeerServer:
    """peer_app.py under gunicorn (one worker), on the same DuckDB file."""

    def __init__(self, db: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "300", "peer_app:server"],
            cwd=ROOT / "benchmarks", env={**os.environ, "PEER_DB": str(db.resolve())},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(1200):
            try:
                if get(self.base, "/_dash-layout")[1] == 200:
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the peer app did not start")

    def timings(self, repeat: int) -> tuple[float, float]:
        """(layout p95, callback p95) in ms."""
        layouts = [get(self.base, "/_dash-layout")[0] for _ in range(repeat + 1)][1:]
        years = [2021, 2022, 2023, 2024, 2025]
        calls = []
        for i in range(repeat + 1):
            body = {
                "output": "chart.figure", "outputs": {"id": "chart", "property": "figure"},
                "inputs": [{"id": "fy", "property": "value", "value": years[i % 5]},
                           {"id": "team", "property": "value", "value": None}],
                "changedPropIds": ["fy.value"], "state": [],
            }  # fmt: skip
            ms, status, text = post(self.base, json.dumps(body).encode(), "", "")
            assert status == 200, text[:300]
            calls.append(ms)
        return percentile(layouts, 0.95), percentile(calls[1:], 0.95)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


# --------------------------------------------------------------------------- 3. many users

YEARS = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]


def random_years(flat: list[dict[str, Any]], seed: int = 15) -> list[dict[str, Any]]:
    """Each view once for every year: a year chooser's value, and the year before it to
    compare with, so the users open random views of random years."""
    rng = random.Random(seed)
    out = []
    for item in flat:
        body = json.loads(item["body"])
        ids = {i["id"] for i in body["inputs"] + body["state"]}
        years = YEARS if any(i.endswith("-fy") for i in ids) else [None]
        for year in years:
            copy = json.loads(item["body"])
            for entry in copy["inputs"] + copy["state"]:
                if year and entry["id"].endswith("-fy"):
                    entry["value"] = year
                if year and entry["id"].endswith("-cmp"):
                    entry["value"] = YEARS[max(0, YEARS.index(year) - 1)]
            out.append({"name": item["name"], "body": json.dumps(copy)})
    rng.shuffle(out)
    return out


def locust(host: str, users: int, seconds: int, requests: Path, label: str) -> list[str]:
    """One headless locust run: the views answered after every user had signed in."""
    times = OUT / "locust-times.json"
    times.unlink(missing_ok=True)
    env = {**os.environ, "SQA_LOCUST_REQUESTS": str(requests), "SQA_LOCUST_TIMES": str(times),
           "SQA_LOCUST_PASSWORD": bench.BENCH_PASSWORD}  # fmt: skip
    ramp = max(1, users // 10)  # 10 users a second sign in, then the clock starts
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
         "--headless", "-u", str(users), "-r", "10", "-t", f"{seconds + ramp}s", "--host", host,
         "--only-summary", "--stop-timeout", "10"],
        env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    measured = json.loads(times.read_text())
    ms = [m for _, m, _ in measured]
    span = max(t for t, _, _ in measured) if measured else 1.0
    failed = sum(1 for _, _, f in measured if f)
    return [
        label, str(users), f"{len(ms) / span:.1f}", f"{statistics.median(ms):.0f}",
        f"{percentile(ms, 0.95):.0f}", f"{percentile(ms, 0.99):.0f}", f"{max(ms):.0f}",
        str(failed), f"{len(ms):,}",
    ]  # fmt: skip


def _pg_url() -> Iterator[str]:
    for server in start_postgres():
        name = server.new_database("bench")
        yield server.url(name)


def many_users(db: Path, flat: list[dict[str, Any]], seconds: int) -> list[list[str]]:
    requests = OUT / "locust-requests.json"
    requests.write_text(json.dumps(random_years(flat)))
    rows = []
    one = bench.Server(db, "FileSystemCache", workers=2)
    try:
        rows.append(locust(one.base, 50, seconds, requests, "1 server x 2 workers, defaults (50)"))
    finally:
        one.stop()
    folder = Path(tempfile.mkdtemp(prefix="sqa-bench-"))
    pg = _pg_url()
    redis_gen = start_redis(folder)
    state_url, redis_url = next(pg), next(redis_gen)
    shared = {"SQA_STATE_URL": state_url, "SQA_CACHE_REDIS_URL": redis_url}
    try:
        one = bench.Server(db, "RedisCache", workers=2, extra=shared)
        try:
            for users in (50, 100):
                rows.append(
                    locust(
                        one.base,
                        users,
                        seconds,
                        requests,
                        f"1 server x 2 workers, PG + Redis ({users})",
                    )
                )
        finally:
            one.stop()
        two = [bench.Server(db, "RedisCache", workers=2, extra=shared) for _ in range(2)]
        listen = free_port()
        site = loopback_site([s.port for s in two], listen, folder)
        nginx = start_nginx(folder, site)
        next(nginx)
        time.sleep(1)
        try:
            for users in (50, 100):
                rows.append(
                    locust(
                        f"http://127.0.0.1:{listen}",
                        users,
                        seconds,
                        requests,
                        f"2 servers x 2 workers, nginx, PG + Redis ({users})",
                    )
                )
        finally:
            next(nginx, None)
            for s in two:
                s.stop()
    finally:
        next(redis_gen, None)
        next(pg, None)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=65.0, help="65: ~9 million rows")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=60, help="each locust run")
    ap.add_argument("--users-only", action="store_true", help="only the locust runs")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {os.cpu_count()} cores; DuckDB {duckdb.__version__}; scale {args.scale:g}")
    if args.users_only:
        db = OUT / f"scale-{args.scale:g}.duckdb"
        server = bench.Server(db, "FileSystemCache")
        try:
            flat = [
                {"name": f"{page} {name}", "body": body.decode()}
                for page, reqs in page_requests(server).items()
                for name, body in reqs
            ]
        finally:
            server.stop()
        bench.table(
            f"Many users (locust, headless, loopback, {args.seconds} s, think time 0.5-2 s; ms)",
            ["run", "users", "views/s", "median", "p95", "p99", "max", "failures", "views"],
            many_users(db, flat, args.seconds),
        )
        return 0
    db, load_rows = load_side_by_side(args.scale)
    bench.table(
        f"Load against DuckDB's read_csv on the same files (scale {args.scale:g})",
        ["what", "rows", "seconds", "rows/s", "ratio", "target"],
        load_rows,
    )
    views, peer, flat = view_timings(db, args.repeat)
    bench.table(
        f"The pandas-per-request peer on the same data (ms, p95 of {args.repeat})",
        ["what", "p95"],
        [["layout", f"{peer['layout']:.0f}"], ["callback", f"{peer['callback']:.0f}"]],
    )
    bench.table(
        f"Every page's layout and callback through HTTP (ms, {args.repeat} runs after a warm-up)",
        ["page", "callback", "uncached median", "uncached p95", "target", "cached median",
         "cached p95", "target", "HTTP", ""],
        views,
    )  # fmt: skip
    bench.table(
        f"Many users (locust, headless, loopback, {args.seconds} s, think time 0.5-2 s; ms)",
        ["run", "users", "views/s", "median", "p95", "p99", "max", "failures", "views"],
        many_users(db, flat, args.seconds),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
