"""Entry point: builds the SQA Dashboard app. ``gunicorn app:server`` serves it."""

import gc

from dashboard.shell import create_app

app = create_app()
server = app.server
# Everything built so far (Dash, Plotly's validators, the pages) lives as long as the
# process: keep it out of the collector's full passes, which otherwise walk it all and
# stall a request by about 100 ms now and then. Young collections run less often too: a
# request makes many short-lived objects, and collecting every 700 of them cost a cached
# view of a large table about 10 ms now and then (measured: docs/benchmarks.md).
gc.freeze()
gc.set_threshold(10_000, 50, 100)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
