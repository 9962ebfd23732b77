"""Optional TOTP second factor for editors, required for one group when the setting is on."""

import base64
import io
from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_required(user) -> bool:
    """Return True if the settings make a second factor compulsory for this user (queries)."""
    return (
        settings.TWO_FACTOR_REQUIRED
        and user.is_authenticated
        and user.groups.filter(name=settings.TWO_FACTOR_GROUP).exists()
    )


def check_token(device: TOTPDevice, token: str) -> bool:
    """Verify a code; the device throttles repeated failures by itself."""
    token = "".join(token.split())
    allowed, _ = device.verify_is_allowed()
    return allowed and token.isdigit() and device.verify_token(token)


def token_field(required):
    return forms.CharField(
        label=_("Code aus der Authenticator-App"),
        required=required,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LoginForm(AdminAuthenticationForm):
    """The admin login; asks for the app's code from users who have set one up."""

    otp_token = token_field(required=False)

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _("Bitte geben Sie auch den Code aus Ihrer Authenticator-App ein."),
        "otp_invalid": _("Der Code aus der Authenticator-App stimmt nicht."),
    }

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        device = confirmed_device(user) if user else None
        if device is None:
            return cleaned_data
        token = cleaned_data.get("otp_token") or ""
        if not token.strip():
            raise ValidationError(self.error_messages["otp_required"], code="otp_required")
        if not check_token(device, token):
            # A wrong code counts as a failed login, so django-axes locks out guessing.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            raise ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        # django_otp marks the session as verified when the login completes.
        user.otp_device = device
        return cleaned_data


class TokenForm(forms.Form):
    otp_token = token_field(required=True)


def qr_code_data_url(text: str) -> str:
    buffer = io.BytesIO()
    write_qrcode_image(text, buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def setup_view(admin_site, request):
    """Let editors set up their second factor, confirm it for this session, or turn it off."""
    user = request.user
    device = confirmed_device(user)
    form = TokenForm(request.POST or None)
    context = {"device": device, "form": form, "required": is_required(user)}
    if device is not None:
        if request.method == "POST" and form.is_valid():
            if not check_token(device, form.cleaned_data["otp_token"]):
                form.add_error("otp_token", _("Der Code stimmt nicht."))
            elif not user.is_verified():
                otp_login(request, device)
                messages.success(request, _("Die Anmeldung ist mit dem zweiten Faktor bestätigt."))
                return redirect("admin:index")
            elif not context["required"]:
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(request, _("Die Zwei-Faktor-Anmeldung ist abgeschaltet."))
                return redirect("admin:index")
        context["verified"] = user.is_verified()
    else:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        pending = pending or TOTPDevice.objects.create(
            user=user, name="Authenticator", confirmed=False
        )
        if request.method == "POST" and form.is_valid():
            if check_token(pending, form.cleaned_data["otp_token"]):
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                otp_login(request, pending)
                messages.success(request, _("Die Zwei-Faktor-Anmeldung ist eingerichtet."))
                return redirect("admin:index")
            form.add_error("otp_token", _("Der Code stimmt nicht."))
        secret = b32encode(pending.bin_key).decode()
        context["qr_code"] = qr_code_data_url(pending.config_url)
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    context |= {**admin_site.each_context(request), "title": _("Zwei-Faktor-Anmeldung")}
    return TemplateResponse(request, "admin/two_factor.html", context)
