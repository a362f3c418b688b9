"""A resident on a 360 x 740 phone picks the street light a report is about (issue 33): the nearest to the pin is
chosen, the layer shows from zoom 16 and a tap on another light chooses it, the list offers the others and "not on
the map", and the report keeps the one chosen. Against the production server (tests/deployed.py)."""

from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from assets import layers
from assets.models import AssetKind
from reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

METRE = 0.000009  # of latitude, about


def lamps_around(lat, lon):
    """PJU-A 8 m north of the point and PJU-B 22 m east of it, as the active generation of street lights."""
    kind = AssetKind.objects.get(code="lampu")
    features = [layers.AssetFeature("PJU-A", Point(lon, lat + 8 * METRE, srid=4326), {"name": "Lampu A"}),
                layers.AssetFeature("PJU-B", Point(lon + 22 * METRE, lat, srid=4326), {"name": "Lampu B"})]
    layers.save_assets(kind, layers.AssetFile(path=Path("test"), sha256="test", features=features))
    return {asset.identifier: asset for asset in kind.assets.all()}


def test_a_resident_picks_the_street_light_on_the_map(deployed, phones):
    layers.ensure_default_kinds()
    lat, lon = -0.4665, 100.405  # where the phone's GPS says it is
    lamps = lamps_around(lat, lon)
    page, _ = phones.open("/", geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"])
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    asset = "() => document.getElementById('id_asset').value"
    page.select_option("#id_category", "lampu-mati")
    page.click("#locate-me")  # the pin at the GPS position, the map at zoom 17
    page.wait_for_selector("#place.ok")
    page.wait_for_selector("#asset-choice:not([hidden]) #asset-options input")
    assert page.evaluate(asset) == str(lamps["PJU-A"].pk)  # the nearest is chosen
    assert page.is_checked(f"#asset-{lamps['PJU-A'].pk}")
    assert "PJU-B" in page.inner_text("#asset-options")

    # Street level: the layer is drawn, and a tap on the other light moves the pin there and chooses it.
    other = page.locator(f"svg.asset-tile [data-id='{lamps['PJU-B'].pk}']").first
    other.wait_for()
    other.click()
    page.wait_for_function(f"() => document.getElementById('id_asset').value === '{lamps['PJU-B'].pk}'")
    assert abs(float(page.input_value("#id_lon")) - lamps["PJU-B"].geometry.x) < 0.00003  # the pin went there

    page.check("#asset-none")  # "not on the map"
    assert page.evaluate(asset) == ""
    page.check(f"#asset-{lamps['PJU-A'].pk}")
    assert page.evaluate(asset) == str(lamps["PJU-A"].pk)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.fill("#id_description", "Lampu jalan di depan masjid mati sejak kemarin malam.")
    page.click("#send")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    assert Report.objects.get().asset == lamps["PJU-A"]
