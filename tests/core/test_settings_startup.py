"""Settings refuse a bad time zone or mail configuration at start-up, with a message saying what to set.

Each case imports the settings in a fresh interpreter with only the given environment, as a server would start.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("DEBUG", "SECRET_KEY", "SPLP_LOG_HASH_KEY", "SPLP_TIME_ZONE", "SPLP_PEMDA_PRESET", "SITE_URL", "EMAIL_")
PASSWORD = "smtp-Secret-9f2c"


def start(tmp_path, **env):
    """Import splp.settings; (exit code, output, the settings read) for the environment given."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    environ.update({"DEBUG": "0", "SECRET_KEY": "startup-test", "SPLP_LOG_HASH_KEY": "startup-test-log",
                    "SPLP_VAR_DIR": str(tmp_path), **env})
    script = (
        "import json, splp.settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'TIME_ZONE', 'CELERY_TIMEZONE', 'SPLP_PEMDA_PRESET', 'SITE_URL', 'EMAIL_PORT', 'EMAIL_USE_TLS', "
        "'EMAIL_USE_SSL', 'EMAIL_TIMEOUT')}))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=60)
    output = done.stdout + done.stderr
    return done.returncode, output, json.loads(done.stdout) if done.returncode == 0 else None


def test_production_must_name_its_zone(tmp_path):
    code, output, _ = start(tmp_path)
    assert code != 0
    assert "ImproperlyConfigured: SPLP_TIME_ZONE must be set when DEBUG is off" in output
    assert "Asia/Makassar (WITA)" in output and "Asia/Jayapura (WIT)" in output and "Asia/Jakarta (WIB)" in output


def test_production_must_set_the_log_hash_key(tmp_path):
    code, output, _ = start(tmp_path, SPLP_TIME_ZONE="Asia/Jakarta", SPLP_LOG_HASH_KEY="")
    assert code != 0
    assert "ImproperlyConfigured: SPLP_LOG_HASH_KEY must be set when DEBUG is off" in output


@pytest.mark.parametrize("zone", ["Asia/Makasar", "Europe/Berlin", "UTC", "WITA"])
def test_a_zone_outside_indonesia_or_misspelt_is_refused(tmp_path, zone):
    code, output, _ = start(tmp_path, SPLP_TIME_ZONE=zone)
    assert code != 0
    assert f"SPLP_TIME_ZONE='{zone}' is not one of Indonesia's zones" in output


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"])
def test_each_indonesian_zone_runs_django_and_celery(tmp_path, zone):
    code, output, values = start(tmp_path, SPLP_TIME_ZONE=zone)
    assert code == 0, output
    assert values["TIME_ZONE"] == values["CELERY_TIMEZONE"] == zone


def test_developer_profile_runs_in_the_baubau_presets_zone(tmp_path):
    code, output, values = start(tmp_path, DEBUG="1")
    assert code == 0, output
    assert (values["SPLP_PEMDA_PRESET"], values["TIME_ZONE"]) == ("kota-baubau", "Asia/Makassar")


def test_the_preset_implies_its_zone_and_an_explicit_zone_wins(tmp_path):
    assert start(tmp_path, DEBUG="1", SPLP_PEMDA_PRESET="kabupaten-bungo")[2]["TIME_ZONE"] == "Asia/Jakarta"
    assert start(tmp_path, SPLP_PEMDA_PRESET="kota-baubau")[2]["TIME_ZONE"] == "Asia/Makassar"
    overridden = start(tmp_path, DEBUG="1", SPLP_PEMDA_PRESET="kota-baubau", SPLP_TIME_ZONE="Asia/Jayapura")
    assert overridden[2]["TIME_ZONE"] == "Asia/Jayapura"


def test_an_unknown_preset_is_refused(tmp_path):
    code, output, _ = start(tmp_path, DEBUG="1", SPLP_PEMDA_PRESET="kota-palopo")
    assert code != 0
    assert "SPLP_PEMDA_PRESET='kota-palopo' is not a preset; choose one of: kabupaten-bungo, kota-baubau" in output


def test_tls_and_ssl_together_are_refused_without_showing_the_password(tmp_path):
    code, output, _ = start(tmp_path, SPLP_TIME_ZONE="Asia/Makassar", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1",
                            EMAIL_HOST_USER="splp@baubaukota.go.id", EMAIL_HOST_PASSWORD=PASSWORD)
    assert code != 0
    assert "EMAIL_USE_TLS (STARTTLS, usually port 587) and EMAIL_USE_SSL" in output
    assert "exclude each other" in output
    assert PASSWORD not in output


def test_the_mail_port_follows_tls_or_ssl_unless_given(tmp_path):
    zone = {"SPLP_TIME_ZONE": "Asia/Makassar"}
    assert start(tmp_path, **zone)[2]["EMAIL_PORT"] == 25
    tls = start(tmp_path, **zone, EMAIL_USE_TLS="1")[2]
    assert (tls["EMAIL_PORT"], tls["EMAIL_USE_TLS"], tls["EMAIL_USE_SSL"], tls["EMAIL_TIMEOUT"]) == (
        587, True, False, 30)
    assert start(tmp_path, **zone, EMAIL_USE_SSL="1")[2]["EMAIL_PORT"] == 465
    assert start(tmp_path, **zone, EMAIL_USE_SSL="1", EMAIL_PORT="2465")[2]["EMAIL_PORT"] == 2465


def test_site_url_must_be_https_in_production(tmp_path):
    zone = {"SPLP_TIME_ZONE": "Asia/Makassar"}
    code, output, _ = start(tmp_path, **zone, SITE_URL="http://splp.baubaukota.go.id")
    assert code != 0
    assert "must start with https:// when DEBUG is off" in output
    code, output, _ = start(tmp_path, **zone, SITE_URL="splp.baubaukota.go.id")
    assert code != 0
    assert "must be an address such as https://splp.example.go.id" in output
    assert start(tmp_path, **zone, SITE_URL="https://splp.baubaukota.go.id/")[2]["SITE_URL"] == (
        "https://splp.baubaukota.go.id")
    assert start(tmp_path, DEBUG="1", SITE_URL="http://127.0.0.1:8104")[2]["SITE_URL"] == "http://127.0.0.1:8104"
    assert start(tmp_path, **zone)[2]["SITE_URL"] == ""  # links then use the Pemda identity's domain
