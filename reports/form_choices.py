"""The report form's categories and their questions, as the map page shows them, kept in the cache.

They change only when staff edit a category, a question or an asset kind, yet building them took four queries and
a serializer per category on every load of `/`, the most asked page (bench/load.py). They are kept per language
under a version that any save or delete of those models renews once it commits (reports/apps.py); without the
cache they are built for each page, as before.
"""

import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import get_language

from reports.api.serializers import QuestionSerializer
from reports.models import Category

VERSION_KEY = "reports:form-choices:version"
KEPT_SECONDS = 86400


def form_choices():
    """(main categories, questions): the main categories in order, each {name, photo_required, children}, a child
    {slug, name, asset_kind} (the code of its own or its main category's asset kind, or ""); questions by slug."""
    version = cache.get(VERSION_KEY)
    if version is None:  # the first page since the cache was emptied (or the cache does not answer)
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(VERSION_KEY)
    key = f"reports:form-choices:{version}:{get_language()}"
    kept = cache.get(key) if version else None
    if kept is None:
        kept = _build()
        if version:
            cache.set(key, kept, KEPT_SECONDS)
    return kept


def _build():
    mains = Category.objects.filter(parent=None).select_related("asset_kind").prefetch_related(
        Prefetch("children", Category.objects.select_related("asset_kind").prefetch_related("attributes")))
    main_categories, questions = [], {}
    for main in mains:
        children = []
        for sub in main.children.all():
            kind = sub.asset_kind or main.asset_kind
            children.append({"slug": sub.slug, "name": sub.name, "asset_kind": kind.code if kind else ""})
            questions[sub.slug] = [dict(q) for q in QuestionSerializer(sub.attributes.all(), many=True).data]
        main_categories.append({"name": main.name, "photo_required": main.photo_required, "children": children})
    return main_categories, questions


def renew(sender, **kwargs):
    """A category, question or asset kind was saved or deleted: pages built from now on (once it commits) show it."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, secrets.token_hex(8), None))
