"""Create the database named by DATABASE_URL, with PostGIS, if it is missing.

Run by `make setup` before `migrate`: `python -m config.ensure_database`. `manage.py restore` uses it too.
"""

import sys

import dj_database_url
import psycopg2
from psycopg2 import sql

from config.settings import DATABASE_URL


def server_keywords(params):
    """psycopg2.connect's keywords for a Django DATABASES entry, all but the database name."""
    return {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }


def ensure_database(url):
    ensure(dj_database_url.parse(url))


def ensure(params):
    """ensure_database for a Django DATABASES entry (the test database has no URL of its own)."""
    connect = server_keywords(params)
    name = params["NAME"]
    server = psycopg2.connect(dbname="postgres", **connect)
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")
    server.close()
    database = psycopg2.connect(dbname=name, **connect)
    database.autocommit = True
    with database.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cursor.execute("SELECT postgis_lib_version()")
        print(f"Database {name} ready (PostGIS {cursor.fetchone()[0]})")
    database.close()


if __name__ == "__main__":
    try:
        ensure_database(DATABASE_URL)
    except psycopg2.Error as error:
        sys.exit(f"Cannot set up the database of DATABASE_URL: {error}".strip())
