"""Reading request bodies with a limit that holds also when there is no Content-Length."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it exceeds ``limit`` bytes (a chunked body says nothing of
    its size in advance), without reading the rest."""
    if int(request.headers.get("content-length") or 0) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request, limit: int) -> dict[str, str] | None:
    """The fields of a url-encoded form (the survey pages send nothing else), or None when the
    body exceeds ``limit`` bytes."""
    raw = await read_body(request, limit)
    if raw is None:
        return None
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
