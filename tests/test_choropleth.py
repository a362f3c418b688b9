"""The statistics map's classes (reports/choropleth.py): distinct bounds, fewer classes for few values, "0" and
"no data" classes, and the legend drawn under the map from them."""

import json
import re

import pytest
from django.utils import translation

from geo.models import Kelurahan
from reports.choropleth import NO_DATA_SHADE, SHADES, ZERO_SHADE, classes
from tests.conftest import make_report


def labels(found):
    return [c["label"] for c in found]


def test_few_values_get_a_class_each_and_zero_its_own():
    found = classes([0, 0, 1, 2, 2, 5])
    assert labels(found) == ["0", "1", "2", "5"]
    assert [c["shade"] for c in found] == [ZERO_SHADE, SHADES[0], SHADES[2], SHADES[4]]
    assert labels(classes([0, 3, 3])) == ["0", "3"] and classes([0, 3])[1]["shade"] == SHADES[2]
    assert labels(classes([0, 0])) == ["0"] and classes([]) == []


def test_many_values_share_five_classes_of_equal_width_with_distinct_bounds():
    found = classes([0, 1, 2, 3, 4, 7, 9, 12, 17, 23])
    assert labels(found) == ["0", "1 – 5", "6 – 10", "11 – 15", "16 – 20", "21 – 23"]
    bounds = [(c["lower"], c["upper"]) for c in found]
    assert all(lower <= upper for lower, upper in bounds)
    assert all(upper < next_lower for (_, upper), (next_lower, _) in zip(bounds, bounds[1:], strict=False))
    # Six values up to 6: three classes of two, not "1 – 2, 2 – 3, ..." nor "2 – 2".
    assert labels(classes([1, 2, 3, 4, 5, 6])) == ["1 – 2", "3 – 4", "5 – 6"]


def test_rates_per_1000_are_classed_in_tenths_and_a_missing_population_is_no_data():
    with translation.override("id"):
        found = classes([0.0, 0.04, 0.3, 1.26, 2.5, 3.1, 4.8, None], decimals=1)
    assert labels(found) == ["0,0", "0,1 – 1,0", "1,1 – 2,0", "2,1 – 3,0", "3,1 – 4,0", "4,1 – 4,8", "tanpa data"]
    assert found[-1] == {"lower": None, "upper": None, "shade": NO_DATA_SHADE, "label": "tanpa data"}
    assert found[1]["lower"] == 1  # 0.04 per 1,000 is not "0"


@pytest.mark.django_db
def test_the_page_lists_the_classes_under_the_map_and_hands_them_to_its_script(client):
    for _ in range(3):
        make_report()  # Ganting: 3 open
    make_report(lat=-0.4650, lon=100.3900)  # Silaing Atas: 1 open
    Kelurahan.objects.update(population=None)
    page = client.get("/statistik/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    legend = re.search(r'<div class="choropleth" id="choropleth-legend">(.*?)</div>', page, re.S)[1]
    assert re.findall(r"</span>([^<]+)</li>", legend) == ["0", "1", "3"]
    assert page.index('id="choropleth-legend"') > page.index('id="map"')  # under the map, not over it
    shading = json.loads(re.search(r'<script id="choropleth-classes" type="application/json">(.*?)</script>',
                                   page, re.S)[1])
    assert shading["per_1000"] is False and shading["unit"] == 1
    assert [(c["lower"], c["upper"]) for c in shading["classes"]] == [(0, 0), (1, 1), (3, 3)]
