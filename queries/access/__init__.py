"""Who may see what: the viewer's scope, applied to every figure and record.

Imports only :mod:`queries.core`."""
