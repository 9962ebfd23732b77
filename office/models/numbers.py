"""Numbers as Germans write them: 67,8 and 1.234,5, read back exactly, shown the same way."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# 67,8 · 1.234,5 · 67.800 · -3: a comma for the decimals, points only between groups of three.
GERMAN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")


class GermanDecimalField(forms.DecimalField):
    """A number as Germans write it, read back exactly; nothing ambiguous is guessed.

    A browser's number input drops what it does not read: "67,8" in Chromium
    reached the server as 678. So this is a text input, and "12.5" (an English
    decimal or a mistyped thousands separator) is refused with a question.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        "ambiguous": _(
            "„%(value)s“ ist nicht eindeutig: Für Nachkommastellen bitte ein Komma setzen "
            "(„%(comma)s“), Tausenderpunkte nur vor genau drei Ziffern."
        ),
    }

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        if not GERMAN_NUMBER.fullmatch(text):
            if re.fullmatch(r"-?\d+\.\d+", text):
                raise ValidationError(
                    self.error_messages["ambiguous"],
                    code="ambiguous",
                    params={"value": text, "comma": text.replace(".", ",")},
                )
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return Decimal(text.replace(".", "").replace(",", "."))

    def prepare_value(self, value):
        if not isinstance(value, Decimal):
            return value
        return german_number(value)

    def widget_attrs(self, widget):
        # Not DecimalField's: its step and min/max belong to a number input.
        return forms.Field.widget_attrs(self, widget)


def german_number(value: Decimal) -> str:
    """Return a figure as Germans write it, without trailing zeros: 1.234,5."""
    value = value.normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return number_format(value, use_l10n=True, force_grouping=True)
