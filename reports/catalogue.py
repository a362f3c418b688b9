"""What a resident chooses from: the categories (with their questions and asset kinds) and the offices, under one
version in the cache that any change to them renews.

The map page's form shows all of them, yet they change only when staff edit one: building them took five queries
and a serializer per category on every load of `/`, the most asked page (bench/load.py). The form's lists are
kept per language under the version; report tiles keep their category filters under it too (tiles/invalidate.py).
A save or delete of a Category, CategoryAttribute, AssetKind or Office renews it once it commits (reports/apps.py);
a QuerySet.update() of them does not, as it sends no signal. Without the cache the lists are built for each page.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.utils.translation import get_language

from config import versions
from reports.api.serializers import QuestionSerializer
from reports.forms import place_offices
from reports.models import Category

VERSION_KEY = "reports:version:catalogue"


def version(found=None):
    """The catalogue's current version (`found`, if already read); None when the cache does not answer."""
    return versions.current(VERSION_KEY, settings.TILES_CACHE_SECONDS, found)


def renew(sender, **kwargs):
    """post_save or post_delete of a category, a question, an asset kind or an office."""
    versions.renew(VERSION_KEY, settings.TILES_CACHE_SECONDS)


def form_lists():
    """The report form's lists in the request's language, from the cache while nothing in them changes:
    category_groups (each main category with the categories filed under it), offices (grouped by kind) and
    questions (by category slug)."""
    current = version()
    key = f"reports:form-lists:{current}:{get_language()}"
    lists = cache.get(key) if current else None
    if lists is None:
        lists = _build()
        if current:
            cache.set(key, lists, settings.TILES_CACHE_SECONDS)
    return lists


def _build():
    children = Category.objects.select_related("asset_kind").prefetch_related("attributes")
    mains = Category.objects.filter(parent=None).select_related("asset_kind", "office").prefetch_related(
        "attributes", Prefetch("children", children))
    groups, questions = [], {}
    for main in mains:
        leaves = []
        for leaf in main.children.all() or [main]:  # a main category without sub-categories is filed itself
            kind = leaf.asset_kind or main.asset_kind
            leaves.append({"slug": leaf.slug, "name": leaf.name, "asset_kind": kind.code if kind else "",
                           "location_mode": leaf.location_mode, "public_by_default": leaf.public_by_default})
            questions[leaf.slug] = [dict(q) for q in QuestionSerializer(leaf.attributes.all(), many=True).data]
        office = main.office and (main.office.short_name or main.office.name)
        groups.append({"name": main.name, "by_crew": main.by_crew, "photo_required": main.photo_required,
                       "office_name": office or "", "leaves": leaves})
    offices = []
    for office in place_offices():
        label = office.get_kind_display()
        if not offices or offices[-1]["label"] != label:
            offices.append({"label": label, "offices": []})
        offices[-1]["offices"].append({"slug": office.slug, "name": office.name})
    return {"category_groups": groups, "offices": offices, "questions": questions}
