"""A URLconf with a view that has a bug, for the 500-versus-503 test."""

from django.urls import path


def broken(request):
    raise ZeroDivisionError("a bug, not an outage")


urlpatterns = [path("kaputt/", broken)]
handler500 = "office.site.health.server_error"
