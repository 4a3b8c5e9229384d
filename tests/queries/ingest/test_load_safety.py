"""Nightly loads never lose or corrupt data: proved with real processes and real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from queries.core.errors import ExtractError, LoadHeldBack
from queries.ingest import demo, store
from queries.ingest.loader import load_extract
from tests.helpers import AS_OF, BASE, load, period, review, rows, write_extract

ROOT = Path(__file__).resolve().parents[3]


def sqa(*args: str, env: dict[str, str] | None = None, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "queries.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        **popen,
    )  # type: ignore[call-overload]


def checksums(db: Path) -> dict[str, list[object]]:
    """Per table: the row count and an order-independent hash of every column."""
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_name <> 'load_info' order by 1"
            ).fetchall()
        ]
        return {
            n: list(
                con.execute(
                    f"select count(*), bit_xor(hash(columns(*))) from {n}"  # noqa: S608
                ).fetchall()[0]
            )
            for n in names
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def big_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo extract large enough that its load takes a few seconds."""
    folder = tmp_path_factory.mktemp("big") / "extract"
    demo.write_demo_extract(folder, end=dt.date(2024, 3, 31), scale=3.0)
    return folder


def test_loading_the_same_extract_twice_gives_identical_contents(tmp_path: Path) -> None:
    folder = write_extract(
        tmp_path / "x",
        {
            "cla_periods": [period("P1", "C1", "2020-04-02")],
            "cla_reviews": [review("R1", "C1", "2020-05-04"), review("R2", "C1", "1980-01-01")],
        },
    )
    load(folder, tmp_path / "a.duckdb")
    load(folder, tmp_path / "b.duckdb")
    first, second = checksums(tmp_path / "a.duckdb"), checksums(tmp_path / "b.duckdb")
    assert first == second
    assert first["cla_reviews"][0] == 2 and first["rejects"][0] == 1


def test_two_loads_at_once_one_refuses_neither_corrupts(tmp_path: Path, big_extract: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    load(write_extract(tmp_path / "small"), db)
    first = sqa("load", str(big_extract), "--db", str(db), "--accept-drop")
    lock = db.with_name(db.name + ".lock")
    deadline = time.monotonic() + 60
    while "pid" not in (lock.read_text() if lock.exists() else ""):
        assert time.monotonic() < deadline, "the first load never took the lock"
        time.sleep(0.01)
    second = sqa("load", str(big_extract), "--db", str(db))
    out2, err2 = second.communicate(timeout=120)
    out1, err1 = first.communicate(timeout=300)
    assert second.returncode == 3, err2
    assert f"another load into {db} is running (pid {first.pid})" in err2
    assert first.returncode == 0, err1
    assert json.loads(out1)["status"] == "ok"
    assert [e["status"] for e in store.read_log(db)] == ["ok", "refused", "ok"]
    assert checksums(db)["cla_reviews"][0] == json.loads(out1)["rows"]["cla_reviews"]


def test_killed_mid_load_leaves_the_previous_data_serving(
    tmp_path: Path, big_extract: Path
) -> None:
    db = tmp_path / "sqa.duckdb"
    load(write_extract(tmp_path / "small"), db)
    before = checksums(db)
    serving = db.resolve()
    proc = sqa("load", str(big_extract), "--db", str(db), "--accept-drop")
    building: list[Path] = []
    deadline = time.monotonic() + 120
    while not building:
        assert proc.poll() is None, "the load finished before it could be killed"
        assert time.monotonic() < deadline
        building = list(store.store_dir(db).glob(".building-*"))
        time.sleep(0.005)
    time.sleep(0.2)  # well inside the build
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert db.resolve() == serving and checksums(db) == before
    assert list(store.store_dir(db).glob(".building-*"))  # the half-built file is there...
    report = load_extract(big_extract, db, as_of=AS_OF, accept_drop=True)
    assert report.status == "ok"  # ...the lock was released by the kernel...
    assert not list(store.store_dir(db).glob(".building-*"))  # ...and the next load cleans up


READER = r"""
import json, sys, time
from pathlib import Path
from queries.core import db
path, stop, expected = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
checks, errors, mixtures, seen = 0, [], [], set()
while not stop.exists():
    try:
        con, load_id = db.cursor(path)
        lid, table_rows, reviews, events, measures = con.execute(
            "select l.load_id, l.table_rows, (select count(*) from cla_reviews), "
            "(select count(*) from cla_review_events), (select count(*) from measure_events "
            "where measure = 'cla_reviews_on_time') from load_info l").fetchall()[0]
        checks += 1
        seen.add(lid)
        state = [json.loads(table_rows)["cla_reviews"], reviews, events, measures]
        if lid != load_id or state not in expected:
            mixtures.append([lid, load_id, state])
    except Exception as exc:
        errors.append(repr(exc))
print(json.dumps({"checks": checks, "errors": errors[:5], "n_errors": len(errors),
                  "mixtures": mixtures[:5], "loads_seen": len(seen)}))
"""


def test_readers_never_see_a_mixture_across_20_back_to_back_loads(tmp_path: Path) -> None:
    small = write_extract(
        tmp_path / "a",
        {
            "cla_periods": [period("P1", "C1", "2020-04-02")],
            "cla_reviews": [review("R1", "C1", "2020-05-04")],
        },
    )
    big = write_extract(
        tmp_path / "b",
        {
            "cla_periods": [period("P1", "C1", "2020-04-02"), period("P2", "C2", "2020-04-02")],
            "cla_reviews": [
                review("R1", "C1", "2020-05-04"),
                review("R2", "C2", "2020-05-04"),
                review("R3", "C2", "2020-08-04"),
                review("R4", "C1", "2020-08-04"),
            ],
        },
    )
    db = tmp_path / "sqa.duckdb"
    load(small, db)
    # [reviews in load_info, reviews table, review events, measure events] for each extract:
    # small = BASE's R0 + R1 (2 rows, 2 events); big = R0 + R1..R4 (5 rows, 5 events).
    expected = [[2, 2, 2, 2], [5, 5, 5, 5]]
    stop = tmp_path / "stop"
    readers = [sqa("-c", "pass") for _ in range(0)]
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(db), str(stop), json.dumps(expected)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(1.0)  # let the readers start querying
    for i in range(20):
        load_extract(big if i % 2 == 0 else small, db, as_of=AS_OF, accept_drop=True)
    time.sleep(0.3)
    stop.touch()
    results = [json.loads(r.communicate(timeout=60)[0]) for r in readers]
    for res in results:
        assert res["n_errors"] == 0, res["errors"]
        assert res["mixtures"] == []
        assert res["checks"] > 100
        assert res["loads_seen"] >= 5  # they really read through the loads
    assert [e["status"] for e in store.read_log(db)].count("ok") == 21


def test_a_shrunken_extract_is_held_back_until_accepted(tmp_path: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    many = [review(f"R{i}", "C1", "2020-05-04") for i in range(1, 10)]
    load(write_extract(tmp_path / "a", {"cla_reviews": many}), db)  # R0 + 9 = 10 reviews
    before = checksums(db)
    half = write_extract(tmp_path / "b", {"cla_reviews": many[:4]})  # 5 reviews: -50%
    with pytest.raises(
        LoadHeldBack,
        match=r"held back: cla_reviews\.csv has 5 rows, 50% "
        r"fewer than the 10 of the data now serving",
    ):
        load(half, db)
    assert checksums(db) == before
    assert store.read_log(db)[-1]["status"] == "held_back"
    done = sqa("load", str(half), "--db", str(db), "--as-of", "2026-10-31")
    _, err = done.communicate(timeout=120)
    assert done.returncode == 4 and "--accept-drop" in err
    ok = sqa("load", str(half), "--db", str(db), "--as-of", "2026-10-31", "--accept-drop")
    ok.communicate(timeout=120)
    assert ok.returncode == 0 and checksums(db)["cla_reviews"][0] == 5


def test_an_optional_file_that_vanishes_is_held_back(tmp_path: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    with_drps = write_extract(
        tmp_path / "a",
        {
            "drps": [
                {
                    "drp_id": "D1",
                    "child_id": "C1",
                    "raised_by": "I1",
                    "raised_date": "2020-05-01",
                    "level": "FORMAL",
                }
            ]
        },
    )
    load(with_drps, db)
    with pytest.raises(LoadHeldBack, match=r"drps\.csv has 0 rows, 100% fewer"):
        load(write_extract(tmp_path / "b"), db)


def test_an_extract_still_being_written_is_refused(tmp_path: Path, big_extract: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    load(write_extract(tmp_path / "small"), db)
    before = checksums(db)
    folder = tmp_path / "live"
    shutil.copytree(big_extract, folder)
    stop = threading.Event()

    def keep_writing() -> None:  # the export upstream is still appending feedback
        time.sleep(0.3)
        with (folder / "feedback.csv").open("a") as fh:
            while not stop.is_set():
                fh.write("")
                fh.flush()
                os.utime(folder / "feedback.csv")
                time.sleep(0.02)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with pytest.raises(
            ExtractError,
            match=r"feedback\.csv: changed while it was being "
            r"loaded \(the export may still be running\)",
        ):
            load_extract(folder, db, as_of=AS_OF, accept_drop=True)
    finally:
        stop.set()
        writer.join()
    assert checksums(db) == before


def _limit_file_size() -> None:  # runs in the child: a disk that fills at 64 KB
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_no_disk_space_fails_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    folder = write_extract(tmp_path / "x")
    load(folder, db)
    before = checksums(db)
    proc = sqa(
        "load", str(folder), "--db", str(db), "--as-of", "2026-10-31", preexec_fn=_limit_file_size
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert err.startswith(f"sqa: not enough disk space to build the new database beside {db}")
    assert "the previous data is still serving" in err
    assert checksums(db) == before
    assert not list(store.store_dir(db).glob(".building-*"))


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's own tmp is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="sqa-perm-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_permission_denied_names_the_file(shared_dir: Path) -> None:
    db = shared_dir / "sqa.duckdb"
    folder = write_extract(shared_dir / "x")
    load(folder, db)
    for p in [shared_dir, *shared_dir.rglob("*")]:
        p.chmod(0o777)
    (folder / "staff.csv").chmod(0o000)
    root = os.geteuid() == 0
    if root:  # root reads anything: act as an ordinary user for the load
        os.setegid(65534)
        os.seteuid(65534)
    try:
        with pytest.raises(ExtractError) as err:
            load(folder, db)
    finally:
        if root:
            os.seteuid(0)
            os.setegid(0)
    assert str(err.value) == f"staff.csv: permission denied reading {folder / 'staff.csv'}"
    assert checksums(db)["staff"][0] == len(BASE["staff"])


def test_status_and_rollback(tmp_path: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    first = load(write_extract(tmp_path / "a"), db)
    second = load(
        write_extract(tmp_path / "b", {"cla_reviews": [review("R1", "C1", "2020-05-04")]}), db
    )
    done = sqa("status", "--db", str(db))
    out, _ = done.communicate(timeout=60)
    state = json.loads(out)
    assert done.returncode == 0 and state["load_id"] == second.load_id
    assert state["stale"] is False and len(state["kept_loads"]) == 2
    stale = sqa("status", "--db", str(db), "--max-age-hours", "0.00001")
    _, err = stale.communicate(timeout=60)
    assert stale.returncode == 1 and "the last good load is 0 hours old" in err
    back = sqa("rollback", "--db", str(db))
    back.communicate(timeout=60)
    assert back.returncode == 0
    con = duckdb.connect(str(db.resolve()), read_only=True)
    assert rows(con, "select load_id from load_info") == [(first.load_id,)]
    con.close()
    again = sqa("rollback", "--db", str(db))
    _, err = again.communicate(timeout=60)
    assert again.returncode == 2 and "there is no earlier load kept" in err
    assert store.read_log(db)[-1]["status"] == "rollback"


def test_status_reports_a_failed_last_attempt(tmp_path: Path) -> None:
    db = tmp_path / "sqa.duckdb"
    load(write_extract(tmp_path / "a"), db)
    with pytest.raises(ExtractError):
        load(tmp_path / "missing", db)
    done = sqa("status", "--db", str(db))
    out, err = done.communicate(timeout=60)
    assert done.returncode == 1
    assert json.loads(out)["last_attempt"]["status"] == "failed"
    assert "the last load attempt did not complete (failed): extract folder" in err
