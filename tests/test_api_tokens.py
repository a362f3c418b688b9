"""API tokens follow the account's rules (issue 25, item 9): a role that signs in with a code cannot use a token
until its app is set up, tokens expire, and making or deleting one in the admin is in the audit trail."""

import importlib
import json
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import TokenExpiry
from audit.models import AuditEntry
from reports.roles import CREW, DISPATCHER, OFFICE
from tests.conftest import make_report, run, staff_user, verified_login

pytestmark = pytest.mark.django_db

NEARBY = "/api/v1/reports/nearby?lat=-0.46&lon=100.41"


def call(token, path=NEARBY):
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", DISPATCHER)


@pytest.fixture
def administrator(django_user_model):
    return verified_login(Client(), django_user_model.objects.create_superuser("admin", password="x"))


def test_a_dispatcher_without_an_authenticator_app_is_refused_with_a_json_error_then_gets_through(dispatcher):
    make_report()
    token = Token.objects.create(user=dispatcher)
    refused = call(token)
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"
    assert "authenticator app" in refused.json()["detail"] and "/masuk/" in refused.json()["detail"]
    TOTPDevice.objects.create(user=dispatcher, name="HP", confirmed=False)  # begun, never confirmed: still none
    assert call(token).status_code == 403
    TOTPDevice.objects.filter(user=dispatcher).update(confirmed=True)
    response = call(token)
    assert response.status_code == 200 and "crew" in response.json()["features"][0]["properties"]


def test_an_office_members_token_waits_for_their_authenticator_app(django_user_model):
    make_report()
    member = staff_user(django_user_model, "sari", OFFICE)
    token = Token.objects.create(user=member)
    refused = call(token)
    assert refused.status_code == 403 and "authenticator app" in refused.json()["detail"]
    TOTPDevice.objects.create(user=member, name="HP", confirmed=True)
    assert call(token).status_code == 200


def test_a_crew_members_token_works_without_an_app_as_their_password_does(django_user_model):
    make_report()
    token = Token.objects.create(user=staff_user(django_user_model, "andi", CREW, "Tim Jalan Padang Panjang Timur"))
    assert call(token).status_code == 200


def test_a_token_expires_api_token_days_after_it_is_made_and_is_then_refused_saying_so(settings, django_user_model):
    settings.API_TOKEN_DAYS = 30
    token = Token.objects.create(user=staff_user(django_user_model, "andi", CREW))
    expires = TokenExpiry.objects.get(token=token).expires
    assert expires - token.created == pytest.approx(timedelta(days=30), abs=timedelta(seconds=5))
    TokenExpiry.objects.filter(token=token).update(expires=timezone.now() - timedelta(seconds=1))
    refused = call(token)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This API token has expired. Ask an administrator for a new one."}
    indonesian = Client().get(NEARBY, HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="id")
    assert "kedaluwarsa" in indonesian.json()["detail"]


def test_a_token_made_around_the_rules_without_an_expiry_is_refused(django_user_model):
    token = Token(user=staff_user(django_user_model, "andi", CREW), key=Token.generate_key())
    Token.objects.bulk_create([token])  # no save(), no post_save: no expiry
    assert call(token).json()["detail"].startswith("This API token has expired")


def test_a_token_made_on_the_server_gets_its_expiry_too(django_user_model):
    user = staff_user(django_user_model, "andi", CREW)
    run("drf_create_token", "andi")
    assert TokenExpiry.objects.get(token__user=user).expires > timezone.now() + timedelta(days=89)


def test_tokens_made_before_expiry_existed_get_api_token_days_from_the_migration(settings, django_user_model):
    settings.API_TOKEN_DAYS = 14
    token = Token.objects.create(user=staff_user(django_user_model, "andi", CREW))
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=400))
    TokenExpiry.objects.all().delete()
    migration = importlib.import_module("accounts.migrations.0002_existing_tokens_expire")
    migration.give_grace(django_apps, None)
    expires = TokenExpiry.objects.get(token=token).expires
    assert expires - timezone.now() == pytest.approx(timedelta(days=14), abs=timedelta(seconds=5))
    assert call(token).status_code == 200


def test_an_administrator_makes_a_token_shown_once_audited_and_named_without_its_key(administrator, dispatcher):
    response = administrator.post("/admin/accounts/apitoken/add/", {"user": dispatcher.pk}, follow=True)
    token = Token.objects.get(user=dispatcher)
    shown = [str(message) for message in response.context["messages"]]
    assert any(token.key in text for text in shown)
    assert any("has no authenticator app yet" in text or "belum punya aplikasi" in text for text in shown)
    assert TokenExpiry.objects.filter(token=token).exists()
    entry = AuditEntry.objects.get(action="add", content_type__model="apitoken")
    assert (entry.actor, entry.object_id) == ("admin", str(dispatcher.pk))
    # The key is on no page once made, nor in the trail or Django's own log of admin actions.
    for page in ("/admin/accounts/apitoken/", f"/admin/accounts/apitoken/{dispatcher.pk}/change/",
                 "/admin/", "/admin/accounts/apitoken/?_popup=1&_to_field=key"):
        assert token.key not in administrator.get(page).content.decode(), page
    assert token.key not in json.dumps(list(AuditEntry.objects.values_list("object_repr", "details")))
    assert not LogEntry.objects.filter(object_repr__contains=token.key).exists()

    assert administrator.post(f"/admin/accounts/apitoken/{dispatcher.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Token.objects.exists() and not TokenExpiry.objects.exists()
    assert AuditEntry.objects.filter(action="delete", content_type__model="apitoken",
                                     object_id=str(dispatcher.pk)).exists()


def test_a_token_is_never_moved_to_another_user(administrator, dispatcher, django_user_model):
    other = staff_user(django_user_model, "andi", CREW)
    token = Token.objects.create(user=dispatcher)
    administrator.post(f"/admin/accounts/apitoken/{dispatcher.pk}/change/", {"user": other.pk})
    assert Token.objects.get(pk=token.pk).user == dispatcher


def test_only_administrators_make_tokens(dispatcher):
    TOTPDevice.objects.create(user=dispatcher, name="HP")
    dispatcher.is_staff = True
    dispatcher.save()
    desk = verified_login(Client(), dispatcher)
    assert desk.get("/admin/accounts/apitoken/add/")["Location"].startswith("/admin/login/")
    assert desk.post("/admin/accounts/apitoken/add/", {"user": dispatcher.pk})["Location"].startswith("/admin/login/")
    assert not Token.objects.exists()
