"""Ingest as a user meets it on the command line: the worker dies with a killed ingest,
progress shows, duplicates and skipped files are named, documents are listed and deleted
locally, and links to a document and its passages survive an edit of the file."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import numpy as np
import pytest

from tests.bench.corpus import make_corpus
from tests.conftest import CLI, DIES_WITH_US, FIXTURES, ROOT, run_cli

pytestmark = pytest.mark.integration

HASH = {**os.environ, "CIVICGRAPH_MODEL": "hash", "PYTHONUNBUFFERED": "1"}


def run(*args: str, env: dict[str, str] = HASH, timeout: int = 600):
    return run_cli(*args, env=env, timeout=timeout)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def is_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"spawn_main" in command and b"resource_tracker" not in command


def test_a_killed_ingest_takes_its_extraction_worker_with_it(tmp_path: Path) -> None:
    make_corpus(tmp_path / "corpus", 40, paragraphs=10)
    process = subprocess.Popen(
        [*CLI, "-v", "ingest", "--store", str(tmp_path / "store"), str(tmp_path / "corpus")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=HASH,
        preexec_fn=DIES_WITH_US,
    )
    workers: list[int] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:  # the worker has sent documents, and is preparing more
            if "wrote " in line:
                break
        workers = [pid for pid in children(process.pid) if is_worker(pid)]
        assert len(workers) == 1, "the batch of 40 files is prepared in a worker process"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while running(workers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(workers[0]), "the worker outlived the ingest it worked for"
    finally:
        process.kill()
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def test_progress_is_a_line_per_group_when_not_on_a_terminal(tmp_path: Path) -> None:
    make_corpus(tmp_path / "corpus", 30, paragraphs=40)
    result = run("ingest", "--store", str(tmp_path / "store"), str(tmp_path / "corpus"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("ingest: ")]
    assert len(lines) >= 4  # 30 files of about 20 passages: a group of 128 every 6 or 7
    done = [int(line.split()[1].split("/")[0]) for line in lines]
    assert done == sorted(done) and lines[-1].startswith("ingest: 30/30 files, ")
    assert all(" passages, " in line and "files/s" in line and " s left" in line for line in lines)


def test_progress_is_a_bar_on_a_terminal(tmp_path: Path) -> None:
    make_corpus(tmp_path / "corpus", 12, paragraphs=40)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    process = subprocess.Popen(
        [*CLI, "ingest", "--store", str(tmp_path / "store"), str(tmp_path / "corpus")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=HASH,
        preexec_fn=DIES_WITH_US,
    )
    os.close(follower)
    shown = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end closed: the command is done
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=600) == 0
    finally:
        process.kill()
        os.close(leader)
    bar = shown.decode(errors="replace")
    assert "12/12" in bar and "file/s" in bar  # files done, and their rate
    assert "passages/s" in bar and " passages" in bar
    assert "<00:" in bar  # time left
    assert "ingest: " not in bar  # a bar, not lines


def test_duplicates_and_skipped_files_are_named_and_indexed_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sorted(FIXTURES.glob("*.txt"))[0], folder / "first.txt")
    shutil.copy(folder / "first.txt", folder / "second copy.txt")
    (folder / "minutes.rtf").write_text("{\\rtf1 minutes of the meeting}")
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder)
    store = tmp_path / "store"
    result = run("ingest", "--store", str(store), str(folder))
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout and "1 duplicate, 4 skipped" in result.stdout
    stderr = result.stderr.splitlines()
    [key] = json.loads(run("documents", "--store", str(store), "--json").stdout)["documents"]
    duplicate = f"duplicate: {folder / 'second copy.txt'}: the same text as {key['key']}, "
    assert any(line.startswith(duplicate) for line in stderr)
    skipped = sorted(line for line in stderr if line.startswith("skipped: "))
    assert skipped == [
        f"skipped: {folder / 'a'}: a symbolic link in a loop",
        f"skipped: {folder / 'b'}: a symbolic link in a loop",
        f"skipped: {folder / 'minutes.rtf'}: unsupported file type .rtf; "
        "read: .txt, .text, .md, .markdown, .html, .htm, .pdf, .docx",
        f"skipped: {folder / 'sub' / 'up'}: a link to a folder already read ({folder})",
    ]
    # the same again: the copy is still a duplicate, and nothing is written twice
    again = json.loads(run("ingest", "--store", str(store), "--json", str(folder)).stdout)
    assert again["unchanged"] == [key["key"]] and again["added"] == []
    assert [(Path(d["path"]).name, d["duplicate_of"]) for d in again["duplicates"]] == [
        ("second copy.txt", key["key"])
    ]
    assert len(again["skipped"]) == 4
    hits = json.loads(run("search", "--store", str(store), "--json", "council").stdout)
    assert {hit["document"] for hit in hits["results"]} == {key["key"]}


def test_documents_and_delete_work_on_the_local_store(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    store = tmp_path / "store"
    assert run("ingest", "--store", str(store), str(FIXTURES)).returncode == 0
    listed = json.loads(run("documents", "--store", str(store), "--json").stdout)
    with TestClient(create_app(Settings(store=store, model="hash"))) as client:
        assert listed == client.get("/documents").json()
    keys = [d["key"] for d in listed["documents"]]
    assert len(keys) == len(list(FIXTURES.iterdir()))
    text = run("documents", "--store", str(store))
    assert text.returncode == 0 and all(key in text.stdout for key in keys)

    refused = run("delete", "--store", str(store), keys[0], "no-such-document")
    assert refused.returncode == 1
    assert "no document 'no-such-document'" in refused.stderr
    unchanged = json.loads(run("documents", "--store", str(store), "--json").stdout)
    assert len(unchanged["documents"]) == len(keys)

    deleted = run("delete", "--store", str(store), "--json", keys[0], keys[1])
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout) == {"deleted": keys[:2]}
    after = json.loads(run("documents", "--store", str(store), "--json").stdout)
    assert [d["key"] for d in after["documents"]] == keys[2:]
    assert sorted(p.stem for p in (store / "vectors").glob("*.npz")) == sorted(keys[2:])
    assert run("delete", "--store", str(store), keys[2]).stdout.strip() == "deleted 1 document"


def test_links_to_a_document_and_its_unchanged_passages_survive_an_edit(tmp_path: Path) -> None:
    from api.service import CivicGraph
    from api.settings import Settings

    sections = [
        f"Section {n}\n\n" + " ".join(f"The {n} ward plan item {i} was agreed." for i in range(40))
        for n in ("north", "south", "east")
    ]
    source = tmp_path / "plan.txt"
    source.write_text("\n\n".join(sections))
    store = tmp_path / "store"

    def passages() -> tuple[str, dict[str, str]]:
        service = CivicGraph.open(Settings(store=store, model="hash"))
        try:
            [doc] = service.documents()
            return doc.key, {p.key: p.text for p in service.document(doc.key)[1]}
        finally:
            service.close()

    assert run("ingest", "--store", str(store), str(source)).returncode == 0
    key, before = passages()
    sections[1] = sections[1].replace("item 7 was agreed", "item 7 was deferred")
    source.write_text("\n\n".join(sections))
    report = json.loads(run("ingest", "--store", str(store), "--json", str(source)).stdout)
    assert report["replaced"] == [key]
    same_key, after = passages()
    assert same_key == key
    kept = set(before) & set(after)
    assert len(before) == len(after) > 6
    assert {before[k] for k in kept} == {
        t for t in before.values() if "south ward plan item 7 " not in t
    }
    [changed] = set(after) - kept
    assert "item 7 was deferred" in after[changed]
    # the vectors follow the passages (a passage is held as one vector per sentence)
    with np.load(store / "vectors" / f"{key}.npz") as vectors:
        assert set(vectors["keys"].tolist()) == set(after)
    assert json.loads(run("ingest", "--store", str(store), "--json", str(source)).stdout)[
        "unchanged"
    ] == [key]
