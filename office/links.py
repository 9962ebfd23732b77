from django.conf import settings


def absolute_url(path: str) -> str:
    """Return path on the public site; feeds, sitemaps and calendars need SITE_URL, not the Host."""
    return f"{settings.SITE_URL}{path}"
