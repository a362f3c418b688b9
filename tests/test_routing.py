"""geo.routing: which crew a report goes to, and crews that tie."""

import pytest

from geo import routing
from geo.models import Crew, Kecamatan, Kelurahan
from reports.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def ganting():
    return Kelurahan.objects.get(code="13.74.01.1001")  # Padang Panjang Timur


@pytest.fixture
def pasar_usang():
    return Kelurahan.objects.get(code="13.74.02.1002")  # Padang Panjang Barat


def category(slug):
    return Category.objects.get(slug=slug)


def test_the_default_crews_split_road_and_drainage_by_kecamatan_and_light_the_whole_city(ganting, pasar_usang):
    assert routing.crew_for(ganting, category("jalan")).name == "Tim Jalan Padang Panjang Timur"
    assert routing.crew_for(pasar_usang, category("jalan")).name == "Tim Jalan Padang Panjang Barat"
    assert routing.crew_for(pasar_usang, category("drainase")).name == "Tim Drainase Padang Panjang Barat"
    assert routing.crew_for(ganting, category("lampu-mati")).name == "Tim Penerangan Jalan Kota"
    assert routing.crew_for(pasar_usang, category("lampu-mati")).name == "Tim Penerangan Jalan Kota"


def test_a_crew_for_a_main_category_takes_its_sub_categories(ganting):
    assert routing.crew_for(ganting, category("jalan-berlubang")).name == "Tim Jalan Padang Panjang Timur"


def test_the_most_specific_service_area_wins(ganting, pasar_usang):
    market = Crew.objects.create(name="Tim Jalan Pasar", area=Crew.Area.KELURAHAN)
    market.kelurahan.set([ganting])
    market.categories.set([category("jalan")])
    assert routing.crew_for(ganting, category("trotoar-rusak")) == market
    assert routing.crew_for(pasar_usang, category("trotoar-rusak")).name == "Tim Jalan Padang Panjang Barat"
    # A city-wide road crew does not displace the kecamatan crews either.
    city = Crew.objects.create(name="Tim Jalan Kota", area=Crew.Area.CITY)
    city.categories.set([category("jalan")])
    assert routing.crew_for(pasar_usang, category("jalan")).name == "Tim Jalan Padang Panjang Barat"


def test_two_crews_tied_at_the_same_level_are_an_error_naming_both(ganting):
    second = Crew.objects.create(
        name="Tim Jalan Kedua", area=Crew.Area.KECAMATAN, kecamatan=Kecamatan.objects.get(code="13.74.01")
    )
    second.categories.set([category("jalan-berlubang")])
    with pytest.raises(routing.CrewConflict) as conflict:
        routing.crew_for(ganting, category("jalan-berlubang"))
    assert {c.name for c in conflict.value.crews} == {"Tim Jalan Kedua", "Tim Jalan Padang Panjang Timur"}
    assert "Tim Jalan Kedua" in str(conflict.value)
    # Elsewhere in the category the first crew still answers alone.
    assert routing.crew_for(ganting, category("trotoar-rusak")).name == "Tim Jalan Padang Panjang Timur"
    assert [(a.name, b.name) for a, b in routing.all_conflicts()] == [
        ("Tim Jalan Kedua", "Tim Jalan Padang Panjang Timur")
    ]


def test_no_crew_for_a_category_is_none(ganting):
    Crew.objects.filter(categories__slug="drainase").delete()
    assert routing.crew_for(ganting, category("saluran-tersumbat")) is None


def test_conflicting_crews_sees_overlapping_kelurahan_sets(ganting, pasar_usang):
    first = Crew.objects.create(name="A", area=Crew.Area.KELURAHAN)
    first.kelurahan.set([ganting, pasar_usang])
    first.categories.set([category("drainase")])
    clash = routing.conflicting_crews(Crew.Area.KELURAHAN, [category("genangan-banjir")], kelurahan=[pasar_usang])
    assert clash == [first]
    assert routing.conflicting_crews(Crew.Area.KELURAHAN, [category("jalan")], kelurahan=[pasar_usang]) == []
    other = Kelurahan.objects.get(code="13.74.02.1003")
    assert routing.conflicting_crews(Crew.Area.KELURAHAN, [category("drainase")], kelurahan=[other]) == []
