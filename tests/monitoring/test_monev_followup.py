"""The Monev report as an official document: the narrative is edited while a draft and frozen once final,
its recommendations become tracked items, and the next report opens with their follow-up."""

import datetime
import io

import openpyxl
import pypdf
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monitoring.models import MonevRecommendation
from monitoring.monev import services as monev
from monitoring.monev.followup import monev_recommendation_update, recommendation_items_create
from monitoring.monev.pdf import render_pdf
from monitoring.monev.xlsx import render_xlsx
from splp.models import AuditEvent
from splp.workflow import TransitionError
from tests.conftest import sent_away

from .test_reports import JKT, REPORT_TIME, YEAR, build_world

NEXT_YEAR = (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
# The audit history inline's (read-only) management form.
NO_AUDIT_ROWS = {"splp-auditevent-content_type-object_id-TOTAL_FORMS": "0",
                 "splp-auditevent-content_type-object_id-INITIAL_FORMS": "0"}


@pytest.fixture
def world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme,
          pemda_identity):
    return build_world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme)


@pytest.fixture
def report(world):
    with time_machine.travel(REPORT_TIME, tick=False):
        return monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1])


def narrative(**overrides):
    return {"introduction": "Pendahuluan baru.", "conclusion": "Kesimpulan baru.",
            "recommendations": "1. Percepat penyediaan API.\n2. Cabut akses yang tidak dipakai.", **overrides}


def events(target, action):
    return AuditEvent.objects.filter(object_id=str(target.pk), action=action)


def test_narrative_edited_while_draft_with_one_audit_row(report, world):
    monev.monev_report_update_narrative(actor=world.admin, report=report,
                                        **narrative(introduction="  Pendahuluan baru. "))
    report.refresh_from_db()
    assert (report.introduction, report.conclusion) == ("Pendahuluan baru.", "Kesimpulan baru.")
    assert report.recommendations.startswith("1. Percepat penyediaan API.")
    event = events(report, "update_narrative").get()
    assert set(event.data["changed"]) == {"introduction", "conclusion", "recommendations"}
    # The same texts again: nothing changed, no second row.
    monev.monev_report_update_narrative(actor=world.admin, report=report, **narrative())
    assert events(report, "update_narrative").count() == 1


def test_narrative_needs_every_text(report, world):
    with pytest.raises(ValidationError) as refused:
        monev.monev_report_update_narrative(actor=world.admin, report=report, **narrative(conclusion="  "))
    assert set(refused.value.message_dict) == {"conclusion"}
    assert "tidak boleh kosong" in refused.value.message_dict["conclusion"][0]
    assert not events(report, "update_narrative").exists()


@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_only_administrators_edit_the_narrative(report, world, who):
    with pytest.raises(PermissionDenied):
        monev.monev_report_update_narrative(actor=getattr(world, who), report=report, **narrative())
    report.refresh_from_db()
    assert report.conclusion != "Kesimpulan baru."


def test_a_final_report_refuses_any_edit(report, world):
    monev.monev_report_update_narrative(actor=world.admin, report=report, **narrative())
    monev.monev_report_finalise(actor=world.admin, report=report)
    with pytest.raises(TransitionError) as refused:
        monev.monev_report_update_narrative(actor=world.admin, report=report, **narrative(conclusion="Terlambat."))
    assert "Final" in str(refused.value)
    report.refresh_from_db()
    assert report.conclusion == "Kesimpulan baru."


# -- Tracked recommendations ----------------------------------------------------------------------------


@pytest.fixture
def items(report, world):
    monev.monev_report_update_narrative(actor=world.admin, report=report, **narrative())
    monev.monev_report_finalise(actor=world.admin, report=report)
    return list(report.recommendation_items.order_by("position"))


def test_items_follow_the_recommendations_one_per_line(report, world):
    report.recommendations = "1. Pertama.\n\n  2) Kedua.  \n- Ketiga."
    created = recommendation_items_create(report)
    assert [(i.position, i.text, i.status) for i in created] == [
        (1, "Pertama.", "open"), (2, "Kedua.", "open"), (3, "Ketiga.", "open")]


def test_update_assigns_owner_and_due_date_then_closes_with_a_note(items, world):
    item = items[0]
    due = datetime.date(2027, 6, 30)
    monev_recommendation_update(actor=world.admin, item=item, owner=world.publisher_org, due_date=due,
                                status="in_progress", note="")
    item.refresh_from_db()
    assert (item.owner, item.due_date, item.status, item.updated_by) == (world.publisher_org, due, "in_progress",
                                                                          world.admin)
    with pytest.raises(ValidationError) as refused:
        monev_recommendation_update(actor=world.admin, item=item, owner=world.publisher_org, due_date=due,
                                    status="done", note=" ")
    assert set(refused.value.message_dict) == {"note"}
    monev_recommendation_update(actor=world.admin, item=item, owner=world.publisher_org, due_date=due,
                                status="done", note="API kependudukan sudah terbit.")
    item.refresh_from_db()
    assert item.status == "done"
    assert [(e.old_state, e.new_state) for e in events(item, "recommendation_update").order_by("id")] == [
        ("open", "in_progress"), ("in_progress", "done")]
    # Closed: the follow-up record no longer changes.
    with pytest.raises(TransitionError):
        monev_recommendation_update(actor=world.admin, item=item, owner=None, due_date=None, status="open",
                                    note="Dibuka lagi.")


def test_in_progress_cannot_go_back_to_open(items, world):
    item = items[0]
    monev_recommendation_update(actor=world.admin, item=item, owner=None, due_date=None, status="in_progress",
                                note="")
    with pytest.raises(TransitionError):
        monev_recommendation_update(actor=world.admin, item=item, owner=None, due_date=None, status="open", note="")


@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_only_administrators_update_an_item(items, world, who):
    with pytest.raises(PermissionDenied):
        monev_recommendation_update(actor=getattr(world, who), item=items[0], owner=world.outsider_org,
                                    due_date=None, status="dropped", note="Tidak relevan.")
    assert MonevRecommendation.objects.get(pk=items[0].pk).status == "open"


def test_finalising_needs_the_three_texts_and_creates_the_items(report, world):
    assert report.introduction and report.conclusion  # generated as the starting point
    report.conclusion = ""
    report.save(update_fields=["conclusion"])
    with pytest.raises(TransitionError):
        monev.monev_report_finalise(actor=world.admin, report=report)
    monev.monev_report_update_narrative(actor=world.admin, report=report, **narrative())
    monev.monev_report_finalise(actor=world.admin, report=report)
    assert [(i.position, i.text, i.status, i.owner) for i in report.recommendation_items.order_by("position")] == [
        (1, "Percepat penyediaan API.", "open", None), (2, "Cabut akses yang tidak dipakai.", "open", None)]


def test_generated_texts_name_the_regulation_the_period_and_the_figures(report):
    assert ("berdasarkan Peraturan Wali Kota Baubau Nomor 32 Tahun 2024 tentang Pengelolaan Sistem Penghubung "
            "Layanan Pemerintah. Pasal 9") in report.introduction
    assert "periode 01/01/2026 s.d. 31/12/2026" in report.introduction
    assert "spl.baubaukota.go.id" in report.introduction
    assert "Jalur penghubung melayani 152 panggilan" in report.conclusion
    assert "Rekomendasi berikut disusun berdasarkan hal-hal tersebut." in report.conclusion


def test_next_years_report_opens_with_last_years_recommendations_and_their_follow_up(client, items, world):
    monev_recommendation_update(actor=world.admin, item=items[0], owner=world.publisher_org,
                                due_date=datetime.date(2027, 6, 30), status="done", note="API sudah terbit.")
    monev_recommendation_update(actor=world.admin, item=items[1], owner=world.requester_org, due_date=None,
                                status="in_progress", note="")
    with time_machine.travel(datetime.datetime(2028, 1, 10, 10, 0, tzinfo=JKT), tick=False):
        following = monev.monev_report_generate(actor=world.admin, period_start=NEXT_YEAR[0],
                                                  period_end=NEXT_YEAR[1])
    assert following.figures["previous_recommendations"]["report_id"] == items[0].report_id
    assert "tindak lanjut atas 2 rekomendasi laporan sebelumnya" in following.introduction
    client.force_login(world.admin)
    page = client.get(reverse("monitoring:report", args=[following.pk])).content.decode()
    assert page.index("1. Pendahuluan") < page.index("2. Tindak Lanjut Rekomendasi") < page.index("3. Gambaran Umum")
    assert page.index("Kesimpulan") < page.index(". Rekomendasi</h2>")
    follow_up = page[page.index('id="follow_up"'):page.index('id="overview"')]
    for text in ("Percepat penyediaan API.", "Disdukcapil", "30/06/2027", "Selesai", "API sudah terbit.",
                 "Cabut akses yang tidak dipakai.", "Dinas Kesehatan", "Dalam proses"):
        assert text in follow_up
    # The XLSX renders the same sections (and the PDF: report_sections is its source too).
    sheets = openpyxl.load_workbook(io.BytesIO(render_xlsx(following)))
    assert sheets.sheetnames[:3] == ["Pendahuluan", "Tindak Lanjut Rekomendasi", "Gambaran Umum"]
    follow_up_cells = [c for row in sheets["Tindak Lanjut Rekomendasi"].iter_rows(values_only=True) for c in row]
    assert "API sudah terbit." in follow_up_cells and "Selesai" in follow_up_cells
    pdf_text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(following))).pages)
    assert "Tindak Lanjut Rekomendasi" in pdf_text and "API sudah terbit." in pdf_text
    # The first report had no previous one: no follow-up section.
    first = client.get(reverse("monitoring:report", args=[items[0].report_id])).content.decode()
    assert 'id="follow_up"' not in first and "Kesimpulan baru." in first and "Pendahuluan baru." in first


def test_admin_change_form_saves_the_narrative_through_the_service(client, report, world):
    client.force_login(world.admin)
    url = reverse("admin:monitoring_monevreport_change", args=[report.pk])
    page = client.get(url).content.decode()
    for name in ("introduction", "conclusion", "recommendations"):
        assert f'name="{name}"' in page
    assert client.post(url, {**narrative(), "_save": "1"}).status_code == 302
    report.refresh_from_db()
    assert (report.introduction, report.conclusion) == ("Pendahuluan baru.", "Kesimpulan baru.")
    assert events(report, "update_narrative").count() == 1
    client.post(url, {**narrative(introduction=""), "_save": "1"})
    report.refresh_from_db()
    assert report.introduction == "Pendahuluan baru."


def test_paragraphs_typed_in_the_browser_stay_paragraphs_in_the_report(client, report, world):
    client.force_login(world.admin)
    url = reverse("admin:monitoring_monevreport_change", args=[report.pk])
    conclusion = "Layanan berjalan baik.\r\n\r\nPerlu pendampingan dua Perangkat Daerah."
    assert client.post(url, {**narrative(conclusion=conclusion), "_save": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.conclusion == "Layanan berjalan baik.\n\nPerlu pendampingan dua Perangkat Daerah."
    page = client.get(reverse("monitoring:report", args=[report.pk])).content.decode()
    assert "<p>Layanan berjalan baik.</p>" in page and "<p>Perlu pendampingan dua Perangkat Daerah.</p>" in page
    # Posting the same text again changes nothing: one audit row.
    client.post(url, {**narrative(conclusion=conclusion), "_save": "1"})
    assert events(report, "update_narrative").count() == 1


def test_admin_follow_up_of_an_item_while_operators_are_sent_to_the_portal(client, items, world):
    item = items[0]
    url = reverse("admin:monitoring_monevrecommendation_change", args=[item.pk])
    client.force_login(world.admin)
    changelist = client.get(reverse("admin:monitoring_monevrecommendation_changelist")).content.decode()
    assert "Percepat penyediaan API." in changelist
    response = client.post(url, {"owner": world.publisher_org.pk, "due_date": "2027-06-30",
                                 "status": "in_progress", "note": "", "_save": "1", **NO_AUDIT_ROWS})
    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.owner, item.due_date, item.status) == (world.publisher_org, datetime.date(2027, 6, 30),
                                                        "in_progress")
    assert events(item, "recommendation_update").count() == 1

    for operator in (world.publisher, world.outsider):  # operators work in the portal, staff flag or not
        operator.is_staff = True
        operator.save(update_fields=["is_staff"])
        client.force_login(operator)
        assert sent_away(client.get(url))
        assert sent_away(client.post(url, {"owner": "", "status": "dropped", "note": "x", "_save": "1",
                                           **NO_AUDIT_ROWS}))
    item.refresh_from_db()
    assert item.status == "in_progress"
