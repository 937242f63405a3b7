"""Admin forms with uploads never drop a file without a word: the review form keeps it, and a refused
change form says plainly that the chosen files must be chosen again."""

import re

import pytest

from monitoring.models import PolicyDocument, PolicyReview, PolicyReviewOutcomeChoices as PR

from ..admin.conftest import admin_url, login
from .test_activities import clock, media  # noqa: F401  (autouse: the same clock and media root)
from .test_governance import document, pdf  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_a_refused_review_keeps_its_report_for_the_next_submit(document, admin_user):  # noqa: F811
    alice = login(admin_user)
    url = admin_url(PolicyDocument, "review", document.pk)
    refused = alice.post(url, {"reviewed_on": "2024-01-01", "outcome": PR.VALID, "findings": "x",
                               "file": pdf("reviu.pdf")})
    content = refused.content.decode()
    assert "Gunakan berkas yang sudah diunggah: <strong>reviu.pdf</strong>" in content
    token = re.search(r'name="file-kept" value="([^"]+)"', content).group(1)

    saved = alice.post(url, {"reviewed_on": "2026-03-09", "outcome": PR.VALID, "findings": "x", "file-kept": token})

    assert saved.status_code == 302
    assert PolicyReview.objects.get().file_name == "reviu.pdf"


def test_a_refused_change_form_says_the_file_must_be_chosen_again(admin_user, dinas):
    alice = login(admin_user)
    response = alice.post(admin_url(PolicyDocument, "add"), {
        "kind": "", "title": "", "number": "1", "issued_on": "2025-03-01", "owner": dinas.pk,
        "review_cycle_months": 12, "upload": pdf("standar.pdf"),
        "reviews-TOTAL_FORMS": 0, "reviews-INITIAL_FORMS": 0,
        "splp-auditevent-content_type-object_id-TOTAL_FORMS": 0,
        "splp-auditevent-content_type-object_id-INITIAL_FORMS": 0,
    })

    assert response.status_code == 200
    assert "pilih lagi berkasnya (standar.pdf) setelah memperbaiki isian formulir" in response.content.decode()
    assert not PolicyDocument.objects.exists()
