"""Many signed-in managers at once, for ``benchmarks/national.py`` (locust, headless).

Each user signs in once, then opens a random view of a random year (the callbacks the
browser posts, written by national.py to ``SQA_LOCUST_REQUESTS``) and thinks for 0.5 to 2
seconds before the next. Loopback only; national.py fixes the number of users and the
duration.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

REQUESTS: list[dict[str, Any]] = json.loads(Path(os.environ["SQA_LOCUST_REQUESTS"]).read_text())
USER = os.environ.get("SQA_LOCUST_USER", "bench")
PASSWORD = os.environ["SQA_LOCUST_PASSWORD"]
TIMES = os.environ.get("SQA_LOCUST_TIMES")  # where each view's time is written at the end

# Views answered once every user has signed in: (seconds since then, ms, failed).
_measured: list[tuple[float, float, bool]] = []
_since: list[float] = []


@events.spawning_complete.add_listener
def _all_signed_in(user_count: int, **_: Any) -> None:
    import time

    _since.append(time.monotonic())


@events.request.add_listener
def _count(name: str, response_time: float, exception: Any, **_: Any) -> None:
    import time

    if _since and not name.startswith("sign"):
        _measured.append((time.monotonic() - _since[0], response_time, exception is not None))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    if TIMES:
        Path(TIMES).write_text(json.dumps(_measured))


class Manager(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        page = self.client.get("/sign-in", name="sign-in form").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no sign-in form"
        self.client.post(
            "/sign-in",
            data={"username": USER, "password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
            name="sign in",
        )
        self.csrf = self.client.cookies.get("sqa_csrf", "")

    @task
    def open_a_view(self) -> None:
        chosen = random.choice(REQUESTS)
        self.client.post(
            "/_dash-update-component",
            data=chosen["body"],
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
            name=chosen["name"],
        )
