"""The site's URLs plus /test-aufgabe/ for tests/test_multiserver.py (tests/cluster_settings.py)."""

import os

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from office.urls import handler500, urlpatterns as site  # noqa: F401 (handler500 is read by Django)
from tests.kit.tasks import write_line


@csrf_exempt
@require_POST
def enqueue(request):
    # Inside the request's transaction, as a save enqueues: the worker sees it after the commit.
    with transaction.atomic():
        write_line.enqueue(os.environ["PLENUM_TASK_TRACE"], request.POST["zeile"])
    return HttpResponse("eingereiht", status=202)


urlpatterns = [path("test-aufgabe/", enqueue), *site]
