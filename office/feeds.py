"""Django's feed generators, handing the response their XML in one piece."""

import io

from django.utils import feedgenerator


class WrittenAtOnce:
    """Write the feed into a buffer, then into the response once.

    Django's generators write straight into the response, a feed of 20 releases
    in ~900 pieces of a few bytes, and a WSGI server sends each piece on its own:
    under gunicorn the RSS feed served 190 requests/s that way, 320 in one piece.
    """

    def write(self, outfile, encoding):
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


class Rss201rev2Feed(WrittenAtOnce, feedgenerator.Rss201rev2Feed):
    pass


class Atom1Feed(WrittenAtOnce, feedgenerator.Atom1Feed):
    pass
