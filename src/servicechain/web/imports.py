"""The imports page (analysts): upload a file, read the validation report, confirm.

An upload is checked by a dry run of the real import (every check, every count, then a
rollback) and kept in a private folder under an unguessable id until it is confirmed;
confirming imports it for real and rebuilds the dashboards' results before answering.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from servicechain.accounts.audit import log_event
from servicechain.accounts.users import User
from servicechain.errors import ImportRejected, UserError
from servicechain.ingest.kinds import KINDS
from servicechain.ingest.pipeline import ImportResult, import_file, problem_lines
from servicechain.store import Store, schema
from servicechain.web.access import NotFound, require_imports
from servicechain.web.i18n import N_
from servicechain.web.render import render
from servicechain.web.session import check_csrf, client_of, signed_in, store_of

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
_ID_LENGTH = 24


UPLOAD_HOURS = 24
"""An upload not confirmed within this many hours is deleted (at the next upload)."""


def upload_root() -> Path:
    """Where uploads wait for confirmation: a folder of the server's user that nobody else may
    read (one made by someone else first is refused rather than used)."""
    root = Path(tempfile.gettempdir()) / f"servicechain-uploads-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    status = root.lstat()
    if root.is_symlink() or status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise UserError(f"{root} is not a private folder of this user; remove it and try again")
    return root


def forget_old_uploads(hours: float = UPLOAD_HOURS) -> int:
    """Delete uploads older than ``hours`` that nobody confirmed or discarded; how many went."""
    cutoff = time.time() - hours * 3600
    old = [
        folder for folder in upload_root().iterdir() if folder.is_dir() and folder.stat().st_mtime < cutoff
    ]
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    return len(old)


def _folder(upload_id: str) -> Path:
    if len(upload_id) != _ID_LENGTH or not upload_id.replace("-", "").replace("_", "").isalnum():
        raise NotFound(N_("There is no such upload."))
    folder = upload_root() / upload_id
    if not (folder / "upload.json").exists():
        raise NotFound(N_("There is no such upload: it was confirmed, discarded or expired already."))
    return folder


def _owned(upload_id: str, user: User) -> tuple[Path, dict[str, Any]]:
    """The folder and description of a pending upload of ``user`` (another user's is NotFound)."""
    folder = _folder(upload_id)
    meta = json.loads((folder / "upload.json").read_text())
    if meta["user"] != user.email:
        raise NotFound(N_("There is no such upload."))
    return folder, meta


def _save(upload: UploadFile, folder: Path, name: str) -> Path:
    base = Path(name).name
    if base in ("", ".", ".."):
        raise UserError(f"{name!r} is not a file name")
    target = folder / base
    written = 0
    with target.open("wb") as handle:
        while chunk := upload.file.read(1024 * 1024):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise UserError(f"{name}: larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
            handle.write(chunk)
    return target


def check_upload(store: Store, user: User, kind: str, upload: UploadFile, *,
                 mapping: UploadFile | None = None, sheet: str | None = None,
                 replace: bool = False) -> dict[str, Any]:  # fmt: skip
    """Save the upload, dry-run the import; the validation report (``ok``, ``problems``, counts)."""
    if kind not in KINDS:
        raise UserError(f"unknown import kind {kind!r}: choose one of {', '.join(KINDS)}")
    if not upload.filename:
        raise UserError("choose a file to upload")
    forget_old_uploads()
    upload_id = secrets.token_urlsafe(18)[:_ID_LENGTH]
    folder = upload_root() / upload_id
    folder.mkdir(mode=0o700)
    try:
        path = _save(upload, folder, upload.filename)
        mapping_path = _save(mapping, folder, "mapping-" + Path(mapping.filename).name) if (
            mapping is not None and mapping.filename) else None  # fmt: skip
        meta = {"id": upload_id, "kind": kind, "file": path.name, "sheet": sheet or None, "replace": replace,
                "mapping": mapping_path.name if mapping_path else None, "user": user.email}  # fmt: skip
        report = meta | _dry_run(store, kind, path, mapping_path, sheet or None, replace)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if report["ok"] and not report["already_imported"]:
        (folder / "upload.json").write_text(json.dumps(meta))
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def _dry_run(store: Store, kind: str, path: Path, mapping: Path | None, sheet: str | None, replace: bool
             ) -> dict[str, Any]:  # fmt: skip
    try:
        result = import_file(store, kind, path, mapping=mapping, sheet=sheet, replace=replace, dry_run=True)
    except ImportRejected as error:
        return {"ok": False, "problems": problem_lines(error), "total_problems": error.total,
                "already_imported": False, "result": None}  # fmt: skip
    except UserError as error:
        return {"ok": False, "problems": [str(error)], "total_problems": 1, "already_imported": False,
                "result": None}  # fmt: skip
    return {"ok": True, "problems": [], "total_problems": 0, "already_imported": result.already_imported,
            "result": _result(result)}  # fmt: skip


def _result(result: ImportResult) -> dict[str, Any]:
    return asdict(result) | {"summary": result.summary()}


def confirm_upload(request: Request, user: User, upload_id: str) -> dict[str, Any]:
    """Import a checked upload for real, refresh the results, log it; what the import did."""
    folder, meta = _owned(upload_id, user)
    store = store_of(request)
    mapping = folder / meta["mapping"] if meta["mapping"] else None
    try:
        result = import_file(store, meta["kind"], folder / meta["file"], mapping=mapping, sheet=meta["sheet"],
                             replace=meta["replace"])  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    log_event(store, user.email, "import", result.summary(), client_of(request))
    snapshot = request.app.state.refresher.refresh_now()
    return {"result": _result(result), "snapshot_id": snapshot.id}


def recent_imports(store: Store, limit: int | None = 20) -> list[dict[str, Any]]:
    """The newest imports, newest first (``limit=None``: all of them)."""
    log = schema.import_log
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(log).order_by(log.c.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]


def _page(request: Request, **context: Any) -> Response:
    defaults = {"kinds": KINDS, "report": None, "done": None, "error": None, "selected_kind": None,
                "imports": recent_imports(store_of(request))}  # fmt: skip
    return render(request, "imports.html", defaults | context, status_code=context.pop("status", 200))


@router.get("/imports")
def imports_page(request: Request) -> Response:
    require_imports(signed_in(request))
    return _page(request)


@router.post("/imports")
def upload(
    request: Request,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    sheet: Annotated[str, Form()] = "",
    replace: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    user = signed_in(request)
    require_imports(user)
    check_csrf(request, csrf_token)
    try:
        report = check_upload(
            store_of(request), user, kind, file, mapping=mapping, sheet=sheet, replace=replace
        )
    except UserError as error:
        return _page(request, error=str(error), status=400, selected_kind=kind)
    return _page(request, report=report, status=200 if report["ok"] else 400, selected_kind=kind)


@router.post("/imports/{upload_id}/confirm")
def confirm(request: Request, upload_id: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    user = signed_in(request)
    require_imports(user)
    check_csrf(request, csrf_token)
    try:
        done = confirm_upload(request, user, upload_id)
    except ImportRejected as error:  # the store changed between check and confirm
        report = {
            "ok": False,
            "problems": problem_lines(error),
            "total_problems": error.total,
            "result": None,
        }
        return _page(request, report=report, status=400)
    return _page(request, done=done)


@router.post("/imports/{upload_id}/discard")
def discard(request: Request, upload_id: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    user = signed_in(request)
    require_imports(user)
    check_csrf(request, csrf_token)
    folder, _meta = _owned(upload_id, user)
    shutil.rmtree(folder, ignore_errors=True)
    return RedirectResponse("/imports", status_code=303)
