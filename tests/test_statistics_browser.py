"""The statistics page on a 360 x 740 phone: the map's legend covers no kelurahan and its classes are the map's
shades; the statuses have one colour on the map, in the bars and in the tiles' style."""

import pytest

from geo.models import Kelurahan
from tests.conftest import make_report
from tiles.tilejson import status_colours

pytestmark = pytest.mark.django_db(transaction=True)


def rgb(colour):
    """#rrggbb as the browser computes it: rgb(r, g, b)."""
    return "rgb({}, {}, {})".format(*(int(colour[n:n + 2], 16) for n in (1, 3, 5)))


def test_the_legend_covers_no_kelurahan_and_names_the_maps_shades(phones):
    for _ in range(3):
        make_report()  # Ganting, in the east
    make_report(lat=-0.4650, lon=100.3900, status="dikerjakan")  # Silaing Atas, in the west
    make_report(lat=-0.4650, lon=100.3900, status="selesai")
    Kelurahan.objects.update(population=None)
    page, _ = phones.open("/statistik/")
    page.wait_for_function("() => document.querySelectorAll('#map path.leaflet-interactive').length >= 16")
    legend = page.locator("#choropleth-legend").bounding_box()
    shapes = page.evaluate("""() => Array.from(document.querySelectorAll('#map path.leaflet-interactive'), p => {
        const box = p.getBoundingClientRect();
        return {left: box.left, right: box.right, top: box.top + scrollY, bottom: box.bottom + scrollY,
                fill: p.getAttribute('fill')};
    })""")
    for shape in shapes:  # the whole city is in view, and the legend is clear of every kelurahan
        assert shape["right"] > 0 and shape["left"] < 360
        assert (legend["y"] >= shape["bottom"] or legend["y"] + legend["height"] <= shape["top"]
                or legend["x"] >= shape["right"] or legend["x"] + legend["width"] <= shape["left"]), shape
    assert page.locator("#choropleth-legend li").all_inner_texts() == ["0", "1", "3"]
    swatches = page.eval_on_selector_all("#choropleth-legend .swatch", "s => s.map(e => e.style.background)")
    fills = {rgb(shape["fill"]) for shape in shapes}
    assert fills == set(swatches)  # 0 (most), 1 (Silaing Atas's one open report), 3 (Ganting)
    # The bars take the statuses' colours of the map and its tiles.
    bars = page.eval_on_selector_all(".chart-bar .seg", """s => s.map(e =>
        [e.className.replace('seg status-', ''), getComputedStyle(e).backgroundColor])""")
    assert {status for status, _ in bars} == {"baru", "dikerjakan", "selesai"}
    for status, colour in bars:
        assert colour == rgb(status_colours()[status]), status


def test_the_open_data_pages_apply_button_is_styled_as_the_sites_buttons(phones):
    page, _ = phones.open("/data/")
    button = page.locator("form.filters button")
    style = button.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
    assert style == ["rgb(11, 94, 60)", "rgb(255, 255, 255)"]  # the site's green, as "Kirim laporan"
    assert button.bounding_box()["height"] >= 44  # a finger's height
    assert "`" not in page.inner_text("main")
