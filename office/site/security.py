"""Requests refused before any view, response headers every page gets, the client's address."""

from django.conf import settings
from django.core.exceptions import BadRequest, EmptyResultSet, SuspiciousOperation
from django.db.models.lookups import In
from django.http import HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template import loader


def is_admin_path(path: str) -> bool:
    return path.startswith(f"/{settings.ADMIN_PATH}")


class BadRequestMiddleware:
    """Refuse a request Django will not read with the 400 page, on every path.

    Host, query and form body are read here, before anything answers: so the
    page cache does not serve a page that Django would refuse uncached, and a
    path without a view (a 404, a missing static file) refuses a broken body as
    a path with one does. What failed to parse raises again on every read, which
    would turn the 400 page's own context (its CSRF token reads the form) into a
    500: its error page gets an empty query and form instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
            # Reading them is the check.
            request.GET  # noqa: B018
            if request.method == "POST":
                request.POST  # noqa: B018
            if is_admin_path(request.path) and has_nul(request.GET):
                # PostgreSQL cannot compare text with it: an admin filter or search
                # would be a 500. The public views refuse it in their forms.
                raise BadRequest("NUL in the query string")
        except (SuspiciousOperation, BadRequest, MultiPartParserError):
            request.GET = QueryDict()
            request._mark_post_parse_error()
            raise
        return self.get_response(request)


def has_nul(query: QueryDict) -> bool:
    return any(
        "\x00" in name or any("\x00" in value for value in values) for name, values in query.lists()
    )


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


class IntegerIn(In):
    """`in` on integer columns: a value the column cannot hold matches nothing.

    Django answers `exact` and the comparisons so for numbers out of range since
    5.0; `in` still hands the number to the database, where SQLite raises
    OverflowError: a form's list of ids (ModelMultipleChoiceField) with a
    30-digit one was a 500. A word is refused with ValueError before that: the
    admin's search fields re-render a crafted "office" as an id this way.
    Registered on IntegerField in OfficeConfig.ready().
    """

    def get_prep_lookup(self):
        if self.rhs_is_direct_value():
            self.rhs = [value for value in self.rhs if self.holds(value)]
        return super().get_prep_lookup()

    def holds(self, value):
        if hasattr(value, "resolve_expression"):
            return True  # an expression is the database's to judge
        try:
            self.lhs.output_field.get_prep_value(value)
        except (TypeError, ValueError):
            return False
        return True

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            internal_type = self.lhs.output_field.get_internal_type()
            low, high = connection.ops.integer_field_range(internal_type)
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
            if not self.rhs:
                raise EmptyResultSet
        return super().process_rhs(compiler, connection)
