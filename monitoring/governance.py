"""The policy and SOP register (SPBE indicator 7, the SPLP's internal policy): the regulation, the Dinas'
decrees, the SOPs and the interoperability standard, each reviewed every ``review_cycle_months``.

The next review is due one cycle after the last review (or, before any, after the date issued); it is
stored on the document and recomputed by every change here. A review whose outcome is "replaced" takes
the document out of force: a replaced document is no longer reviewed. Files are PDFs checked and stored
like the Pasal 8 evidence (monitoring.activities). Only Dinas administrators record or change anything.
"""

import calendar
import datetime
import os
from contextlib import nullcontext

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Organization
from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import lock, require

from .activities import PDF, evidence_check, stored_upload
from .models import (
    PolicyDocument,
    PolicyKindChoices as PK,
    PolicyReview,
    PolicyReviewOutcomeChoices as PR,
)

PDF_ONLY = {".pdf": PDF}
# How far ahead a review counts as due: the reminder and the register's highlight use it.
DUE_WITHIN = datetime.timedelta(days=30)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day when it has fewer."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_date(document: PolicyDocument) -> datetime.date:
    last = document.reviews.aggregate(last=Max("reviewed_on"))["last"] if document.pk else None
    return add_months(last or document.issued_on, document.review_cycle_months)


def reviews_due(today: datetime.date) -> QuerySet[PolicyDocument]:
    """Documents in force whose review is overdue or due within DUE_WITHIN, the most urgent first."""
    return (PolicyDocument.objects.filter(is_active=True, next_review_date__lte=today + DUE_WITHIN)
            .select_related("owner").order_by("next_review_date", "pk"))


def _require_admin(actor):
    require(is_administrator(actor), _("Only a Dinas administrator can manage the policy and SOP register."))


def pdf_check(uploaded_file: File | None) -> str:
    """Refuse anything but a PDF within the evidence size limit; returns the extension."""
    extension, _content_type = evidence_check(uploaded_file, PDF_ONLY)
    return extension


def _clean_document(kind, title, number, issued_on, review_cycle_months):
    errors = {}
    if kind not in PK.values:
        errors["kind"] = _("Choose the kind of document.")
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if not (number or "").strip():
        errors["number"] = _("The number is required.")
    if not isinstance(issued_on, datetime.date):
        errors["issued_on"] = _("The date the document was issued is required.")
    if not isinstance(review_cycle_months, int) or not 1 <= review_cycle_months <= 60:
        errors["review_cycle_months"] = _("The review cycle is 1 to 60 months.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def document_register(
    *, actor: User, kind: str, title: str, number: str, issued_on: datetime.date, owner: Organization,
    uploaded_file: File | None, review_cycle_months: int = 12, regulates_national_connection: bool = False,
) -> PolicyDocument:
    """Add a document, with its PDF, to the register."""
    _require_admin(actor)
    _clean_document(kind, title, number, issued_on, review_cycle_months)
    extension = pdf_check(uploaded_file)
    document = PolicyDocument(
        kind=kind, title=title.strip(), number=number.strip(), issued_on=issued_on, owner=owner,
        review_cycle_months=review_cycle_months, file_name=os.path.basename(uploaded_file.name)[:200],
        regulates_national_connection=bool(regulates_national_connection), created_by=actor,
    )
    document.next_review_date = next_review_date(document)
    with stored_upload(document.file, uploaded_file, extension):
        document.save()
        audit_record(actor=actor, target=document, action=AuditAction.POLICY_REGISTER, new_state=kind,
                     data={"number": document.number, "issued_on": issued_on.isoformat(),
                           "file": document.file_name, "next_review_date": document.next_review_date.isoformat()})
    return document


@transaction.atomic
def document_update(
    *, actor: User, document: PolicyDocument, kind: str, title: str, number: str, issued_on: datetime.date,
    owner: Organization, review_cycle_months: int, is_active: bool, regulates_national_connection: bool,
    uploaded_file: File | None = None,
) -> PolicyDocument:
    """Correct a document's record or replace its file; the audit row keeps what it was. A replaced file
    is deleted once the change commits."""
    _require_admin(actor)
    _clean_document(kind, title, number, issued_on, review_cycle_months)
    extension = pdf_check(uploaded_file) if uploaded_file is not None else None
    document = lock(PolicyDocument, document.pk)
    before = {"kind": document.kind, "title": document.title, "number": document.number,
              "issued_on": document.issued_on.isoformat(), "owner": document.owner_id,
              "review_cycle_months": document.review_cycle_months, "is_active": document.is_active,
              "regulates_national_connection": document.regulates_national_connection, "file": document.file_name,
              "next_review_date": document.next_review_date.isoformat()}
    document.kind, document.title, document.number = kind, title.strip(), number.strip()
    document.issued_on, document.owner, document.is_active = issued_on, owner, bool(is_active)
    document.review_cycle_months = review_cycle_months
    document.regulates_national_connection = bool(regulates_national_connection)
    document.next_review_date = next_review_date(document)
    old_file = document.file.name
    if extension is not None:
        document.file_name = os.path.basename(uploaded_file.name)[:200]
    with stored_upload(document.file, uploaded_file, extension) if extension else nullcontext():
        document.save()
        audit_record(actor=actor, target=document, action=AuditAction.POLICY_UPDATE, old_state=before["kind"],
                     new_state=kind, data={"before": before, "next_review_date": document.next_review_date.isoformat()})
    if extension is not None:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return document


@transaction.atomic
def review_record(
    *, actor: User, document: PolicyDocument, reviewed_on: datetime.date, findings: str, outcome: str,
    uploaded_file: File | None = None, today: datetime.date | None = None,
) -> PolicyReview:
    """Record a review of a document (findings, outcome, optionally its report as a PDF) and move the next
    review date one cycle on. "Replaced" takes the document out of force."""
    _require_admin(actor)
    document = lock(PolicyDocument, document.pk)
    errors = {}
    if not isinstance(reviewed_on, datetime.date):
        errors["reviewed_on"] = _("The date of the review is required.")
    elif reviewed_on > (today or timezone.localdate()):
        errors["reviewed_on"] = _("A review cannot be recorded before it took place.")
    elif reviewed_on < document.issued_on:
        errors["reviewed_on"] = _("The review cannot predate the document (issued %(date)s).") % {
            "date": document.issued_on.isoformat()}
    if not (findings or "").strip():
        errors["findings"] = _("Describe the findings of the review.")
    if outcome not in PR.values:
        errors["outcome"] = _("Choose the outcome of the review.")
    if errors:
        raise ValidationError(errors)
    extension = pdf_check(uploaded_file) if uploaded_file is not None else None
    review = PolicyReview(document=document, reviewed_on=reviewed_on, findings=findings.strip(), outcome=outcome,
                          recorded_by=actor)
    if extension is not None:
        review.file_name = os.path.basename(uploaded_file.name)[:200]
    with stored_upload(review.file, uploaded_file, extension) if extension else nullcontext():
        review.save()
        before = document.next_review_date
        document.next_review_date = next_review_date(document)
        if outcome == PR.REPLACED:
            document.is_active = False
        document.save(update_fields=["next_review_date", "is_active"])
        audit_record(actor=actor, target=document, action=AuditAction.POLICY_REVIEW, new_state=outcome,
                     data={"review": review.pk, "reviewed_on": reviewed_on.isoformat(), "file": review.file_name,
                           "next_review_date": [before.isoformat(), document.next_review_date.isoformat()]})
    return review
