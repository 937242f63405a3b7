"""The request-log chain anchored outside the database (issue 11, non-repudiation): the daily head appended to
a file and e-mailed once; the chain verified against the anchors, so a chain rebuilt in the database is found."""

import datetime
import json
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from monitoring.anchors import anchor_request_log_task, read_anchors
from monitoring.models import LogBatch, RequestLog
from monitoring.services import GENESIS, chain_hash, request_log_verify, request_log_write_batch

DAY = datetime.datetime(2026, 11, 3, 0, 10, tzinfo=datetime.UTC)


def log_calls(count, status=200):
    request_log_write_batch([
        {"request_id": uuid.uuid4().hex, "time": DAY.isoformat(), "method": "GET", "path": "/gateway/x/v1/y",
         "status": status, "latency_ms": 3.5}
        for _ in range(count)
    ])


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.SPLP_LOG_ANCHOR_FILE = str(tmp_path / "anchors" / "log-anchors.jsonl")
    return tmp_path / "anchors" / "log-anchors.jsonl"


def test_the_daily_head_is_written_and_mailed_once_a_day(db, admin_user, anchor_file):
    log_calls(2)
    log_calls(3)
    with time_machine.travel(DAY, tick=False):
        anchor_request_log_task.delay()
        log_calls(1)  # a batch drained later the same day changes nothing: the day is anchored
        call_command("anchor_request_log")
    last = LogBatch.objects.order_by("id")[1]
    assert read_anchors(anchor_file) == [{"date": "2026-11-03", "time": "2026-11-03T07:10:00+07:00",
                                          "batch": last.pk, "hash": last.hash, "rows": 5}]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    assert "Kepala rantai log permintaan tanggal 2026-11-03" in message.subject
    assert "Simpan e-mail ini" in message.body
    assert last.hash in message.body and json.dumps(read_anchors(anchor_file)[0], sort_keys=True) in message.body

    with time_machine.travel(DAY + datetime.timedelta(days=1), tick=False):
        call_command("anchor_request_log")
    assert [(a["date"], a["rows"]) for a in read_anchors(anchor_file)] == [("2026-11-03", 5), ("2026-11-04", 6)]
    assert len(mail.outbox) == 2


def test_nothing_is_anchored_before_the_first_batch(db, admin_user, anchor_file):
    call_command("anchor_request_log")
    assert not anchor_file.exists() and mail.outbox == []


def test_verify_with_anchors_passes_on_an_intact_chain(db, admin_user, anchor_file, capsys):
    log_calls(2)
    with time_machine.travel(DAY, tick=False):
        call_command("anchor_request_log")
    log_calls(2)
    call_command("verify_request_log", anchors=str(anchor_file))
    assert "2 batches, chain intact, 1 anchored heads reached" in capsys.readouterr().out


def test_a_chain_rebuilt_in_the_database_fails_against_the_anchors(db, admin_user, anchor_file):
    log_calls(2)
    log_calls(2)
    with time_machine.travel(DAY, tick=False):
        call_command("anchor_request_log")
    log_calls(2)
    # Someone with the database alters a row, then recomputes every batch hash after it.
    first = LogBatch.objects.order_by("id").first()
    RequestLog.objects.filter(pk=RequestLog.objects.filter(batch=first).order_by("id")[0].pk).update(status=500)
    prev_hash = GENESIS
    for batch in LogBatch.objects.order_by("id"):
        rows = RequestLog.objects.filter(batch=batch).order_by("id")
        LogBatch.objects.filter(pk=batch.pk).update(prev_hash=prev_hash, hash=chain_hash(prev_hash, rows))
        prev_hash = chain_hash(prev_hash, rows)

    call_command("verify_request_log")  # the chain in the database alone looks intact
    anchored = LogBatch.objects.order_by("id")[1]
    with pytest.raises(CommandError) as exc:
        call_command("verify_request_log", anchors=str(anchor_file))
    assert f"batch #{anchored.pk}" in str(exc.value) and "anchored on 2026-11-03" in str(exc.value)


def test_a_chain_cut_short_fails_against_the_anchors(db, admin_user, anchor_file):
    log_calls(1)
    log_calls(1)
    with time_machine.travel(DAY, tick=False):
        call_command("anchor_request_log")
    last = LogBatch.objects.order_by("id").last()
    RequestLog.objects.filter(batch=last).delete()
    LogBatch.objects.filter(pk=last.pk).delete()
    checked, bad, reason = request_log_verify(read_anchors(anchor_file))
    assert checked == 1 and bad == LogBatch.objects.get()
    assert reason == f"the chain ends before batch #{last.pk}, anchored on 2026-11-03"


def test_a_damaged_anchor_file_is_refused(db, anchor_file):
    anchor_file.parent.mkdir()
    anchor_file.write_text('{"date": "2026-11-03"}\n')
    with pytest.raises(CommandError, match="line 1: not a chain anchor"):
        call_command("verify_request_log", anchors=str(anchor_file))
