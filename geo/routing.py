"""Which crew answers for a category in a kelurahan: the one place that picks a crew.

The most specific service area wins (selected kelurahan, then a kecamatan, then
the whole city). Two crews tied at the same level are a configuration mistake:
routing refuses to guess, and the admin refuses to save such a crew.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from geo.models import Crew

RANK = {Crew.Area.KELURAHAN: 0, Crew.Area.KECAMATAN: 1, Crew.Area.CITY: 2}


class CrewConflict(Exception):
    def __init__(self, crews, where, category):
        self.crews = list(crews)
        names = ", ".join(sorted(c.name for c in self.crews))
        super().__init__(
            _("Crews %(names)s all handle %(category)s in %(where)s; leave only one.")
            % {"names": names, "category": category, "where": where}
        )


def crew_for(kelurahan, category):
    """The crew for a report of `category` in `kelurahan`, or None if no crew handles it.

    A crew that handles a main category handles its sub-categories too.
    Raises CrewConflict when two crews tie for the most specific area.
    """
    handled = [category.pk] + ([category.parent_id] if category.parent_id else [])
    covering = Q(area=Crew.Area.CITY) | Q(area=Crew.Area.KECAMATAN, kecamatan_id=kelurahan.kecamatan_id)
    covering |= Q(area=Crew.Area.KELURAHAN, kelurahan=kelurahan)
    crews = list(Crew.objects.filter(covering, categories__in=handled).distinct())
    if not crews:
        return None
    best = min(RANK[c.area] for c in crews)
    winners = [c for c in crews if RANK[c.area] == best]
    if len(winners) > 1:
        raise CrewConflict(winners, kelurahan, category)
    return winners[0]


def _effective_categories(categories):
    """Category ids a crew answers for: its own, and the sub-categories of its main categories."""
    ids = set()
    for category in categories:
        ids.add(category.pk)
        ids.update(child.pk for child in category.children.all())
    return ids


def _ties(area, category_ids, kecamatan_id, kelurahan_ids, other):
    """Whether `other` answers for some of the same categories in some of the same places, at the same level."""
    if other.area != area or not category_ids & _effective_categories(other.categories.all()):
        return False
    if area == Crew.Area.KECAMATAN:
        return kecamatan_id is not None and other.kecamatan_id == kecamatan_id
    if area == Crew.Area.KELURAHAN:
        return bool(kelurahan_ids & {k.pk for k in other.kelurahan.all()})
    return True


def _crews_with_relations():
    return Crew.objects.prefetch_related("categories__children", "kelurahan")


def conflicting_crews(area, categories, kecamatan=None, kelurahan=(), exclude_pk=None):
    """Crews that would tie with a crew of this service area and these categories somewhere."""
    category_ids = _effective_categories(categories)
    kecamatan_id = kecamatan.pk if kecamatan else None
    kelurahan_ids = {k.pk for k in kelurahan}
    others = _crews_with_relations().filter(area=area).exclude(pk=exclude_pk)
    return [other for other in others if _ties(area, category_ids, kecamatan_id, kelurahan_ids, other)]


def all_conflicts():
    """Every pair of crews that tie somewhere, in name order."""
    crews = list(_crews_with_relations())
    pairs = []
    for i, crew in enumerate(crews):
        category_ids = _effective_categories(crew.categories.all())
        kelurahan_ids = {k.pk for k in crew.kelurahan.all()}
        for other in crews[i + 1 :]:
            if _ties(crew.area, category_ids, crew.kecamatan_id, kelurahan_ids, other):
                pairs.append((crew, other))
    return pairs
