from django.core.management.base import BaseCommand

from monitoring.anchors import request_log_anchor


class Command(BaseCommand):
    help = ("Append today's request-log chain head to SPLP_LOG_ANCHOR_FILE and e-mail it to the administrators "
            "(once a day), what the daily Celery job does.")

    def handle(self, *args, **options):
        anchor = request_log_anchor()
        if anchor is None:
            self.stdout.write("Nothing to anchor: the request log has no batch yet.")
        else:
            self.stdout.write(f"Anchored {anchor['date']}: batch #{anchor['batch']}, {anchor['rows']} rows, "
                              f"hash {anchor['hash']}.")
