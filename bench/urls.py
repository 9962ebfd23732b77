from django.http import HttpResponse
from django.urls import path

from office.urls import urlpatterns as site_urlpatterns

TRIVIAL_BODY = b"<!doctype html><title>Plenum</title><p>Trivial.</p>\n"


def trivial(request):
    """Return a fixed page: what this stack serves at best, the ceiling for every ratio.

    ?bytes=N pads it to N bytes, the ceiling for a page of that size. It comes
    with an ETag, as a page does from the page cache, so no middleware hashes it.
    """
    size = int(request.GET.get("bytes", 0))
    if not size:
        return HttpResponse(TRIVIAL_BODY)
    response = HttpResponse(TRIVIAL_BODY + b"." * max(0, size - len(TRIVIAL_BODY)))
    response["ETag"] = f'"padded-{size}"'
    return response


urlpatterns = [path("__trivial__/", trivial), *site_urlpatterns]
