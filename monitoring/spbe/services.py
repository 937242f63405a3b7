"""The services of the SPBE evidence pack: generate a year's draft (levels and justification computed from the
evidence), edit the justification while a draft, finalise (the ZIP built, its index signed, stored; nothing
changes after). Dinas administrators only; each locks the row and writes its audit row."""

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.context_processors import current_pemda
from splp.workflow import TransitionError, lock, require, require_state

from .. import signing
from ..models import ReportStatusChoices, SpbeEvidencePack
from ..monev.formatting import P
from ..monev.services import bring_up_to_date, draft_texts_update
from . import evidence as evidence_module, levels, pack as pack_module

INDICATOR_NUMBERS = (7, 18)


def _require_admin(actor):
    require(is_administrator(actor), P("Only a Dinas administrator can manage the SPBE evaluation evidence."))


def pack_generate(*, actor: User, year: int) -> SpbeEvidencePack:
    """The draft pack of a year, its levels and justification generated in the SPLP's language. A second pack
    for the same year is refused: the year's pack is edited, not generated again."""
    _require_admin(actor)
    if not isinstance(year, int) or not 2018 <= year <= timezone.localdate().year:
        raise ValidationError({"year": P("Choose a year from 2018 up to this year.")})
    existing = SpbeEvidencePack.objects.filter(year=year).first()
    if existing is not None:
        raise ValidationError(P("The year %(year)d already has its evidence pack (%(status)s): open it to edit "
                                "the justification.") % {"year": year, "status": existing.get_status_display()},
                              code="duplicate_year")
    # The year's calls counted as the Monev counts them: drained and rolled up first.
    bring_up_to_date(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    with translation.override(settings.LANGUAGE_CODE):
        found = evidence_module.collect(year)
        assessed = {n: levels.assess(levels.INDICATORS[n], found) for n in INDICATOR_NUMBERS}
    fields = {}
    for number, assessment in assessed.items():
        fields.update({f"level_{number}": assessment.level, f"justification_{number}": assessment.justification,
                       f"missing_{number}": assessment.missing})
    try:
        with transaction.atomic():
            pack = SpbeEvidencePack.objects.create(year=year, generated_by=actor, **fields)
            audit_record(actor=actor, target=pack, action=AuditAction.SPBE_PACK_GENERATE, new_state=pack.status,
                         data={"year": year, "level_7": pack.level_7, "level_18": pack.level_18})
    except IntegrityError:  # generated at the same moment elsewhere
        raise ValidationError(P("The year %(year)d already has its evidence pack.") % {"year": year}) from None
    return pack


@transaction.atomic
def pack_update_justification(*, actor: User, pack: SpbeEvidencePack, justification_7: str,
                              justification_18: str) -> SpbeEvidencePack:
    """The Dinas' own words for why the evidence supports each level, while the pack is a draft."""
    _require_admin(actor)
    pack = lock(SpbeEvidencePack, pack.pk)
    require_state(pack, (ReportStatusChoices.DRAFT,), P("edit the justification"))
    return draft_texts_update(pack, actor=actor, action=AuditAction.SPBE_PACK_JUSTIFY, values={
        "justification_7": justification_7, "justification_18": justification_18})


@transaction.atomic
def pack_finalise(*, actor: User, pack: SpbeEvidencePack, now: datetime.datetime | None = None) -> SpbeEvidencePack:
    """Final: the ZIP (the signed index and the evidence files as they are now) is built and stored once."""
    _require_admin(actor)
    pack = lock(SpbeEvidencePack, pack.pk)
    require_state(pack, (ReportStatusChoices.DRAFT,), P("finalise the evidence pack"))
    pack.status = ReportStatusChoices.FINAL
    pack.finalised_by, pack.finalised_at = actor, now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        found = evidence_module.collect(pack.year)
        index = pack_module.render_index(pack, found)
    try:
        creds = signing.credentials()
    except signing.SigningError as exc:
        raise TransitionError(P("The index cannot be signed: %(reason)s") % {"reason": exc}) from exc
    if creds is not None:
        index = signing.sign_pdf(index, reason=str(pack), location=current_pemda().name, creds=creds)
    pack.archive.save(f"bukti-spbe-{pack.year}.zip", ContentFile(pack_module.build_zip(pack, found, index)),
                      save=False)
    pack.save(update_fields=["status", "finalised_by", "finalised_at", "archive"])
    audit_record(actor=actor, target=pack, action=AuditAction.FINALISE, old_state=ReportStatusChoices.DRAFT,
                 new_state=ReportStatusChoices.FINAL, data={"signed": creds is not None})
    return pack
