"""Every public page type is valid HTML for the Nu HTML Checker (vnu), and the stylesheet valid CSS.

vnu.jar comes from the npm registry (`npm ci`) and runs on Java; all pages go
through one JVM start.
"""

import pytest

from tests.kit.public_site import PAGES, ROOT, build_site, nu_html_checker

pytestmark = pytest.mark.django_db


def test_every_public_page_type_and_the_stylesheet_pass_the_nu_html_checker(client, tmp_path):
    build_site()
    files = []
    statuses = {}
    for number, (name, path) in enumerate(PAGES):
        response = client.get(path)
        statuses[name] = response.status_code
        file = tmp_path / f"{number:02d}-{name.replace(' ', '-')}.html"
        file.write_bytes(response.content)
        files.append(file)

    errors = nu_html_checker([*files, ROOT / "static" / "css" / "site.css"])

    assert statuses == {name: 404 if name == "not found" else 200 for name, _ in PAGES}
    assert errors == []
