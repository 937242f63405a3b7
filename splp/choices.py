from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class AuditAction(models.TextChoices):
    """What an ``AuditEvent`` records. Reports count rows by these values, so a value never changes without a
    data migration; the labels are what the admin shows. Labels carry the "audit action" context because the
    same English words name statuses elsewhere."""

    # Sign-in (splp/login_security.py)
    LOGIN = "login", pgettext_lazy("audit action", "Signed in")
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit action", "Sign-in failed")
    LOGOUT = "logout", pgettext_lazy("audit action", "Signed out")
    # The Pemda's identity (splp)
    PEMDA_CREATE = "pemda_create", pgettext_lazy("audit action", "Pemda identity recorded")
    PEMDA_UPDATE = "pemda_update", pgettext_lazy("audit action", "Pemda identity changed")
    # Registration and the version lifecycle (directory)
    REGISTER = "register", pgettext_lazy("audit action", "Registered")
    CREATE = "create", pgettext_lazy("audit action", "Created")
    UPDATE = "update", pgettext_lazy("audit action", "Changed")
    UPDATE_SPEC = "update_spec", pgettext_lazy("audit action", "Specification changed")
    SUBMIT = "submit", pgettext_lazy("audit action", "Submitted")
    REQUEST_CHANGES = "request_changes", pgettext_lazy("audit action", "Changes requested")
    PUBLISH = "publish", pgettext_lazy("audit action", "Published")
    DEPRECATE = "deprecate", pgettext_lazy("audit action", "Deprecated")
    RETIRE = "retire", pgettext_lazy("audit action", "Retired")
    REVIEW_NOTE = "review_note", pgettext_lazy("audit action", "Review note added")
    CONFIGURE_UPSTREAM = "configure_upstream", pgettext_lazy("audit action", "Upstream configured")
    INTEROP_STANDARD_UPDATE = "interop_standard_update", pgettext_lazy(
        "audit action", "Interoperability standard changed"
    )
    SUSPEND = "suspend", pgettext_lazy("audit action", "Suspended on the bus")
    RESUME = "resume", pgettext_lazy("audit action", "Resumed on the bus")
    # Access requests, grants and keys (access)
    WITHDRAW = "withdraw", pgettext_lazy("audit action", "Withdrawn")
    FIRST_APPROVAL = "first_approval", pgettext_lazy("audit action", "First approval")
    APPROVE = "approve", pgettext_lazy("audit action", "Approved")
    REJECT = "reject", pgettext_lazy("audit action", "Rejected")
    GRANT = "grant", pgettext_lazy("audit action", "Access granted")
    DECLINE = "decline", pgettext_lazy("audit action", "Declined by the publisher")
    REVOKE = "revoke", pgettext_lazy("audit action", "Revoked")
    EXPIRE = "expire", pgettext_lazy("audit action", "Expired")
    MOVE = "move", pgettext_lazy("audit action", "Moved to another version")
    ISSUE = "issue", pgettext_lazy("audit action", "Key issued")
    REVEAL = "reveal", pgettext_lazy("audit action", "Key shown")
    ROTATE = "rotate", pgettext_lazy("audit action", "Key rotated")
    # Monitoring, findings, activities, the report, personal data (monitoring)
    REQUEST_LOG_PURGE = "request_log_purge", pgettext_lazy("audit action", "Request log purged")
    IDENTIFIER_LOOKUP = "identifier_lookup", pgettext_lazy("audit action", "Identifier lookup")
    ROPA_EXPORT = "ropa_export", pgettext_lazy("audit action", "Record of processing exported")
    DETECT = "detect", pgettext_lazy("audit action", "Detected")
    FOLLOW_UP = "follow_up", pgettext_lazy("audit action", "Followed up")
    RECORD = "record", pgettext_lazy("audit action", "Recorded")
    ADD_EVIDENCE = "add_evidence", pgettext_lazy("audit action", "Evidence added")
    ADD_FOLLOW_UP = "add_follow_up", pgettext_lazy("audit action", "Follow-up added")
    COMPLETE_FOLLOW_UP = "complete_follow_up", pgettext_lazy("audit action", "Follow-up completed")
    NOTIFY = "notify", pgettext_lazy("audit action", "Notification recorded")
    CLOSE = "close", pgettext_lazy("audit action", "Closed")
    GENERATE = "generate", pgettext_lazy("audit action", "Report generated")
    UPDATE_RECOMMENDATIONS = "update_recommendations", pgettext_lazy("audit action", "Recommendations changed")
    UPDATE_NARRATIVE = "update_narrative", pgettext_lazy("audit action", "Report text changed")
    RECOMMENDATION_UPDATE = "recommendation_update", pgettext_lazy("audit action", "Recommendation follow-up changed")
    FINALISE = "finalise", pgettext_lazy("audit action", "Finalised")
    MONEV_RULES_UPDATE = "monev_rules_update", pgettext_lazy("audit action", "Monev rules changed")
    # The policy and SOP register (monitoring.governance)
    POLICY_REGISTER = "policy_register", pgettext_lazy("audit action", "Policy document registered")
    POLICY_UPDATE = "policy_update", pgettext_lazy("audit action", "Policy document changed")
    POLICY_REVIEW = "policy_review", pgettext_lazy("audit action", "Policy review recorded")
    # Connections with other SPLPs and the national exports (monitoring.federation)
    SPLP_CONNECTION_REGISTER = "splp_connection_register", pgettext_lazy("audit action", "SPLP connection registered")
    SPLP_CONNECTION_UPDATE = "splp_connection_update", pgettext_lazy("audit action", "SPLP connection changed")
    NATIONAL_PUBLICATION_MARK = "national_publication_mark", pgettext_lazy(
        "audit action", "Publication on another SPLP changed"
    )
    NATIONAL_EXPORT = "national_export", pgettext_lazy("audit action", "Exported to another SPLP (WSO2)")
    # The SPBE evidence pack (monitoring.spbe); finalising it is FINALISE
    SPBE_PACK_GENERATE = "spbe_pack_generate", pgettext_lazy("audit action", "SPBE evidence pack generated")
    SPBE_PACK_JUSTIFY = "spbe_pack_justify", pgettext_lazy("audit action", "SPBE justification changed")


class HeadOfRegionTitleChoices(models.TextChoices):
    """Who heads the Pemda: a city has a Wali Kota, a regency a Bupati."""

    WALI_KOTA = "wali_kota", _("Mayor")
    BUPATI = "bupati", _("Regent")
