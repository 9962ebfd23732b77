"""Settings come from the environment; production settings pass Django's deploy checks."""

import functools
import secrets

from tests.kit import servers

# Each test sets these itself. DJANGO_ALLOW_ASYNC_UNSAFE comes from conftest for
# Playwright; check --deploy rightly refuses it, and no deployment has it.
TEST_ONLY = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "HTTPS",
    "SECRET_KEY",
    "SITE_URL",
    "ALLOWED_HOSTS",
}
manage = functools.partial(servers.manage, unset=TEST_ONLY)


def test_production_settings_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://www.example.org",
        ALLOWED_HOSTS="www.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_check_deploy_warns_about_the_redirect():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(50)
    )

    assert result.returncode == 1
    assert "security.W008" in result.stderr


def test_a_boolean_variable_with_junk_is_refused_by_name():
    result = manage("check", DEBUG="vielleicht")

    assert result.returncode == 1
    assert "DEBUG must be a boolean" in result.stderr


def test_site_url_must_be_absolute():
    result = manage("check", SITE_URL="www.example.org")

    assert result.returncode == 1
    assert "SITE_URL must be an absolute http(s) URL" in result.stderr
