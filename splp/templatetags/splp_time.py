from django import template

from splp.timezones import DEFAULT_FORMAT, format_local

register = template.Library()


@register.filter
def local_datetime(value, fmt=DEFAULT_FORMAT):
    """``{{ obj.created_at|local_datetime }}`` -> "2 Jan 2026 07:00 WITA"; a format may be given:
    ``{{ obj.created_at|local_datetime:"d/m/Y H:i" }}``."""
    return format_local(value or None, fmt)
