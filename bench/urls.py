from django.http import HttpResponse
from django.urls import path

from office.urls import urlpatterns as site_urlpatterns

TRIVIAL_BODY = b"<!doctype html><title>Plenum</title><p>Trivial.</p>\n"


def trivial(request):
    """Return a fixed page: what this stack serves at best, the ceiling for every ratio."""
    return HttpResponse(TRIVIAL_BODY)


urlpatterns = [path("__trivial__/", trivial), *site_urlpatterns]
