"""The corpus: list, show, upload and delete documents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, File, Request, Response, UploadFile

from api.deps import ApiKeyDep, JobsDep, ServiceDep, limiter
from api.schemas import (
    BAD_PARAMETERS,
    UPLOAD_ERRORS,
    WRITE_ERRORS,
    DocumentDetailOut,
    DocumentOut,
    DocumentsOut,
    JobOut,
    PassageOut,
    error_responses,
)
from graph.errors import BadParameter, TooLarge

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentsOut)
def list_documents(service: ServiceDep) -> DocumentsOut:
    """Every document in the store, newest first."""
    return DocumentsOut(documents=[DocumentOut(**asdict(doc)) for doc in service.documents()])


NOT_FOUND = error_responses({404: "no such document"})


@router.get(
    "/documents/{key}",
    response_model=DocumentDetailOut,
    responses={**NOT_FOUND, **BAD_PARAMETERS},
)
def get_document(key: str, service: ServiceDep) -> DocumentDetailOut:
    """One document with its passages, in order."""
    doc, passages = service.document(key)
    return DocumentDetailOut(
        key=doc.key,
        source=doc.source,
        title=doc.title,
        date=doc.date,
        passages=[
            PassageOut(key=p.key, start=p.start, end=p.end, heading=p.heading, text=p.text)
            for p in passages
        ],
    )


@router.post(
    "/documents",
    status_code=202,
    response_model=JobOut,
    dependencies=[ApiKeyDep],
    responses={
        **WRITE_ERRORS,
        **error_responses(
            {400: "a malformed multipart body", 413: "a file is over the upload limit"}
        ),
        **BAD_PARAMETERS,
        **UPLOAD_ERRORS,
    },
)
async def upload_documents(
    service: ServiceDep,
    jobs: JobsDep,
    response: Response,
    files: Annotated[list[UploadFile], File(description="files to ingest")],
) -> JobOut:
    """Queue uploaded files to be ingested (needs an API key): answers 202 with the job at
    once, its URL in `Location`. GET /jobs/{id} gives its state and, once done, each file's
    result; reads go on while it runs."""
    if not files:
        raise BadParameter("no files uploaded; send them as multipart field 'files'")
    limit = service.settings.max_bytes
    uploads = []
    for upload in files:
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{upload.filename} is over the upload limit of {limit:,} bytes")
        uploads.append((upload.filename or "upload.txt", data))
    job = await anyio.to_thread.run_sync(jobs.submit, uploads)  # writes the files to disk
    response.headers["Location"] = f"/jobs/{job.id}"
    return JobOut.of(job)


@router.delete(
    "/documents/{key}",
    status_code=204,
    dependencies=[ApiKeyDep],
    responses={**WRITE_ERRORS, **NOT_FOUND, **BAD_PARAMETERS},
)
async def delete_document(request: Request, key: str, service: ServiceDep) -> Response:
    """Remove a document with its passages, facts and vectors (needs an API key); it waits
    for an upload being written to end."""
    # in a thread of the writes' own: one waiting for an upload holds none of the readers'
    writes = limiter(request.app, "writes", 1)
    await anyio.to_thread.run_sync(service.delete_document, key, limiter=writes)
    return Response(status_code=204)
