"""The admin as the Dinas' workspace: "Tugas saya" on the index, and the decision pages of a version's review and
of an access request (what is judged, the thread, large buttons beside the reason box, messages in words)."""

import datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import services as access_services
from access.choices import AccessRequestStatusChoices as RS
from access.models import PendingAccessRequest
from directory import services as directory_services
from directory.choices import ApiVersionStatusChoices as VS
from directory.models import PendingApiVersion
from monitoring.models import PersonalDataIncident, PolicyDocument
from tests.conftest import file_request, submit_request
from tests.factories import OrganizationFactory

from .conftest import admin_url, change_url, login, messages_of, register

NOW = datetime.datetime(2026, 11, 29, 6, 5, tzinfo=datetime.UTC)  # 13:05 WIB (the tests' zone)


def tasks(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    return {group.key: group for group in response.context["task_groups"]}, response.content.decode()


def test_tasks_name_each_waiting_request_and_version_with_its_age_and_link(
        alice, submitted_request, submitted_version, published_version):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, hours=1)):
        groups, page = tasks(alice)
    assert "<title>Tugas saya |" in page
    assert "/pemantauan/" in page  # the monitoring dashboard

    requests = groups["access_requests"]
    assert (requests.count, len(requests.tasks)) == (1, 1)
    task = requests.tasks[0]
    assert task.label == "Permohonan Dinas Kesehatan untuk Data Penduduk"
    assert task.url == change_url(submitted_request, PendingAccessRequest)
    assert task.age.replace("\xa0", " ") == "diajukan 3 hari lalu"
    assert "Peraturan tidak menetapkan tenggat keputusan" in requests.rule

    versions = groups["versions"]
    assert [t.url for t in versions.tasks] == [change_url(submitted_version, PendingApiVersion)]
    assert versions.tasks[0].label == "Data Kk v1.0.0 dari Disdukcapil"
    assert "lulus uji interoperabilitas" in versions.tasks[0].due
    for text in ("Permohonan akses untuk diputuskan", "Permohonan Dinas Kesehatan untuk Data Penduduk",
                 "diajukan 3\xa0hari lalu", "Versi API untuk direviu", "Temuan pengawasan untuk ditindaklanjuti"):
        assert text in page


def test_a_request_this_administrator_approved_first_waits_for_another(
        alice, second_admin, filing_admin, rahasia, requester_org):
    today = timezone.localdate()
    access_request = file_request(filing_admin, requester_org, rahasia, period_start=today,
                                  period_end=today + datetime.timedelta(days=90))
    access_services.access_request_approve(actor=second_admin, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == RS.SECOND_APPROVAL
    assert [t.url for t in tasks(alice)[0]["access_requests"].tasks] == [
        change_url(access_request, PendingAccessRequest)]
    assert tasks(login(second_admin))[0]["access_requests"].count == 0


@time_machine.travel(NOW, tick=False)
def test_deadlines_come_from_their_rules(alice, admin_user, dinas):
    PersonalDataIncident.objects.create(found_at=NOW - datetime.timedelta(hours=70), summary="Data bocor",
                                        data_affected="NIK", recorded_by=admin_user)
    PolicyDocument.objects.create(kind="sop", title="SOP Permohonan", number="SOP/1", owner=dinas,
                                  issued_on=datetime.date(2025, 11, 1), next_review_date=datetime.date(2026, 11, 1),
                                  file="policies/sop.pdf", file_name="sop.pdf", created_by=admin_user)
    groups, page = tasks(alice)
    incident = groups["incidents"].tasks[0]
    assert incident.due == "sisa 2 jam (tenggat 29/11/2026 15:05 WIB)" and not incident.alert
    assert "paling lambat 72 jam" in groups["incidents"].rule
    review = groups["policy_reviews"].tasks[0]
    assert (review.due, review.alert) == ("reviu jatuh tempo 01/11/2026", True)
    # Pasal 8: the second half-year's coaching and supervision not yet done (1 each, the rules' defaults).
    assert [t.label for t in groups["pasal8"].tasks] == [
        "Pembinaan: 0 dari 1 kegiatan semester ini", "Pengawasan: 0 dari 1 kegiatan semester ini"]
    assert {t.due for t in groups["pasal8"].tasks} == {"tenggat 31/12/2026"}
    assert 'class="splp-alert"' in page


def test_the_index_reads_a_bounded_number_of_queries(alice, requester, requester_org, publish, publisher,
                                                     publisher_org, theme):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get("/admin/").status_code == 200
        return len(queries)

    def waiting(numbers):
        for n in numbers:
            submit_request(requester, requester_org, publish(f"api-{n}"))
            register(publisher, publisher_org, theme, f"draft-{n}", submit=True)

    waiting(range(6))  # more than each group shows
    baseline = count()
    waiting(range(6, 12))
    assert count() == baseline
    assert baseline <= 40


def test_version_review_page_shows_what_is_judged_and_three_distinct_buttons(alice, submitted_version, admin_user):
    directory_services.review_note_add(actor=admin_user, api_version=submitted_version, body="Tambahkan contoh.")
    page = alice.get(change_url(submitted_version, PendingApiVersion)).content.decode()
    for text in ("Klasifikasi data", "Terbuka", "Memuat data pribadi", "Dasar hukum", "UU 24/2013",
                 "Produsen data", "Disdukcapil", "Walidata", "Diskominfo", "Uji interoperabilitas", "Lulus",
                 "/v1/penduduk/{nik}", "Ambil data penduduk", "Catatan pendampingan", "Tambahkan contoh."):
        assert text in page, text
    publish = admin_url(PendingApiVersion, "workflow", submitted_version.pk, "publish")
    revise = admin_url(PendingApiVersion, "workflow", submitted_version.pk, "request_changes")
    reject = admin_url(PendingApiVersion, "workflow", submitted_version.pk, "reject")
    assert f'class="splp-decide splp-decide-approve" formaction="{publish}">Setujui &amp; terbitkan</button>' in page
    assert f'class="splp-decide splp-decide-revise" formaction="{revise}">Minta perbaikan</button>' in page
    assert f'class="splp-decide splp-decide-refuse" formaction="{reject}">Tolak</button>' in page
    assert page.index("splp-decide-approve") < page.index("splp-decide-revise") < page.index("splp-decide-refuse")
    assert "Wajib diisi untuk: Minta perbaikan, Tolak." in page


def test_a_decision_without_its_required_reason_is_refused_in_indonesian(alice, submitted_version):
    url = admin_url(PendingApiVersion, "workflow", submitted_version.pk, "request_changes")
    response = alice.post(url, {"apply": "1", "text": "  "})
    assert response.status_code == 200
    assert "Catatan untuk penyedia API wajib diisi." in response.content.decode()
    submitted_version.refresh_from_db()
    assert submitted_version.status == VS.SUBMITTED

    response = alice.post(url, {"apply": "1", "text": "Lengkapi skema."})
    assert ("success", f"“{submitted_version}” kini: Perlu perbaikan.") in messages_of(response)


def test_request_decision_page_shows_the_application_in_words(alice, requester, requester_org, published_version):
    access_request = submit_request(requester, requester_org, published_version, expected_daily_volume=2500)
    response = alice.get(change_url(access_request, PendingAccessRequest))
    page = response.content.decode()
    assert "Permohonan Dinas Kesehatan untuk Data Penduduk" in page
    assert "Permohonan #" not in page and "dinkes -&gt;" not in page
    start, end = access_request.period_start, access_request.period_end
    for text in ("Tujuan penggunaan", "Verifikasi NIK pasien", "Dasar hukum", "Permenkes 24/2022", "Periode",
                 f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", "2.500 panggilan per hari", "Semua operasi",
                 "Klasifikasi data", "Terbuka"):
        assert text in page, text
    for tone in ("approve", "revise", "refuse"):
        assert f'class="splp-decide splp-decide-{tone}"' in page
    assert "Wajib diisi untuk: Minta perbaikan, Tolak." in page

    response = alice.post(admin_url(PendingAccessRequest, "workflow", access_request.pk, "reject"),
                          {"apply": "1", "text": ""})
    assert "Alasan wajib diisi." in response.content.decode()
    response = alice.post(admin_url(PendingAccessRequest, "workflow", access_request.pk, "reject"),
                          {"apply": "1", "text": "Dasar hukum tidak memadai."})
    assert messages_of(response) == [
        ("success", "“Permohonan Dinas Kesehatan untuk Data Penduduk” kini: Ditolak.")]


def test_the_request_title_names_organisations_not_codes(submitted_request):
    assert str(submitted_request) == "Permohonan Dinas Kesehatan untuk Data Penduduk"
    OrganizationFactory(name="Bappeda", code="bappeda")  # codes never appear
    assert "dinkes" not in str(submitted_request)


def test_the_admin_javascript_catalogue_says_choose_and_remove_in_indonesian(alice):
    catalogue = alice.get("/admin/jsi18n/").content.decode()
    assert "klik tombol panah ke kanan untuk memilihnya" in catalogue
    assert "Batalkan pilihan %s yang ditandai" in catalogue
    # Django's own Indonesian text, with the English button names, is overridden.
    assert "memilih tombol panah" not in catalogue


def test_the_schedule_admin_speaks_indonesian(alice):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(crontab__isnull=False).first()
    page = alice.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/").content.decode()
    assert "Jadwal crontab tugas ini. Isi satu jenis jadwal saja" in page
    assert "Translation:" not in page and "Set only one schedule type" not in page
    crontabs = alice.get("/admin/django_celery_beat/crontabschedule/").content.decode()
    assert "At " not in crontabs and "Every " not in crontabs  # cron-descriptor's English descriptions
