"""config.connections.Prepared: statements PREPAREd once per connection, run by name."""

import pytest
from django.db import connection

from config import connections
from config.connections import PARAMETER, Prepared

pytestmark = pytest.mark.django_db


def prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def test_values_written_into_the_text_and_parameters_put_in_on_each_run(monkeypatch):
    """Django's %s values are written into the statement (a % in one stays itself), the PARAMETERs are put in on
    each run; past PREPARED_KEPT statements on a connection, all are let go and the new one prepared."""
    monkeypatch.setattr(connections, "PREPARED_KEPT", 2)
    with connection.cursor() as cursor:  # none left from other tests on this connection
        cursor.execute("DEALLOCATE ALL")
    connections._prepared.pop(connection.connection, None)
    statements = [Prepared("SELECT %s || '%%' || %s::text, %s::int * 2", [f"n{n}", PARAMETER, PARAMETER])
                  for n in range(3)]
    assert statements[0].rows(["a", 4]) == [("n0%a", 8)]
    assert statements[0].rows(["b", 5]) == [("n0%b", 10)]
    assert statements[1].rows(["c", 6]) == [("n1%c", 12)]
    assert sorted(prepared_names()) == sorted([statements[0].name, statements[1].name])
    assert statements[2].rows(["d", 7]) == [("n2%d", 14)]  # a third: the two let go first
    assert prepared_names() == [statements[2].name]
    assert statements[0].rows(["e", 1]) == [("n0%e", 2)]  # prepared again
    assert sorted(prepared_names()) == sorted([statements[0].name, statements[2].name])
