"""The statistics map's classes: which shade a kelurahan gets for its value, and the legend that says so.

Made on the server, so the legend is in the page as it loads (below the map: on a 360-px phone a legend over the
map covers the western kelurahan) and static/js/stats.js only paints by it. Values are counted in units (whole
reports, or tenths of a report per 1,000 residents); every class has its own bounds in those units, so no
legend reads "2 – 2": a kelurahan with nothing open has the class "0", one without a population figure the class
"no data", and the rest share at most five classes, one a value when there are five values or fewer, otherwise
five of equal width from 1 unit to the highest.
"""

import math

from django.utils.formats import number_format
from django.utils.translation import gettext as _

ZERO_SHADE = "#f1f8f4"
SHADES = ["#c7e9d0", "#8fd0a3", "#4fb072", "#1f7a45", "#0b4d2a"]  # light to dark, for values above zero
NO_DATA_SHADE = "#dee2e6"


def units(value, decimals):
    """A value in whole units of its last decimal; a value above zero is at least 1 (it is not "0")."""
    if value is None:
        return None
    counted = round(value * 10**decimals)
    return max(counted, 1) if value > 0 else 0


def classes(values, decimals=0):
    """[{"lower", "upper" (units; None for no data), "shade", "label"}] for `values` (numbers, None where there
    is no figure), from "0" up to the highest class, then "no data" where some value is None."""
    counted = [units(value, decimals) for value in values]
    positive = sorted({n for n in counted if n})
    if len(positive) <= len(SHADES):
        ranges = [(n, n) for n in positive]
    else:
        width = math.ceil(positive[-1] / len(SHADES))
        ranges = [(k * width + 1, min((k + 1) * width, positive[-1])) for k in range(math.ceil(positive[-1] / width))]
    # Spread from the lightest to the darkest shade; a single class in the middle one.
    shades = [SHADES[round(k * (len(SHADES) - 1) / (len(ranges) - 1)) if len(ranges) > 1 else len(SHADES) // 2]
              for k in range(len(ranges))]

    def shown(n):
        return number_format(n / 10**decimals, decimal_pos=decimals)

    found = [{"lower": 0, "upper": 0, "shade": ZERO_SHADE, "label": shown(0)}] if 0 in counted else []
    found += [{"lower": lower, "upper": upper, "shade": shade,
               "label": shown(lower) if lower == upper else f"{shown(lower)} – {shown(upper)}"}
              for (lower, upper), shade in zip(ranges, shades, strict=True)]
    if None in counted:
        found.append({"lower": None, "upper": None, "shade": NO_DATA_SHADE, "label": _("no data")})
    return found
