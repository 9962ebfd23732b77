"""Every public page type is valid HTML for the Nu HTML Checker (vnu), and the stylesheet valid CSS.

vnu.jar comes from the npm registry (`npm ci`) and runs on Java; all pages go
through one JVM start.
"""

import json
import shutil
import subprocess

import pytest

from tests.public_site import PAGES, ROOT, VNU_JAR, build_site

pytestmark = pytest.mark.django_db


def nu_html_checker(paths):
    """Return vnu's errors for the files as 'file:line: message', one JVM for all of them."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("vnu needs Java and `npm ci --ignore-scripts` in the project folder.")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
        for message in messages
        if message["type"] != "info"
    ]


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
