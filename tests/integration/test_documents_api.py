"""Corpus writes through a real server: API keys (401, 403), the size limit (413), upload (a
job: 202, then GET /jobs/{id}) and delete, and the graph's answers following both."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import fictional
from tests.conftest import Server, free_port

pytestmark = pytest.mark.integration

KEY = "secret-test-key"
TEXT = (
    "Wigan Council will lead the new ageing well programme from April, the council said "
    "on 3 June 2015. The programme brings together housing, health and social care teams "
    "to help older residents stay independent at home for longer.\n"
)


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over an empty store that takes one API key and uploads up to 4,000 bytes."""
    store = tmp_path_factory.mktemp("writes") / "store"
    env = {
        "CIVICGRAPH_MODEL": "hash",
        "CIVICGRAPH_API_KEYS": f'["{KEY}"]',
        "CIVICGRAPH_MAX_BYTES": "4000",
    }
    srv = Server(store, env=env)
    yield srv
    srv.stop()


def upload(server: Server, files: list[tuple[str, bytes]], key: str | None = KEY):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(
        f"{server.url}/documents",
        files=[("files", (name, data, "text/plain")) for name, data in files],
        headers=headers,
        timeout=120,
    )


def finished(server: Server, response: httpx.Response, timeout_s: float = 120) -> dict:
    """The upload's job once it has finished, polled through GET /jobs/{id}."""
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["Location"] == f"/jobs/{job['id']}"
    deadline = time.monotonic() + timeout_s
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job still {job['state']} after {timeout_s} s"
        time.sleep(0.1)
        answer = httpx.get(f"{server.url}/jobs/{job['id']}", timeout=10)
        assert answer.status_code == 200, answer.text
        job = answer.json()
    return job


def ingested(server: Server, files: list[tuple[str, bytes]]) -> dict:
    """Upload the files and wait for the job: the finished job."""
    return finished(server, upload(server, files))


def delete(server: Server, key: str, token: str | None = KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.delete(f"{server.url}/documents/{key}", headers=headers, timeout=60)


def test_a_write_without_a_key_answers_401(writable: Server) -> None:
    response = upload(writable, [("a.txt", TEXT.encode())], key=None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["error"]["message"]
    assert delete(writable, "anything", token=None).status_code == 401


def test_a_write_with_a_wrong_key_answers_403(writable: Server) -> None:
    response = upload(writable, [("a.txt", TEXT.encode())], key="wrong")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403,
        "code": "forbidden",
        "message": "the API key is not valid",
    }
    assert delete(writable, "anything", token="wrong").status_code == 403


def test_writes_are_off_when_no_key_is_configured(tmp_path: Path) -> None:
    srv = Server(tmp_path / "store", env={"CIVICGRAPH_MODEL": "hash", "CIVICGRAPH_API_KEYS": "[]"})
    try:
        response = upload(srv, [("a.txt", TEXT.encode())], key="any")
        assert response.status_code == 403
        assert "CIVICGRAPH_API_KEYS" in response.json()["error"]["message"]
        # reads stay open
        assert httpx.get(f"{srv.url}/documents").status_code == 200
        assert httpx.get(f"{srv.url}/leads").json() == {"leads": []}
    finally:
        srv.stop()


def test_an_upload_over_the_size_limit_answers_413(writable: Server) -> None:
    response = upload(writable, [("big.txt", TEXT.encode() * 40)])
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert "big.txt" in error["message"]
    assert httpx.get(f"{writable.url}/documents").json()["documents"] == []


def test_upload_then_delete_through_the_server(writable: Server) -> None:
    response = upload(writable, [("wigan.txt", TEXT.encode())])
    queued = response.json()
    assert queued["state"] in ("queued", "running")
    assert queued["files"] == ["wigan.txt"]
    job = finished(writable, response)
    assert (job["state"], job["status"]) == ("done", 200), job
    report = job["result"]
    [key] = report["added"]
    assert report["failed"] == []
    assert job["progress"]["files"] == job["progress"]["total"] == 1
    docs = httpx.get(f"{writable.url}/documents").json()["documents"]
    assert [(d["key"], d["source"]) for d in docs] == [(key, "wigan.txt")]
    assert httpx.get(f"{writable.url}/documents/{key}").status_code == 200
    params = {"q": "ageing well", "mode": "keyword"}
    hits = httpx.get(f"{writable.url}/search", params=params).json()
    assert hits["results"][0]["document"] == key
    params = {"q": "older residents independent at home", "mode": "dense"}
    hits = httpx.get(f"{writable.url}/search", params=params).json()
    assert hits["results"][0]["document"] == key
    # the same upload again changes nothing
    assert ingested(writable, [("wigan.txt", TEXT.encode())])["result"]["unchanged"] == [key]
    assert delete(writable, key).status_code == 204
    assert httpx.get(f"{writable.url}/documents/{key}").status_code == 404
    assert delete(writable, key).status_code == 404
    assert httpx.get(f"{writable.url}/documents").json()["documents"] == []
    assert httpx.get(f"{writable.url}/search", params=params).json()["results"] == []


def test_an_unknown_job_answers_404(writable: Server) -> None:
    response = httpx.get(f"{writable.url}/jobs/0123456789abcdef")
    assert response.status_code == 404
    assert "no upload job '0123456789abcdef'" in response.json()["error"]["message"]


def test_an_upload_with_some_bad_files_ends_207_with_each_files_result(
    writable: Server,
) -> None:
    job = ingested(writable, [("empty.txt", b""), ("ok.txt", TEXT.encode())])
    assert (job["state"], job["status"]) == ("done", 207), job
    report = job["result"]
    assert [f["path"] for f in report["failed"]] == ["empty.txt"]
    [key] = report["added"]
    assert [(f["path"], f["status"]) for f in report["files"]] == [
        ("empty.txt", "failed"),
        ("ok.txt", "added"),
    ]
    assert report["files"][0]["reason"] == "empty file"
    assert delete(writable, key).status_code == 204


def test_an_upload_in_which_every_file_failed_ends_422_with_each_reason(
    writable: Server,
) -> None:
    job = ingested(writable, [("empty.txt", b""), ("notes.rtf", b"{\\rtf1 minutes}")])
    assert job["status"] == 422, job
    error = job["error"]
    assert error["code"] == "unreadable_files"
    assert [(f["path"], f["reason"][:26]) for f in error["files"]] == [
        ("empty.txt", "empty file"),
        ("notes.rtf", "unsupported file type .rtf"),
    ]
    assert "empty.txt: empty file" in error["message"]
    assert httpx.get(f"{writable.url}/documents").json()["documents"] == []


def test_the_upload_statuses_are_documented_in_openapi(writable: Server) -> None:
    schema = httpx.get(f"{writable.url}/openapi.json").json()
    responses = schema["paths"]["/documents"]["post"]["responses"]
    assert {"202", "413", "503"} <= set(responses)
    assert responses["202"]["content"]["application/json"]["schema"]["$ref"].endswith("JobOut")
    job = schema["paths"]["/jobs/{job_id}"]["get"]["responses"]
    assert {"200", "404"} <= set(job)
    assert job["200"]["content"]["application/json"]["schema"]["$ref"].endswith("JobOut")


class ThreadServer:
    """A real uvicorn server on loopback, in a thread of this process."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Ask the server to exit and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=20)


def test_graph_answers_follow_uploads_and_deletes(tmp_path: Path, monkeypatch) -> None:
    import ingest.extraction
    from api.app import create_app
    from api.settings import Settings

    # the fictional corpus's extraction stands in for the real one
    monkeypatch.setattr(ingest.extraction, "load_extractor", fictional.load_extractor)
    settings = Settings(store=tmp_path / "store", model="hash", api_keys=[KEY])
    srv = ThreadServer(create_app(settings))
    try:
        assert httpx.get(f"{srv.url}/leads").json() == {"leads": []}
        files = [(f"{name}.txt", text.encode()) for name, text in fictional.TEXTS.items()]
        report = ingested(srv, files)["result"]
        assert len(report["added"]) == 3
        leads = httpx.get(f"{srv.url}/leads").json()["leads"]
        assert len(leads) == 3
        params = {"source": "Sam Okoro", "target": "Local Government Network"}
        path = httpx.get(f"{srv.url}/paths", params=params).json()
        assert path["paths"][0]["hops"] == 2
        association = next(
            d["key"]
            for d in httpx.get(f"{srv.url}/documents").json()["documents"]
            if d["source"] == "association.txt"
        )
        assert delete(srv, association).status_code == 204
        gone = httpx.get(f"{srv.url}/paths", params=params)
        assert gone.status_code == 404
        assert "Sam Okoro" in gone.json()["error"]["message"]
        card = httpx.get(f"{srv.url}/entities/council/riv").json()
        assert "memberOf" not in {r["predicate"] for r in card["outgoing"]}
        graphml = httpx.get(f"{srv.url}/export", params={"format": "graphml"}).text
        assert "body/northern-councils-association" not in graphml
    finally:
        srv.stop()
