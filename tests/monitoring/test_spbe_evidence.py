"""The SPBE evaluation evidence (indicators 7 and 18): levels from the registers, the ZIP and its index, the
justification editable only while a draft, one pack a year, administrators only."""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from monitoring import governance
from monitoring.models import (
    PolicyKindChoices as PK,
    PolicyReviewOutcomeChoices as PR,
    SpbeEvidencePack,
)
from monitoring.spbe import services
from splp.audit import audit_events_for
from tests.conftest import sent_away

from ..admin.conftest import admin_url, login, make_staff
from .test_governance import pdf

D = datetime.date


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 8, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


JANUARY_2025 = D(2025, 1, 31)


def register(actor, owner, kind, number, issued_on=JANUARY_2025):
    return governance.document_register(actor=actor, kind=kind, title=f"Dokumen {number}", number=number,
                                        issued_on=issued_on, owner=owner, uploaded_file=pdf(f"{number}.pdf"))


def test_without_a_register_indicator_7_is_level_1_and_names_the_perwali(admin_user, pemda_identity):
    pack = services.pack_generate(actor=admin_user, year=2025)
    assert pack.level_7 == 1
    assert "Perwali/Perbup" in pack.missing_7
    assert pack.level_18 == 1  # no API carried a call in 2025
    assert audit_events_for(pack).get().action == "spbe_pack_generate"


def test_indicator_7_level_by_level_as_the_regulation_words_it(admin_user, dinas, pemda_identity):
    def level_7():
        SpbeEvidencePack.objects.all().delete()
        return services.pack_generate(actor=admin_user, year=2025)

    register(admin_user, dinas, PK.DECREE, "KEP-1/2025")
    pack = level_7()
    # A Kepala Dinas' decree is a set policy (level 2) that binds only part of the Perangkat Daerah.
    assert pack.level_7 == 2 and "Perwali/Perbup" in pack.missing_7
    regulation = register(admin_user, dinas, PK.REGULATION, "PERWALI-7/2024", D(2024, 6, 1))
    pack = level_7()
    assert pack.level_7 == 3
    # Level 4 needs the national connection regulated and a review; the Perwali's was due in June 2025.
    assert "SPLP Nasional" in pack.missing_7 and "dua tahun terakhir" in pack.missing_7
    assert "PERWALI-7/2024" in pack.missing_7
    governance.document_update(
        actor=admin_user, document=regulation, kind=PK.REGULATION, title=regulation.title, number=regulation.number,
        issued_on=regulation.issued_on, owner=dinas, review_cycle_months=12, is_active=True,
        regulates_national_connection=True)
    governance.review_record(actor=admin_user, document=regulation, reviewed_on=D(2025, 11, 3),
                             findings="Perlu pengaturan SOP insiden.", outcome=PR.REVISED)
    pack = level_7()
    assert pack.level_7 == 4 and "kebijakan baru" in pack.missing_7
    # The review's result followed up with a new policy issued after it.
    register(admin_user, dinas, PK.SOP, "SOP-2/2025", D(2025, 12, 1))
    pack = level_7()
    assert pack.level_7 == 5 and pack.missing_7 == ""
    assert "PERWALI-7/2024" in pack.justification_7 and "SOP-2/2025" in pack.justification_7
    assert "Tingkat 4: " in pack.justification_7


def test_indicator_7_review_older_than_two_years_does_not_count(admin_user, dinas, pemda_identity):
    regulation = governance.document_register(
        actor=admin_user, kind=PK.REGULATION, title="Perwali SPLP", number="PERWALI-1/2022", issued_on=D(2022, 1, 3),
        owner=dinas, uploaded_file=pdf("perwali.pdf"), review_cycle_months=60, regulates_national_connection=True)
    governance.review_record(actor=admin_user, document=regulation, reviewed_on=D(2023, 12, 1),
                             findings="Masih sesuai.", outcome=PR.VALID)
    pack = services.pack_generate(actor=admin_user, year=2025)
    assert pack.level_7 == 3 and "dua tahun terakhir" in pack.missing_7


def test_the_zip_holds_the_index_and_the_files(admin_user, dinas, pemda_identity):
    register(admin_user, dinas, PK.REGULATION, "PERWALI-9/2025", D(2025, 2, 1))
    pack = services.pack_generate(actor=admin_user, year=2025)
    pack = services.pack_update_justification(actor=admin_user, pack=pack,
                                              justification_7="Perwali telah ditetapkan dan berlaku.",
                                              justification_18=pack.justification_18)
    pack = services.pack_finalise(actor=admin_user, pack=pack)
    with pack.archive.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert names[0] == "0-indeks-bukti-spbe.pdf"
    assert {"1-kebijakan/register.csv", "2-inventaris-api.csv", "3-konektor-volume.csv",
            "5-kegiatan-pasal8.csv", "7-rekomendasi-tindak-lanjut.csv"} <= set(names)
    assert any(name.startswith("1-kebijakan/") and name.endswith("-2025.pdf") for name in names)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(names[0]))).pages)
    text = " ".join(text.split())
    assert "Indikator 7" in text and "Indikator 18" in text
    assert "Perwali telah ditetapkan dan berlaku." in text
    assert "Tingkat yang didukung bukti: 3" in text  # the Perwali binds every Perangkat Daerah
    assert "belum tercatat" in text.lower()  # the national SPLP connections


def test_justification_editable_while_draft_only(admin_user, pemda_identity):
    pack = services.pack_generate(actor=admin_user, year=2025)
    with pytest.raises(ValidationError):
        services.pack_update_justification(actor=admin_user, pack=pack, justification_7="",
                                           justification_18="x")
    services.pack_finalise(actor=admin_user, pack=pack)
    with pytest.raises(ValidationError):
        services.pack_update_justification(actor=admin_user, pack=pack, justification_7="Baru",
                                           justification_18="Baru")
    pack.refresh_from_db()
    assert pack.justification_7 != "Baru"


def test_a_second_pack_for_the_year_is_refused(admin_user, pemda_identity):
    services.pack_generate(actor=admin_user, year=2025)
    with pytest.raises(ValidationError, match="2025"):
        services.pack_generate(actor=admin_user, year=2025)


def test_only_administrators(admin_user, publisher, outsider, pemda_identity):
    for user in (publisher, outsider):
        with pytest.raises((PermissionDenied, ValidationError)):
            services.pack_generate(actor=user, year=2025)
    pack = services.pack_generate(actor=admin_user, year=2025)
    services.pack_finalise(actor=admin_user, pack=pack)
    download = admin_url(SpbeEvidencePack, "download", pack.pk)
    assert login(make_staff(admin_user)).get(download).status_code == 200
    client = login(make_staff(publisher))
    assert sent_away(client.get(download))
    assert sent_away(client.get(admin_url(SpbeEvidencePack)))
    assert sent_away(client.post(admin_url(SpbeEvidencePack, "generate"), {"year": 2024}))
