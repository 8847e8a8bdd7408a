"""Evidence pages: the photo gallery with its filters, and small thumbnails of the photos.

Importing this module (the blueprint is loaded at start) registers the hook that checks each stored visit.
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file
from PIL import Image

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.db import unit_of_work
from server.errors import DomainError
from server.evidence import queries, tasks  # noqa: F401  tasks: the after-commit hook
from server.evidence.checks import Thresholds
from server.evidence.models import FLAG_KINDS
from server.evidence.schemas import GalleryFilterSchema
from server.inputs import load
from server.storage.blobs import get_store

bp = Blueprint("evidence", __name__)
THUMB_SIZE = (320, 320)


bp.before_app_request(tasks.note_request_and_recover)  # evidence checks wait for a quiet moment


@bp.record_once
def _check_settings(state):
    """A bad ZOUFANG_EVIDENCE_* value stops the server at start with a message saying which."""
    from server.config import ConfigError

    try:
        Thresholds.from_settings(state.app.config)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


@bp.get("/evidence/photos")
@login_required
def gallery():
    from server.areas.service import list_areas
    from server.submissions import queries as submissions

    user = current_user()
    args = request.args.to_dict()
    permissions.require(user, "evidence.view")
    with unit_of_work():
        error, page = None, None
        try:
            filters = load(GalleryFilterSchema(), args)
            page = queries.gallery(actor=user, **filters)
        except DomainError as exc:
            error = exc
        areas = [a for a in list_areas(actor=user) if a.level in ("township", "village")]
        forms = [f for f, _ in submissions.form_counts(actor=user)]
        return render_template("evidence/gallery.html", page=page, error=error, args=args, areas=areas,
                               forms=forms, cadres=submissions.cadre_choices(actor=user),
                               flag_kinds=FLAG_KINDS), (error.status if error else 200)


def _thumbnail(sha256: str) -> Path:
    """A JPEG at most 320 px, made once per blob and kept in the data folder."""
    folder = Path(current_app.config["ZOUFANG"].data_dir) / "thumbnails" / sha256[:2]
    path = folder / f"{sha256}.jpg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with Image.open(BytesIO(get_store().read_bytes(sha256))) as img:
            img.draft("RGB", THUMB_SIZE)
            img = img.convert("RGB")
            img.thumbnail(THUMB_SIZE)
            tmp = path.with_suffix(f".{id(img)}.tmp")
            img.save(tmp, "JPEG", quality=80)
            tmp.replace(path)
    return path


@bp.get("/evidence/photos/<int:submission_id>/<name>/thumb.jpg")
@login_required
def thumbnail(submission_id: int, name: str):
    with unit_of_work():
        photo = queries.photo_for_thumbnail(submission_id, name, actor=current_user())
        sha = photo.blob_sha256
    resp = send_file(_thumbnail(sha), mimetype="image/jpeg", etag=sha, conditional=True, max_age=86400)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
