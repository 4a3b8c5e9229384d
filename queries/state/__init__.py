"""What the app itself remembers: accounts and the audit trail, snapshots and commentary.

Imports :mod:`queries.core`, :mod:`queries.access` and :mod:`queries.measures` (a snapshot
freezes measures)."""
