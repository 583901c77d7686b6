"""Dates and times as people read them, with a machine-readable ``<time>`` beside them.

HTML's ``datetime`` attribute allows at most three fractional digits of a second, and Django's
``|date:'c'`` writes microseconds; ``{% timestamp value %}`` writes whole seconds, so every
recorded moment in the service is marked up the same valid way.
"""

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

register = template.Library()


@register.filter
def machine_datetime(value) -> str:
    """ISO 8601 in the current time zone, to the second: valid in a ``datetime`` attribute."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


@register.simple_tag
def timestamp(value) -> str:
    """``<time datetime="2026-03-01T14:05:09+00:00">1 March 2026 at 14:05</time>``"""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}">{} at {}</time>',
        machine_datetime(value),
        dateformat.format(local, "j F Y"),
        dateformat.time_format(local, "H:i"),
    )
