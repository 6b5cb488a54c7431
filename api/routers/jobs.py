"""GET /jobs/{id}: how far an upload job has got, and what became of each of its files."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import JobsDep
from api.schemas import BAD_PARAMETERS, JobOut, error_responses

router = APIRouter(tags=["documents"])


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    responses={**error_responses({404: "no such job, or it finished long ago"}), **BAD_PARAMETERS},
)
def get_job(job_id: str, jobs: JobsDep) -> JobOut:
    """An upload job: queued, running (with its progress), done (with each file's result, and
    the status the upload's outcome has: 200, 207 or 422) or failed (with the error)."""
    return JobOut.of(jobs.get(job_id))
