"""How residents rated the fixes from 1 to 5 before the satisfaction survey replaced the rating (notify.ikm): the
old ratings ("rating lama") and the answers to "Sudah diperbaiki?", per crew, main category and kelurahan; public
reports only, nothing personal."""

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce

from notify.models import FixAnswer
from reports.models import in_language


def figures():
    """{"crew": [...], "category": [...], "kelurahan": [...]}: answers, share not fixed, mean rating (1-5)."""
    answers = FixAnswer.objects.filter(report__hidden=False)
    names = {
        "crew": F("report__crew__name"),
        "category": Coalesce(in_language("report__category__parent__name_id", "report__category__parent__name_en"),
                             in_language("report__category__name_id", "report__category__name_en")),
        "kelurahan": F("report__kelurahan__name"),
    }
    found = {}
    for by, name in names.items():
        rows = (answers.values(name=name).annotate(answers=Count("pk"), not_fixed=Count("pk", filter=Q(fixed=False)),
                                                   rated=Count("rating"), mean=Avg("rating"))
                .order_by("name"))
        found[by] = [dict(row, mean=round(row["mean"], 1) if row["mean"] is not None else None) for row in rows]
    return found
