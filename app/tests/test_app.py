import pytest

from sample_app import MAX_SLOW_SECONDS, create_app


@pytest.fixture()
def client():
    return create_app().test_client()


def test_index_returns_small_json(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.is_json
    assert resp.get_json()["service"] == "sample-app"
    assert len(resp.data) < 256


@pytest.mark.parametrize("path,status", [("/healthz", "ok"), ("/readyz", "ready")])
def test_probes_answer_200(client, path, status):
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.get_json() == {"status": status}


def test_slow_sleeps_the_requested_time(client):
    resp = client.get("/slow?seconds=0.01")
    assert resp.status_code == 200
    assert resp.get_json() == {"slept": 0.01}


@pytest.mark.parametrize("raw", ["-1", str(MAX_SLOW_SECONDS + 1), "abc", "nan"])
def test_slow_rejects_out_of_bounds(client, raw):
    resp = client.get(f"/slow?seconds={raw}")
    assert resp.status_code == 400
    assert "seconds must be" in resp.get_json()["error"]


def test_debug_is_off(client):
    assert client.application.debug is False
    assert client.get("/nope").status_code == 404
