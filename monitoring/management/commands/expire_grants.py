from django.core.management.base import BaseCommand

from monitoring.reminders import approvals_expire_lapsed, grants_expire_lapsed


class Command(BaseCommand):
    help = (
        "Mark granted requests whose grant has passed its end date as expired (their keys stop working), and "
        "approved requests not granted within SPLP_GRANT_WAIT_DAYS or past their period."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{grants_expire_lapsed()} grants expired.")
        self.stdout.write(f"{approvals_expire_lapsed()} approved requests not granted in time expired.")
