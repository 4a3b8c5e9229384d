"""Tables as files: CSV that a spreadsheet opens safely.

A cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) could run
as a formula when the file is opened in a spreadsheet; such text cells get a leading
apostrophe, which spreadsheets show as plain text. Numbers are left as numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.components import records_rows
from queries.tables import neutralise


def records_csv(df: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> str:
    """The records with the on-screen column names, formula-safe, as CSV text."""
    rows = records_rows(df)
    out = pd.DataFrame(
        [[neutralise(r.get(k, "")) for k, _ in columns] for r in rows],
        columns=[label for _, label in columns],
    )
    return out.to_csv(index=False)
