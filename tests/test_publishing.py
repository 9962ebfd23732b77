import datetime

import pytest
import time_machine
from django.utils import timezone

from events.models import Event
from office.models import Quote, Statistic
from releases.models import Release
from tests.kit.factories import make_event, make_quote, make_release, make_statistic

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_and_embargoed_releases(now):
    make_release(title="Veröffentlicht")
    make_release(title="Entwurf", status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    titles = [release.title for release in Release.objects.published()]

    assert titles == ["Veröffentlicht"]


def test_embargo_lifts_by_itself_at_publish_time(now):
    embargoed = make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    with time_machine.travel(embargoed.publish_at - datetime.timedelta(seconds=1)):
        before = list(Release.objects.published())
    with time_machine.travel(embargoed.publish_at):
        at = list(Release.objects.published())

    assert before == []
    assert at == [embargoed]


def test_is_published_agrees_with_published_queryset(now):
    releases = [
        make_release(),
        make_release(status=Release.Status.DRAFT),
        make_release(publish_at=now + datetime.timedelta(minutes=1)),
        make_release(status=Release.Status.DRAFT, publish_at=now - datetime.timedelta(days=3)),
    ]

    published = set(Release.objects.published())

    assert {r for r in releases if r.is_published()} == published
    assert len(published) == 1


def test_event_published_follows_the_same_rule(now):
    make_event(title="Öffentlich")
    make_event(title="Entwurf", status=Event.Status.DRAFT)
    make_event(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    assert [event.title for event in Event.objects.published()] == ["Öffentlich"]


def test_running_event_counts_as_upcoming_and_ended_event_as_past(now):
    running = make_event(
        title="Läuft",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
    )
    ended = make_event(
        title="Vorbei",
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
    )
    later = make_event(title="Später")

    assert list(Event.objects.published().upcoming()) == [running, later]
    assert list(Event.objects.published().past()) == [ended]


def test_quote_of_embargoed_release_stays_hidden_until_release_is_public(now):
    standalone = make_quote(text="Ohne Meldung")
    held = make_quote(text="Gesperrt")
    release = make_release(publish_at=now + datetime.timedelta(hours=1))
    release.quotes.add(held)

    before = [quote.text for quote in Quote.objects.published()]
    with time_machine.travel(release.publish_at):
        after = sorted(quote.text for quote in Quote.objects.published())

    assert standalone.text == "Ohne Meldung"
    assert before == []
    assert after == ["Gesperrt"]


def test_quote_of_draft_release_is_public_as_soon_as_the_release_is():
    release = make_release(status=Release.Status.DRAFT)
    release.quotes.add(make_quote(text="Gesperrt"))
    before = [quote.text for quote in Quote.objects.published()]

    release.status = Release.Status.PUBLISHED
    release.save()

    assert before == []
    assert [quote.text for quote in Quote.objects.published()] == ["Gesperrt"]


def test_quote_is_hidden_again_when_its_public_release_lets_go_of_it_or_goes():
    draft = make_release(status=Release.Status.DRAFT)
    public = make_release()
    removed, orphaned = make_quote(text="Entfernt"), make_quote(text="Verwaist")
    draft.quotes.add(removed, orphaned)
    public.quotes.add(removed)
    other = make_release()
    other.quotes.add(orphaned)
    before = sorted(quote.text for quote in Quote.objects.published())

    public.quotes.remove(removed)
    other.delete()

    assert before == ["Entfernt", "Verwaist"]
    assert list(Quote.objects.published()) == []


def test_statistic_of_draft_release_is_hidden_unless_another_release_is_public():
    draft = make_release(status=Release.Status.DRAFT)
    public = make_release()
    only_in_draft = make_statistic(label="Nur im Entwurf")
    shared = make_statistic(label="Auch öffentlich")
    draft.statistics.add(only_in_draft, shared)
    public.statistics.add(shared)

    assert [figure.label for figure in Statistic.objects.published()] == ["Auch öffentlich"]


def test_modified_at_is_never_before_publish_time(now):
    release = make_release(publish_at=now + datetime.timedelta(days=2))

    assert release.modified_at == release.publish_at
    assert timezone.is_aware(release.modified_at)


@pytest.mark.parametrize("model", [Quote, Statistic])
def test_quotes_and_figures_are_public_exactly_when_a_public_release_holds_them(now, model):
    make_item = make_quote if model is Quote else make_statistic
    field = "quotes" if model is Quote else "statistics"
    releases = [
        make_release(status=Release.Status.DRAFT),
        make_release(status=Release.Status.REVIEW),
        make_release(status=Release.Status.WITHDRAWN),
        make_release(publish_at=now + datetime.timedelta(minutes=1)),
        make_release(),
    ]
    holders = {make_item(): ()}
    for index, release in enumerate(releases):
        holders[make_item()] = (release,)
        for other in releases[index + 1 :]:
            holders[make_item()] = (release, other)
    for item, held_by in holders.items():
        for release in held_by:
            getattr(release, field).add(item)

    expected = {
        item.pk
        for item, held_by in holders.items()
        if any(release.is_published() for release in held_by)
    }

    assert set(model.objects.published().values_list("pk", flat=True)) == expected
    assert len(expected) == 1 + 4  # the public release's own, paired with each other
