"""Plumbing every other part uses: settings, errors, DuckDB connections, named SQL, safe tables.

Imports nothing else from ``queries``."""
