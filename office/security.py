"""Response headers every page gets, and the client address behind the proxy."""

from django.conf import settings
from django.http import HttpResponse
from django.template import loader


def is_admin_path(path: str) -> bool:
    return path.startswith(f"/{settings.ADMIN_PATH}")


class SecurityHeadersMiddleware:
    """Add Permissions-Policy everywhere and give the admin its own CSP.

    Sits inside Django's ContentSecurityPolicyMiddleware, which reads the
    policy from the response once this has chosen it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if is_admin_path(request.path) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.ADMIN_CSP
        return response


def client_ip(request) -> str | None:
    """Return the reader's address: REMOTE_ADDR, or the proxies' entry in X-Forwarded-For.

    Each trusted proxy appends the address it saw, so the PROXY_COUNT-th entry
    from the right is the one a client cannot forge by sending its own header.
    """
    hops = settings.PROXY_COUNT
    if hops:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [ip for ip in forwarded if ip]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    """Answer a login while django-axes has locked the account or address: 429, in German."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    page = loader.render_to_string("axes/locked_out.html", {"minutes": minutes})
    response = HttpResponse(page, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
