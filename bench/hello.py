"""The ceiling: a bare Flask app that answers "hello", served the same way as the portal."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"


@app.get("/healthz")
def healthz() -> str:
    return "ok"
