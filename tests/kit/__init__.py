"""The test kit: plain helpers that more than one test module uses.

Fixtures live in tests/conftest.py; test modules import helpers from here, never
from each other. factories makes content and users, pages reads responses and
admin forms, servers runs gunicorn and manage.py, browsers drives Chromium,
caches turns the page cache on, xss holds hostile markup, and public_site is a
site with every page type for the browser, vnu and privacy checks.
"""
