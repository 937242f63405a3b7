from django.core.management.base import BaseCommand

from monitoring.usage import usage_summary_send


class Command(BaseCommand):
    help = "E-mail last month's usage summary (once per month), what the monthly Celery job does."

    def handle(self, *args, **options):
        sent = usage_summary_send()
        self.stdout.write(f"{sent} e-mails sent." if sent else "Nothing sent (already sent for last month).")
