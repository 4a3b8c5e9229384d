"""Getting data in: the extract contract, the adapters, the loader, the versioned store,
the working-day calendar and the demo authority.

Imports only :mod:`queries.core`; never measures, access or state."""
