"""The corpus: list, show, upload and delete documents."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from api.deps import ApiKeyDep, ServiceDep
from api.schemas import (
    BAD_PARAMETERS,
    UPLOAD_ERRORS,
    WRITE_ERRORS,
    DocumentDetailOut,
    DocumentOut,
    DocumentsOut,
    IngestOut,
    PassageOut,
    error_responses,
)
from graph.errors import BadParameter, TooLarge, UnreadableFiles

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
    response_model=IngestOut,
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
    response: Response,
    files: Annotated[list[UploadFile], File(description="files to ingest")],
) -> IngestOut:
    """Ingest uploaded files (needs an API key). Each file stands alone: 200 when every file
    was stored, 207 with each file's result when some failed, 422 when all failed."""
    if not files:
        raise BadParameter("no files uploaded; send them as multipart field 'files'")
    limit = service.settings.max_bytes
    uploads = []
    for upload in files:
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{upload.filename} is over the upload limit of {limit:,} bytes")
        uploads.append((upload.filename or "upload.txt", data))
    report = service.ingest_bytes(uploads)
    if report.failed and len(report.failed) == len(report.files):
        reasons = "; ".join(f"{Path(path).name}: {reason}" for path, reason in report.failed)
        raise UnreadableFiles(
            f"no file could be stored ({reasons})",
            files=[{"path": path, "reason": reason} for path, reason in report.failed],
        )
    if report.failed:
        response.status_code = 207
    return IngestOut(**report.as_dict())


@router.delete(
    "/documents/{key}",
    status_code=204,
    dependencies=[ApiKeyDep],
    responses={**WRITE_ERRORS, **NOT_FOUND, **BAD_PARAMETERS},
)
def delete_document(key: str, service: ServiceDep) -> Response:
    """Remove a document with its passages, facts and vectors (needs an API key)."""
    service.delete_document(key)
    return Response(status_code=204)
