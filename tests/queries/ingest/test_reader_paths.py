"""The fast reader (Arrow) and the exact reader (csv module) agree, line for line."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from queries.ingest.contract import TABLES_BY_NAME
from queries.ingest.loader import _read_exact, _read_fast

TABLE = TABLES_BY_NAME["children"]
HEADER = "child_id,date_of_birth,sex,ethnicity,disability"

value = st.one_of(
    st.text(alphabet="abcXYZ019 -/é", max_size=8),
    st.text(alphabet="ab, ", min_size=1, max_size=6).map(lambda v: '"' + v + '"'),
    st.just('"say ""hi"""'),
)
row = st.one_of(
    st.lists(value, min_size=5, max_size=5).map(",".join),  # a good row
    st.lists(value, min_size=1, max_size=7).map(",".join),  # maybe ragged
    st.sampled_from(["", "   ", ",,,,"]),  # blank, whitespace-only, all-empty
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, max_size=25), crlf=st.booleans(), trailing=st.booleans())
def test_fast_and_exact_readers_agree(tmp_path_factory, rows, crlf, trailing) -> None:  # type: ignore[no-untyped-def]
    eol = "\r\n" if crlf else "\n"
    text = eol.join([HEADER, *rows]) + (eol if trailing else "")
    path = Path(tmp_path_factory.mktemp("r")) / "children.csv"
    path.write_text(text, encoding="utf-8", newline="")
    exact = _read_exact(path, TABLE, text)
    fast = _read_fast(path, TABLE, text, text.encode())
    if fast is None:
        return  # the fast reader declined; the exact one is used, which is the point
    assert fast.data.to_pylist() == exact.data.to_pylist()
    assert fast.shape_rejects == exact.shape_rejects


def test_the_fast_reader_is_used_for_plain_files(tmp_path: Path) -> None:
    text = HEADER + "\nC1,2010-01-01,F,,\n\nC2,2011-01-01,M,,\nC3,short\n"
    path = tmp_path / "children.csv"
    path.write_text(text)
    fast = _read_fast(path, TABLE, text, text.encode())
    assert fast is not None
    assert fast.data.column("_line").to_pylist() == [2, 4]
    assert [r[0] for r in fast.shape_rejects] == [5]


def test_quoted_line_breaks_take_the_exact_reader(tmp_path: Path) -> None:
    text = HEADER + '\nC1,2010-01-01,"two\nlines",,\n'
    path = tmp_path / "children.csv"
    path.write_text(text)
    assert _read_fast(path, TABLE, text, text.encode()) is None
