"""The sample service: a small JSON API served by Gunicorn.

Endpoints:
  GET /         a small JSON document (what load tests hit)
  GET /healthz  liveness: the worker answers
  GET /readyz   readiness: the worker answers and is not draining
  GET /slow     sleeps ``seconds`` (0..MAX_SLOW_SECONDS) then answers; proves graceful drain
"""

from __future__ import annotations

import os
import socket
import time

from flask import Flask, jsonify, request

#: Upper bound for ``/slow``: below Gunicorn's worker ``timeout`` (30 s) and its
#: ``graceful_timeout`` so a slow request can always finish during a drain.
MAX_SLOW_SECONDS = 15.0


def create_app() -> Flask:
    app = Flask(__name__)
    # Never serve the debugger or reload code in production; Flask's defaults already say so,
    # stating it makes an accidental FLASK_DEBUG in the environment harmless.
    app.config.update(DEBUG=False, PROPAGATE_EXCEPTIONS=False, JSON_SORT_KEYS=True)
    hostname = socket.gethostname()
    version = os.environ.get("APP_VERSION", "dev")

    @app.get("/")
    def index():
        return jsonify(service="sample-app", version=version, host=hostname)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        return jsonify(status="ready")

    @app.get("/slow")
    def slow():
        raw = request.args.get("seconds", "1")
        try:
            seconds = float(raw)
        except ValueError:
            return jsonify(error=f"seconds must be a number, got {raw!r}"), 400
        if not 0 <= seconds <= MAX_SLOW_SECONDS:
            return jsonify(error=f"seconds must be between 0 and {MAX_SLOW_SECONDS:g}, got {raw}"), 400
        time.sleep(seconds)
        return jsonify(slept=seconds)

    return app
