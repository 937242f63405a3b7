"""The monitoring app's admin, one module per area; importing them registers their ModelAdmins."""

from . import federation, followup, governance, logs, pasal8, privacy, reports, schedule, spbe  # noqa: F401
