"""The satisfaction survey and index (notify.survey, notify.ikm; PermenPANRB 14/2017): who may answer and how
often, the index and grade on hand-computed answers, U4 left out, the minimum answers, the page, its CSV, and what
stays with the staff."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from notify import ikm
from notify.models import FixAnswer, Subscription, SurveyAnswer
from notify.tasks import ask_if_fixed
from reports import photos, workflow
from reports.models import Report, Support
from tests.conftest import REPORTER_EMAIL, make_report, run_jobs, staff_user, verified_login
from tests.images import photo_bytes, upload

pytestmark = pytest.mark.django_db
WIB = timezone.get_fixed_timezone(7 * 60)
ASKED = [element.field for element in ikm.ASKED]
ALL_FOUR = {field: "4" for field in ASKED}


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


def finished(dispatcher, **fields):
    """A report taken through the workflow to "fixed" (selesai), with the crew's photo."""
    report = make_report(**fields)
    for to in ("diverifikasi", "dikerjakan", "selesai"):
        report.refresh_from_db()
        photo = photos.process(upload(photo_bytes()), "fix") if to == "selesai" else None
        workflow.change_status(report, to, dispatcher, version=report.version, photo=photo)
    return Report.objects.get(pk=report.pk)


def answers(report, count, fours, *, start=0):
    """`count` answers about `report` whose 8 x count scores are 4 for the first `fours` (row by row) and 3 after:
    every element has `count` answers, so the index is 25 x the mean of all scores."""
    rows = []
    for n in range(count):
        scores = {field: 4 if n * len(ASKED) + i < fours else 3 for i, field in enumerate(ASKED)}
        rows.append(SurveyAnswer(report=report, respondent=f"subscription:{start + n}", **scores))
    SurveyAnswer.objects.bulk_create(rows)


def city_row(period):
    [row] = ikm.table("city", period)
    return row


def test_the_index_and_its_grade_at_the_boundary_between_a_and_b(settings):
    """625 answers x 8 elements = 5,000 scores. 2,662 fours and 2,338 threes: a mean of 17,662 / 5,000 = 3.5324,
    times 25 = 88.31, grade A (88.31-100). Two fours fewer: 3.532 x 25 = 88.30, grade B (76.61-88.30)."""
    settings.IKM_MIN_ANSWERS = 30
    report = make_report()
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=WIB), tick=False):
        answers(report, 625, 2662)
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=WIB), tick=False):
        answers(report, 625, 2660, start=625)
    first, second = city_row(ikm.Period(2026, 1)), city_row(ikm.Period(2026, 2))
    assert (first["answers"], first["index"], first["grade"][0]) == (625, Decimal("88.31"), "A")
    assert (second["answers"], second["index"], second["grade"][0]) == (625, Decimal("88.30"), "B")
    # Answer 332 has six fours then U8 and U9 three: U1 is (333 x 4 + 292 x 3) / 625 = 3.5328, U8 2207 / 625 = 3.5312.
    means = dict(zip([element.code for element in ikm.ELEMENTS], first["means"], strict=True))
    assert (means["U1"], means["U8"], means["U9"], means["U4"]) == (Decimal("3.533"), Decimal("3.531"),
                                                                   Decimal("3.531"), None)
    year = city_row(ikm.Period(2026))  # both semesters: 35,322 / 10,000 x 25 = 88.305, rounded half up
    assert (year["answers"], year["index"], year["grade"][0]) == (1250, Decimal("88.31"), "A")


def test_the_grades_follow_the_regulation_at_every_boundary():
    cases = {"100.00": "A", "88.31": "A", "88.30": "B", "76.61": "B", "76.60": "C", "65.00": "C", "64.99": "D",
             "25.00": "D"}
    assert {index: ikm.grade(Decimal(index))[0] for index in cases} == cases
    assert [str(words) for _lowest, _letter, words in ikm.GRADES] == ["Sangat baik", "Baik", "Kurang baik",
                                                                       "Tidak baik"]
    with pytest.raises(ValueError):
        ikm.grade(Decimal("24.99"))


def test_u4_cost_is_not_asked_and_left_out_of_the_mean(client, settings):
    """All fours on the eight elements asked: 100.00. Were U4 counted as a missing score, it would be 88.89."""
    settings.IKM_MIN_ANSWERS = 2
    report = make_report()
    answers(report, 2, 16)
    period = ikm.Period.containing(timezone.localdate())
    assert city_row(period)["index"] == Decimal("100.00")
    assert [element.code for element in ikm.ELEMENTS if element.not_asked] == ["U4"]
    assert "u4" not in [field.name for field in SurveyAnswer._meta.fields]
    page = client.get("/statistik/ikm/").content.decode()
    assert "U4 · Biaya/tarif" in page and "gratis" in page and "pemerintah kota tidak memungut" in page


def test_only_units_with_the_minimum_answers_are_shown(client, settings, dispatcher):
    settings.IKM_MIN_ANSWERS = 3
    road = make_report()  # Ganting: a road crew
    light = make_report("lampu-mati", lat=-0.4650, lon=100.3900)  # Silaing Atas: the lighting crew
    assert road.crew_id != light.crew_id and road.kelurahan_id != light.kelurahan_id
    answers(road, 3, 24)
    answers(light, 2, 16, start=3)
    period = ikm.Period.containing(timezone.localdate())
    tables = ikm.tables(period)
    assert [row["unit"] for row in tables["crew"]] == [road.crew.name]
    assert [row["unit"] for row in tables["kelurahan"]] == [road.kelurahan.name]
    assert [row["unit"] for row in tables["category"]] == ["Jalan"]
    assert [row["answers"] for row in tables["city"]] == [5]
    page = client.get("/statistik/ikm/").content.decode()
    assert road.crew.name in page and light.crew.name not in page and light.kelurahan.name not in page
    settings.IKM_MIN_ANSWERS = 6
    assert ikm.tables(period) == {"city": [], "office": [], "crew": [], "category": [], "kelurahan": []}
    assert "Belum ada unit dengan 6 jawaban" in client.get("/statistik/ikm/").content.decode()


def test_the_periods_are_semesters_and_years_in_the_citys_time(client, settings):
    settings.IKM_MIN_ANSWERS = 1
    report = make_report()
    # 30 June 23:30 WIB is still the first semester, though it is already past 16:30 UTC.
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=WIB), tick=False):
        answers(report, 1, 8)
    with time_machine.travel(datetime(2026, 7, 1, 0, 30, tzinfo=WIB), tick=False):
        answers(report, 1, 0, start=1)
    assert city_row(ikm.Period.of("2026-s1"))["index"] == Decimal("100.00")
    assert city_row(ikm.Period.of("2026-S2"))["index"] == Decimal("75.00")
    assert city_row(ikm.Period.of("2026"))["answers"] == 2
    with time_machine.travel(datetime(2027, 2, 1, 9, tzinfo=WIB), tick=False):
        assert [p.slug for p in ikm.periods()] == ["2027-s1", "2027", "2026-s2", "2026-s1", "2026"]
        page = client.get("/statistik/ikm/")  # the current semester by default
        assert page.context["period"] == ikm.Period(2027, 1)
        chosen = client.get("/statistik/ikm/?periode=2026-s2").content.decode()
        assert "Semester II 2026" in chosen and "<strong>75,00</strong>" in chosen
    for wrong in ("2026-s3", "2026-s", "26", "semester", "2026-1", "0000", "9999-s2", "02026"):
        refused = client.get(f"/statistik/ikm/?periode={wrong}")
        assert refused.status_code == 400 and "Pilih periode dari daftar" in refused.content.decode()
        assert client.get(f"/statistik/ikm.csv?periode={wrong}").status_code == 400


def test_the_csv_for_the_ministry_has_the_periods_units_answers_element_means_index_and_grade(client, settings):
    settings.IKM_MIN_ANSWERS = 2
    report = make_report()
    with time_machine.travel(datetime(2026, 8, 1, 10, tzinfo=WIB), tick=False):
        answers(report, 2, 8)  # answer 0 all fours, answer 1 all threes
    response = client.get("/statistik/ikm.csv?periode=2026-s2")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ikm-2026-s2.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["period", "grouping", "unit", "answers", "nrr_u1", "nrr_u2", "nrr_u3", "nrr_u4", "nrr_u5",
                       "nrr_u6", "nrr_u7", "nrr_u8", "nrr_u9", "ikm", "grade"]
    by_grouping = {row[1]: row for row in rows[1:]}
    assert sorted(by_grouping) == ["category", "city", "crew", "kelurahan", "office"]
    assert by_grouping["crew"][:4] == ["2026-s2", "crew", report.crew.name, "2"]
    assert by_grouping["city"][4:] == ["3.500", "3.500", "3.500", "", "3.500", "3.500", "3.500", "3.500", "3.500",
                                       "87.50", "B"]


def test_a_no_then_the_survey_once_per_person_and_the_reporters_two_links_are_one_person(client, dispatcher,
                                                                                          settings):
    report = finished(dispatcher)
    supporter = Subscription.objects.create(role="supporter", report=report, channel="email",
                                            address="s@example.org", confirmed_at=timezone.now(), language="en")
    fix = report.history.get(to_status="selesai")
    ask_if_fixed(now=fix.created + timedelta(days=settings.FIX_QUESTION_DAYS, hours=1))
    run_jobs()
    reporter = Subscription.objects.get(report=report, role="reporter")
    form = client.get(reporter.fixed_url()).content.decode()
    assert 'name="rating"' not in form  # the 1-5 rating is asked no more
    answered = client.post(reporter.fixed_url(), {"fixed": "no", "comment": "Masih berlubang.", "rating": "5"})
    # After "no" too: the report is reopened, and how it was handled is theirs to judge.
    assert answered.status_code == 302 and answered.url == f"/pemberitahuan/{reporter.token}/survei/"
    assert Report.objects.get(pk=report.pk).status == "diverifikasi"
    assert FixAnswer.objects.get().rating is None
    survey = client.get(answered.url)
    assert survey.status_code == 200 and "no-store" in survey["Cache-Control"]
    refused = client.post(answered.url, {"u1": "4", "u2": "9"})
    assert refused.status_code == 400 and not SurveyAnswer.objects.exists()
    assert "Pilih salah satu dari empat jawaban." in refused.content.decode()
    sent = client.post(answered.url, {**ALL_FOUR, "u3": "1", "suggestion": "Tolong lebih cepat, Pak Budi."})
    assert sent.status_code == 302 and sent.url == report.get_absolute_url()
    kept = SurveyAnswer.objects.get()
    assert (kept.respondent, kept.u3, kept.u1, kept.suggestion) == ("reporter", 1, 4, "Tolong lebih cepat, Pak Budi.")
    # The same reporter by their private link: one person, answered already (the report is finished again).
    for to in ("dikerjakan", "selesai"):
        report.refresh_from_db()
        photo = photos.process(upload(photo_bytes()), "fix") if to == "selesai" else None
        workflow.change_status(report, to, dispatcher, version=report.version, photo=photo)
    private_survey = f"{report.get_private_url()}survei/"
    again = client.post(private_survey, ALL_FOUR)
    assert again.status_code == 302 and again.url == report.get_private_url()
    assert "sudah menjawab survei" in client.get(again.url).content.decode()
    assert client.post(answered.url, ALL_FOUR).status_code == 302
    assert SurveyAnswer.objects.count() == 1
    # The supporter is another person: once by their own link, never twice.
    assert client.post(f"/pemberitahuan/{supporter.token}/survei/", ALL_FOUR).status_code == 302
    assert client.post(f"/pemberitahuan/{supporter.token}/survei/", {**ALL_FOUR, "u1": "1"}).status_code == 302
    assert sorted(SurveyAnswer.objects.values_list("respondent", "u1")) == [
        ("reporter", 4), (f"subscription:{supporter.pk}", 4)]
    # A wrong token changes nothing and leads to the public page.
    wrong = client.post(f"/laporan/{report.code}/ikuti/bukan-token/survei/", ALL_FOUR)
    assert wrong.status_code == 302 and wrong.url == report.get_absolute_url()
    assert mail.outbox  # the question went by e-mail, as it does


def test_one_person_as_supports_count_one_whatever_their_links(client, dispatcher):
    """The rule of supports (reports.services.add_support): one phone following by e-mail and by WhatsApp is one
    person; a "supporter" with the reporter's own e-mail is the reporter."""
    report = finished(dispatcher)
    by_mail, by_whatsapp, by_reporters_mail = (
        Subscription.objects.create(role="supporter", report=report, channel=channel, address=address,
                                    device=device, confirmed_at=timezone.now())
        for channel, address, device in (("email", "t@example.org", "hp-tetangga"),
                                         ("whatsapp", "6281234567890", "hp-tetangga"),
                                         ("email", REPORTER_EMAIL, "")))
    support = Support.objects.create(report=report, supporter="hp-tetangga", contact="email:t@example.org")
    for subscription in (by_mail, by_whatsapp):
        FixAnswer.objects.create(report=report, change=report.history.get(to_status="selesai"),
                                 subscription=subscription, fixed=True)
    assert client.post(f"/pemberitahuan/{by_mail.token}/survei/", ALL_FOUR).status_code == 302
    assert client.post(f"/pemberitahuan/{by_whatsapp.token}/survei/", ALL_FOUR).status_code == 302
    assert client.post(f"/pemberitahuan/{by_reporters_mail.token}/survei/", ALL_FOUR).status_code == 302
    assert client.post(f"{report.get_private_url()}survei/", ALL_FOUR).status_code == 302
    assert sorted(SurveyAnswer.objects.values_list("respondent", flat=True)) == ["reporter", f"support:{support.pk}"]


def test_the_survey_is_not_offered_to_followers_or_before_the_end(client, dispatcher):
    report = make_report()
    reporter = Subscription.objects.get(report=report, role="reporter")
    follower = Subscription.objects.create(role="follower", report=report, channel="email",
                                           address="f@example.org", confirmed_at=timezone.now())
    early = client.post(f"/pemberitahuan/{reporter.token}/survei/", ALL_FOUR)
    assert early.status_code == 302 and not SurveyAnswer.objects.exists()
    assert "Survei dibuka" in client.get(early.url).content.decode()
    assert client.post(f"{report.get_private_url()}survei/", ALL_FOUR).status_code == 302
    private_page = client.get(report.get_private_url()).content.decode()
    assert 'id="survey-offer"' not in private_page
    report = finished(dispatcher)
    follower.report = report
    follower.save()
    refused = client.post(f"/pemberitahuan/{follower.token}/survei/", ALL_FOUR)
    assert refused.status_code == 302 and not SurveyAnswer.objects.exists()  # a follower was not served
    assert "Survei ini untuk warga yang melaporkan atau mendukung" in client.get(refused.url).content.decode()


def test_a_closed_reports_private_page_offers_the_survey_to_the_reporter_only(client, dispatcher):
    report = finished(dispatcher)
    Report.objects.filter(pk=report.pk).update(status="ditutup")
    private_page = client.get(report.get_private_url()).content.decode()
    assert 'id="survey-offer"' in private_page and f"{report.get_private_url()}survei/" in private_page
    assert "Seberapa puas Anda" in private_page
    public_page = client.get(report.get_absolute_url()).content.decode()
    assert "survey-offer" not in public_page and "/survei/" not in public_page
    survey = client.get(f"{report.get_private_url()}survei/").content.decode()
    for words in ("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
                  "Tidak sesuai", "Kurang sesuai", "Sangat sesuai", "Tidak mudah", "Sangat cepat",
                  "Sangat kompeten", "Sopan dan ramah", "Dikelola dengan baik", "Sangat baik",
                  "U4 · Biaya/tarif"):
        assert words in survey
    assert survey.count("<fieldset") == 8 and survey.count("<legend>") == 8
    assert 'name="u4"' not in survey
    client.post(f"{report.get_private_url()}survei/", ALL_FOUR)
    assert 'id="survey-offer"' not in client.get(report.get_private_url()).content.decode()


def test_the_survey_in_english(client, dispatcher):
    report = finished(dispatcher)
    client.cookies["django_language"] = "en"
    survey = client.get(f"{report.get_private_url()}survei/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in ("What do you think of how the requirements of the service fit the kind of service?",
                  "Not appropriate", "Very easy", "Not polite and friendly", "It is well managed",
                  "filing and handling a complaint is free"):
        assert words in survey


def test_the_suggestions_are_for_staff_only_and_nothing_personal_is_public(client, settings, dispatcher,
                                                                            django_user_model):
    settings.IKM_MIN_ANSWERS = 1
    report = finished(dispatcher)
    client.post(f"{report.get_private_url()}survei/", {**ALL_FOUR, "suggestion": "Pak Budi sangat membantu."})
    public = [client.get(path).content.decode() for path in (
        "/statistik/ikm/", "/statistik/ikm.csv", report.get_absolute_url(), "/statistik/")]
    for page in public:
        assert "Pak Budi" not in page and REPORTER_EMAIL not in page and "subscription:" not in page
    assert "<strong>100,00</strong>" in public[0] and ",100.00,A" in public[1]
    staff = verified_login(Client(), dispatcher)
    desk_page = staff.get(f"/meja/laporan/{report.code}/").content.decode()
    assert "Pak Budi sangat membantu." in desk_page and "Saran dalam survei kepuasan" in desk_page
    crew_member = verified_login(Client(), staff_user(django_user_model, "joni", "crew"))
    refused = crew_member.get(f"/meja/laporan/{report.code}/")
    assert refused.status_code == 403 and "Pak Budi" not in refused.content.decode()


def test_planners_read_the_suggestions_of_a_period_and_the_public_does_not(client, dispatcher,
                                                                           django_user_model):
    report = finished(dispatcher)
    with time_machine.travel(datetime(2026, 8, 3, 10, tzinfo=WIB), tick=False):
        client.post(f"{report.get_private_url()}survei/", {**ALL_FOUR, "suggestion": "Lampu jalan juga mati."})
    planner = verified_login(Client(), staff_user(django_user_model, "rina", "planner"))
    listed = planner.get("/statistik/ikm/saran/?periode=2026-s2")
    assert listed.status_code == 200 and "no-store" in listed["Cache-Control"]
    assert "Lampu jalan juga mati." in listed.content.decode() and report.code in listed.content.decode()
    assert "Lampu jalan" not in planner.get("/statistik/ikm/saran/?periode=2026-s1").content.decode()
    assert planner.get("/statistik/ikm/saran/?periode=2026-s9").status_code == 404
    assert 'href="/statistik/ikm/saran/' in planner.get("/statistik/ikm/").content.decode()
    assert 'href="/statistik/ikm/saran/' not in client.get("/statistik/ikm/").content.decode()
    anonymous = client.get("/statistik/ikm/saran/?periode=2026-s2")
    assert anonymous.status_code == 302 and "Lampu jalan" not in anonymous.content.decode()


def test_the_old_ratings_stay_reported_as_old_ratings(client, dispatcher):
    report = finished(dispatcher)
    reporter = Subscription.objects.get(report=report, role="reporter")
    FixAnswer.objects.create(report=report, change=report.history.get(to_status="selesai"), subscription=reporter,
                             fixed=True, rating=4)
    statistics = client.get("/statistik/").content.decode()
    assert 'href="/statistik/ikm/"' in statistics and "Rating lama" not in statistics
    page = client.get("/statistik/ikm/").content.decode()
    assert "Rating lama" in page and report.crew.name in page
    assert "<td>4,0</td>" in page or "<td>4</td>" in page
