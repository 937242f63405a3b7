from django.core.management.base import BaseCommand, CommandError

from monitoring.anchors import read_anchors
from monitoring.services import request_log_verify


class Command(BaseCommand):
    help = ("Recompute the request log's hash chain and name the first batch that does not match; with --anchors, "
            "the chain must also reach every head anchored in that file (anchor_request_log).")

    def add_arguments(self, parser):
        parser.add_argument("--anchors", metavar="FILE",
                            help="the anchor file (SPLP_LOG_ANCHOR_FILE, or the lines e-mailed to the administrators)")

    def handle(self, *args, **options):
        try:
            anchors = read_anchors(options["anchors"]) if options["anchors"] else []
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the anchors: {exc}") from exc
        checked, bad, reason = request_log_verify(anchors)
        if reason:
            where = f"batch #{bad.pk} (created {bad.created_at:%Y-%m-%d %H:%M:%S})" if bad else "its start"
            raise CommandError(f"Request log chain broken at {where}: {reason}. {checked} batches before it verified.")
        against = f", {len(anchors)} anchored heads reached" if anchors else ""
        self.stdout.write(self.style.SUCCESS(f"Request log verified: {checked} batches, chain intact{against}."))
