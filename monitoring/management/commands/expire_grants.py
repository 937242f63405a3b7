from django.core.management.base import BaseCommand

from monitoring.reminders import grants_expire_lapsed


class Command(BaseCommand):
    help = "Mark granted requests whose grant has passed its end date as expired (their keys stop working)."

    def handle(self, *args, **options):
        self.stdout.write(f"{grants_expire_lapsed()} grants expired.")
