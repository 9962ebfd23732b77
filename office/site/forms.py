from django import forms
from django.utils.translation import gettext_lazy as _

from releases.archive import public_by_slug
from releases.models import Category

SEARCH_MAX_LENGTH = 200


def category_choices():
    return [("", _("Alle Kategorien"))] + [
        (slug, category.name) for slug, category in public_by_slug(Category).items()
    ]


class SearchForm(forms.Form):
    TYPES = (
        ("pressemitteilungen", _("Pressemitteilungen")),
        ("termine", _("Termine")),
        ("zitate", _("Zitate")),
        ("zahlen", _("Zahlen")),
    )

    q = forms.CharField(
        label=_("Suchbegriff"),
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "required": _("Bitte geben Sie einen Suchbegriff ein."),
            "max_length": _("Bitte geben Sie höchstens %(limit_value)d Zeichen ein."),
            "null_characters_not_allowed": _("Der Suchbegriff enthält ungültige Zeichen."),
        },
    )
    typ = forms.ChoiceField(
        label=_("Art"),
        choices=(("", _("Alles")), *TYPES),
        required=False,
        error_messages={"invalid_choice": _("Diese Art von Inhalt gibt es nicht.")},
    )
    # Only categories of published releases: the others would name unpublished work.
    kategorie = forms.ChoiceField(
        label=_("Kategorie"),
        choices=category_choices,
        required=False,
        error_messages={"invalid_choice": _("Diese Kategorie gibt es nicht.")},
    )
    jahr = forms.IntegerField(
        label=_("Jahr"),
        required=False,
        min_value=1000,
        max_value=2999,
        error_messages={
            "invalid": _("Bitte geben Sie ein Jahr wie 2025 ein."),
            "min_value": _("Bitte geben Sie ein Jahr wie 2025 ein."),
            "max_value": _("Bitte geben Sie ein Jahr wie 2025 ein."),
        },
    )

    def clean_kategorie(self):
        slug = self.cleaned_data["kategorie"]
        if not slug:
            return None
        # Read again, and perhaps renewed, since the choices were checked: a
        # category deleted or no longer public in between is gone from here too.
        if (category := public_by_slug(Category).get(slug)) is None:
            raise forms.ValidationError(self.fields["kategorie"].error_messages["invalid_choice"])
        return category
