"""The README stays true: every setting and every `sqa` command is documented."""

from pathlib import Path

from dashboard.cli import build_parser
from queries.core.settings import SPECS
from queries.core.sqlfiles import COUNTS, KPIS, MEASURES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [s.env for s in SPECS if f"`{s.env}`" not in README]
    assert missing == []


def test_every_sqa_command_is_in_the_readme() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    commands = list(sub.choices)  # type: ignore[union-attr]
    assert commands and [c for c in commands if f"sqa {c}" not in README] == []


def test_every_kpi_is_defined() -> None:
    definitions = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    assert [k for k in MEASURES if f'<a id="{k}"></a>' not in definitions] == []
    assert [k for k in COUNTS if f"`{k}`" not in README] == []  # the technical notes
    assert [k for k in KPIS if f"`{k}`" not in README] == []


def test_the_definitions_page_speaks_to_managers_not_developers() -> None:
    definitions = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    jargon = ["`", "sqa ", "SQA_", ".csv", "staff.", "s47_start", "NOT_ANSWERED", "--grain"]
    assert [word for word in jargon if word in definitions] == []


def test_readme_screenshots_exist() -> None:
    import re

    shots = re.findall(r"\]\((docs/screenshots/[^)]+)\)", README)
    assert shots and [s for s in shots if not (ROOT / s).is_file()] == []
