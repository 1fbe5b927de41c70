import importlib.util
import json
import logging
import pathlib
import types

import pytest

CONF = pathlib.Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def load_conf(monkeypatch, **env):
    for key in ("CPU_LIMIT_MILLICORES", "GUNICORN_WORKERS", "PORT", "GRACEFUL_TIMEOUT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("millis,workers", [("250", 3), ("1000", 3), ("1001", 5), ("2000", 5), ("", 3), ("junk", 3)])
def test_workers_follow_the_cpu_limit_from_the_downward_api(monkeypatch, millis, workers):
    assert load_conf(monkeypatch, CPU_LIMIT_MILLICORES=millis).workers == workers


def test_explicit_worker_count_wins(monkeypatch):
    assert load_conf(monkeypatch, CPU_LIMIT_MILLICORES="4000", GUNICORN_WORKERS="2").workers == 2


def test_heartbeat_on_memory_filesystem_and_no_control_socket(monkeypatch):
    conf = load_conf(monkeypatch)
    assert conf.worker_tmp_dir == "/dev/shm"
    assert conf.control_socket_disable is True
    assert conf.bind == ["0.0.0.0:8080"]


def test_graceful_timeout_below_worker_timeout(monkeypatch):
    conf = load_conf(monkeypatch, GRACEFUL_TIMEOUT="20")
    assert conf.graceful_timeout == 20 < conf.timeout


def test_access_log_is_one_json_line(monkeypatch):
    from gunicorn.config import Config
    import datetime
    from sample_app.logging import JsonLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = JsonLogger(cfg)
    lines = []
    logger.access_log.handlers = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.access_log.addHandler(handler)
    resp = types.SimpleNamespace(status="200 OK", sent=42, headers=[])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/?a=1", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "t"}
    logger.access(resp, {}, environ, datetime.timedelta(milliseconds=3))
    doc = json.loads(lines[0])
    assert doc["httpRequest"]["status"] == 200
    assert doc["httpRequest"]["requestUrl"] == "/?a=1"
    assert doc["httpRequest"]["latency"] == "0.003000s"
