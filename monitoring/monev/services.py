"""The services that generate, edit and finalise a Monev report, and the yearly job.

Before it reads the figures, every way of generating a report (the admin's button, the command, the yearly job: all
through ``_prepare``) drains the request-log buffer and rolls up the hours of its period that are missing or
stale, so the figures include every call drained up to that moment ("data s.d." in the report).
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _, gettext_noop as N_, pgettext

from directory.audiences import administrators, emails
from directory.selectors import is_administrator
from splp import mail
from splp.audit import AuditAction, audit_record
from splp.timezones import format_local
from splp.workflow import TransitionError, lock, require, require_state

from .. import signing
from ..anchors import anchors_in_period
from ..models import MonevReport, ReportStatusChoices, SpbeEvidencePack
from ..rollups import rollup_period
from ..services import request_log_drain
from . import document, narrative
from .figures import compute_figures
from .followup import recommendation_items_create
from .formatting import CTX
from .pdf import render_pdf
from .periods import local_iso, period_bounds, previous_year
from .recommendations import recommendations_text
from .sections import ANCHORS_KEY

REPORT_READY = "monev_report_auto"
# Buffered calls are drained within seconds, or after an outage of the buffer: a period that ended longer
# ago than this has nothing left in the buffer.
DRAIN_HORIZON = datetime.timedelta(days=2)
# A drain already running elsewhere is waited for, so its rows are in the report too.
DRAIN_WAIT_SECONDS = 30
# The texts the Dinas edits while the report is a draft (each required to finalise).
NARRATIVE_FIELDS = ("introduction", "conclusion", "recommendations")


def default_title(period_start: datetime.date, period_end: datetime.date, pemda_name: str) -> str:
    if (period_start.month, period_start.day, period_end.month, period_end.day) == (1, 1, 12, 31) \
            and period_start.year == period_end.year:
        return _("SPLP Monitoring and Evaluation Report of %(pemda)s, %(year)d") % {
            "pemda": pemda_name, "year": period_start.year}
    return _("SPLP Monitoring and Evaluation Report of %(pemda)s, %(start)s to %(end)s") % {
        "pemda": pemda_name, "start": period_start.strftime("%d/%m/%Y"), "end": period_end.strftime("%d/%m/%Y")}


def bring_up_to_date(period_start: datetime.date, period_end: datetime.date) -> datetime.datetime:
    """Drain the request-log buffer (unless the period ended more than DRAIN_HORIZON ago) and roll up the
    period's missing or stale hours. Returns the moment the figures cover."""
    start, end = period_bounds(period_start, period_end)
    covered = timezone.now()
    if end > covered - DRAIN_HORIZON:
        request_log_drain(wait_seconds=DRAIN_WAIT_SECONDS)
    rollup_period(start=start, end=end, now=covered)
    return min(end, covered)


def _prepare(period_start, period_end, title):
    """Figures, title and the generated narrative (the Dinas' starting point), in the SPLP's language (a Celery
    worker has no request): the fields of the new report."""
    data_as_of = bring_up_to_date(period_start, period_end)
    with translation.override(settings.LANGUAGE_CODE):
        figures = compute_figures(period_start=period_start, period_end=period_end)
        figures["data_as_of"] = local_iso(data_as_of)
        title = (title or "").strip() or default_title(period_start, period_end, figures["pemda"]["name"])
        return {"figures": figures, "title": title[:200], "introduction": narrative.introduction_text(figures),
                "conclusion": narrative.conclusion_text(figures),
                "recommendations": recommendations_text(figures["recommendations"])}


def _store(*, actor, period_start, period_end, prepared):
    report = MonevReport.objects.create(
        period_start=period_start, period_end=period_end, generated_by=actor, **prepared,
    )
    audit_record(actor=actor, target=report, action=AuditAction.GENERATE, new_state=report.status,
                 data={"period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
                       "system": actor is None})
    return report


def monev_report_generate(*, actor: User, period_start: datetime.date, period_end: datetime.date,
                          title: str | None = None, again: bool = False) -> MonevReport:
    """A draft report for any period, on demand (Pasal 9 "whenever needed"): figures frozen now.

    A period that already has a report is refused (code ``duplicate_period``, naming that report) unless
    ``again``: a second report for the same period is a deliberate choice, not a double click.

    The figures are read before the transaction that stores the report: reading a year of rollups must not
    hold the database's write lock (SQLite) while the bus keeps logging.
    """
    require(is_administrator(actor), _("Only a Dinas administrator can generate the monitoring and evaluation report."))
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end of the period must not be before its start.")})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": _("The period has not started yet.")})
    existing = (MonevReport.objects.filter(period_start=period_start, period_end=period_end)
                .order_by("-generated_at").first())
    if existing is not None and not again:
        raise ValidationError(
            _("This period already has a report: “%(title)s” (%(status)s, generated %(when)s). Confirm to generate "
              "another one for the same period.") % {
                "title": existing.title, "status": existing.get_status_display(),
                "when": format_local(existing.generated_at)},
            code="duplicate_period",
        )
    prepared = _prepare(period_start, period_end, title)
    with transaction.atomic():
        return _store(actor=actor, period_start=period_start, period_end=period_end, prepared=prepared)


def _system_report(period_start, period_end):
    return (MonevReport.objects.filter(period_start=period_start, period_end=period_end, generated_by__isnull=True)
            .order_by("generated_at", "id").first())


def monev_report_generate_system(*, period_start: datetime.date, period_end: datetime.date,
                                 title: str | None = None) -> tuple[MonevReport | None, bool]:
    """The scheduled report: one per period, however often and on however many workers it runs; the
    administrators are e-mailed that a draft waits for them. Returns (report, created)."""
    existing = _system_report(period_start, period_end)
    if existing is not None:
        _send_report_ready(existing)  # a ready-mail whose send failed on an earlier run goes out now
        return existing, False
    prepared = _prepare(period_start, period_end, title)
    try:
        with transaction.atomic():
            # One scheduled report per period (a unique constraint): of two workers racing here, one stores it.
            report = _store(actor=None, period_start=period_start, period_end=period_end, prepared=prepared)
    except IntegrityError:
        return _system_report(period_start, period_end), False
    transaction.on_commit(lambda: _send_report_ready(report))
    return report, True


@transaction.atomic
def monev_report_update_narrative(*, actor: User, report: MonevReport, introduction: str, conclusion: str,
                                  recommendations: str) -> MonevReport:
    """The Dinas' edit of the report's three texts while it is a draft; a final report refuses. None may be
    empty; one audit row, naming what changed, when something did."""
    require(is_administrator(actor), _("Only a Dinas administrator can edit the report."))
    report = lock(MonevReport, report.pk)
    require_state(report, (ReportStatusChoices.DRAFT,), pgettext(CTX, "edit the report's text"))
    return draft_texts_update(report, actor=actor, action=AuditAction.UPDATE_NARRATIVE, values={
        "introduction": introduction, "conclusion": conclusion, "recommendations": recommendations})


def draft_texts_update(obj: MonevReport | SpbeEvidencePack, *, actor: User, action: AuditAction,
                       values: dict[str, str]) -> MonevReport | SpbeEvidencePack:
    """Set the required texts of a locked draft (a report's narrative, an evidence pack's justification): none
    empty; saved with one audit row naming what changed, only when something did."""
    # A browser posts a textarea with CRLF line ends: stored with LF, the blank line between paragraphs is found.
    values = {name: (value or "").replace("\r\n", "\n").strip() for name, value in values.items()}
    empty = {name: pgettext(CTX, "This text must not be empty.") for name, value in values.items() if not value}
    if empty:
        raise ValidationError(empty)
    changed = [name for name, value in values.items() if value != getattr(obj, name)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        audit_record(actor=actor, target=obj, action=action, old_state=obj.status, new_state=obj.status,
                     data={"changed": changed})
    return obj


@transaction.atomic
def monev_report_finalise(*, actor: User, report: MonevReport) -> MonevReport:
    """Final: nothing of the report changes any more, and its recommendations become tracked items."""
    require(is_administrator(actor), _("Only a Dinas administrator can finalise the report."))
    report = lock(MonevReport, report.pk)
    require_state(report, (ReportStatusChoices.DRAFT,), _("finalise the report"))
    if not all(getattr(report, name).strip() for name in NARRATIVE_FIELDS):
        raise TransitionError(pgettext(CTX, "Write the introduction, the conclusion and the recommendations "
                                            "before finalising the report."))
    document.require_identity()
    frozen = document.freeze_identity(report)  # the signed report keeps this letterhead and signatory
    report.figures[ANCHORS_KEY] = anchors_in_period(report.period_start, report.period_end)
    report.status = ReportStatusChoices.FINAL
    report.finalised_by = actor
    report.finalised_at = timezone.now()
    signed = _sign(report)
    report.save(update_fields=["status", "finalised_by", "finalised_at", *frozen, *signed])
    items = recommendation_items_create(report)
    audit_record(actor=actor, target=report, action=AuditAction.FINALISE, old_state=ReportStatusChoices.DRAFT,
                 new_state=ReportStatusChoices.FINAL,
                 data={"recommendation_items": len(items), "signed_by": report.signed_by_subject})
    return report


def _sign(report):
    """The final PDF rendered once and signed with the Dinas' certificate: the PDF download serves it (a final
    report's figures never change). Without a certificate (production with none configured) the report is
    finalised unsigned, and the admin says so. Returns the fields to save."""
    try:
        creds = signing.credentials()
    except signing.SigningError as exc:
        raise TransitionError(pgettext(CTX, "The report cannot be signed: %(reason)s") % {"reason": exc}) from exc
    if creds is None:
        return []
    identity = report.figures[document.IDENTITY_KEY]
    pdf = signing.sign_pdf(render_pdf(report), reason=report.title, location=identity["signatory"]["place"],
                           creds=creds)
    report.signed_pdf.save(f"laporan-monev-{report.pk}.pdf", ContentFile(pdf), save=False)
    report.signed_at = timezone.now()
    report.signed_by_subject = creds.subject
    report.signing_certificate = creds.chain_pem()
    return ["signed_pdf", "signed_at", "signed_by_subject", "signing_certificate"]


# -- Scheduled job -------------------------------------------------------------------------------


def _send_report_ready(report):
    # The claim kind is the old generation claim's: reports announced before the upgrade are not announced again.
    mail.send_once(
        REPORT_READY, f"{report.period_start.isoformat()}/{report.period_end.isoformat()}",
        to=emails(administrators()), subject=N_("Monitoring and evaluation report ready for review: %(title)s"),
        subject_args={"title": report.title}, template="monitoring/emails/monev_report_ready.txt",
        context={"report": report},
    )


def generate_annual_monev_report(today: datetime.date | None = None) -> tuple[MonevReport | None, bool]:
    period_start, period_end = previous_year(today)
    return monev_report_generate_system(period_start=period_start, period_end=period_end)


# The name it had before monitoring.monev existed: the beat schedule (data, edited by the Dinas) stores it.
@shared_task(name="monitoring.reports.generate_annual_monev_report_task")
def generate_annual_monev_report_task() -> dict:
    """Yearly (early January): the draft report of the previous calendar year, once; administrators e-mailed."""
    report, created = generate_annual_monev_report()
    return {"report": report.pk if report else None, "created": created}
