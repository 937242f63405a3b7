"""The beat schedule is data: installed by migrate, editable by the Dinas in the admin."""

from django_celery_beat.models import PeriodicTask

from splp.celery import app

EXPECTED = {
    "monitoring.tasks.drain_request_log_task",
    "monitoring.rollups.rollup_request_log_task",
    "monitoring.health.check_upstream_health_task",
    "monitoring.reminders.expire_grants_task",
    "monitoring.findings.detect_findings_task",
    "monitoring.rollups.purge_request_log_task",
    "monitoring.reminders.send_reminders_task",
    "monitoring.usage.send_usage_summary_task",
    "monitoring.reports.generate_annual_monev_report_task",
    "monitoring.heartbeat.heartbeat_task",
    "monitoring.reminders.send_incident_reminders_task",
    "monitoring.anchors.anchor_request_log_task",
}


def test_schedule_installed_by_migrate_and_every_task_registered(db):
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert set(tasks.values()) == EXPECTED
    app.loader.import_default_modules()
    assert EXPECTED <= set(app.tasks)
    drain = PeriodicTask.objects.get(task="monitoring.tasks.drain_request_log_task")
    assert drain.interval.every == 5 and drain.enabled
    heartbeat = PeriodicTask.objects.get(task="monitoring.heartbeat.heartbeat_task")
    assert (heartbeat.interval.every, heartbeat.interval.period, heartbeat.enabled) == (60, "seconds", True)
    incidents = PeriodicTask.objects.get(task="monitoring.reminders.send_incident_reminders_task")
    assert (incidents.interval.every, incidents.interval.period, incidents.enabled) == (1, "hours", True)
    annual = PeriodicTask.objects.get(task="monitoring.reports.generate_annual_monev_report_task")
    assert (annual.crontab.month_of_year, annual.crontab.day_of_month, str(annual.crontab.timezone)) == (
        "1", "2", "Asia/Jakarta")


def test_dinas_administrator_edits_the_schedule_in_the_admin(client, admin_user, requester):
    task = PeriodicTask.objects.get(task="monitoring.usage.send_usage_summary_task")
    client.force_login(admin_user)  # a Dinas administrator by membership, not a superuser
    page = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert page.status_code == 200
    response = client.post(f"/admin/django_celery_beat/periodictask/{task.pk}/change/", {
        "name": task.name, "regtask": task.task, "task": "", "crontab": task.crontab_id, "enabled": "",
        "args": "[]", "kwargs": "{}", "expire_seconds": "", "queue": "", "exchange": "", "routing_key": "",
        "headers": "{}", "priority": "", "description": "", "one_off": "", "start_time_0": "", "start_time_1": "",
        "expires_0": "", "expires_1": "", "clocked": "", "interval": "", "solar": "",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    task.refresh_from_db()
    assert task.enabled is False
    requester.is_staff = True
    requester.save()
    client.force_login(requester)
    response = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
