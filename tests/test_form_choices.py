"""The map page's categories and questions are kept in the cache (reports/form_choices.py): a page after the
first reads no category, and an edit in the admin shows on the next page."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import AssetKind
from reports.models import Category, CategoryAttribute

pytestmark = pytest.mark.django_db


def home(client, language="id"):
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    questions = json.loads(re.search(r'<script id="questions-data" type="application/json">(.*?)</script>', page,
                                     re.S).group(1))
    return page, questions, [q["sql"] for q in queries.captured_queries]


def option(page, slug):
    return re.search(rf'<option value="{slug}" data-asset-kind="(\w*)" *>([^<]*)</option>', page).groups()


def test_a_page_after_the_first_reads_no_category(client):
    first, questions, queries = home(client)
    assert any("reports_category" in sql for sql in queries)
    again, kept_questions, queries = home(client)
    assert not any("reports_category" in sql or "reports_categoryattribute" in sql for sql in queries)
    assert option(again, "jalan-berlubang") == option(first, "jalan-berlubang")
    assert re.findall(r"<optgroup[^>]*>", again) == re.findall(r"<optgroup[^>]*>", first)
    assert kept_questions == questions and "jalan-berlubang" in questions


def test_each_language_keeps_its_own_names(client):
    road = Category.objects.get(slug="jalan-berlubang")
    assert option(home(client, "id")[0], "jalan-berlubang")[1] == road.name_id
    assert option(home(client, "en")[0], "jalan-berlubang")[1] == road.name_en
    assert option(home(client, "id")[0], "jalan-berlubang")[1] == road.name_id


def test_an_edit_shows_on_the_next_page(client, django_capture_on_commit_callbacks):
    home(client)  # kept
    road = Category.objects.get(slug="jalan-berlubang")
    with django_capture_on_commit_callbacks(execute=True):
        road.name_id = "Jalan berlubang besar"
        road.save()
    assert option(home(client)[0], "jalan-berlubang")[1] == "Jalan berlubang besar"

    with django_capture_on_commit_callbacks(execute=True):
        CategoryAttribute.objects.create(category=road, code="lebar-jalan", label_id="Lebar jalan (m)",
                                         label_en="Road width (m)", datatype=CategoryAttribute.Datatype.NUMBER)
    assert "lebar-jalan" in [q["code"] for q in home(client)[1]["jalan-berlubang"]]

    kind = AssetKind.objects.create(code="jembatan", name_id="Jembatan", name_en="Bridge", geometry="line")
    with django_capture_on_commit_callbacks(execute=True):
        road.asset_kind = kind
        road.save()
    assert option(home(client)[0], "jalan-berlubang")[0] == "jembatan"

    with django_capture_on_commit_callbacks(execute=True):
        kind.delete()  # SET_NULL on the category: the main category's kind, or none
    assert option(home(client)[0], "jalan-berlubang")[0] != "jembatan"
