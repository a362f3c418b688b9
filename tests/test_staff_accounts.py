"""Staff accounts: a code from an authenticator app after the password (required of administrators and dispatchers),
sessions that end, and a departing staff member disabled in one step."""

import time
from base64 import b32encode
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from reports.roles import CREW, DISPATCHER, OFFICE, PLANNER
from tests.conftest import current_code, make_report, staff_user, verified_login

pytestmark = pytest.mark.django_db

PASSWORD = "sandi-rahasia-123"
STAFF_PAGES = ["/admin/", "/admin/reports/report/", "/petugas/", "/api/v1/reports/nearby?lat=-0.46&lon=100.41"]


def password_only(username):
    """A client past the password step only, through the real sign-in form (and django-axes)."""
    client = Client()
    assert client.post("/masuk/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def app_of(user):
    return TOTPDevice.objects.create(user=user, name="HP", confirmed=True)


def wrong_code(device):
    """A code no step near now has: never accepted, whenever the test runs."""
    near = set()
    for steps in range(-3, 4):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time() + steps * device.step
        near.add(f"{totp.token():06d}")
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


@pytest.fixture
def dispatcher(django_user_model):
    user = staff_user(django_user_model, "dewi", DISPATCHER)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def administrator(django_user_model):
    return django_user_model.objects.create_superuser("admin", password=PASSWORD)


@pytest.fixture
def office_member(django_user_model):
    """Office staff read the contact details of their offices' complaints: the code is theirs too."""
    return staff_user(django_user_model, "sari", OFFICE)


@pytest.mark.parametrize("role", ["dispatcher", "administrator", "office_member"])
def test_a_password_alone_leads_to_the_code_page_from_the_admin_and_the_staff_pages(role, request):
    user = request.getfixturevalue(role)
    app_of(user)
    client = password_only(user.username)
    for path in STAFF_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.url == "/masuk/otp/?next=" + quote(path), path
    assert client.get("/masuk/otp/").status_code == 200


def test_the_first_time_the_code_page_sends_a_dispatcher_to_set_up_an_app(dispatcher):
    client = password_only("dewi")
    response = client.get("/masuk/otp/?next=/admin/")
    assert response.status_code == 302 and response.url == "/masuk/otp/baru/?next=%2Fadmin%2F"


def test_the_right_code_opens_the_desk(dispatcher):
    device = app_of(dispatcher)
    client = password_only("dewi")
    response = client.post("/masuk/otp/", {"code": current_code(device), "next": "/meja/foto/"})
    assert response.status_code == 302 and response.url == "/meja/foto/"
    assert client.get("/meja/lokasi/").status_code == 200


def test_a_wrong_code_is_refused_and_then_even_the_right_one_for_a_while(dispatcher):
    device = app_of(dispatcher)
    client = password_only("dewi")
    refused = client.post("/masuk/otp/", {"code": wrong_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1
    assert client.get("/admin/").status_code == 302
    # After ten wrong codes the app is locked for 2^9 s: the right code is refused too.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=10,
                                                   throttling_failure_timestamp=timezone.now())
    assert client.post("/masuk/otp/", {"code": current_code(device)}).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_dispatcher_sets_up_an_app_with_its_first_code(dispatcher):
    client = password_only("dewi")
    page = client.get("/masuk/otp/baru/?next=/meja/foto/")
    device = TOTPDevice.objects.get(user=dispatcher)
    assert not device.confirmed
    assert "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert b32encode(device.bin_key).decode() in text and "<svg" in text
    response = client.post("/masuk/otp/baru/", {"code": current_code(device), "next": "/meja/foto/"})
    assert response.status_code == 302 and response.url == "/meja/foto/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/meja/foto/").status_code == 200
    # Set up once: a second app needs the first one's code, or an administrator.
    assert client.get("/masuk/otp/baru/").url == "/masuk/otp/"


def test_a_crew_member_without_an_app_signs_in_with_the_password_as_before(django_user_model):
    staff_user(django_user_model, "andi", CREW, "Tim Jalan Padang Panjang Timur")
    client = password_only("andi")
    page = client.get("/petugas/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'href="/masuk/otp/baru/"' in page.content.decode()


def test_a_planner_who_set_up_an_app_uses_it(django_user_model):
    app_of(staff_user(django_user_model, "bima", PLANNER))
    assert password_only("bima").get("/petugas/").url == "/masuk/otp/?next=/petugas/"


def test_the_code_page_sends_nobody_to_another_site(dispatcher):
    device = app_of(dispatcher)
    client = password_only("dewi")
    response = client.post("/masuk/otp/", {"code": current_code(device), "next": "https://example.org/"})
    assert response.url == "/petugas/"


def test_a_session_lasts_a_working_day(dispatcher):
    response = Client().post("/masuk/", {"username": "dewi", "password": PASSWORD})
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600


def disable(client, user):
    return client.post("/admin/auth/user/", {"action": "disable", "_selected_action": [user.pk]})


def test_disabling_a_departing_dispatcher_ends_their_session_app_and_token(administrator, dispatcher):
    make_report()
    theirs = verified_login(Client(), dispatcher)
    token = Token.objects.create(user=dispatcher)
    assert theirs.get("/meja/foto/").status_code == 200

    assert disable(verified_login(Client(), administrator), dispatcher).status_code == 302
    assert theirs.get("/meja/foto/").url == "/masuk/?next=/meja/foto/"
    # 403, not 401: DRF answers as its first way in, the session, would (no WWW-Authenticate to offer).
    refused = Client().get(STAFF_PAGES[-1], HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and refused.json() == {"detail": "Invalid token."}
    assert not TOTPDevice.objects.filter(user=dispatcher).exists()
    assert list(AuditEntry.objects.filter(action="disable").values_list("actor", "object_repr")) == [
        (administrator.username, dispatcher.username)]
    # Made active again, the account still needs a new password: the old session stays dead.
    dispatcher.refresh_from_db()
    dispatcher.is_active = True
    dispatcher.save()
    assert theirs.get("/petugas/").url == "/masuk/?next=/petugas/"


def test_only_an_administrator_can_disable_an_account(dispatcher, django_user_model):
    crew = staff_user(django_user_model, "andi", CREW)
    assert disable(verified_login(Client(), dispatcher), crew)["Location"].startswith("/admin/login/")
    # Someone given the rights to edit users is still no administrator.
    manager = staff_user(django_user_model, "sari")
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    disable(verified_login(Client(), manager), crew)
    crew.refresh_from_db()
    assert crew.is_active and crew.has_usable_password()


def session_naming(client, device_id):
    """The client's session, changed to name authenticator app `device_id` as verified (as a forged or stale
    session might)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = f"otp_totp.totpdevice/{device_id}"
    session.save()
    return client


def test_a_session_verified_by_an_app_that_is_gone_or_not_theirs_asks_for_the_code_again(dispatcher,
                                                                                          django_user_model):
    """The rules of django-otp's middleware, which accounts.middleware.SignedInDevice checks from the user's row:
    the session's app must be the user's own, confirmed and still there; otherwise the session forgets it."""
    other = app_of(staff_user(django_user_model, "andi", DISPATCHER))
    unconfirmed = TOTPDevice.objects.create(user=dispatcher, name="baru", confirmed=False)
    client = verified_login(Client(), dispatcher)
    assert client.get("/meja/").status_code == 200
    for device_id in (other.pk, unconfirmed.pk, 999_999):
        session_naming(client, device_id)
        assert client.get("/meja/").url.startswith("/masuk/otp/"), device_id
        assert DEVICE_ID_SESSION_KEY not in client.session
    own = TOTPDevice.objects.get(user=dispatcher, confirmed=True)
    assert session_naming(client, own.pk).get("/meja/").status_code == 200
    own.delete()
    assert client.get("/meja/").url.startswith("/masuk/otp/")


def test_a_signed_in_request_reads_session_user_groups_and_app_in_two_queries(dispatcher,
                                                                               django_assert_num_queries):
    """What every staff page costs before its view: the session, then the user with their groups and apps (one
    statement, accounts.backends.StaffBackend); the app itself only if something asks for more than its id. Here
    the view checks the role, then refuses its parameter without a query of its own."""
    client = verified_login(Client(), dispatcher)
    with django_assert_num_queries(2):
        refused = client.get("/api/v1/hotspots.geojson?eps=0")
    assert refused.status_code == 400 and "eps" in refused.json()
