# The audit actions of the SPBE evidence pack (monitoring.spbe.services).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('splp', '0008_audit_action_interop_standard'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Signed in'), ('login_failed', 'Sign-in failed'), ('logout', 'Signed out'), ('pemda_create', 'Pemda identity recorded'), ('pemda_update', 'Pemda identity changed'), ('register', 'Registered'), ('create', 'Created'), ('update', 'Changed'), ('update_spec', 'Specification changed'), ('submit', 'Submitted'), ('request_changes', 'Changes requested'), ('publish', 'Published'), ('deprecate', 'Deprecated'), ('retire', 'Retired'), ('review_note', 'Review note added'), ('configure_upstream', 'Upstream configured'), ('interop_standard_update', 'Interoperability standard changed'), ('suspend', 'Suspended on the bus'), ('resume', 'Resumed on the bus'), ('withdraw', 'Withdrawn'), ('first_approval', 'First approval'), ('approve', 'Approved'), ('reject', 'Rejected'), ('grant', 'Access granted'), ('decline', 'Declined by the publisher'), ('revoke', 'Revoked'), ('expire', 'Expired'), ('move', 'Moved to another version'), ('issue', 'Key issued'), ('reveal', 'Key shown'), ('rotate', 'Key rotated'), ('request_log_purge', 'Request log purged'), ('identifier_lookup', 'Identifier lookup'), ('ropa_export', 'Record of processing exported'), ('detect', 'Detected'), ('follow_up', 'Followed up'), ('record', 'Recorded'), ('add_evidence', 'Evidence added'), ('add_follow_up', 'Follow-up added'), ('complete_follow_up', 'Follow-up completed'), ('notify', 'Notification recorded'), ('close', 'Closed'), ('generate', 'Report generated'), ('update_recommendations', 'Recommendations changed'), ('update_narrative', 'Report text changed'), ('recommendation_update', 'Recommendation follow-up changed'), ('finalise', 'Finalised'), ('monev_rules_update', 'Monev rules changed'), ('policy_register', 'Policy document registered'), ('policy_update', 'Policy document changed'), ('policy_review', 'Policy review recorded'), ('spbe_pack_generate', 'SPBE evidence pack generated'), ('spbe_pack_justify', 'SPBE justification changed')], max_length=64, verbose_name='action'),
        ),
    ]
