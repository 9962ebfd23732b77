"""A key figure's value as Germans write it: stored exactly as meant, shown back the same way."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from office.models import Statistic
from office.models.numbers import GermanDecimalField
from tests.kit.browsers import log_in
from tests.kit.factories import PASSWORD, change_url
from tests.kit.pages import admin_page

FIGURE_ADMIN = "/admin/office/statistic/"


def figure_form(value):
    return {"value": value, "unit": "Mrd. Euro", "label": "Wertschöpfung", "source_name": "IW"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("67,8", Decimal("67.8")),
        ("67.800", Decimal("67800")),
        ("1.234,5", Decimal("1234.5")),
        ("1.234.567,125", Decimal("1234567.125")),
        ("57", Decimal("57")),
        ("0,5", Decimal("0.5")),
        ("-3,25", Decimal("-3.25")),
        (" 67,8 ", Decimal("67.8")),
    ],
)
def test_german_numbers_are_read_exactly(typed, meant):
    field = GermanDecimalField(max_digits=14, decimal_places=3, required=False)

    assert field.clean(typed) == meant


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.5", "„12.5“ ist nicht eindeutig: Für Nachkommastellen bitte ein Komma setzen"),
        ("1.23", "(„1,23“)"),
        ("1.2345", "„1.2345“ ist nicht eindeutig"),
        ("1,234.5", "Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        ("67,8,1", "Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        ("1 234", "Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        ("1234.567.8", "Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        ("67,8 Mrd.", "Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        ("zwölf", "Bitte eine Zahl wie 67,8 oder 1.234,5 eingeben."),
        ("67,8125", "höchstens 3 Dezimalstellen"),
    ],
)
def test_what_is_ambiguous_or_no_number_is_refused_in_german(typed, message):
    field = GermanDecimalField(max_digits=14, decimal_places=3, required=False)

    with pytest.raises(ValidationError) as refused:
        field.clean(typed)

    assert message in " ".join(refused.value.messages)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("67,8", Decimal("67.8"), "67,8"),
        ("1.234,5", Decimal("1234.5"), "1.234,5"),
        ("67.800", Decimal("67800"), "67.800"),
    ],
)
def test_a_figure_typed_the_german_way_is_stored_and_shown_back_the_same(
    officer_client, typed, stored, shown
):
    response = officer_client.post(f"{FIGURE_ADMIN}add/", figure_form(typed))
    figure = Statistic.objects.get()
    form = admin_page(officer_client.get(change_url(figure))).form
    resaved = officer_client.post(change_url(figure), form)

    assert response.status_code == 302
    assert figure.value == stored
    assert form["value"] == shown
    assert resaved.status_code == 302
    figure.refresh_from_db()
    assert figure.value == stored


@pytest.mark.django_db
def test_an_ambiguous_figure_is_not_saved_and_the_form_asks(officer_client):
    response = officer_client.post(f"{FIGURE_ADMIN}add/", figure_form("12.5"))

    assert response.status_code == 200
    assert not Statistic.objects.exists()
    assert "(„12,5“)" in response.content.decode()
    assert admin_page(response).form["value"] == "12.5"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_sends_the_german_figure_as_typed(browser, live_server):
    """A number input in Chromium turned "67,8" into 678 without a word."""
    User.objects.create_superuser("chefin", password=PASSWORD)
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(5000)
    tab = context.new_page()
    log_in(tab, live_server, "chefin")
    tab.goto(f"{live_server.url}{FIGURE_ADMIN}add/")

    tab.locator("#id_value").press_sequentially("67,8")
    tab.fill("#id_unit", "Mrd. Euro")
    tab.fill("#id_label", "Wertschöpfung durch KI")
    tab.fill("#id_source_name", "Institut der deutschen Wirtschaft")
    tab.click("input[name=_save]")
    tab.wait_for_url(f"{live_server.url}{FIGURE_ADMIN}")
    context.close()

    assert list(Statistic.objects.values_list("value", flat=True)) == [Decimal("67.8")]
