"""The Dinas' monitoring dashboard (/pemantauan/): this year's use per theme and API, the queues waiting for
the Dinas, and the Pasal 8/9 duties as traffic lights."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from access import services as access_services
from directory import services as directory_services
from monitoring.models import Activity, Finding
from monitoring.monev import services as monev
from tests.conftest import sent_away

from ..conftest import submit_request
from ..factories import ThemeFactory, openapi_doc, service_fields
from .test_reports import histogram, publish, rollup

JKT = zoneinfo.ZoneInfo("Asia/Jakarta")
UTC = datetime.UTC
NOW = datetime.datetime(2026, 5, 10, 10, 0, tzinfo=JKT)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def data(clock, admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme):
    v1 = publish(publisher, publisher_org, admin_user, theme, "data-penduduk", "Data Penduduk")
    v2 = publish(outsider, outsider_org, admin_user, ThemeFactory(name="Keuangan", slug="keuangan"), "data-pajak",
                 "Data Pajak")
    # Waiting for the Dinas: one request to decide, one approved request waiting for its grant, one review.
    submit_request(requester, requester_org, v1)
    waiting = submit_request(requester, requester_org, v2)
    access_services.access_request_approve(actor=admin_user, access_request=waiting)
    _service, draft = directory_services.api_service_register(
        actor=publisher, owner=publisher_org, slug="data-kk", version="1.0.0",
        upstream_base_url="http://127.0.0.1:9/api", spec=openapi_doc(title="Data KK"),
        **service_fields(theme, name="Data KK"),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=draft)
    Finding.objects.create(kind="rate_limited", fingerprint="f1", organization=requester_org, service=v1.service,
                           period_start=datetime.datetime(2026, 4, 1, tzinfo=UTC),
                           period_end=datetime.datetime(2026, 4, 2, tzinfo=UTC), count=30)
    rollup(datetime.datetime(2026, 2, 1, 3, tzinfo=UTC), v1.service, calls=40, status_2xx=36, status_4xx=4,
           latency_max_ms=5, latency_sum_ms=100, latency_histogram=histogram(b5=40))
    rollup(datetime.datetime(2026, 4, 1, 3, tzinfo=UTC), v2.service, calls=60, status_2xx=57, status_5xx=3,
           latency_max_ms=5, latency_sum_ms=100, latency_histogram=histogram(b5=60))
    rollup(datetime.datetime(2025, 12, 1, 3, tzinfo=UTC), v1.service, calls=999)  # last year: not counted
    Activity.objects.create(kind="sosialisasi", date=datetime.date(2026, 2, 1), title="Sosialisasi",
                            created_by=admin_user)
    return {"v1": v1, "v2": v2}


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def section(html, section_id):
    start = html.index(f'id="{section_id}"')
    return html[start:html.index("</section>", start)]


def lights(html, section_id):
    return re.findall(r'data-light="(\w+)"', section(html, section_id))


def test_dashboard_shows_this_years_use_per_theme_and_api(client, data, admin_user):
    html = page(client, admin_user)
    assert "100" in html and "7,00%" in html  # 100 calls this year, 7 errors; last year's 999 left out
    themes = section(html, "themes")
    assert re.search(r"Keuangan</td><td class=\"num\">60</td><td class=\"num\">3</td><td class=\"num\">5,00%", themes)
    assert re.search(r"Kependudukan</td><td class=\"num\">40</td><td class=\"num\">4</td><td class=\"num\">10,00%",
                     themes)
    top = section(html, "top-apis")
    assert top.index("Data Pajak") < top.index("Data Penduduk")
    assert html.count('<figure class="chart ') == 3


def test_dashboard_counts_the_queues_with_links(client, data, admin_user):
    html = page(client, admin_user)
    for block_id, count, url in (
        ("pending-requests", 1, reverse("admin:access_pendingaccessrequest_changelist")),
        ("waiting-grant", 1, reverse("admin:access_accessrequest_changelist") + "?status__exact=approved"),
        ("pending-reviews", 1, reverse("admin:directory_pendingapiversion_changelist")),
    ):
        block = html[html.index(f'id="{block_id}"'):]
        block = block[:block.index("</div>")]
        assert f"<strong>{count}</strong>" in block and f'href="{url}"' in block
    findings = html[html.index('id="open-findings"'):]
    assert "<strong>1</strong>" in findings[:findings.index("</div>")]


def test_pasal8_lights(client, data, admin_user):
    # H1 (running): coaching 1/1 green, supervision 0/1 amber; H2 not begun: amber; the year: amber. Monev is
    # the Pasal 9 card's (one rule: final reports), no longer a second, disagreeing light here.
    assert lights(page(client, admin_user), "pasal8") == ["green", "amber", "amber", "amber", "amber", "amber"]
    with time_machine.travel(datetime.datetime(2026, 7, 2, 10, tzinfo=JKT), tick=False):
        # The first half-year ended without supervision: red (and the year is behind its pace).
        html = page(client, admin_user)
    assert lights(html, "pasal8")[:2] == ["green", "red"]


def test_pasal9_light_red_then_amber_then_green(client, data, admin_user, pemda_identity):
    assert lights(page(client, admin_user), "pasal9")[0] == "red"  # no report for 2026

    draft = monev.monev_report_generate(actor=admin_user, period_start=datetime.date(2026, 1, 1),
                                          period_end=datetime.date(2026, 12, 31))
    html = page(client, admin_user)
    assert lights(html, "pasal9")[0] == "amber"
    assert reverse("monitoring:report", args=[draft.pk]) in section(html, "pasal9")

    half = monev.monev_report_generate(actor=admin_user, period_start=datetime.date(2026, 1, 1),
                                         period_end=datetime.date(2026, 4, 30))
    monev.monev_report_finalise(actor=admin_user, report=half)
    assert lights(page(client, admin_user), "pasal9")[0] == "amber"  # final, but for part of the year

    monev.monev_report_finalise(actor=admin_user, report=draft)
    assert lights(page(client, admin_user), "pasal9")[0] == "green"


def test_dashboard_is_for_administrators_only(client, data, publisher, requester, outsider):
    url = reverse("monitoring:dashboard")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (publisher, requester, outsider):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert "Data Pajak" not in response.content.decode()


def test_admin_index_links_to_the_dashboard_for_administrators_only(client, data, admin_user, publisher):
    client.force_login(admin_user)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="splp-tasks"' in html
    assert reverse("monitoring:dashboard") in html and reverse("admin:monitoring_monevreport_generate") in html
    publisher.is_staff = True
    publisher.save()
    client.force_login(publisher)
    assert sent_away(client.get(reverse("admin:index")))


def test_a_year_without_calls_says_so_once_per_section(client, clock, admin_user, theme):
    html = page(client, admin_user)

    # The months chart, the themes and the top APIs: each says it once, with no empty table under it.
    assert html.count("Tidak ada panggilan pada periode ini.") == 3
    for section_id in ("themes", "top-apis"):
        assert "<table" not in section(html, section_id)


def test_chart_labels_are_page_text_in_full(client, data, admin_user):
    long_name = "Kependudukan dan Pencatatan Sipil Kabupaten"
    ThemeFactory._meta.model.objects.filter(slug="kependudukan").update(name=long_name)

    themes = section(page(client, admin_user), "themes")

    chart = themes[themes.index('<figure class="chart chart-bars"'):themes.index("</figure>")]
    assert f'<span class="chart-label">{long_name}</span>' in chart  # not cut to 32 characters, not a scaled SVG
    assert "<svg" not in chart


def test_the_status_panel_and_the_freshness_line_appear_once(client, data, admin_user):
    html = page(client, admin_user)

    status = section(html, "system-status")
    assert f'href="{reverse("monitoring:status")}"' in status
    assert "Basis data: " in status and len(re.findall(r'data-light="(\w+)"', status)) >= 5
    assert html.count('id="system-status"') == 1
    assert html.count("Data s.d. 10/05/2026 10:00 WIB") == 1
