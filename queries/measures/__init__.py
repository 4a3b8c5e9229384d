"""Measuring: KPIs, counts, records behind a figure, periods, targets and small-number rules.

Imports :mod:`queries.core` and :mod:`queries.access` (every figure is read within a scope)."""
