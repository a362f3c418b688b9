"""The satisfaction index of the complaint service (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017): the survey's
elements, the periods it is reported for, and the index per period and unit, computed in PostgreSQL (docs/ikm.md).

The regulation's index is the weighted sum of the elements' mean scores (NRR, 1-4), each weighted 1/n of the n
elements asked, times 25: 25.00-100. Its grades: A 88.31-100 (sangat baik), B 76.61-88.30 (baik), C 65.00-76.60
(kurang baik), D 25.00-64.99 (tidak baik); the index is rounded to two decimals first, as the regulation's table is.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Min, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notify.models import SurveyAnswer
from reports.models import in_language

# The regulation's wording of the four answers, worst (1) to best (4).
APPROPRIATE = [_("Not appropriate"), _("Hardly appropriate"), _("Appropriate"), _("Very appropriate")]


@dataclass(frozen=True)
class Element:
    code: str  # U1 … U9, the regulation's numbering
    name: str
    question: str = ""
    answers: tuple = ()
    not_asked: str = ""  # why an element that does not apply to a complaint is not asked

    @property
    def field(self):
        return self.code.lower()


ELEMENTS = [
    Element("U1", _("Requirements"),
            _("What do you think of how the requirements of the service fit the kind of service?"), tuple(APPROPRIATE)),
    Element("U2", _("Systems, mechanisms and procedures"),
            _("How easy did you find the procedure of this service?"),
            (_("Not easy"), _("Hardly easy"), _("Easy"), _("Very easy"))),
    Element("U3", _("Time to complete"), _("What do you think of how fast the service was?"),
            (_("Not fast"), _("Hardly fast"), _("Fast"), _("Very fast"))),
    Element("U4", _("Cost/fee"), not_asked=_(
        "Not asked: filing and handling a complaint is free, the city charges nothing for it, so there is no cost "
        "or fee to judge. It is left out of the index, whose mean is over the other eight elements.")),
    Element("U5", _("Product specification of the service"),
            _("What do you think of how the result you got fits what the service standard promises?"),
            tuple(APPROPRIATE)),
    Element("U6", _("Competence of the staff"), _("What do you think of the competence of the staff?"),
            (_("Not competent"), _("Hardly competent"), _("Competent"), _("Very competent"))),
    Element("U7", _("Behaviour of the staff"),
            _("What do you think of the staff's behaviour: their courtesy and friendliness?"),
            (_("Not polite and friendly"), _("Hardly polite and friendly"), _("Polite and friendly"),
             _("Very polite and friendly"))),
    Element("U8", _("Handling of complaints, suggestions and feedback"),
            _("What do you think of how complaints of the service's users are handled?"),
            (_("There is none"), _("There is, but it does not work"), _("It works, not at its best"),
             _("It is well managed"))),
    Element("U9", _("Facilities and infrastructure"),
            _("What do you think of the quality of the facilities and infrastructure?"),
            (_("Poor"), _("Fair"), _("Good"), _("Very good"))),
]
ASKED = [element for element in ELEMENTS if not element.not_asked]

GRADES = [  # the lowest index of each grade
    (Decimal("88.31"), "A", _("Very good")),
    (Decimal("76.61"), "B", _("Good")),
    (Decimal("65.00"), "C", _("Not good enough")),
    (Decimal("25.00"), "D", _("Not good")),
]


def grade(index):
    """(letter, words) of an index already rounded to two decimals."""
    for lowest, letter, words in GRADES:
        if index >= lowest:
            return letter, words
    raise ValueError(f"An index is 25.00-100, not {index}.")


@dataclass(frozen=True)
class Period:
    """A semester (half 1: January-June, half 2: July-December) or a whole year (half None), in the city's time."""

    year: int
    half: int | None = None

    @classmethod
    def of(cls, slug):
        """"2026" or "2026-s1"/"2026-s2" (the URL's ?periode=); ValueError for anything else."""
        year, separator, half = slug.lower().partition("-s")
        if not (year.isdigit() and len(year) == 4 and 2000 <= int(year) <= 2999) or half not in (
                ("1", "2") if separator else ("",)):
            raise ValueError(slug)
        return cls(int(year), int(half) if half else None)

    @classmethod
    def containing(cls, day):
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def slug(self):
        return f"{self.year}-s{self.half}" if self.half else str(self.year)

    def __str__(self):
        if self.half:
            return str(_("Semester %(number)s %(year)s") % {"number": "I" * self.half, "year": self.year})
        return str(self.year)

    def bounds(self):
        """[start, end) as aware datetimes: a semester or year begins at midnight in Padang Panjang (WIB)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        first = date(self.year, 7 if self.half == 2 else 1, 1)
        last = date(self.year + 1, 1, 1) if self.half != 1 else date(self.year, 7, 1)
        return (datetime.combine(first, datetime.min.time(), zone), datetime.combine(last, datetime.min.time(), zone))


def periods():
    """Every semester and year since the first answer, newest first (the current one included)."""
    today = timezone.localdate()
    first = SurveyAnswer.objects.aggregate(first=Min("created"))["first"]
    start = timezone.localdate(first) if first else today
    found = []
    for year in range(today.year, start.year - 1, -1):
        halves = [half for half in (2, 1) if (year, half) <= (today.year, Period.containing(today).half)
                  and (year, half) >= (start.year, Period.containing(start).half)]
        found += [Period(year, half) for half in halves] + [Period(year)]
    return found


# The units the index is given for: a grouping's name and its unit's name in SQL (a report's main category is its
# category's parent, or the category itself). An office's is the office that answered the complaint.
GROUPINGS = {
    "city": lambda: Value("Kota Padang Panjang"),
    "office": lambda: F("report__office__name"),
    "crew": lambda: F("report__crew__name"),
    "category": lambda: Coalesce(
        in_language("report__category__parent__name_id", "report__category__parent__name_en"),
        in_language("report__category__name_id", "report__category__name_en")),
    "kelurahan": lambda: F("report__kelurahan__name"),
}
GROUPING_NAMES = {"city": _("The whole city"), "office": _("Office"), "crew": _("Crew"),
                  "category": _("Category"), "kelurahan": _("Kelurahan")}


def table(grouping, period):
    """One query: per unit of `grouping`, the answers in `period`, each element's mean (NRR, three decimals), the
    index and its grade; only units with at least IKM_MIN_ANSWERS answers."""
    start, end = period.bounds()
    means = [Avg(element.field, output_field=DecimalField()) for element in ASKED]
    index = ExpressionWrapper(sum(means[1:], means[0]) * 25 / len(ASKED), output_field=DecimalField())
    rows = (SurveyAnswer.objects.filter(created__gte=start, created__lt=end)
            .values(unit=GROUPINGS[grouping]())
            .annotate(answers=Count("pk"), index=Round(index, 2),
                      **{element.field: Round(mean, 3) for element, mean in zip(ASKED, means, strict=True)})
            .filter(answers__gte=settings.IKM_MIN_ANSWERS).order_by("unit"))
    return [{"unit": row["unit"], "answers": row["answers"], "index": row["index"],
             "grade": grade(row["index"]), "means": [row.get(element.field) for element in ELEMENTS]}
            for row in rows]


def tables(period):
    """{grouping: table(grouping, period)} for every grouping, one query each."""
    return {grouping: table(grouping, period) for grouping in GROUPINGS}
