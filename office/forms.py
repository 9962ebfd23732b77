from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Suchbegriff"),
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "required": _("Bitte geben Sie einen Suchbegriff ein."),
            "max_length": _("Bitte geben Sie höchstens %(limit_value)d Zeichen ein."),
            "null_characters_not_allowed": _("Der Suchbegriff enthält ungültige Zeichen."),
        },
    )
