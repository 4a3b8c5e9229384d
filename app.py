"""Entry point: builds the SQA Dashboard app. ``gunicorn app:server`` serves it."""

from dashboard.shell import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
