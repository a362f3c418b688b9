"""The admin shows and filters only what it declares (issue 25, item 1).

Django lets a list be filtered by any lookup on a model's own fields, so `?reporter_phone__regex=^0812[0-6]`
answered yes or no about a number the page never shows: a script read whole phones, e-mails and private-link
secrets that way. Here every registered admin, Django's and the packages' ones included, is walked as each role
with hostile lookups on every contact detail, secret and `client_uuid` it can reach (its own fields, and through
relations forward and backward), with a search for them and an ordering by them: each is refused, and no answer
differs between a value that matches the stored secret and one that does not.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.core.exceptions import FieldDoesNotExist
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.admin import Audited
from config.admin import DeclaredLookupsOnly
from forwarding.models import Disposition, Forwarding, Link
from notify.models import FixAnswer, Message, Subscription
from privacy.models import ContactAccess
from reports.interop.open311 import new_key
from reports.models import ApiCall, ApiClient
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, staff_user, verified_login

pytestmark = pytest.mark.django_db

# What no admin filters, searches or sorts by: residents' contact details, secrets, the submission id; and the
# e-mail addresses of staff and API clients. Keyed by the concrete model (a proxy's fields are its model's).
HIDDEN = {
    "reports.report": {"reporter_name", "reporter_phone", "reporter_email", "private_token", "client_uuid"},
    "notify.subscription": {"address", "token", "push_keys"},
    "auth.user": {"email", "password"},
    "authtoken.token": {"key"},
    "otp_totp.totpdevice": {"key"},
    "reports.apiclient": {"contact", "key_digest"},
    "reports.apicall": {"token"},
    "forwarding.link": {"api_key"},
    "forwarding.forwarding": {"token"},
}
ROLES = ("planner", "dispatcher", "crew", "administrator")
SUBSCRIBER = "pengikut.rahasia@example.org"
NOT_IT = "zq9#"  # matches no stored value


def hidden(field):
    if field is None or field.is_relation:  # None: "pk", or a name that is no field
        return False
    return field.name in HIDDEN.get(field.model._meta.concrete_model._meta.label_lower, ())


def hidden_paths(model, depth=3):
    """Every lookup path from `model` to a hidden field within `depth` steps, forward and reverse, shortest first."""
    found, frontier = [], [("", model)]
    for step in range(depth):
        further = []
        for prefix, current in frontier:
            for field in current._meta.get_fields():
                if hidden(field):
                    found.append(prefix + field.name)
                elif field.is_relation and field.related_model and step < depth - 1:
                    further.append((f"{prefix}{field.name}__", field.related_model))
        frontier = further
    return found


def final_field(model, path):
    """The field a lookup path ends on (a search field's or ordering's `-`, `^`, `=`, `@` and lookups dropped)."""
    field = None
    for part in path.lstrip("-^=@").split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        if not field.is_relation:
            break
        model = field.related_model
    return field


@pytest.fixture
def world(django_user_model):
    """A report with every contact detail, and a row of each admin's model that leads to it; staff in each role
    (with e-mail addresses, authenticator apps and an API token)."""
    report = make_report(with_photo=True)
    subscription = Subscription.objects.create(role="follower", report=report, channel="email", address=SUBSCRIBER)
    Message.objects.create(subscription=subscription, channel="email")
    FixAnswer.objects.create(report=report, change=report.history.first(), subscription=subscription, fixed=True)
    _, digest, prefix = new_key()
    client = ApiClient.objects.create(name="Aplikasi Kelurahan", contact="klien.rahasia@example.org",
                                      key_digest=digest, key_prefix=prefix)
    ApiCall.objects.create(client=client, method="POST", path="/open311/v2/requests.json", status_code=201,
                           report=report, token="tokenpanggilanrahasia")
    link = Link.objects.create(kind=Link.Kind.OPEN311, name="PLN", url="https://pln.example/v2",
                               api_key="kunci-mitra-rahasia")
    Forwarding.objects.create(report=report, link=link, external_id="P-1", token="token-mitra-rahasia")
    Disposition.objects.create(tracking_id="LPR-1", payload={"title": "Jalan"}, report=report,
                               state=Disposition.State.IMPORTED)
    users = {
        "planner": staff_user(django_user_model, "bima", "planner"),
        "dispatcher": staff_user(django_user_model, "dewi", "dispatcher"),
        "crew": staff_user(django_user_model, "andi", "crew", report.crew.name),
        "administrator": django_user_model.objects.create_superuser("admin", password="x"),
    }
    for role, user in users.items():
        user.email, user.is_staff = f"{user.username}.rahasia@kota.example", role != "crew"
        user.save()
    Token.objects.create(user=users["dispatcher"])
    clients = {role: verified_login(Client(), user) for role, user in users.items()}
    return report, users, clients


def changelists():
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def answer(client, url, params):
    """What a changelist says: its status, and for a list shown the rows it found and their order."""
    response = client.get(url, params)
    assert response.status_code < 500, (url, params)
    if response.status_code == 200:
        changelist = response.context["cl"]
        return 200, changelist.result_count, [obj.pk for obj in changelist.result_list]
    # A redirect to the sign-in page carries the address asked for (`next`): the same but for what was sent.
    return response.status_code, response.get("Location", "").partition("?")[0], response.content


def stored(model, path):
    """A stored value at the end of `path`, as text (None when no row leads there)."""
    value = model._default_manager.filter(**{f"{path}__isnull": False}).values_list(path, flat=True).first()
    return None if value in (None, "", {}) else str(value)


def test_every_admin_allows_declared_lookups_only_and_audits_what_it_changes(world):
    """Every registered admin answers lookups by the declared filters' rule (config.admin.DeclaredLookupsOnly); an
    admin that lets anyone add, change or delete records it in the audit trail."""
    _, users, _ = world
    request = RequestFactory().get("/admin/")
    request.user = users["administrator"]
    for model, model_admin, _ in changelists():
        label = model._meta.label_lower
        assert type(model_admin).lookup_allowed is DeclaredLookupsOnly.lookup_allowed, label
        changes = (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                   or model_admin.has_delete_permission(request))
        assert isinstance(model_admin, Audited) or not changes, label


def test_every_filter_an_admin_offers_still_works(world):
    """The rule refuses nothing a page links to: each choice of each filter, and the date drill-down. Behind each
    link the list is built as its page builds it (the admin's ChangeList: every lookup checked by the rule, the
    query run, the filters' choices for the new state), without drawing the page each time: a refused lookup
    raises there (DisallowedModelAdminLookup, the page's 400), a wrong one too (IncorrectLookupParameters, the
    page's redirect), and each page itself is drawn once above."""
    _, users, clients = world
    for _, model_admin, url in changelists():
        changelist = clients["administrator"].get(url).context["cl"]
        links = [choice["query_string"] for spec in changelist.filter_specs for choice in spec.choices(changelist)]
        if model_admin.date_hierarchy:
            links.append(f"?{model_admin.date_hierarchy}__year=2026&{model_admin.date_hierarchy}__month=12")
        for link in links:
            request = RequestFactory().get(url + link)
            request.user = users["administrator"]
            filtered = model_admin.get_changelist_instance(request)
            assert filtered.result_count == len(list(filtered.result_list)) or filtered.multi_page, url + link
            for spec in filtered.filter_specs:
                assert list(spec.choices(filtered)), (url + link, spec.title)


def test_no_admin_filters_searches_or_sorts_by_a_contact_detail_or_a_secret(world):
    _, users, clients = world
    request = RequestFactory().get("/admin/")
    request.user = users["administrator"]
    for model, model_admin, url in changelists():
        label = model._meta.label_lower
        declared = [item[0] if isinstance(item, list | tuple) else item
                    for item in model_admin.get_list_filter(request) if isinstance(item, str | list | tuple)]
        declared += [*model_admin.get_search_fields(request), *(model_admin.get_ordering(request) or ()),
                     *model._meta.ordering, model_admin.date_hierarchy or "pk"]
        for path in declared:
            assert not hidden(final_field(model, path)), (label, path)
        # Sorting by every column (`?o=` takes column numbers, a field's name is ignored): the query's ORDER BY
        # names no hidden field, whether the column offers sorting or not.
        changelist = clients["administrator"].get(url).context["cl"]
        everything = ".".join(str(i) for i in range(len(changelist.list_display)))
        ordered = clients["administrator"].get(url, {"o": everything}).context["cl"].queryset.query.order_by
        for order in ordered:
            if isinstance(order, str):
                assert not hidden(final_field(model, order)), (label, order)


def test_no_lookup_reaches_a_hidden_field_through_any_admin_as_any_role(world):
    """Every path to a hidden field from every admin's model, with the lookups a script would use: refused by the
    admin's own check, whoever asks (the shape of the answer over HTTP is the next test's)."""
    _, users, _ = world
    for role in ROLES:
        request = RequestFactory().get("/admin/")
        request.user = users[role]
        for model, model_admin, _ in changelists():
            for path in hidden_paths(model):
                for lookup in (path, f"{path}__regex", f"{path}__startswith", f"{path}__contains",
                               f"{path}__iexact", f"{path}__gt", f"{path}__isnull"):
                    assert not model_admin.lookup_allowed(lookup, "0", request), (role, model._meta.label, lookup)


@pytest.mark.parametrize("role", ROLES)
def test_hostile_lookups_are_refused_and_answer_the_same_for_a_matching_and_a_wrong_secret(world, role):
    report, _, clients = world
    client = clients[role]
    for model, _, url in changelists():
        paths = hidden_paths(model)
        local = [path for path in paths if "__" not in path]
        picked = local[:2] + [path for path in paths if "__" in path][:2]
        if model._meta.label_lower == "reports.report":
            picked.append("subscriptions__address")
        for path in picked:
            secret = stored(model, path) or NOT_IT
            for lookup, matching in ((f"{path}__regex", "^" + re.escape(secret[:4])),
                                     (f"{path}__startswith", secret[:4]), (f"{path}__contains", secret[1:5]),
                                     (path, secret)):
                # As the script sent it: beside a search the page does offer.
                right = answer(client, url, {"q": report.code, lookup: matching})
                wrong = answer(client, url, {"q": report.code, lookup: NOT_IT})
                assert right == wrong, (role, url, lookup)
                assert right[0] in (400, 403, 302), (role, url, lookup, right[0])
                if right[0] == 302:
                    assert right[1] == "/admin/login/", (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_a_search_for_a_secret_finds_what_a_wrong_one_finds(world, role):
    """Searching each list for a contact detail or a secret finds what a value nobody stored finds. The wrong
    value is asked over HTTP; where that shows a list, each secret's search is built as its page builds it (the
    admin's ChangeList, which runs the search and counts) without drawing the page each time."""
    report, users, clients = world
    client = clients[role]
    token = Token.objects.get(user=users["dispatcher"]).key
    secrets = [REPORTER_PHONE, REPORTER_EMAIL, REPORTER_NAME, SUBSCRIBER, report.private_token,
               str(report.client_uuid), token, users["dispatcher"].email, "klien.rahasia@example.org"]
    for _, model_admin, url in changelists():
        wrong = answer(client, url, {"q": "0899 0000 1111"})
        for secret in secrets:
            if wrong[0] == 200:  # the list the page would show for the secret, as its ChangeList finds it
                request = RequestFactory().get(url, {"q": secret})
                request.user = users[role]
                found = model_admin.get_changelist_instance(request)
                assert (200, found.result_count) == wrong[:2], (role, url, secret)
            else:  # refused before any search: the same refusal, asked over HTTP
                assert answer(client, url, {"q": secret})[:2] == wrong[:2], (role, url, secret)


def test_no_admin_page_shows_a_residents_contact_detail_or_a_secret_unlogged(world):
    """Each list and each object's page of every admin, as every role: no reporter's name, phone or e-mail, no
    subscriber's address, no private link, submission id or token; and no reading in the access log, since
    nothing was shown (the logged way is the "Show the contact details" action, tests/test_contact_access.py)."""
    report, users, clients = world
    secrets = [REPORTER_PHONE, REPORTER_EMAIL, REPORTER_NAME, SUBSCRIBER, report.private_token,
               str(report.client_uuid), Token.objects.get(user=users["dispatcher"]).key]
    for role in ROLES:
        for model, _, url in changelists():
            pages = [url, f"{url}?{IS_POPUP_VAR}=1&{TO_FIELD_VAR}={model._meta.pk.name}"]
            pages += [f"{url}?{IS_POPUP_VAR}=1&{TO_FIELD_VAR}={path}" for path in hidden_paths(model, depth=1)]
            opts = model._meta
            for obj in model._default_manager.all()[:3]:
                pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            for page in pages:
                text = clients[role].get(page).content.decode()
                for secret in secrets:
                    assert secret not in text, (role, page)
    assert not ContactAccess.objects.exists()
