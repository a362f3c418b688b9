"""The map page's lists (categories with their questions and asset kinds, the offices) are kept in the cache
(reports/catalogue.py): a page after the first reads none of them, and an edit shows on the next page."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import AssetKind
from offices.models import Office
from reports.models import Category, CategoryAttribute

pytestmark = pytest.mark.django_db


def home(client, language="id"):
    """The page, its questions and the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    questions = json.loads(re.search(r'<script id="questions-data" type="application/json">(.*?)</script>', page,
                                     re.S).group(1))
    return page, questions, [q["sql"] for q in queries.captured_queries]


def option(page, slug):
    """(asset kind, name) of a category's option."""
    return re.search(rf'<option value="{slug}" data-asset-kind="([\w-]*)"[^>]*>([^<]*)</option>', page).groups()


def per_response(page):
    """The page without what each response has of its own: the CSRF token and the scripts' nonce."""
    return re.sub(r'(value="\w{64}"|nonce="[^"]+")', "", page)


def offices(page):
    return dict(re.findall(r'<option value="([\w-]+)" >([^<]*)</option>', page.split('id="id_place_office"')[1]))


def test_a_warm_page_runs_no_query(client):
    first, questions, queries = home(client)
    assert any("reports_category" in sql for sql in queries) and any("offices_office" in sql for sql in queries)
    again, kept_questions, queries = home(client)
    assert queries == []  # no session, no category, question, asset kind nor office
    assert per_response(again) == per_response(first)
    assert kept_questions == questions and "jalan-berlubang" in questions and "layanan-lainnya" in questions


def test_each_language_keeps_its_own_names(client):
    road = Category.objects.get(slug="jalan-berlubang")
    assert option(home(client, "id")[0], "jalan-berlubang")[1] == road.name_id
    english = home(client, "en")[0]
    assert option(english, "jalan-berlubang")[1] == road.name_en
    assert '<optgroup label="Civil registration · Disdukcapil" data-kind="service"' in english
    assert '<optgroup label="kelurahan office">' in english
    indonesian = home(client, "id")[0]
    assert option(indonesian, "jalan-berlubang")[1] == road.name_id
    assert '<optgroup label="kantor lurah">' in indonesian


def test_a_category_or_question_edit_shows_on_the_next_page(client, django_capture_on_commit_callbacks):
    home(client)  # kept
    road = Category.objects.get(slug="jalan-berlubang")
    with django_capture_on_commit_callbacks(execute=True):
        road.name_id = "Jalan berlubang besar"
        road.save()
    assert option(home(client)[0], "jalan-berlubang")[1] == "Jalan berlubang besar"

    with django_capture_on_commit_callbacks(execute=True):
        CategoryAttribute.objects.create(category=road, code="lebar-jalan", label_id="Lebar jalan (m)",
                                         label_en="Road width (m)", datatype=CategoryAttribute.Datatype.NUMBER)
    assert "Lebar jalan (m)" in [q["label"] for q in home(client)[1]["jalan-berlubang"]]

    with django_capture_on_commit_callbacks(execute=True):
        CategoryAttribute.objects.get(category=road, code="lebar-jalan").delete()
    assert "lebar-jalan" not in [q["code"] for q in home(client)[1]["jalan-berlubang"]]

    with django_capture_on_commit_callbacks(execute=True):
        Category.objects.get(slug="trotoar-rusak").delete()
    assert 'value="trotoar-rusak"' not in home(client)[0]


def test_an_asset_kind_edit_shows_on_the_next_page(client, django_capture_on_commit_callbacks):
    home(client)
    road = Category.objects.get(slug="jalan-berlubang")
    kind = AssetKind.objects.create(code="jembatan", name_id="Jembatan", name_en="Bridge", geometry="line")
    with django_capture_on_commit_callbacks(execute=True):
        road.asset_kind = kind
        road.save()
    assert option(home(client)[0], "jalan-berlubang")[0] == "jembatan"

    with django_capture_on_commit_callbacks(execute=True):
        kind.delete()  # SET_NULL on the category (no Category signal): the main category's kind, or none
    assert option(home(client)[0], "jalan-berlubang")[0] != "jembatan"


def test_an_office_edit_shows_on_the_next_page(client, django_capture_on_commit_callbacks):
    assert offices(home(client)[0])["dinas-sosial"] == Office.objects.get(slug="dinas-sosial").name
    disdukcapil = Office.objects.get(slug="disdukcapil")
    with django_capture_on_commit_callbacks(execute=True):
        disdukcapil.short_name = "Dukcapil"
        disdukcapil.save()
        social = Office.objects.get(slug="dinas-sosial")
        social.active = False
        social.save()
    page = home(client)[0]
    assert '<optgroup label="Administrasi kependudukan · Dukcapil" data-kind="service"' in page
    assert "dinas-sosial" not in offices(page) and "disdukcapil" in offices(page)


def test_a_rolled_back_edit_keeps_the_kept_lists(client, django_capture_on_commit_callbacks):
    home(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the edit never commits
        Category.objects.filter(slug="jalan-berlubang").update(name_id="Tidak pernah")
        Category.objects.get(slug="jalan-berlubang").save()
    assert callbacks  # a renewal was waiting for the commit
    page, _, queries = home(client)
    assert queries == [] and option(page, "jalan-berlubang")[1] == "Berlubang"
