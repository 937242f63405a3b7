"""The Pasal 8 activity register: coaching (sosialisasi, pelatihan), supervision (pengawasan) and
monitoring and evaluation, with evidence files and follow-ups. Only Dinas administrators record or change
anything here; the status against the Dinas' targets is monitoring.rules'."""

import datetime
import os
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Organization
from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import lock, require, require_state

from .models import (
    Activity,
    ActivityEvidence,
    ActivityFollowUp,
    ActivityKindChoices as AK,
    FollowUpStatusChoices as FU,
)

# -- Evidence files ---------------------------------------------------------------------------------

# extension -> (content type, check of the file's first bytes / content)
PDF, PNG, JPEG, DOCX, XLSX, ODT = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
)
EVIDENCE_TYPES = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".odt": ODT,
}
MAGIC = {
    PDF: (b"%PDF-",),
    PNG: (b"\x89PNG\r\n\x1a\n",),
    JPEG: (b"\xff\xd8\xff",),
    DOCX: (b"PK\x03\x04",),
    XLSX: (b"PK\x03\x04",),
    ODT: (b"PK\x03\x04",),
}
# What an office document's zip must hold, so a renamed zip (or .exe in a zip) is not accepted.
ZIP_MEMBER = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml", ODT: "content.xml"}
# Members that could run when the document is opened: programs, scripts, macro-enabled documents, VBA
# projects (vbaProject.bin) and other binary parts (OLE objects); printer settings are the one harmless
# binary part of Word/Excel files. OpenDocument keeps its macros under Basic/ and Scripts/.
RISKY_SUFFIXES = (
    ".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".pif", ".cpl", ".hta", ".lnk", ".jar", ".js",
    ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".sh", ".bin", ".docm", ".dotm", ".xlsm", ".xltm", ".xlam",
    ".pptm",
)
RISKY_FOLDERS = ("basic/", "scripts/")
# A real office document has tens of parts and unpacks to a few times its size (at most 10 MB uploaded);
# a zip bomb unpacks to gigabytes. Sizes are the ones the zip declares: nothing is ever extracted here.
MAX_ZIP_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024


def _risky(name):
    name = name.lower()
    if name.endswith(".bin") and "/printersettings/" in f"/{name}":
        return False
    return name.endswith(RISKY_SUFFIXES) or name.startswith(RISKY_FOLDERS)


def _zip_problem(uploaded_file, content_type, extension):
    """Why an office document's zip is refused, or None. The archive is only listed, never extracted."""
    mismatch = _("The content of the file does not match its type (%(ext)s). Upload the original document.") % {
        "ext": extension.lstrip(".").upper()}
    try:
        uploaded_file.seek(0)
        with zipfile.ZipFile(uploaded_file) as archive:
            members = archive.infolist()
            unzipped = sum(member.file_size for member in members)
            if len(members) > MAX_ZIP_MEMBERS or unzipped > MAX_UNZIPPED_BYTES:
                return _("The document would unpack to far more than an office document does (%(size)s in "
                         "%(count)s parts); it is refused.") % {"size": filesizeformat(unzipped),
                                                                 "count": len(members)}
            if ZIP_MEMBER[content_type] not in {m.filename for m in members}:
                return mismatch
            if content_type == ODT:
                # The first member of an OpenDocument file names its type.
                with archive.open("mimetype") as member:
                    if member.read(100).strip() != ODT.encode():
                        return mismatch
            risky = [m.filename for m in members if _risky(m.filename)]
            if risky:
                return _("The document contains a program, script or macro (%(name)s) and is refused. Save it "
                         "as an ordinary document without macros and upload it again.") % {"name": risky[0][:100]}
            return None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return mismatch  # not a readable zip (or an encrypted / unsupported member)
    finally:
        uploaded_file.seek(0)


def evidence_check(uploaded_file: File | None, types: Mapping[str, str] = EVIDENCE_TYPES) -> tuple[str, str]:
    """Refuse a file that is too large or is not what its name says. Returns (extension, content type).

    The type is decided by the extension AND the content (magic bytes; for office documents also the
    zip's members), never by what the browser claims. ``types`` narrows the accepted extensions (a
    subset of EVIDENCE_TYPES, e.g. PDF only for the policy register)."""
    allowed = ", ".join(sorted({ext.lstrip(".").upper() for ext in types} - {"JPEG"}))
    limit = settings.SPLP_MAX_EVIDENCE_BYTES
    if uploaded_file is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    if uploaded_file.size > limit:
        raise ValidationError({"file": _(
            "The file is too large (%(size)s); the maximum is %(limit)s."
        ) % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(limit)}})
    if uploaded_file.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    extension = os.path.splitext(uploaded_file.name or "")[1].lower()
    content_type = types.get(extension)
    if content_type is None:
        raise ValidationError({"file": _(
            "This type of file is not accepted as evidence. Allowed: %(types)s."
        ) % {"types": allowed}})
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    if not head.startswith(MAGIC[content_type]):
        raise ValidationError({"file": _(
            "The content of the file does not match its type (%(ext)s). Upload the original document."
        ) % {"ext": extension.lstrip(".").upper()}})
    problem = _zip_problem(uploaded_file, content_type, extension) if content_type in ZIP_MEMBER else None
    if problem:
        raise ValidationError({"file": problem})
    return extension, content_type


@contextmanager
def stored_upload(field_file, uploaded_file: File, extension: str) -> Iterator[None]:
    """Store a checked upload in ``field_file`` (not saving its row) under a random name: the original name
    is only shown, never used as a path. If the block (saving the row, the audit) raises, the file is
    deleted again, so a refused change leaves nothing behind."""
    uploaded_file.name = f"{uuid.uuid4().hex}{extension}"
    field_file.save(uploaded_file.name, uploaded_file, save=False)
    name = field_file.name
    try:
        yield
    except Exception:
        field_file.storage.delete(name)
        raise


def _require_admin(actor):
    require(is_administrator(actor), _("Only a Dinas administrator can manage coaching and supervision activities."))


def _clean_activity(kind, date, title):
    errors = {}
    if kind not in AK.values:
        errors["kind"] = _("Choose the kind of activity.")
    if not isinstance(date, datetime.date):
        errors["date"] = _("The date of the activity is required.")
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_record(
    *, actor: User, kind: str, date: datetime.date, title: str, organizations: Iterable[Organization] = (),
    participants: str = "", notes: str = "",
) -> Activity:
    """Record a coaching/supervision/monev activity (Pasal 8) in the register."""
    _require_admin(actor)
    _clean_activity(kind, date, title)
    activity = Activity.objects.create(
        kind=kind, date=date, title=title.strip(), participants=(participants or "").strip(),
        notes=(notes or "").strip(), created_by=actor,
    )
    activity.organizations.set(organizations or [])
    audit_record(actor=actor, target=activity, action=AuditAction.RECORD, new_state=kind,
                 data={"date": date.isoformat(), "organizations": sorted(o.pk for o in organizations or [])})
    return activity


@transaction.atomic
def activity_update(
    *, actor: User, activity: Activity, kind: str, date: datetime.date, title: str,
    organizations: Iterable[Organization] = (), participants: str = "", notes: str = "",
) -> Activity:
    """Correct an activity's record; the audit row keeps what it was."""
    _require_admin(actor)
    _clean_activity(kind, date, title)
    activity = lock(Activity, activity.pk)
    before = {"kind": activity.kind, "date": activity.date.isoformat(), "title": activity.title}
    activity.kind, activity.date, activity.title = kind, date, title.strip()
    activity.participants, activity.notes = (participants or "").strip(), (notes or "").strip()
    activity.save()
    activity.organizations.set(organizations or [])
    audit_record(actor=actor, target=activity, action=AuditAction.UPDATE, old_state=before["kind"], new_state=kind,
                 data={"before": before})
    return activity


@transaction.atomic
def activity_evidence_add(*, actor: User, activity: Activity, uploaded_file: File | None) -> ActivityEvidence:
    """Attach an evidence file (minutes, attendance list, photos). Refused files leave nothing behind."""
    _require_admin(actor)
    extension, content_type = evidence_check(uploaded_file)
    activity = lock(Activity, activity.pk)
    original_name = os.path.basename(uploaded_file.name)[:200]
    size = uploaded_file.size
    evidence = ActivityEvidence(
        activity=activity, original_name=original_name, size=size, content_type=content_type, uploaded_by=actor,
    )
    with stored_upload(evidence.file, uploaded_file, extension):
        evidence.save()
        audit_record(actor=actor, target=activity, action=AuditAction.ADD_EVIDENCE,
                     data={"evidence": evidence.pk, "file": original_name, "size": size})
    return evidence


@transaction.atomic
def activity_follow_up_add(
    *, actor: User, activity: Activity, description: str, organization: Organization | None = None,
    due_date: datetime.date | None = None,
) -> ActivityFollowUp:
    _require_admin(actor)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the follow-up.")})
    activity = lock(Activity, activity.pk)
    follow_up = ActivityFollowUp.objects.create(
        activity=activity, description=description, organization=organization, due_date=due_date,
    )
    audit_record(actor=actor, target=activity, action=AuditAction.ADD_FOLLOW_UP, new_state=FU.OPEN,
                 data={"follow_up": follow_up.pk})
    return follow_up


@transaction.atomic
def activity_follow_up_complete(*, actor: User, follow_up: ActivityFollowUp) -> ActivityFollowUp:
    _require_admin(actor)
    follow_up = lock(ActivityFollowUp, follow_up.pk)
    require_state(follow_up, (FU.OPEN,), _("mark the follow-up as done"))
    follow_up.status = FU.DONE
    follow_up.done_at = timezone.now()
    follow_up.save(update_fields=["status", "done_at"])
    audit_record(actor=actor, target=follow_up.activity, action=AuditAction.COMPLETE_FOLLOW_UP, old_state=FU.OPEN,
                 new_state=FU.DONE, data={"follow_up": follow_up.pk})
    return follow_up
