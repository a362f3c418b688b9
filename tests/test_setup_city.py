"""`manage.py setup_city`: idempotent, and the admin's crews stand."""

import importlib
import shutil

import pytest
from django.apps import apps
from django.core.management import CommandError

from geo.models import Crew, Generation, Kelurahan
from offices.models import Office
from reports.models import Category, CategoryAttribute
from tests.conftest import PUBLISHED, run

pytestmark = pytest.mark.django_db


def state():
    return (Generation.objects.count(), Generation.objects.current().pk, Category.objects.count(),
            Crew.objects.count(), Kelurahan.objects.count(), Office.objects.count())


def test_a_second_run_changes_nothing():
    before = state()
    out = run("setup_city", kelurahan=str(PUBLISHED))
    assert "already active" in out and "Offices: 0 created" in out and "Categories: 0 created" in out
    assert "Crews: 0 created" in out
    assert state() == before
    # 12 infrastructure and 20 service categories; the 15 listed offices, 2 kecamatan and 16 kelurahan offices
    assert before[2:] == (32, 5, 16, 33)


def test_the_crews_and_the_infrastructure_categories_belong_to_the_public_works_office():
    public_works = Office.objects.get(slug="dinas-pupr")
    assert set(Crew.objects.values_list("office", flat=True)) == {public_works.pk}
    assert set(Category.objects.filter(routing=Category.Routing.CREW).values_list("office", flat=True)) == {
        public_works.pk}
    kelurahan_offices = Office.objects.filter(kind=Office.Kind.KELURAHAN)
    assert sorted(kelurahan_offices.values_list("kelurahan", flat=True)) == sorted(
        Kelurahan.objects.values_list("pk", flat=True))
    assert not Office.objects.filter(confirmed=True).exists()  # the city confirms each one


def test_the_admins_crew_edits_are_never_undone():
    crew = Crew.objects.get(name="Tim Jalan Padang Panjang Timur")
    crew.name = "Regu Jalan Timur"
    crew.save()
    Crew.objects.filter(name="Tim Penerangan Jalan Kota").delete()
    run("setup_city", kelurahan=str(PUBLISHED))
    assert Crew.objects.filter(name="Regu Jalan Timur").exists()
    assert not Crew.objects.filter(name__in=["Tim Jalan Padang Panjang Timur", "Tim Penerangan Jalan Kota"]).exists()


def test_a_new_file_becomes_the_active_generation_and_a_known_one_does_not_take_over(tmp_path):
    first = Generation.objects.current()
    copy = tmp_path / "kelurahan.geojson"
    shutil.copy(PUBLISHED, copy)
    copy.write_text(copy.read_text() + "\n")  # different bytes, so a different file
    out = run("setup_city", kelurahan=str(copy))
    assert "imported 16 kelurahan" in out
    assert Generation.objects.current() != first

    second = Generation.objects.current()
    # A file imported before does not switch lookups back: an operator's later choice stands.
    out = run("setup_city", kelurahan=str(first.source))
    assert f"generation {second.pk} ({second.source}) stays active" in out
    assert Generation.objects.current() == second
    assert Kelurahan.objects.count() == 16


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="/nowhere/kelurahan.geojson: No such file"):
        run("setup_city", kelurahan="/nowhere/kelurahan.geojson")


def test_an_installation_made_before_questions_gets_the_default_ones_once():
    migration = importlib.import_module("reports.migrations.0008_default_questions")
    CategoryAttribute.objects.all().delete()
    migration.add_default_questions(apps, None)
    assert set(CategoryAttribute.objects.values_list("category__slug", "code")) == {
        ("jalan-berlubang", "ukuran"), ("lampu-mati", "nomor-tiang")}
    CategoryAttribute.objects.filter(code="ukuran").update(label_en="Pothole size")
    migration.add_default_questions(apps, None)  # a category with questions keeps its own
    assert CategoryAttribute.objects.count() == 2
    assert CategoryAttribute.objects.get(code="ukuran").label_en == "Pothole size"
