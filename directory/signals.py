"""What the directory announces to the apps above it (it never imports them)."""

from django.dispatch import Signal

# A version is deprecated or retired. Sent inside the transaction of the change, with ``api_version``,
# ``actor`` and ``action`` ("deprecate" or "retire"); access answers it by telling the grant holders.
api_version_ending = Signal()
