"""Among(F("pk"), ids): membership in a list of ids sent as one parameter.

Django's `pk__in=[...]` sends one parameter per id; with hundreds of ids
PostgreSQL plans longer and compares every row with every id. As one bigint
array it hashes the ids; SQLite reads them from one JSON text. The site runs
on these two only (DESIGN.md); elsewhere Lookup.as_sql() says so.
"""

import json

from django.db import models


class Among(models.Lookup):
    prepare_rhs = False

    def ids(self) -> list[int]:
        return [int(pk) for pk in self.rhs]

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*params, json.dumps(self.ids()))

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        # One array literal: psycopg would adapt a list id by id (1 ms for 750).
        # bigint[], the column's type: an int[] would compare across types, unhashed.
        ids = "{" + ",".join(map(str, self.ids())) + "}"
        return f"{lhs} = ANY(%s::bigint[])", (*params, ids)
