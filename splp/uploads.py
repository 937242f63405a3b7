"""Uploads kept across a refused form: a browser never re-sends a file, so a form refused for another field
(a duplicate slug, a missing title) would silently drop it. The file waits server-side, per user, for an hour,
named by an unguessable token that the re-rendered form carries in a hidden field.

The holding place is a folder under SPLP_VAR_DIR rather than the cache: the embedded profile's cache lives in
one process, and the web server runs several."""

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

HOLD_SECONDS = 3600
# Per user: enough for a few forms open at once, bounded so the folder cannot be used as free storage.
MAX_FILES_PER_USER = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class KeptUpload:
    token: str
    name: str


def _root():
    return Path(settings.VAR_DIR) / "held-uploads"


def _user_dir(user_id):
    return _root() / str(int(user_id))


def _purge(folder, now):
    """Drop every user's expired files (a user who never fails a form again leaves none behind), then this
    user's oldest beyond the limit (one slot left for the new one)."""
    for path in _root().glob("*/*"):
        if path.suffix != ".json" and now - path.stat().st_mtime > HOLD_SECONDS:
            _discard(path)
    fresh = sorted((path.stat().st_mtime, path) for path in folder.iterdir() if path.suffix != ".json")
    for _mtime, path in fresh[: max(0, len(fresh) - MAX_FILES_PER_USER + 1)]:
        _discard(path)


def _discard(path):
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)


def hold(user_id, upload, *, max_bytes):
    """Keep ``upload`` for ``user_id``; ``None`` when it is larger than ``max_bytes`` (the form says so)."""
    if upload.size is None or upload.size > max_bytes:
        return None
    folder = _user_dir(user_id)
    folder.mkdir(parents=True, exist_ok=True)
    _purge(folder, time.time())
    token = secrets.token_urlsafe(24)
    upload.seek(0)
    with open(folder / token, "wb") as target:
        shutil.copyfileobj(upload, target)
    upload.seek(0)
    meta = {"name": Path(upload.name).name, "content_type": upload.content_type or "application/octet-stream"}
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return KeptUpload(token=token, name=meta["name"])


def take(user_id, token):
    """The upload held under ``token`` for this user (another user's token finds nothing), or ``None``."""
    if not token or not _TOKEN.match(token):
        return None
    path = _user_dir(user_id) / token
    try:
        if time.time() - path.stat().st_mtime > HOLD_SECONDS:
            return None
        meta = json.loads(path.with_suffix(".json").read_text())
        content = path.read_bytes()
    except (OSError, ValueError):
        return None
    upload = SimpleUploadedFile(meta["name"], content, content_type=meta["content_type"])
    upload.kept = KeptUpload(token=token, name=meta["name"])
    return upload


class KeepUploadsMixin:
    """For a form with file fields: a file that passed its own field's checks is kept when the form is
    refused for anything else, and used again on the next submit unless another file is chosen.

    The form needs the user (``upload_owner_id``): pass ``upload_owner=request.user``. Each file field gets
    ``kept`` (a KeptUpload, shown by the field template with its hidden token) or ``not_kept`` (the browser
    lost the file and the user must choose it again)."""

    def __init__(self, *args, upload_owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_owner_id = upload_owner.pk if upload_owner is not None else None
        self._upload_fields = [name for name, field in self.fields.items() if isinstance(field, forms.FileField)]
        for name in self._upload_fields:
            self.fields[name].kept = None
            self.fields[name].not_kept = False
        if self.is_bound and self.upload_owner_id is not None:
            self._take_kept_uploads()

    def _take_kept_uploads(self):
        self.files = self.files.copy()
        for name in self._upload_fields:
            key = self.add_prefix(name)
            if self.files.get(key):
                continue  # a newly chosen file replaces the kept one
            upload = take(self.upload_owner_id, self.data.get(f"{key}-kept"))
            if upload is not None:
                self.files[key] = upload
                self.fields[name].kept = upload.kept

    def add_error(self, field, error):
        super().add_error(field, error)
        if self.upload_owner_id is not None:
            self._keep_uploads()

    def _keep_uploads(self):
        for name in self._upload_fields:
            field = self.fields[name]
            upload = self.files.get(self.add_prefix(name))
            if not upload:
                continue
            if name in self._errors:
                # The file itself was refused: keeping it would only resubmit the same error.
                field.kept, field.not_kept = None, True
            elif field.kept is None and not field.not_kept:
                field.kept = hold(self.upload_owner_id, upload, max_bytes=settings.SPLP_MAX_EVIDENCE_BYTES)
                field.not_kept = field.kept is None
