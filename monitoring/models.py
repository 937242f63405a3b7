from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class LogBatch(models.Model):
    """One drained batch of request-log rows, chained to the previous batch by hash (tamper evidence)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("rows"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    # Set when retention deleted the rows: the batch stays in the chain, its rows can no longer be checked.
    purged_at = models.DateTimeField(_("rows purged"), null=True, blank=True)

    class Meta:
        verbose_name = _("log batch")
        verbose_name_plural = _("log batches")
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} ({self.row_count})"


class RequestLog(models.Model):
    """One call through the bus (Pasal 9 monitoring). No payloads: they may hold personal data."""

    batch = models.ForeignKey(LogBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="rows")
    request_id = models.CharField(_("request ID"), max_length=64, unique=True)
    time = models.DateTimeField(_("time"), db_index=True)
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("requesting organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    grant = models.ForeignKey(
        "access.Grant", verbose_name=_("grant"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "directory.ApiService", verbose_name=_("API"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    api_version = models.ForeignKey(
        "directory.ApiVersion", verbose_name=_("API version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    operation = models.ForeignKey(
        "directory.ApiOperation", verbose_name=_("operation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    key_prefix = models.CharField(_("key prefix"), max_length=16, blank=True)
    method = models.CharField(_("method"), max_length=10)
    # The operation's path template and the query's parameter names, never their values (access/logmask.py);
    # rows stored before masking hold the raw path and age out with SPLP_LOG_RETENTION_DAYS.
    path = models.CharField(_("path"), max_length=1000)
    # {path parameter: hash, "?query name": [hashes], "rest": [hashes of unmatched segments]}.
    params = models.JSONField(_("parameter hashes"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("gateway status"))
    upstream_status = models.PositiveSmallIntegerField(_("upstream status"), null=True, blank=True)
    latency_ms = models.FloatField(_("total latency (ms)"))
    upstream_latency_ms = models.FloatField(_("upstream latency (ms)"), null=True, blank=True)
    bytes_in = models.PositiveBigIntegerField(_("bytes in"), default=0)
    bytes_out = models.PositiveBigIntegerField(_("bytes out"), default=0)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("request log")
        verbose_name_plural = _("request log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["service", "time"]),
            models.Index(fields=["organization", "time"]),
            models.Index(fields=["status", "time"]),
        ]

    def __str__(self):
        return f"{self.request_id} {self.method} {self.path} {self.status}"


# -- Rollups and health (Pasal 9 monitoring) -------------------------------------------------------

# Upper bounds (ms) of the latency histogram buckets; a last bucket counts everything slower.
LATENCY_BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000)


class UsageRollup(models.Model):
    """Calls of one hour per API x requesting organisation x operation. Reports read these, never raw rows."""

    hour = models.DateTimeField(_("hour"), db_index=True)
    service = models.ForeignKey("directory.ApiService", verbose_name=_("API"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    api_version = models.ForeignKey("directory.ApiVersion", verbose_name=_("API version"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("directory.Organization", verbose_name=_("requesting organisation"),
                                     null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    operation = models.ForeignKey("directory.ApiOperation", verbose_name=_("operation"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey("access.Grant", verbose_name=_("grant"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    calls = models.PositiveIntegerField(_("calls"), default=0)
    status_2xx = models.PositiveIntegerField(_("2xx"), default=0)
    status_4xx = models.PositiveIntegerField(_("4xx"), default=0)
    status_5xx = models.PositiveIntegerField(_("5xx"), default=0)
    # The upstream gave no good answer: unreachable, timed out, cut off, invalid, or its own 5xx.
    upstream_errors = models.PositiveIntegerField(_("upstream errors"), default=0)
    refused_401 = models.PositiveIntegerField(_("refused 401"), default=0)
    refused_403 = models.PositiveIntegerField(_("refused 403"), default=0)
    refused_429 = models.PositiveIntegerField(_("refused 429"), default=0)
    not_granted = models.PositiveIntegerField(_("operation not granted"), default=0)
    inactive_key = models.PositiveIntegerField(_("revoked or expired key"), default=0)
    latency_sum_ms = models.FloatField(_("latency sum (ms)"), default=0)
    latency_max_ms = models.FloatField(_("latency max (ms)"), default=0)
    # Counts per LATENCY_BUCKETS_MS bucket, plus one overflow bucket.
    latency_histogram = models.JSONField(_("latency histogram"), default=list)
    bytes_in = models.PositiveBigIntegerField(_("bytes in"), default=0)
    bytes_out = models.PositiveBigIntegerField(_("bytes out"), default=0)

    class Meta:
        verbose_name = _("usage rollup")
        verbose_name_plural = _("usage rollups")
        ordering = ["-hour"]
        indexes = [models.Index(fields=["service", "hour"]), models.Index(fields=["organization", "hour"])]


class RollupHour(models.Model):
    """An hour whose rollups are computed; its row is locked while recomputing (one worker at a time)."""

    hour = models.DateTimeField(_("hour"), unique=True)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)
    log_rows = models.PositiveIntegerField(_("log rows"), default=0)

    class Meta:
        verbose_name = _("rolled-up hour")
        verbose_name_plural = _("rolled-up hours")
        ordering = ["-hour"]


class WorkerHeartbeat(models.Model):
    """The last heartbeat (one row): sent by Celery beat, run by a worker. A database row, not the cache,
    so every process of both profiles reads the same one."""

    sent_at = models.DateTimeField(_("sent by beat"), null=True, blank=True)
    ran_at = models.DateTimeField(_("run by the worker"))
    hostname = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")


class HealthCheck(models.Model):
    """One probe of a published API's upstream."""

    service = models.ForeignKey("directory.ApiService", verbose_name=_("API"), on_delete=models.CASCADE,
                                related_name="health_checks")
    api_version = models.ForeignKey("directory.ApiVersion", verbose_name=_("API version"), on_delete=models.CASCADE,
                                    related_name="+")
    checked_at = models.DateTimeField(_("checked"), db_index=True)
    ok = models.BooleanField(_("up"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    latency_ms = models.FloatField(_("latency (ms)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-checked_at"]


# -- Supervision findings (Pasal 8(5)b) ------------------------------------------------------------


class FindingKindChoices(models.TextChoices):
    REFUSED_CALLS = "refused_calls", _("Repeated refused calls (401/403)")
    RATE_LIMITED = "rate_limited", _("Rate limit hits")
    NOT_GRANTED = "not_granted", _("Calls to operations not granted")
    SPIKE = "spike", _("Sudden spike against the requester's baseline")
    # The number of days is the Dinas' rule (MonevRules.unused_days); each finding's detail records it.
    UNUSED_GRANT = "unused_grant", _("Grant unused for a long time")
    INACTIVE_KEY = "inactive_key", _("Calls with a revoked or expired key")


class FindingStatusChoices(models.TextChoices):
    OPEN = "open", _("Open")
    FOLLOWED_UP = "followed_up", _("Followed up")


class Finding(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKindChoices.choices)
    # kind + organisation + API/grant + period: a detection run twice finds the same row.
    fingerprint = models.CharField(max_length=200, unique=True, editable=False)
    organization = models.ForeignKey("directory.Organization", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("directory.ApiService", verbose_name=_("API"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey("access.Grant", verbose_name=_("grant"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    count = models.PositiveIntegerField(_("count"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    detected_at = models.DateTimeField(_("detected"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=FindingStatusChoices.choices,
                              default=FindingStatusChoices.OPEN)
    followed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="+")
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up note"), blank=True)

    class Meta:
        verbose_name = _("supervision finding")
        verbose_name_plural = _("supervision findings")
        ordering = ["-period_end", "kind"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.organization} ({timezone.localdate(self.period_start):%Y-%m-%d})"


# -- Coaching and supervision activities (Pasal 8) -------------------------------------------------


class ActivityKindChoices(models.TextChoices):
    SOSIALISASI = "sosialisasi", _("Socialisation (coaching)")
    PELATIHAN = "pelatihan", _("Training (coaching)")
    PENGAWASAN = "pengawasan", _("Supervision")
    MONEV = "monev", _("Monitoring and evaluation")


class FollowUpStatusChoices(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Activity(models.Model):
    AUDIT_STATES = (FollowUpStatusChoices,)  # its follow-ups' audit rows (directory.audit_trail)

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKindChoices.choices)
    date = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    organizations = models.ManyToManyField("directory.Organization", verbose_name=_("organisations involved"),
                                           blank=True, related_name="+")
    participants = models.TextField(_("participants"), blank=True)
    notes = models.TextField(_("notes / minutes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching/supervision activity")
        verbose_name_plural = _("coaching and supervision activities")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"


class ActivityEvidence(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="evidence")
    file = models.FileField(_("file"), upload_to="activities/%Y/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name


class ActivityFollowUp(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="follow_ups")
    description = models.TextField(_("follow-up"))
    organization = models.ForeignKey("directory.Organization", verbose_name=_("organisation"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=FollowUpStatusChoices.choices,
                              default=FollowUpStatusChoices.OPEN)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self):
        return self.description[:80]


# -- The Dinas' Pasal 8 and 9 targets and thresholds (monitoring.rules applies them) ----------------


class MonevPartsChoices(models.IntegerChoices):
    """How many final Monev reports a year, each covering an equal part of it (Pasal 9: at least one)."""

    YEAR = 1, _("One report covering the whole year")
    HALF_YEAR = 2, _("One report per half-year")
    FOUR_MONTHS = 3, _("One report per four months")
    QUARTER = 4, _("One report per quarter")
    TWO_MONTHS = 6, _("One report per two months")
    MONTH = 12, _("One report per month")


class MonevRules(models.Model):
    """The numbers of the Pasal 8 and 9 duties: one row, seeded with the regulation's minimums, edited by the
    Dinas' administrators through ``monitoring.rules.monev_rules_update`` (audited)."""

    pembinaan_per_year = models.PositiveSmallIntegerField(
        _("coaching activities a year"), validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("Socialisation and training together (Pasal 8(3): at least 2). Each half-year is expected "
                    "to hold half of them, rounded down."),
    )
    pengawasan_per_year = models.PositiveSmallIntegerField(
        _("supervision activities a year"), validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("Pasal 8(6): at least 2. Each half-year is expected to hold half of them, rounded down."),
    )
    monev_per_year = models.PositiveSmallIntegerField(
        _("monitoring and evaluation reports a year"), choices=MonevPartsChoices.choices,
        help_text=_("Pasal 9(2): at least once a year. A year is done when final reports cover each of its "
                    "parts."),
    )
    unused_days = models.PositiveSmallIntegerField(
        _("days without a call before a grant counts as unused"),
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Used by the supervision findings and by the report's connector evaluation (Pasal 9(3)b)."),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder lead time (days)"), validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text=_("Administrators are reminded this many days before a half-year ends with coaching or "
                    "supervision below target, and before the year ends without its final report."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Pasal 8 and 9 rules")
        verbose_name_plural = _("Pasal 8 and 9 rules")

    def __str__(self):
        return str(_("Pasal 8 and 9 rules"))


# -- The Pasal 9 report ----------------------------------------------------------------------------


class ReportStatusChoices(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class MonevReport(models.Model):
    """Laporan Monitoring dan Evaluasi SPLP for a period: its figures are frozen when generated."""

    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatusChoices.choices,
                              default=ReportStatusChoices.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    # The narrative the Dinas edits while the report is a draft; generated text is the starting point.
    introduction = models.TextField(_("introduction"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("generated by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated"), auto_now_add=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("finalised by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    finalised_at = models.DateTimeField(_("finalised"), null=True, blank=True)
    # The Pemda logo as it was when the report was finalised: the signed letterhead never changes with it.
    logo = models.FileField(_("logo"), upload_to="monev/", blank=True)
    # The PDF rendered and signed with the Dinas' certificate at finalising: what the PDF download serves. Empty
    # when no certificate was configured (production without SPLP_SIGNING_PKCS12).
    signed_pdf = models.FileField(pgettext_lazy("monitoring-report", "signed PDF"), upload_to="monev/", blank=True)
    signed_at = models.DateTimeField(pgettext_lazy("monitoring-report", "signed"), null=True, blank=True)
    signed_by_subject = models.CharField(pgettext_lazy("monitoring-report", "signer"), max_length=500, blank=True)
    # The certificate (and CAs) it was signed with: the signature is checked against it, also after a renewal.
    signing_certificate = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("monitoring and evaluation report")
        verbose_name_plural = _("monitoring and evaluation reports")
        ordering = ["-period_end", "-generated_at"]
        constraints = [
            # The scheduled job's report (no generating user): one per period, however many workers run it.
            models.UniqueConstraint(fields=["period_start", "period_end"],
                                    condition=models.Q(generated_by__isnull=True), name="uniq_monev_scheduled_period"),
        ]

    def __str__(self):
        return self.title


class RecommendationStatusChoices(models.TextChoices):
    OPEN = "open", pgettext_lazy("monitoring-report", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("monitoring-report", "In progress")
    DONE = "done", pgettext_lazy("monitoring-report", "Done")
    DROPPED = "dropped", pgettext_lazy("monitoring-report", "Dropped")


class MonevRecommendation(models.Model):
    """One recommendation of a final report, followed up by its owner organisation: the next report opens with
    these and their status (the SPBE "continuous improvement" evidence)."""

    report = models.ForeignKey(MonevReport, verbose_name=pgettext_lazy("monitoring-report", "report"),
                               on_delete=models.PROTECT, related_name="recommendation_items")
    position = models.PositiveSmallIntegerField(pgettext_lazy("monitoring-report", "number"))
    text = models.TextField(pgettext_lazy("monitoring-report", "recommendation"))
    owner = models.ForeignKey(
        "directory.Organization", verbose_name=pgettext_lazy("monitoring-report", "owner organisation"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    due_date = models.DateField(pgettext_lazy("monitoring-report", "due date"), null=True, blank=True)
    status = models.CharField(pgettext_lazy("monitoring-report", "status"), max_length=12,
                              choices=RecommendationStatusChoices.choices, default=RecommendationStatusChoices.OPEN)
    note = models.TextField(pgettext_lazy("monitoring-report", "follow-up note"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("monitoring-report", "recommendation follow-up")
        verbose_name_plural = pgettext_lazy("monitoring-report", "recommendation follow-up")
        ordering = ["-report__period_end", "report_id", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "position"], name="monev_recommendation_position")]

    def __str__(self):
        return f"{self.report} – {self.position}"


# -- Personal data incidents (UU 27/2022 Pasal 46) ------------------------------------------------------


class IncidentStatusChoices(models.TextChoices):
    OPEN = "open", pgettext_lazy("monitoring-privacy", "Open: notification due")
    NOTIFIED = "notified", pgettext_lazy("monitoring-privacy", "Notified")
    CLOSED = "closed", pgettext_lazy("monitoring-privacy", "Closed")


class PersonalDataIncident(models.Model):
    """A failure of personal data protection the Dinas found: the data subjects and the authority must be
    told in writing within 3 x 24 hours of finding it (monitoring.incidents holds the rule)."""

    found_at = models.DateTimeField(pgettext_lazy("monitoring-privacy", "found"), db_index=True)
    summary = models.CharField(pgettext_lazy("monitoring-privacy", "summary"), max_length=300)
    services = models.ManyToManyField(
        "directory.ApiService", verbose_name=pgettext_lazy("monitoring-privacy", "APIs affected"), blank=True,
        related_name="+",
    )
    organizations = models.ManyToManyField(
        "directory.Organization", verbose_name=pgettext_lazy("monitoring-privacy", "organisations affected"),
        blank=True, related_name="+",
    )
    data_affected = models.TextField(pgettext_lazy("monitoring-privacy", "personal data affected"))
    cause = models.TextField(pgettext_lazy("monitoring-privacy", "when and how the data was exposed"), blank=True)
    steps_taken = models.TextField(pgettext_lazy("monitoring-privacy", "handling and recovery steps"), blank=True)
    status = models.CharField(pgettext_lazy("monitoring-privacy", "status"), max_length=10,
                              choices=IncidentStatusChoices.choices, default=IncidentStatusChoices.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    notified_at = models.DateTimeField(pgettext_lazy("monitoring-privacy", "notified"), null=True, blank=True)
    notification_note = models.TextField(pgettext_lazy("monitoring-privacy", "notification"), blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("monitoring-privacy", "closed"), null=True, blank=True)
    closing_note = models.TextField(pgettext_lazy("monitoring-privacy", "closing note"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("monitoring-privacy", "personal data incident")
        verbose_name_plural = pgettext_lazy("monitoring-privacy", "personal data incidents")
        ordering = ["-found_at", "-id"]

    def __str__(self):
        return f"{timezone.localtime(self.found_at):%Y-%m-%d %H:%M} {self.summary}"


# -- The policy and SOP register (SPBE indicator 7; monitoring.governance) -----------------------------


class PolicyKindChoices(models.TextChoices):
    REGULATION = "regulation", pgettext_lazy("monitoring-pasal8", "Regulation (Perwali/Perbup)")
    DECREE = "decree", pgettext_lazy("monitoring-pasal8", "Decree of the Kepala Dinas")
    SOP = "sop", pgettext_lazy("monitoring-pasal8", "SOP")
    INTEROPERABILITY = "interoperability", pgettext_lazy("monitoring-pasal8", "Interoperability standard")
    OTHER = "other", pgettext_lazy("monitoring-pasal8", "Other")


class PolicyReviewOutcomeChoices(models.TextChoices):
    VALID = "valid", pgettext_lazy("monitoring-pasal8", "Still valid")
    REVISED = "revised", pgettext_lazy("monitoring-pasal8", "Revised")
    REPLACED = "replaced", pgettext_lazy("monitoring-pasal8", "Replaced")


class PolicyDocument(models.Model):
    """A policy of the SPLP service (the regulation, the Dinas' decrees, SOPs, the interoperability standard)
    with its periodic review: the SPBE evaluation's indicator 7 evidence."""

    AUDIT_STATES = (PolicyReviewOutcomeChoices,)  # a review's audit row records its outcome

    kind = models.CharField(pgettext_lazy("monitoring-pasal8", "kind"), max_length=20,
                            choices=PolicyKindChoices.choices)
    title = models.CharField(pgettext_lazy("monitoring-pasal8", "title"), max_length=300)
    number = models.CharField(pgettext_lazy("monitoring-pasal8", "number"), max_length=200)
    issued_on = models.DateField(pgettext_lazy("monitoring-pasal8", "date issued"))
    file = models.FileField(pgettext_lazy("monitoring-pasal8", "file"), upload_to="policies/%Y/")
    file_name = models.CharField(pgettext_lazy("monitoring-pasal8", "file name"), max_length=200)
    owner = models.ForeignKey("directory.Organization", verbose_name=pgettext_lazy("monitoring-pasal8", "owner"),
                              on_delete=models.PROTECT, related_name="+")
    review_cycle_months = models.PositiveSmallIntegerField(
        pgettext_lazy("monitoring-pasal8", "review cycle (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # Stored (monitoring.governance computes it) so the list, the filter and the reminder query it directly.
    next_review_date = models.DateField(pgettext_lazy("monitoring-pasal8", "next review"), db_index=True)
    is_active = models.BooleanField(pgettext_lazy("monitoring-pasal8", "in force"), default=True)
    # SPBE indicator 7, level 4: the policy "telah mengatur keterhubungan dengan Sistem Penghubung Layanan
    # Pemerintah". Only the Dinas can tell from the text, so it says so here.
    regulates_national_connection = models.BooleanField(
        pgettext_lazy("monitoring-pasal8", "regulates the connection with the national SPLP"), default=False,
        help_text=pgettext_lazy("monitoring-pasal8", "Tick when the document sets how this SPLP connects with the "
                                "national SPLP (Sistem Penghubung Layanan Pemerintah)."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("monitoring-pasal8", "policy document")
        verbose_name_plural = pgettext_lazy("monitoring-pasal8", "Policy and SOP register")
        ordering = ["kind", "-issued_on", "id"]

    def __str__(self):
        return f"{self.number} – {self.title}"


class PolicyReview(models.Model):
    document = models.ForeignKey(PolicyDocument, verbose_name=pgettext_lazy("monitoring-pasal8", "document"),
                                 on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField(pgettext_lazy("monitoring-pasal8", "reviewed on"))
    findings = models.TextField(pgettext_lazy("monitoring-pasal8", "findings"))
    outcome = models.CharField(pgettext_lazy("monitoring-pasal8", "outcome"), max_length=10,
                               choices=PolicyReviewOutcomeChoices.choices)
    file = models.FileField(pgettext_lazy("monitoring-pasal8", "file"), upload_to="policies/reviews/%Y/", blank=True)
    file_name = models.CharField(pgettext_lazy("monitoring-pasal8", "file name"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("monitoring-pasal8", "review")
        verbose_name_plural = pgettext_lazy("monitoring-pasal8", "reviews")
        ordering = ["-reviewed_on", "-id"]

    def __str__(self):
        return f"{self.document.number} {self.reviewed_on:%Y-%m-%d}"


# -- Connections with other SPLPs: the national SPLP and other Pemda (monitoring.federation) ----------------


class SplpConnectionKindChoices(models.TextChoices):
    NATIONAL = "national", _("National SPLP")
    PEMDA = "pemda", _("Another Pemda's SPLP")


class PublicationMarkChoices(models.TextChoices):
    """An API marked for publication on another SPLP, as the mark's audit rows record it."""

    PUBLISHED = "True", _("Marked for publication there")
    NOT_PUBLISHED = "False", _("Not published there")


class SplpConnection(models.Model):
    """An SPLP this one exchanges APIs with (Baubau SPBE Pasal 15(3)a, Palopo Pasal 14(5)): outward, the APIs
    the Dinas marks for publication there; inward, the APIs registered here whose upstream is on its host."""

    AUDIT_STATES = (PublicationMarkChoices,)

    kind = models.CharField(_("kind"), max_length=10, choices=SplpConnectionKindChoices.choices)
    name = models.CharField(_("name"), max_length=200)
    endpoint = models.URLField(_("endpoint"), max_length=500,
                               help_text=_("The base address of its gateway, e.g. https://splp.layanan.go.id."))
    tenant = models.CharField(_("tenant"), max_length=200, blank=True,
                              help_text=_("This Pemda's tenant on that SPLP, e.g. baubaukota.go.id."))
    agreement = models.FileField(_("agreement document"), upload_to="federation/%Y/", blank=True)
    agreement_name = models.CharField(_("agreement file name"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    published_services = models.ManyToManyField(
        "directory.ApiService", verbose_name=_("APIs published there"), blank=True,
        related_name="splp_connections",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("SPLP connection")
        verbose_name_plural = _("SPLP connections")
        ordering = ["kind", "name", "id"]

    def __str__(self):
        return self.name


class NationalExport(models.Model):
    """One API exported as a WSO2 API Manager project for a connection, with what changed since the previous
    export of the same API there (computed from the stored manifests)."""

    connection = models.ForeignKey(SplpConnection, verbose_name=_("SPLP connection"), on_delete=models.PROTECT,
                                   related_name="exports")
    api_version = models.ForeignKey("directory.ApiVersion", verbose_name=_("API version"), on_delete=models.PROTECT,
                                    related_name="+")
    exported_at = models.DateTimeField(_("exported"), default=timezone.now, db_index=True)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("exported by"),
                                    on_delete=models.PROTECT, related_name="+")
    # What the export said (name, context, version, endpoint, operations): the next export compares with it.
    manifest = models.JSONField(_("manifest"))
    api_yaml_sha256 = models.CharField(_("api.yaml SHA-256"), max_length=64)
    changes = models.JSONField(_("changes since the previous export"), default=dict)
    # The project's files as exported ({path: YAML text}; a few KB): the same files download again later, even
    # after the API, SITE_URL or the Pemda's identity changed.
    project = models.JSONField(_("project files"), default=dict)

    class Meta:
        verbose_name = _("national export")
        verbose_name_plural = _("national exports")
        ordering = ["-exported_at", "-id"]

    def __str__(self):
        return f"{self.connection} – {self.api_version} ({self.exported_at:%Y-%m-%d %H:%M})"
# -- The SPBE evaluation's evidence pack (indicators 7 and 18; monitoring.spbe) ---------------------------


class SpbeEvidencePack(models.Model):
    """The evidence of one year for the SPBE evaluation: the level each indicator's evidence supports, with the
    justification the Dinas may edit while a draft, and the ZIP (index PDF and files) stored when finalised."""

    year = models.PositiveSmallIntegerField(pgettext_lazy("monitoring-report", "year"), unique=True)
    status = models.CharField(pgettext_lazy("monitoring-report", "status"), max_length=10,
                              choices=ReportStatusChoices.choices, default=ReportStatusChoices.DRAFT)
    level_7 = models.PositiveSmallIntegerField(pgettext_lazy("monitoring-report", "indicator 7 level"))
    justification_7 = models.TextField(pgettext_lazy("monitoring-report", "indicator 7 justification"))
    missing_7 = models.TextField(pgettext_lazy("monitoring-report", "indicator 7: missing for the next level"),
                                 blank=True)
    level_18 = models.PositiveSmallIntegerField(pgettext_lazy("monitoring-report", "indicator 18 level"))
    justification_18 = models.TextField(pgettext_lazy("monitoring-report", "indicator 18 justification"))
    missing_18 = models.TextField(pgettext_lazy("monitoring-report", "indicator 18: missing for the next level"),
                                  blank=True)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("generated by"),
                                     on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated"), auto_now_add=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("finalised by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    finalised_at = models.DateTimeField(_("finalised"), null=True, blank=True)
    archive = models.FileField(pgettext_lazy("monitoring-report", "ZIP archive"), upload_to="spbe/", blank=True)

    class Meta:
        verbose_name = pgettext_lazy("monitoring-report", "SPBE evaluation evidence")
        verbose_name_plural = pgettext_lazy("monitoring-report", "SPBE evaluation evidence")
        ordering = ["-year"]

    def __str__(self):
        return str(pgettext_lazy("monitoring-report", "SPBE evaluation evidence %(year)d") % {"year": self.year})
