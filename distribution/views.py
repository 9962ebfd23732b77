from pathlib import PurePath

from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from distribution.mail import read_photo_link
from distribution.models import Contact
from office.models import Image
from office.publishing import Status
from releases.models import Release


@csrf_exempt  # RFC 8058: the mail client posts without a page, a cookie or a token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks for confirmation; POST (the form, or a one-click client) unsubscribes."""
    contact = get_object_or_404(Contact, token=token)
    done = request.method == "POST"
    if done and contact.status != Contact.Status.UNSUBSCRIBED:
        contact.status = Contact.Status.UNSUBSCRIBED
        contact.save(update_fields=["status", "updated_at"])
    response = render(request, "distribution/unsubscribe.html", {"contact": contact, "done": done})
    add_never_cache_headers(response)
    return response


def photo(request, token):
    """Serve a press photo to a recipient of a mailing sent ahead, while the link is valid."""
    ids = read_photo_link(token)
    if ids is None:
        raise Http404
    release_id, image_id = ids
    release = get_object_or_404(Release, pk=release_id, status=Status.PUBLISHED)
    of_release = Q(pk=release.hero_image_id) | Q(releaseimage__release=release)
    image = get_object_or_404(Image.objects.filter(of_release).distinct(), pk=image_id)
    filename = f"{release.slug}-foto-{image.pk}{PurePath(image.file.name).suffix}"
    response = FileResponse(image.file.open("rb"), as_attachment=True, filename=filename)
    add_never_cache_headers(response)
    return response
