"""Django's feed generators, handing the response their XML in one piece."""

import io
from datetime import UTC, datetime

from django.utils import feedgenerator

EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


class WrittenAtOnce:
    """Write the feed into a buffer, then into the response once.

    Django's generators write straight into the response, a feed in hundreds of
    pieces of a few bytes, and a WSGI server sends each piece on its own.
    """

    def write(self, outfile, encoding):
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


class FixedDateWhenEmpty:
    """Date an empty feed by a fixed moment, not "now" as Django does.

    Dated "now", its ETag changed every second, and a reader polling an empty
    feed never got a 304.
    """

    def latest_post_date(self):
        if not any(item["updateddate"] or item["pubdate"] for item in self.items):
            return EMPTY_FEED_DATE
        return super().latest_post_date()


class Rss201rev2Feed(FixedDateWhenEmpty, WrittenAtOnce, feedgenerator.Rss201rev2Feed):
    pass


class Atom1Feed(FixedDateWhenEmpty, WrittenAtOnce, feedgenerator.Atom1Feed):
    pass
