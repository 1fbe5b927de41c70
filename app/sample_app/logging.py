"""JSON logs for Gunicorn: one JSON object per line on stdout (access) and stderr (errors).

Log collectors (Cloud Logging, Fluent Bit) parse a JSON line into structured fields; the
``severity`` key is the one Cloud Logging maps to its level.
"""

from __future__ import annotations

import datetime
import json
import logging

from gunicorn.glogging import Logger


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """Formats Gunicorn's error log records as JSON."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {"time": _now(), "severity": record.levelname, "logger": record.name,
               "message": record.getMessage()}
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, separators=(",", ":"))


class JsonLogger(Logger):
    """Gunicorn logger whose access lines are JSON documents."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers + self.access_log.handlers:
            handler.setFormatter(JsonFormatter() if handler in self.error_log.handlers
                                 else logging.Formatter("%(message)s"))

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        doc = {
            "time": _now(),
            "severity": "INFO",
            "httpRequest": {
                "requestMethod": environ.get("REQUEST_METHOD"),
                "requestUrl": environ.get("RAW_URI"),
                "protocol": environ.get("SERVER_PROTOCOL"),
                "status": int(status),
                "responseSize": str(getattr(resp, "sent", 0) or 0),
                "userAgent": environ.get("HTTP_USER_AGENT"),
                "remoteIp": environ.get("REMOTE_ADDR"),
                "latency": f"{request_time.total_seconds():.6f}s",
            },
        }
        try:
            self.access_log.info(json.dumps(doc, separators=(",", ":")))
        except Exception:  # never let a log line fail a request
            self.exception("access log failed")
