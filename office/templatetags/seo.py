import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from office import seo

register = template.Library()

# The escapes of Django's json_script: no "</script>" can end the element early.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """Render structured data as a JSON-LD element (a data block, which CSP lets through)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.filter
def release_metadata(release, profile):
    return seo.release_metadata(release, profile)


@register.filter
def event_metadata(event, profile):
    return seo.event_metadata(event, profile)


@register.filter
def profile_metadata(profile):
    return seo.profile_metadata(profile)
