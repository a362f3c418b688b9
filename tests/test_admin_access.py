"""The admin is the administrators' tool (issue 26): migration 0015 takes the roles' admin permissions and
is_staff away, and nothing the roles work on closes with them."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.test import Client

from reports.roles import ensure_groups
from tests.conftest import staff_user, verified_login

pytestmark = pytest.mark.django_db

leave_the_admin = importlib.import_module("reports.migrations.0017_staff_roles_leave_the_admin").leave_the_admin


def test_the_migration_takes_the_roles_out_of_the_admin_and_their_pages_stay_open(django_user_model):
    dispatcher, planner = staff_user(django_user_model, "dewi", "dispatcher"), staff_user(django_user_model,
                                                                                          "bima", "planner")
    administrator = django_user_model.objects.create_superuser("admin", password="x")
    administrator.groups.add(Group.objects.get(name="dispatcher"))
    for user in (dispatcher, planner):
        user.is_staff = True
        user.save()
    Group.objects.get(name="dispatcher").permissions.add(*Permission.objects.filter(codename="change_report"))
    leave_the_admin(apps, None)
    assert not Permission.objects.filter(group__name__in=["crew", "dispatcher", "planner"]).exists()
    assert [user.is_staff for user in django_user_model.objects.order_by("pk")] == [False, False, True]
    desk, reader = verified_login(Client(), dispatcher), verified_login(Client(), planner)
    for client, path in ((desk, "/meja/foto/"), (desk, "/meja/lokasi/"), (desk, "/petugas/"),
                         (reader, "/petugas/"), (reader, "/statistik/")):
        assert client.get(path).status_code == 200, path
    for client in (desk, reader):
        assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert verified_login(Client(), administrator).get("/admin/").status_code == 200


def test_setting_up_the_city_gives_the_roles_no_django_permission():
    ensure_groups()
    assert not Permission.objects.filter(group__name__in=["crew", "dispatcher", "planner"]).exists()
