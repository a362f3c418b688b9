"""PostgreSQL session-level advisory locks: held across transactions and network calls without keeping a
transaction open, and released by PostgreSQL when the holder's connection ends (a killed worker's with it)."""

from contextlib import contextmanager

from django.db import DatabaseError, connection


def take(name, number=0, wait=False):
    """Lock (`name`, `number`) for this connection; False when another holds it and `wait` is off."""
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s), %s), true", [name, number % 2**31])
        else:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", [name, number % 2**31])
        return cursor.fetchone()[-1]


def release(name, number=0):
    """Let the lock go; a connection that died has lost it already."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", [name, number % 2**31])
    except DatabaseError:
        pass


@contextmanager
def held(name, number=0, wait=False):
    """The lock for the block, or False (nothing held) when another has it and `wait` is off."""
    taken = take(name, number, wait)
    try:
        yield taken
    finally:
        if taken:
            release(name, number)
