"""Upload jobs: the files sent to POST /documents are ingested in the background, one job at a
time, while the server goes on answering; GET /jobs/{id} tells how far a job has got and, once
it is done, what became of each file.

An upload's bytes wait on disk, not in memory: in a folder of the job's own under the store's
`uploads/` folder, removed when the job ends; what a server killed mid-job left there is
removed when the next one starts. Jobs are held in memory: the last KEEP_FINISHED finished
ones are kept, and none survives a restart of the server.
"""

from __future__ import annotations

import collections
import logging
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from api.service import CivicGraph
from graph import backends
from graph.errors import Busy, CivicGraphError, NotFound, UnreadableFiles
from graph.store import StoreBusy
from ingest.pipeline import IngestReport, Progress

log = logging.getLogger(__name__)

# Jobs that may wait for their turn; one more is answered 503 with Retry-After.
MAX_QUEUED = 16
# Finished jobs kept for GET /jobs/{id}.
KEEP_FINISHED = 100


@dataclass
class Job:
    """One upload: its files, its state (queued, running, done or failed), how far it has
    got, and at the end its report or the error that stopped it."""

    id: str
    files: list[str]
    folder: Path  # where the uploaded bytes wait
    created: float = field(default_factory=time.time)
    state: str = "queued"
    started: float | None = None
    finished: float | None = None
    progress: Progress | None = None
    report: IngestReport | None = None
    error: CivicGraphError | None = None

    @property
    def status(self) -> int | None:
        """Once finished, the status the upload's outcome has: 200 when every file was
        stored, 207 when some failed, 422 when none could be stored; the error's status when
        the job failed."""
        if self.error is not None:
            return self.error.status
        if self.report is None:
            return None
        if self.report.failed:
            return 422 if len(self.report.failed) == len(self.report.files) else 207
        return 200


class IngestJobs:
    """The upload jobs of one service, run one at a time by a thread of their own."""

    def __init__(self, service: CivicGraph) -> None:
        self.service = service
        self.folder = backends.uploads_folder(service.settings)
        if not service.read_only:  # a read-only server writes nothing, not even this
            shutil.rmtree(self.folder, ignore_errors=True)  # left by a server that was killed
        self._jobs: dict[str, Job] = {}
        self._queue: collections.deque[Job] = collections.deque()
        self._finished: collections.deque[str] = collections.deque()
        self._state = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, uploads: list[tuple[str, bytes]]) -> Job:
        """Queue an upload of (file name, bytes); Busy when MAX_QUEUED jobs already wait,
        StoreBusy when the service is read-only (before anything is written)."""
        if self.service.read_only:
            raise StoreBusy(
                "the store is open read-only (another process holds it, or the SPARQL store "
                "has no update endpoint): uploads are off"
            )
        with self._state:
            if len(self._queue) >= MAX_QUEUED:
                raise Busy(
                    f"{MAX_QUEUED} uploads are waiting already; try again later", retry_after=30
                )
        self.folder.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="job-", dir=self.folder))
        names = []
        for n, (name, data) in enumerate(uploads):
            # a folder a file, so that two uploads of the same name keep their own bytes
            path = folder / str(n) / (Path(name).name or "upload.txt")
            path.parent.mkdir()
            path.write_bytes(data)
            names.append(name)
        job = Job(secrets.token_hex(8), names, folder)
        with self._state:
            self._jobs[job.id] = job
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="ingest-jobs", daemon=True)
                self._thread.start()
            self._state.notify_all()
        return job

    def get(self, job_id: str) -> Job:
        """A job by its id; NotFound when there is none (or it was finished long ago)."""
        with self._state:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(
                f"no upload job {job_id!r}; the last {KEEP_FINISHED} finished jobs are kept, "
                "and none survives a restart of the server"
            )
        return job

    def _work(self) -> None:
        """Run the queued jobs in turn. The child process of a job dies with this thread."""
        while True:
            with self._state:
                while not self._queue and not self._stop.is_set():
                    self._state.wait()
                if self._stop.is_set():
                    return
                job = self._queue.popleft()
                job.state, job.started = "running", time.time()
            self._run(job)

    def _run(self, job: Job) -> None:
        def progress(step: Progress) -> None:
            job.progress = step

        uploads = [
            (name, next((job.folder / str(n)).iterdir())) for n, name in enumerate(job.files)
        ]
        try:
            job.report = self.service.ingest_uploads(uploads, progress=progress, stop=self._stop)
            if job.report.failed and len(job.report.failed) == len(job.report.files):
                reasons = "; ".join(f"{Path(p).name}: {r}" for p, r in job.report.failed)
                job.error = UnreadableFiles(
                    f"no file could be stored ({reasons})",
                    files=[{"path": p, "reason": r} for p, r in job.report.failed],
                )
        except CivicGraphError as exc:
            job.error = exc
        except Exception as exc:  # the job fails, the server and the next jobs go on
            log.exception("upload job %s failed", job.id)
            job.error = CivicGraphError(f"the upload failed: {type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(job.folder, ignore_errors=True)
            with self._state:
                job.finished = time.time()
                job.state = "failed" if job.error is not None and job.report is None else "done"
                self._finished.append(job.id)
                while len(self._finished) > KEEP_FINISHED:
                    self._jobs.pop(self._finished.popleft(), None)

    def close(self) -> None:
        """Stop the job running (its child process with it) and drop those waiting."""
        with self._state:
            self._stop.set()
            waiting = list(self._queue)
            self._queue.clear()
            self._state.notify_all()
        for job in waiting:
            shutil.rmtree(job.folder, ignore_errors=True)
        if self._thread is not None:
            self._thread.join(timeout=30)
