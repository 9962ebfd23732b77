"""The editors' own page "Benachrichtigungen": which workflow e-mails they get."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from office.models import NotificationPreference
from office.publishing.workflow import is_freigabe


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ("waiting_for_approval", "my_texts")

    def __init__(self, *args, freigabe: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not freigabe:
            del self.fields["waiting_for_approval"]


def preferences_view(admin_site, request):
    """Show and save the user's choice; only the Freigabe sees "waiting for approval"."""
    user = request.user
    preference = NotificationPreference.objects.filter(user=user).first()
    preference = preference or NotificationPreference(user=user)
    form = PreferenceForm(request.POST or None, instance=preference, freigabe=is_freigabe(user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Ihre Einstellungen sind gespeichert."))
        return redirect("admin:notifications")
    context = {
        **admin_site.each_context(request),
        "title": _("Benachrichtigungen"),
        "form": form,
        "email": user.email,
    }
    return TemplateResponse(request, "admin/notifications.html", context)
