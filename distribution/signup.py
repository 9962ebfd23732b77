"""Journalists join the Presseverteiler on the site and manage their subscription.

Double opt-in: the form stores a Signup and the worker mails a link to confirm
it; the link is the Signup's id signed with a timestamp (valid
SIGNUP_CONFIRM_HOURS), and the confirmation marks it used in one UPDATE, so it
works once. Only the confirmation creates or changes a contact, so whoever types
someone else's address changes nothing. Every answer to a valid form is the
same, whether the address is on the list or not.

No cookie: a reader who looks at the page gets none, so the form cannot use
Django's CSRF cookie. A sign-up carries no one's authority (anyone may sign up
any address, and only its inbox can confirm), so what a forged cross-site post
could do, a direct one can: the view refuses posts a browser marks as
cross-site (Origin, Sec-Fetch-Site), and the form carries a signed, timestamped
token from the page, so a post must come from a page fetched in the last day.
The abuse that matters is volume: confirmation e-mails per address and per
day, and sign-ups per client and per hour, are limited.
"""

import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from distribution.mail import one_line
from distribution.models import Contact, Signup, normalize_email
from office import outbox
from office.models import Profile
from office.publishing.cache import CACHE_ERRORS, breaker
from office.site.links import absolute_url
from office.site.security import client_ip
from releases.archive import in_use
from releases.models import Category, Topic

CONFIRM_SALT = "distribution.signup-confirm"
FORM_SALT = "distribution.signup-form"
# A page's form may be sent this long after it was fetched.
FORM_MAX_AGE = timedelta(days=1)
# Unconfirmed sign-ups are deleted after this long: personal data kept no longer than needed.
UNCONFIRMED_KEPT = timedelta(days=7)


def topic_fields():
    """Return the category and topic fields: only those published releases use."""
    return {
        "categories": forms.ModelMultipleChoiceField(
            label=gettext_lazy("Kategorien"),
            queryset=in_use(Category).order_by("name"),
            required=False,
            error_messages=dict.fromkeys(
                ("invalid_choice", "invalid_pk_value"),
                gettext_lazy("Diese Kategorie gibt es nicht."),
            ),
        ),
        "topics": forms.ModelMultipleChoiceField(
            label=gettext_lazy("Themen"),
            queryset=in_use(Topic).order_by("name"),
            required=False,
            error_messages=dict.fromkeys(
                ("invalid_choice", "invalid_pk_value"), gettext_lazy("Dieses Thema gibt es nicht.")
            ),
        ),
    }


class ProfileForm(forms.Form):
    """Name, outlet and topics: what a journalist tells the office about themselves."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        error_messages={"required": gettext_lazy("Bitte geben Sie Ihren Namen ein.")},
    )
    outlet = forms.CharField(
        label=gettext_lazy("Medium oder Redaktion"), max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields |= topic_fields()

    def clean(self):
        cleaned_data = super().clean()
        for field in ("name", "outlet"):
            if field in cleaned_data:
                cleaned_data[field] = one_line(cleaned_data[field])
        return cleaned_data


class SignupForm(ProfileForm):
    email = forms.EmailField(
        label=gettext_lazy("E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Bitte geben Sie Ihre E-Mail-Adresse ein."),
            "invalid": gettext_lazy("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    consent = forms.BooleanField(
        label=gettext_lazy(
            "Ich möchte Pressemitteilungen und Terminhinweise per E-Mail bekommen. "
            "Abmelden kann ich mich jederzeit über den Link in jeder E-Mail."
        ),
        error_messages={
            "required": gettext_lazy("Bitte bestätigen Sie, dass Sie E-Mails bekommen möchten.")
        },
    )

    field_order = ("name", "outlet", "email", "categories", "topics", "consent")

    def clean_email(self):
        address = self.cleaned_data["email"]
        # Valid by RFC 5321, but no journalist's: a quoted name spells one inbox many
        # ways (past the limit per address), a literal sends mail to any machine.
        if address.startswith('"') or address.endswith("]"):
            raise forms.ValidationError(self.fields["email"].error_messages["invalid"])
        return normalize_email(address)

    def clean_token(self):
        try:
            signing.TimestampSigner(salt=FORM_SALT).unsign(
                self.cleaned_data["token"], max_age=FORM_MAX_AGE
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                _("Das Formular war zu lange geöffnet. Bitte senden Sie es noch einmal ab."),
                code="stale",
            ) from None
        return ""


def form_token() -> str:
    return signing.TimestampSigner(salt=FORM_SALT).sign("presseverteiler")


def from_another_site(request) -> bool:
    """Return True if the browser says this post comes from a page of another site."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if not origin:
        return False  # not a browser, or an old one: nothing a cookie would have added
    own = {f"{request.scheme}://{request.get_host()}", origin_of(settings.SITE_URL)}
    return origin not in own


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def over_client_limit(request) -> bool:
    """Count a sign-up of this client; True once it passed its hourly limit.

    Counted in the shared cache (Redis with several hosts). Without a cache the
    limit per address, counted in the database, still holds.
    """
    key = f"plenum:signup-client:{client_network(client_ip(request))}"
    try:
        with breaker.guard():
            cache.add(key, 0, 60 * 60)
            count = cache.incr(key)
    except (ValueError, *CACHE_ERRORS):
        return False
    return count > settings.SIGNUP_REQUESTS_PER_CLIENT_HOUR


def client_network(address: str | None) -> str | None:
    """Return what one client controls: its IPv4 address, or the /64 of its IPv6 address.

    A provider gives a household a /64 or more, so any address in it is the
    same client; an IPv4 address written as IPv6 (::ffff:…) is the IPv4 one.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def over_address_limit(email: str) -> bool:
    """Return True if this address got its confirmation e-mails for today (one query)."""
    since = timezone.now() - timedelta(days=1)
    sent = Signup.objects.filter(email=email, created_at__gte=since).count()
    return sent >= settings.SIGNUP_MAILS_PER_ADDRESS_DAY


def never_cached(response):
    add_never_cache_headers(response)
    return response


@csrf_exempt  # see the module's docstring: a signed token and the Origin instead of a cookie
@require_http_methods(["GET", "POST"])
def signup(request):
    """Show the sign-up form; a valid post stores the sign-up and has its confirmation mailed."""
    form = SignupForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and from_another_site(request):
        form.is_valid()
        form.add_error(None, _("Bitte melden Sie sich über das Formular auf dieser Seite an."))
        status = 403
    elif request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if over_client_limit(request):
            form.add_error(
                None,
                _(
                    "Von Ihrem Anschluss kamen in der letzten Stunde zu viele Anmeldungen. "
                    "Bitte versuchen Sie es später noch einmal."
                ),
            )
            status = 429
        elif over_address_limit(email):
            form.add_error(
                "email",
                _(
                    "An diese Adresse haben wir heute schon mehrere Bestätigungen geschickt. "
                    "Bitte sehen Sie in Ihrem Postfach (auch im Spam-Ordner) nach oder "
                    "versuchen Sie es morgen wieder."
                ),
            )
            status = 429
        else:
            register(form.cleaned_data)
            ctx = {"email": email, "hours": settings.SIGNUP_CONFIRM_HOURS}
            return never_cached(render(request, "distribution/signup_sent.html", ctx))
    ctx = {"form": form, "token": form_token()}
    return never_cached(render(request, "distribution/signup.html", ctx, status=status))


def register(data) -> Signup:
    """Store a sign-up and book its confirmation e-mail (sent after the commit)."""
    with transaction.atomic():
        Signup.objects.filter(
            confirmed_at=None, created_at__lt=timezone.now() - UNCONFIRMED_KEPT
        ).delete()
        signup = Signup.objects.create(
            email=data["email"], name=data["name"], outlet=data["outlet"]
        )
        signup.categories.set(data["categories"])
        signup.topics.set(data["topics"])
        send_confirmation.enqueue(signup.pk)
    return signup


def confirm_token(signup) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(signup.pk))


def read_confirm_token(token: str) -> tuple[int | None, bool]:
    """Return (sign-up id, expired) of a link; (None, False) if it was never ours."""
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        return int(
            signer.unsign(token, max_age=timedelta(hours=settings.SIGNUP_CONFIRM_HOURS))
        ), False
    except signing.SignatureExpired:
        return None, True
    except (signing.BadSignature, ValueError):
        return None, False


@task
def send_confirmation(signup_id, attempt=1):
    signup = Signup.objects.filter(pk=signup_id, confirmed_at=None).first()
    if signup is None:
        return
    profile = Profile.load()
    link = absolute_url(reverse("distribution:confirm", kwargs={"token": confirm_token(signup)}))
    ctx = {
        "profile": profile,
        "signup": signup,
        "link": link,
        "hours": settings.SIGNUP_CONFIRM_HOURS,
        "signup_url": absolute_url(reverse("distribution:signup")),
    }
    message = EmailMessage(
        subject=one_line(
            _("Bitte bestätigen: Presseverteiler von %(name)s") % {"name": profile.full_name}
        ),
        body=render_to_string("distribution/confirm_mail.txt", ctx),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signup.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    outbox.deliver(message, send_confirmation, signup_id, attempt=attempt)


@csrf_exempt  # the link's token is the secret; a scanner's GET confirms nothing
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button (mail scanners open links); its POST confirms, once."""
    signup_id, expired = read_confirm_token(token)
    signup = Signup.objects.filter(pk=signup_id).first() if signup_id else None
    if signup is None or signup.confirmed_at is not None:
        ctx = {"expired": expired, "used": signup is not None}
        return never_cached(render(request, "distribution/confirm.html", ctx, status=410))
    if request.method == "GET":
        return never_cached(render(request, "distribution/confirm.html", {"signup": signup}))
    contact = activate(signup)
    if contact is None:  # a second click that raced the first
        ctx = {"used": True}
        return never_cached(render(request, "distribution/confirm.html", ctx, status=410))
    ctx = {"contact": contact, "confirmed": True}
    return never_cached(render(request, "distribution/confirm.html", ctx))


def activate(signup) -> Contact | None:
    """Use the sign-up: its contact becomes active with its choices; None if it was used."""
    now = timezone.now()
    with transaction.atomic():
        if not Signup.objects.filter(pk=signup.pk, confirmed_at=None).update(confirmed_at=now):
            return None
        contact = Contact.objects.select_for_update().filter(email=signup.email).first()
        contact = contact or Contact(email=signup.email)
        contact.name = signup.name
        contact.outlet = signup.outlet
        contact.status = Contact.Status.ACTIVE
        contact.source = Contact.Source.SIGNUP
        contact.legal_basis = _("Einwilligung: Anmeldung auf der Website, per E-Mail bestätigt")
        contact.consented_at = signup.created_at
        contact.confirmed_at = now
        contact.save()
        contact.categories.set(signup.categories.all())
        contact.topics.set(signup.topics.all())
    return contact


@csrf_exempt  # the personal link's token is the secret
@require_http_methods(["GET", "POST"])
def subscription(request, token):
    """The personal page linked from every e-mail: change name, outlet and topics."""
    contact = get_object_or_404(Contact, token=token)
    active = contact.status == Contact.Status.ACTIVE
    initial = {
        "name": contact.name,
        "outlet": contact.outlet,
        "categories": contact.categories.all(),
        "topics": contact.topics.all(),
    }
    form = ProfileForm(
        request.POST if request.method == "POST" and active else None, initial=initial
    )
    saved = False
    if form.is_bound and form.is_valid():
        keep_subscription(contact, form.cleaned_data, form.fields)
        saved = True
    ctx = {"contact": contact, "form": form, "active": active, "saved": saved}
    return never_cached(render(request, "distribution/subscription.html", ctx))


def keep_subscription(contact, data, fields):
    """Save the choices; categories and topics not offered (no public release yet) stay."""
    with transaction.atomic():
        contact.name = data["name"]
        contact.outlet = data["outlet"]
        contact.save(update_fields=["name", "outlet", "updated_at"])
        for name in ("categories", "topics"):
            offered = fields[name].queryset
            hidden = getattr(contact, name).exclude(pk__in=offered.values("pk"))
            getattr(contact, name).set([*hidden, *data[name]])
