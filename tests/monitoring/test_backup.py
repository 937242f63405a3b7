"""manage.py backup / restore: an archive taken from the suite's database is restored by a separate
``manage.py restore`` process into a fresh database (a new SQLite file, or a new PostgreSQL database when the
suite runs on PostgreSQL), which then has the same rows, the same files and a request-log chain that verifies."""

import datetime
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from access.models import Grant
from monitoring import activities
from monitoring.backup import backup_create
from monitoring.models import ActivityKindChoices as AK, LogBatch, RequestLog
from monitoring.services import request_log_write_batch

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% Notulen pembinaan\n%%EOF\n"

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the restore process read what is committed


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def log_records(grant, start, n):
    at = datetime.datetime(2026, 3, 10, 8, tzinfo=datetime.UTC)
    return [
        {"request_id": f"req-{i}", "time": (at + datetime.timedelta(seconds=i)).isoformat(), "grant_id": grant.pk,
         "organization_id": grant.organization_id, "method": "GET", "path": "/gateway/data-penduduk/v1/x",
         "status": 200, "latency_ms": 3.5, "client_ip": "10.0.0.7"}
        for i in range(start, start + n)
    ]


@pytest.fixture
def installation(granted_request, admin_user, requester_org):
    """An installation in use: users, an API, a granted request, a chained request log, evidence files."""
    grant = granted_request.grant
    request_log_write_batch(log_records(grant, 0, 3))
    request_log_write_batch(log_records(grant, 3, 2))
    activity = activities.activity_record(actor=admin_user, kind=AK.SOSIALISASI, date=datetime.date(2026, 3, 5),
                                          title="Sosialisasi SPLP", organizations=[requester_org])
    evidence = activities.activity_evidence_add(
        actor=admin_user, activity=activity, uploaded_file=SimpleUploadedFile("notulen.pdf", PDF, "application/pdf")
    )
    return evidence


def fresh_database(tmp_path):
    """(DATABASE_URL of a new, empty database, cleanup)."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl(), drop


def manage(*args, database_url, media_root, var_dir):
    """A manage.py command in its own process, in the production profile, on another database."""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "splp.settings", "DEBUG": "0", "SECRET_KEY": "restore-test",
        "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root), "SPLP_VAR_DIR": str(var_dir), "REDIS_URL": "",
    }
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def table_counts(database_url, tables):
    """Rows per table, read straight from the restored database (not through the code under test)."""
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(urlsplit(database_url).path)
    else:
        import psycopg

        db = psycopg.connect(database_url)
    try:
        cursor = db.cursor()
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts
    finally:
        db.close()


def test_backup_restores_into_a_fresh_database_with_matching_counts_and_chain(installation, media, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    out = io.StringIO()
    call_command("backup", str(backups), stdout=out)
    (archive,) = backups.glob("splp-backup-*.tar.gz")
    assert str(archive) in out.getvalue() and "request-log chain head #" in out.getvalue()
    assert archive.stat().st_mode & 0o077 == 0  # personal data and key hashes: the owner's only

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    models = {m._meta.label: m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy}
    assert manifest["counts"] == {label: models[label].objects.count() for label in manifest["counts"]}
    assert manifest["counts"]["monitoring.RequestLog"] == 5 and manifest["counts"]["monitoring.LogBatch"] == 2
    last = LogBatch.objects.order_by("-id").first()
    assert manifest["request_log_chain_head"] == {"batch": last.pk, "hash": last.hash}
    assert [f["path"] for f in manifest["files"]] == [installation.file.name]

    # Not into an installation that has data: nothing there is touched.
    with pytest.raises(CommandError, match="not empty.*auth.User: [0-9]+ rows"):
        call_command("restore", str(archive))
    assert RequestLog.objects.count() == 5

    database_url, drop = fresh_database(tmp_path)
    restored_media = tmp_path / "restored-media"
    try:
        done = manage("restore", str(archive), database_url=database_url, media_root=restored_media,
                      var_dir=tmp_path / "var")
        assert done.returncode == 0, done.stderr
        assert "Row counts match the manifest" in done.stdout
        assert f"Request-log chain head matches: {last.pk}" in done.stdout
        assert "Request log verified: 2 batches, chain intact." in done.stdout
        assert "Evidence files: 1 restored, checksums match." in done.stdout

        verified = manage("verify_request_log", database_url=database_url, media_root=restored_media,
                          var_dir=tmp_path / "var")
        assert verified.returncode == 0 and "2 batches, chain intact" in verified.stdout
        tables = {label: models[label]._meta.db_table for label in manifest["counts"]}
        restored = table_counts(database_url, tables.values())
        assert {label: restored[table] for label, table in tables.items()} == manifest["counts"]
        assert (restored_media / installation.file.name).read_bytes() == PDF

        # The restored installation takes new rows (its sequences came along): a new administrator.
        created = manage("createsuperuser", "--noinput", "--username", "restored-admin", "--email", "a@example.go.id",
                         database_url=database_url, media_root=restored_media, var_dir=tmp_path / "var")
        assert created.returncode == 0, created.stderr

        # A second restore into the now restored installation is refused.
        again = manage("restore", str(archive), database_url=database_url, media_root=restored_media,
                       var_dir=tmp_path / "var")
        assert again.returncode != 0 and "This installation is not empty" in again.stderr
    finally:
        drop()


def test_backup_is_consistent_while_the_bus_keeps_logging(installation, tmp_path):
    """Taken while batches are being written: the manifest's counts are those of the dump it sits beside.
    Restored into a migrated installation."""
    grant = Grant.objects.get()
    stop = threading.Event()

    def write():
        start = 100
        while not stop.is_set():
            request_log_write_batch(log_records(grant, start, 10))
            start += 10
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        archive, manifest = backup_create(destination=tmp_path)
    finally:
        stop.set()
        writer.join()
    database_url, drop = fresh_database(tmp_path)
    target = dict(database_url=database_url, media_root=tmp_path / "restored-media", var_dir=tmp_path / "var")
    try:
        # This time the new installation was migrated first: what migrate writes does not count as data.
        assert manage("migrate", "--noinput", **target).returncode == 0
        done = manage("restore", str(archive), **target)
        assert done.returncode == 0, done.stderr
        assert "Row counts match the manifest" in done.stdout and "chain intact" in done.stdout
    finally:
        drop()
    assert RequestLog.objects.count() >= manifest["counts"]["monitoring.RequestLog"] >= 5


def test_backup_refuses_bad_destinations(db, tmp_path, media):
    with pytest.raises(CommandError, match="is not an existing folder"):
        call_command("backup", str(tmp_path / "nowhere"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="is not an existing folder"):
        call_command("backup", str(tmp_path / "file"))
    (media / "backups").mkdir(parents=True)
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        call_command("backup", str(media / "backups"))
    assert not list(tmp_path.rglob("splp-backup-*"))


def test_keep_deletes_all_but_the_newest_archives(db, tmp_path):
    at = datetime.datetime(2026, 3, 1, 1, tzinfo=datetime.UTC)
    for day in range(3):
        backup_create(destination=tmp_path, keep=2, now=at + datetime.timedelta(days=day))
    assert sorted(p.name for p in tmp_path.glob("splp-backup-*")) == [
        "splp-backup-20260302-010000.tar.gz", "splp-backup-20260303-010000.tar.gz",
    ]


def write_archive(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
    (tmp_path / "notes.txt").write_text("not an archive")
    with pytest.raises(CommandError, match="is not a .tar.gz archive"):
        call_command("restore", str(tmp_path / "notes.txt"))
    write_archive(tmp_path / "other.tar.gz", {"readme.txt": b"hello"})
    with pytest.raises(CommandError, match="no readable manifest.json: not an SPLP backup"):
        call_command("restore", str(tmp_path / "other.tar.gz"))
    other_engine = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = {"format": 1, "engine": other_engine, "files": []}
    write_archive(tmp_path / "engine.tar.gz", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(CommandError, match=f"is a {other_engine} backup .* restore it into the same engine"):
        call_command("restore", str(tmp_path / "engine.tar.gz"))


def test_restore_refuses_an_archive_naming_files_outside_media_root(db, tmp_path, media):
    manifest = {"format": 1, "engine": connection.vendor, "files": [{"path": "../../etc/cron.d/x", "sha256": "0"}]}
    write_archive(tmp_path / "evil.tar.gz", {"manifest.json": json.dumps(manifest).encode(),
                                             "media/../../etc/cron.d/x": b"* * * * * root sh"})
    with pytest.raises(CommandError, match="names a file outside MEDIA_ROOT"):
        call_command("restore", str(tmp_path / "evil.tar.gz"))
    assert not (tmp_path.parent / "etc").exists()
