"""Backup and restore of a whole installation: the database, the evidence files and a manifest, in one archive.

``splp-backup-<UTC time>.tar.gz`` holds:

- ``manifest.json``: format, database engine, time, row counts per model, the request-log chain head, and
  every file under ``media/`` with its size and SHA-256;
- ``database.dump`` (PostgreSQL: ``pg_dump`` custom format) or ``database.sqlite3`` (SQLite: a copy made
  with SQLite's online-backup API);
- ``media/...``: ``MEDIA_ROOT`` (the evidence of coaching and supervision activities).

Taken while the SPLP runs, and consistent: on PostgreSQL the counts and the chain head are read in the very
snapshot ``pg_dump`` dumps (a REPEATABLE READ transaction exports it, ``pg_dump --snapshot`` uses it); on
SQLite they are read from the copy. Files are copied after the database, so a file uploaded in between is
extra (harmless) and one the snapshot names but the folder no longer holds is listed as missing.

A restore goes into an empty installation of the same engine (it refuses one with data), then checks the
counts and the chain head against the manifest, the files against their checksums, and verifies the chain.
"""

import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from .models import ActivityEvidence, LogBatch
from .services import request_log_verify

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBER = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ARCHIVE_PREFIX = "splp-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
# Rows `migrate` itself writes: a freshly migrated installation has these and is still empty.
WRITTEN_BY_MIGRATE = {"contenttypes", "django_celery_beat", "auth.Permission", "access.ClassificationPolicy",
                      "directory.InteropStandard", "monitoring.MonevRules"}


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


def _model_tables():
    """label -> table of every model with its own table (many-to-many tables included)."""
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _counts(cursor, quote, tables):
    counts = {}
    for label, table in sorted(tables.items()):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[label] = cursor.fetchone()[0]
    return counts


def _facts(cursor, quote):
    """Row counts, the chain head and the evidence files the database names, read through one cursor."""
    counts = _counts(cursor, quote, _model_tables())
    cursor.execute(f"SELECT id, hash FROM {quote(LogBatch._meta.db_table)} ORDER BY id DESC LIMIT 1")
    head = cursor.fetchone()
    file_column = ActivityEvidence._meta.get_field("file").column
    cursor.execute(f"SELECT {quote(file_column)} FROM {quote(ActivityEvidence._meta.db_table)}")
    evidence = sorted(row[0] for row in cursor.fetchall())
    chain_head = {"batch": head[0], "hash": head[1]} if head else None
    return counts, chain_head, evidence


def _sqlite_quote(name):
    return '"' + name.replace('"', '""') + '"'


def _libpq_environment():
    """The database settings as libpq variables: no password on a command line (`ps` shows those)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _run(args):
    try:
        done = subprocess.run(args, env=_libpq_environment(), capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} not found: install the PostgreSQL client tools (the server's major version or newer)."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _dump_database(path):
    """Write the database to ``path``; returns its facts, read from the same snapshot."""
    if connection.vendor == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(path)
        try:
            source.backup(copy)  # one step: a consistent snapshot, writers are not blocked (WAL)
            return _facts(copy.cursor(), _sqlite_quote)
        finally:
            copy.close()
            source.close()
    if connection.vendor != "postgresql":
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction: it opens its own snapshot.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={path}"])
        return _facts(cursor, connection.ops.quote_name)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files():
    """(relative POSIX path, absolute path) of every regular file under MEDIA_ROOT; links are not followed."""
    root = Path(settings.MEDIA_ROOT)
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _check_destination(destination):
    destination = Path(destination).resolve()
    if not destination.is_dir():
        raise BackupError(f"Destination {destination} is not an existing folder.")
    if not os.access(destination, os.W_OK | os.X_OK):
        raise BackupError(f"Destination {destination} is not writable by this user.")
    media = Path(settings.MEDIA_ROOT).resolve()
    if destination == media or media in destination.parents:
        raise BackupError(f"Destination {destination} is inside MEDIA_ROOT ({media}): backups would back up backups.")
    return destination


def backup_create(*, destination, keep=None, now=None):
    """Write one archive into the folder ``destination``; with ``keep``, delete all but the newest ``keep``.

    Returns (archive path, manifest). The archive is readable by its owner only (it holds personal data and
    key hashes) and appears under its final name only once complete.
    """
    destination = _check_destination(destination)
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1.")
    now = now or datetime.datetime.now(datetime.UTC)
    name = f"{ARCHIVE_PREFIX}{now:%Y%m%d-%H%M%S}{ARCHIVE_SUFFIX}"
    target = destination / name
    if target.exists():
        raise BackupError(f"{target} already exists.")
    member = DATABASE_MEMBER.get(connection.vendor)
    with tempfile.TemporaryDirectory(dir=destination, prefix=".splp-backup-") as work:
        dump = Path(work) / (member or "database")
        counts, chain_head, evidence = _dump_database(dump)
        files = [(rel, path, path.stat().st_size, _sha256(path)) for rel, path in _media_files()]
        present = {rel for rel, *_ in files}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "engine": connection.vendor,
            "database": member,
            "counts": counts,
            "request_log_chain_head": chain_head,
            "files": [{"path": rel, "size": size, "sha256": digest} for rel, _path, size, digest in files],
            "missing_files": [name for name in evidence if name not in present],
        }
        partial = Path(work) / (name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=member)
            for rel, path, _size, _digest in files:
                tar.add(path, arcname=f"{MEDIA}/{rel}")
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    if keep is not None:
        for old in sorted(destination.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"))[:-keep]:
            old.unlink()
    return target, manifest


# -- Restore --------------------------------------------------------------------------------------------


def _read_manifest(tar, archive):
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, AttributeError):
        raise BackupError(f"{archive} has no readable {MANIFEST}: not an SPLP backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is backup format {manifest.get('format')!r}; this release reads {FORMAT}.")
    for entry in manifest.get("files", []):
        path = PurePosixPath(entry["path"])
        if path.is_absolute() or ".." in path.parts:
            raise BackupError(f"{archive} names a file outside MEDIA_ROOT ({entry['path']}): refused.")
    if manifest.get("engine") != connection.vendor:
        raise BackupError(
            f"{archive} is a {manifest.get('engine')} backup and this installation uses {connection.vendor}: "
            "restore it into the same engine."
        )
    return manifest


def installation_data():
    """What makes this installation not empty: '<model>: <rows>' and MEDIA_ROOT files (empty list: empty)."""
    existing = set(connection.introspection.table_names())
    tables = {
        label: table for label, table in _model_tables().items()
        if table in existing and label not in WRITTEN_BY_MIGRATE and label.split(".")[0] not in WRITTEN_BY_MIGRATE
    }
    with connection.cursor() as cursor:
        counts = _counts(cursor, connection.ops.quote_name, tables)
    found = [f"{label}: {rows} rows" for label, rows in counts.items() if rows]
    files = _media_files() if Path(settings.MEDIA_ROOT).is_dir() else []
    if files:
        found.append(f"MEDIA_ROOT ({settings.MEDIA_ROOT}): {len(files)} files")
    return found


def _load_database(tar, manifest, work):
    tar.extract(manifest["database"], path=work, filter="data")
    dump = Path(work) / manifest["database"]
    if connection.vendor == "sqlite":
        connection.close()
        source, target = sqlite3.connect(dump), sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    # The empty installation's tables (a migrated one has them) make way for the dump's.
    known = set(_model_tables().values()) | {"django_migrations"}
    with transaction.atomic(), connection.cursor() as cursor:
        drop = sorted(known & set(connection.introspection.table_names(cursor)))
        if drop:
            cursor.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(t) for t in drop) + " CASCADE")
    connection.close()
    # Everything but comments on extensions: only an extension's owner (often a superuser) may set those.
    contents = _run(["pg_restore", "--list", str(dump)])
    listing = Path(work) / "restore.list"
    listing.write_text("".join(line for line in contents.splitlines(True) if "COMMENT - EXTENSION" not in line))
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--use-list={listing}", f"--dbname={connection.settings_dict['NAME']}", str(dump)])


def _restore_files(tar, manifest):
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    wanted = {f"{MEDIA}/{entry['path']}": entry for entry in manifest["files"]}
    members = []
    for member in tar.getmembers():
        if member.name in wanted:
            member.name = str(PurePosixPath(member.name).relative_to(MEDIA))
            members.append(member)
    # The "data" filter refuses absolute paths, "..", links and devices: an archive cannot write elsewhere.
    tar.extractall(path=root, members=members, filter="data")
    problems = []
    for entry in manifest["files"]:
        path = root / entry["path"]
        if not path.is_file():
            problems.append(f"file {entry['path']} is not in the archive")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"file {entry['path']} does not match its checksum")
    return problems


def backup_restore(*, archive):
    """Load ``archive`` into this (empty) installation and check it. Returns (report lines, problems)."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file.")
    try:
        tar = tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a .tar.gz archive ({exc}).") from None
    with tar, tempfile.TemporaryDirectory(prefix="splp-restore-") as work:
        manifest = _read_manifest(tar, archive)
        found = installation_data()
        if found:
            raise BackupError(
                "This installation is not empty; restore only into a new database and an empty MEDIA_ROOT. "
                "It holds " + "; ".join(found[:8]) + ("; ..." if len(found) > 8 else "") + "."
            )
        _load_database(tar, manifest, work)
        problems = _restore_files(tar, manifest)
    ContentType.objects.clear_cache()  # the restored database has its own ids

    report = [f"Restored {archive.name} (taken {manifest['created_at']}, {manifest['engine']})."]
    with connection.cursor() as cursor:
        counts, head, evidence = _facts(cursor, connection.ops.quote_name)
    expected = manifest["counts"]
    differ = [
        f"{label}: {counts.get(label)} rows, the manifest says {expected.get(label)}"
        for label in sorted(set(expected) | set(counts)) if expected.get(label) != counts.get(label)
    ]
    problems += differ
    if not differ:
        report.append(f"Row counts match the manifest: {len(expected)} tables, {sum(expected.values())} rows.")
    if head != manifest["request_log_chain_head"]:
        problems.append(f"request-log chain head is {head}, the manifest says {manifest['request_log_chain_head']}")
    else:
        report.append(f"Request-log chain head matches: {head['batch'] if head else 'no batches'}.")
    checked, bad, reason = request_log_verify()
    if bad is not None:
        problems.append(f"request log chain broken at batch #{bad.pk}: {reason}")
    else:
        report.append(f"Request log verified: {checked} batches, chain intact.")
    root = Path(settings.MEDIA_ROOT)
    absent = [name for name in evidence if not (root / name).is_file()]
    if absent:
        problems.append(f"{len(absent)} evidence files named in the database are absent: {', '.join(absent[:5])}")
    else:
        report.append(f"Evidence files: {len(manifest['files'])} restored, checksums match.")
    return report, problems
