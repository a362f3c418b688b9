"""The OpenAPI document tells the truth: schemathesis calls every operation of /api/schema/ through the app itself
(the test database) with fixed examples, and any 5xx or answer the document does not describe fails."""

import copy
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.conftest import make_report, staff_user
from tests.images import GANTING_GPS

GANTING = "13.74.01.1001"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ANONYMOUS = {"Accept-Encoding": "identity"}  # answers not gzipped, which the WSGI client would not undo


@pytest.fixture
def app_in_the_tests_transaction(db):
    """The app called as Django's test client calls it: a request's start and end leave the database connection
    open, so the requests see the test's rows and the test's transaction is rolled back at its end."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def headers(request, app_in_the_tests_transaction, django_user_model):
    """No credentials, or a crew member's DRF token."""
    if request.param == "anonymous":
        return ANONYMOUS
    report = make_report()
    crew_member = staff_user(django_user_model, "andi", "crew", report.crew.name)
    return {**ANONYMOUS, "Authorization": f"Token {Token.objects.create(user=crew_member).key}"}


@pytest.fixture
def codes(settings):
    """A few reports to find (public, in progress, hidden): their codes, and a kelurahan's. Filing unlimited; no
    geocoder to ask."""
    settings.REPORTS_PER_HOUR = 10_000
    settings.GEOCODER_URL = ""
    return [make_report(with_photo=True).code, make_report(lat=GANTING_GPS[0] + 0.0003, status="dikerjakan").code,
            make_report(hidden=True).code, GANTING]


# Loaded when the tests are collected (making the document reads no table): schemathesis' lazy loader,
# schemathesis.pytest.from_fixture, fails on pytest 9 (it sets Node._nodeid).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers={"Accept": "application/json"})
# A crew member's token changes what an answer shows, not how a wrong parameter is refused: asked with one, the
# coverage phase sends its valid cases only (each documented value's edges; about a quarter of its cases), the
# fuzzing phase all of its own, invalid ones too. Anonymous, every case is sent.
for_a_crew_member = schema.clone()
for_a_crew_member.config = copy.deepcopy(schema.config)
for_a_crew_member.config.phases.coverage.generation.modes = [GenerationMode.POSITIVE]
EXAMPLES = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


def answers_as_documented(case, headers, codes):
    # Most codes the generator makes up are swapped for real ones, so that found reports are checked too.
    for name in ("code", "featureId"):
        made_up = (case.path_parameters or {}).get(name)
        if made_up is not None:
            choices = [made_up, *codes]
            case.path_parameters[name] = choices[len(made_up) % len(choices)]
    case.call_and_validate(headers=headers, checks=CHECKS)


# Each test also takes a pytest parameter (who asks): under pytest 9, schemathesis names an operation's test with
# the operation only when the test has a parameter of pytest's too; without one, every operation's test has the
# same node ID, and pytest-xdist runs just one of them.
@pytest.mark.django_db
@pytest.mark.parametrize("headers", ["anonymous"], indirect=True)
@schema.parametrize()
@EXAMPLES
def test_every_operation_answers_as_documented(case, headers, codes):
    answers_as_documented(case, headers, codes)


@pytest.mark.django_db
@pytest.mark.parametrize("headers", ["crew"], indirect=True)
@for_a_crew_member.parametrize()
@EXAMPLES
def test_every_operation_answers_a_crew_member_as_documented(case, headers, codes):
    answers_as_documented(case, headers, codes)


def test_the_document_validates_with_no_errors_or_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())
