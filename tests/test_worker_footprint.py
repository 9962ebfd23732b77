"""What every gunicorn worker loads: issue 7 caps a worker at 120 MB RSS (bench/run measures it)."""

import subprocess
import sys

HEAVY_ON_DEMAND = {
    "weasyprint": "the release PDF",  # about 40 MB
    "pypdf": "checking uploaded PDFs",  # about 20 MB
}


def test_a_worker_loads_pdf_libraries_only_when_a_request_needs_them():
    """A worker imports the project and its URLconf; the PDF libraries wait for their view."""
    script = (
        "import django, sys; django.setup();"
        "from django.urls import resolve; resolve('/');"
        "import office.wsgi;"
        f"print(sorted(m for m in {sorted(HEAVY_ON_DEMAND)!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "office.settings", "SECRET_KEY": "x", "PATH": ""},
    ).stdout.strip()

    assert loaded == "[]"
