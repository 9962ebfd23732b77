"""Admin accounts: lockout, second factor, strong passwords, idle sessions, a movable admin."""

import datetime
import importlib
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import office.urls
from tests.kit.factories import PASSWORD, member
from tests.kit.servers import manage

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
LOCKED = "Anmeldung vorübergehend gesperrt"


@pytest.fixture(autouse=True)
def lockout_on(settings):
    """Turn django-axes on, which conftest turns off for Client.login() elsewhere."""
    settings.AXES_ENABLED = True


@pytest.fixture
def editor(db):
    return member("presse", "Redaktion")


@pytest.fixture
def colleague(db):
    return member("kollegin", "Redaktion")


def post_login(client, username, password, address="203.0.113.7", **extra):
    data = {"username": username, "password": password, "next": "/admin/"} | extra
    return client.post("/admin/login/", data, REMOTE_ADDR=address)


def logged_in(client):
    return client.get("/admin/").status_code == 200


def errors(response):
    return re.findall(r'<p class="errornote">\s*(.*?)\s*</p>', response.content.decode(), re.S)


# Lockout (django-axes)


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(client, editor):
    wrong = [post_login(client, "presse", f"falsch-{n}").status_code for n in range(5)]

    response = post_login(client, "presse", PASSWORD)

    assert wrong == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert f"<h1>{LOCKED}</h1>" in response.content.decode()
    assert "in 15 Minuten noch einmal" in response.content.decode()
    assert response["Retry-After"] == "900"
    assert not logged_in(client)


def test_the_account_lock_holds_from_every_address(client, editor):
    for n in range(5):
        post_login(client, "presse", "falsch", address=f"198.51.100.{n}")

    response = post_login(Client(), "presse", PASSWORD, address="192.0.2.99")

    assert response.status_code == 429


def test_one_address_guessing_many_accounts_is_locked_out(client, editor, colleague):
    for n in range(5):
        post_login(client, f"rate-{n}", "falsch", address="203.0.113.66")

    from_attacker = post_login(Client(), "kollegin", PASSWORD, address="203.0.113.66")
    elsewhere = Client()
    from_office = post_login(elsewhere, "kollegin", PASSWORD, address="192.0.2.10")

    assert from_attacker.status_code == 429
    assert from_office.status_code == 302
    assert logged_in(elsewhere)


def test_the_lock_ends_after_the_cool_off(client, editor):
    for _ in range(5):
        post_login(client, "presse", "falsch")

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        response = post_login(client, "presse", PASSWORD)
        assert (response.status_code, logged_in(client)) == (302, True)


def test_a_successful_login_resets_the_count(client, editor):
    for _ in range(4):
        post_login(client, "presse", "falsch")
    post_login(client, "presse", PASSWORD)
    client.post("/admin/logout/")
    for _ in range(4):
        post_login(client, "presse", "falsch")

    response = post_login(client, "presse", PASSWORD)

    assert response.status_code == 302


def test_behind_the_proxy_the_forwarded_address_counts_not_a_forged_one(
    client, settings, editor, colleague
):
    settings.PROXY_COUNT = 1
    # The attacker forges a different X-Forwarded-For each time; the proxy appends the real one.
    for n in range(5):
        client.post(
            "/admin/login/",
            {"username": f"rate-{n}", "password": "falsch"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.66",
        )

    attacker = Client().post(
        "/admin/login/",
        {"username": "kollegin", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.66",
    )
    office = Client().post(
        "/admin/login/",
        {"username": "kollegin", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.10",
    )

    assert (attacker.status_code, office.status_code) == (429, 302)


# Second factor (django-otp, TOTP)


def code(device, offset=0):
    return (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"
    )


@pytest.fixture
def device(editor):
    return TOTPDevice.objects.create(user=editor, name="Telefon", confirmed=True)


def test_an_editor_with_a_second_factor_needs_the_code(client, device):
    response = post_login(client, "presse", PASSWORD)

    assert response.status_code == 200
    assert errors(response) == ["Bitte geben Sie auch den Code aus Ihrer Authenticator-App ein."]
    assert not logged_in(client)


def test_an_editor_with_a_second_factor_logs_in_with_the_right_code(client, device):
    response = post_login(client, "presse", PASSWORD, otp_token=code(device))

    assert response.status_code == 302
    assert logged_in(client)
    assert client.get("/admin/zwei-faktor/").context["verified"] is True


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(client, device):
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"

    first = post_login(client, "presse", PASSWORD, otp_token=wrong)
    for _ in range(4):
        post_login(client, "presse", PASSWORD, otp_token=wrong)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        right = post_login(client, "presse", PASSWORD, otp_token=code(device))

    assert errors(first) == ["Der Code aus der Authenticator-App stimmt nicht."]
    assert right.status_code == 429
    assert not logged_in(client)


def test_an_editor_without_a_second_factor_logs_in_with_the_password(client, editor):
    response = post_login(client, "presse", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_an_editor_sets_up_the_second_factor_and_needs_it_from_then_on(client, editor):
    post_login(client, "presse", PASSWORD)
    page = client.get("/admin/zwei-faktor/")
    pending = TOTPDevice.objects.get(user=editor, confirmed=False)

    wrong = client.post("/admin/zwei-faktor/", {"otp_token": "000000"})
    # After a wrong code the device waits a moment before it checks the next one.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        confirmed = client.post("/admin/zwei-faktor/", {"otp_token": code(pending)})
    client.post("/admin/logout/")
    without_code = post_login(client, "presse", PASSWORD)

    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    assert page.context["secret"].replace(" ", "") == pending.config_url.split("secret=")[1][:32]
    assert wrong.context["form"].errors == {"otp_token": ["Der Code stimmt nicht."]}
    assert confirmed["Location"] == "/admin/"
    assert list(TOTPDevice.objects.filter(user=editor).values_list("confirmed", flat=True)) == [
        True
    ]
    assert without_code.status_code == 200
    assert not logged_in(client)


@pytest.fixture
def release_group(db):
    return Group.objects.get(name="Freigabe")


def test_required_second_factor_sends_a_release_editor_to_set_it_up(
    client, settings, editor, release_group
):
    settings.TWO_FACTOR_REQUIRED = True
    editor.groups.add(release_group)
    post_login(client, "presse", PASSWORD)

    blocked = [client.get(path) for path in ("/admin/", "/admin/releases/release/")]
    setup = client.get("/admin/zwei-faktor/")
    pending = TOTPDevice.objects.get(user=editor)
    client.post("/admin/zwei-faktor/", {"otp_token": code(pending)})
    after = client.get("/admin/releases/release/")

    assert [(r.status_code, r["Location"]) for r in blocked] == [(302, "/admin/zwei-faktor/")] * 2
    assert "Für Ihre Rolle ist die Zwei-Faktor-Anmeldung vorgeschrieben" in setup.content.decode()
    assert after.status_code == 200


def test_required_second_factor_cannot_be_turned_off(client, settings, device, release_group):
    settings.TWO_FACTOR_REQUIRED = True
    device.user.groups.add(release_group)
    post_login(client, "presse", PASSWORD, otp_token=code(device))

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        client.post("/admin/zwei-faktor/", {"otp_token": code(device)})

    assert TOTPDevice.objects.filter(user=device.user).count() == 1


def test_an_unverified_session_of_a_release_editor_must_confirm_the_code(
    client, settings, device, release_group
):
    settings.TWO_FACTOR_REQUIRED = True
    device.user.groups.add(release_group)
    client.force_login(device.user)  # a session from before the rule, without the factor

    blocked = client.get("/admin/")
    client.post("/admin/zwei-faktor/", {"otp_token": code(device)})
    after = client.get("/admin/")

    assert (blocked.status_code, blocked["Location"]) == (302, "/admin/zwei-faktor/")
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("required", "group", "expected"),
    [(False, "Freigabe", 200), (True, "Redaktion", 200), (True, "Freigabe", 302)],
    ids=["setting-off", "other-group", "release-group"],
)
def test_only_the_named_group_needs_the_second_factor_and_only_when_required(
    client, settings, editor, release_group, required, group, expected
):
    settings.TWO_FACTOR_REQUIRED = required
    editor.groups.set([Group.objects.get(name=group)])
    post_login(client, "presse", PASSWORD)

    response = client.get("/admin/")

    assert response.status_code == expected


def test_an_editor_turns_the_optional_second_factor_off_with_a_code(client, device):
    post_login(client, "presse", PASSWORD, otp_token=code(device))

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        response = client.post("/admin/zwei-faktor/", {"otp_token": code(device)})

    assert response["Location"] == "/admin/"
    assert list(TOTPDevice.objects.all()) == []


# Passwords and sessions


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("kurz-1234", ["Dieses Passwort ist zu kurz. Es muss mindestens 12 Zeichen enthalten."]),
        ("123456789012", ["Dieses Passwort ist komplett numerisch."]),
        ("password1234", ["Dieses Passwort ist zu üblich."]),
        ("pressestelle-nrw-1", ["Das Passwort ist zu ähnlich zu Benutzername."]),
        ("Landtag-Düsseldorf-2027", []),
    ],
)
def test_passwords_must_be_long_uncommon_and_unlike_the_name(password, messages):
    try:
        validate_password(password, User(username="pressestelle-nrw"))
        found = []
    except ValidationError as error:
        found = error.messages

    assert [message.strip() for message in found] == messages


def test_a_session_expires_after_two_hours_without_a_request(client, editor):
    start = timezone.now()
    post_login(client, "presse", PASSWORD)

    # Every request renews the session, so steady work is never cut off.
    steps = []
    for minutes in (100, 200, 300):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            steps.append(client.get("/admin/").status_code)
    with time_machine.travel(start + datetime.timedelta(minutes=300 + 121)):
        idle = client.get("/admin/")

    assert steps == [200, 200, 200]
    assert (idle.status_code, idle["Location"]) == (302, "/admin/login/?next=/admin/")


def test_the_session_cookie_ends_with_the_browser_and_is_http_only(client, editor):
    response = post_login(client, "presse", PASSWORD)

    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"], cookie["httponly"]) == ("", "", True)
    assert cookie["samesite"] == "Lax"


# The admin's path


def test_admin_path_comes_from_the_environment_and_stays_out_of_the_page_cache():
    command = (
        "from django.conf import settings; from django.urls import reverse; "
        "print(reverse('admin:index')); print(settings.UNCACHED_PATH_PREFIXES[0])"
    )

    result = manage("shell", "-v", "0", "-c", command, ADMIN_PATH="/buero-7f3c/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/buero-7f3c/", "/buero-7f3c/"]


@pytest.mark.parametrize("value", ["../etc", "a b/", "/", "admin?x=1"])
def test_an_admin_path_that_is_not_a_plain_path_is_refused(value):
    result = manage("check", ADMIN_PATH=value)

    assert result.returncode == 1
    assert "ADMIN_PATH must be a path" in result.stderr


@pytest.fixture
def moved_admin(settings):
    settings.ADMIN_PATH = "buero-7f3c/"
    settings.UNCACHED_PATH_PREFIXES = ("/buero-7f3c/", "/media/", "/static/", "/healthz")
    importlib.reload(office.urls)
    clear_url_caches()
    yield
    settings.ADMIN_PATH = "admin/"
    importlib.reload(office.urls)
    clear_url_caches()


def test_the_moved_admin_works_with_its_policy_and_the_old_path_is_gone(
    client, moved_admin, editor
):
    old = client.get("/admin/login/")
    login = client.get("/buero-7f3c/login/")
    response = client.post(
        "/buero-7f3c/login/", {"username": "presse", "password": PASSWORD}, follow=False
    )

    assert reverse("admin:index") == "/buero-7f3c/"
    assert old.status_code == 404
    assert login.status_code == 200
    assert "'nonce-" in login["Content-Security-Policy"]
    assert response.status_code == 302
    assert client.get("/buero-7f3c/").status_code == 200


def test_robots_txt_does_not_reveal_a_moved_admin(client, moved_admin):
    """A moved admin only helps while nothing public names its path."""
    body = client.get("/robots.txt").content.decode()

    assert "buero-7f3c" not in body
    assert body.startswith("User-agent: *\n")


def test_the_superuser_sees_editors_apps_but_never_their_keys(device):
    chief = User.objects.create_superuser("chefin", password=PASSWORD)
    approver = member("freigeber", "Freigabe")
    chief_client, approver_client = Client(), Client()
    chief_client.force_login(chief)
    approver_client.force_login(approver)
    listing = "/admin/office/authenticatorapp/"
    change = f"{listing}{device.pk}/change/"

    pages = [chief_client.get(path) for path in (listing, change)]

    assert [page.status_code for page in pages] == [200, 200]
    assert "Telefon" in pages[0].content.decode()
    assert all(device.key not in page.content.decode() for page in pages)
    assert chief_client.get(f"{listing}add/").status_code == 403
    assert chief_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert approver_client.get(listing).status_code == 403
