from django.http import HttpResponse
from django.urls import path

from office.urls import urlpatterns as site_urlpatterns

TRIVIAL_BODY = b"<!doctype html><title>Plenum</title><p>Trivial.</p>\n"


def trivial(request):
    """Return a fixed page: what this stack serves at best, the ceiling for every ratio.

    ?bytes=N pads it to N bytes, the ceiling for a page of that size.
    """
    size = int(request.GET.get("bytes", 0))
    return HttpResponse(TRIVIAL_BODY + b"." * max(0, size - len(TRIVIAL_BODY)))


urlpatterns = [path("__trivial__/", trivial), *site_urlpatterns]
