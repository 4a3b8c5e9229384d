"""``sqa``: the data commands of :mod:`queries.cli`, plus ``sqa board-pack``.

The board pack draws charts (``dashboard.figures``, kaleido) and writes PDF and PowerPoint,
which the data layer may not import; so the console script starts here and adds that one
command to the data layer's parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard.packs import boardpack as pack
from dashboard.packs import images as charts
from queries import cli as data_cli
from queries.core.errors import ConfigError
from queries.core.settings import load_settings
from queries.measures import comparators
from queries.measures.disclosure import INTERNAL, Disclosure
from queries.measures.periods import parse_fy
from queries.measures.targets import load_breaks, load_targets
from queries.state import snapshots


def cmd_board_pack(args: argparse.Namespace) -> int:
    settings = load_settings()
    fy = parse_fy(args.fy)
    month = snapshots.pack_month(fy, args.quarter)
    snap = snapshots.get(settings.snapshots_state, month)
    if snap is None:
        raise ConfigError(
            f"there is no snapshot for {month}; freeze the figures first with "
            f"`sqa snapshot --month {month}`"
        )
    out = Path(args.out)
    if out.suffix.lower() != f".{args.format}":
        raise ConfigError(f"--out should end .{args.format}, not '{out.name}'")
    period = snapshots.period_label(fy, args.quarter)
    written = snapshots.commentary(settings.snapshots_state, period)
    notes = {m: c["body"] for m, c in written.items()}
    content = pack.build(
        snap,
        fy,
        args.quarter,
        comparators.with_published(
            load_targets(settings.targets_file),
            comparators.load_comparators(settings.comparators_file),
            fy,
            settings.region,
            comparators.load_neighbours(settings.neighbours_file).get(settings.authority, []),
        ),
        notes,
        args.team or snapshots.SERVICE,
        Disclosure(settings.suppress_below) if args.external else INTERNAL,
        load_breaks(settings.spc_breaks_file),
    )
    try:
        data = pack.render(content, args.format)
    finally:
        charts.stop()
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(data)
    tmp.replace(out)  # never a half-written pack under the real name
    data_cli._print({"out": str(out), "bytes": len(data), "period": period, "snapshot": month})
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = data_cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    p = sub.add_parser(
        "board-pack", help="the board pack for a year or quarter: PDF, PPTX, or a zip of parts"
    )
    p.add_argument("--fy", required=True, help="financial year, e.g. 2020-21")
    p.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help="one quarter of the year")
    p.add_argument("--format", required=True, choices=pack.FORMATS)
    p.add_argument("--out", required=True, help="the file to write")
    p.add_argument("--team", help="one team's pack (default: the service)")
    p.add_argument(
        "--external",
        action="store_true",
        help="for external use: suppress counts below SQA_SUPPRESS_BELOW",
    )
    p.set_defaults(func=cmd_board_pack)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return data_cli.main(argv, build_parser())


if __name__ == "__main__":
    sys.exit(main())
