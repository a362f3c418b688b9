"""Offices work their complaints on the desk (issue 31): their own queue, verify, answer and close, hand over to
another office with a reason; what office staff may see and do, and what a crew may not."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Action, AuditEntry
from notify.models import Notice, Subscription
from offices.models import Handover, Office
from privacy.models import ContactAccess
from reports.filing import file_report
from reports.models import Category, Report, Status
from tests.conftest import REPORTER_NAME, REPORTER_PHONE, acknowledged, make_report, staff_user, verified_login
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db

OTHER = "sampah-tidak-diangkut"  # another office's service: Dinas Lingkungan Hidup's


def complaint(slug="pelayanan-puskesmas", description="Puskesmas menolak pasien tanpa alasan.", place=True,
              **fields):
    """A service complaint filed as the form files one, with a pin at Ganting (`place`) or none, then given
    `fields` directly. Dinas Kesehatan answers a puskesmas' service."""
    where = dict(zip(("lat", "lon"), GANTING_GPS, strict=True)) if place else {}
    filed, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug=slug), **where,
                           description=description, photos=[], name=REPORTER_NAME, phone=REPORTER_PHONE)
    acknowledged(filed)
    Report.objects.filter(pk=filed.pk).update(**fields)
    return Report.objects.get(pk=filed.pk)


def office(slug):
    return Office.objects.get(slug=slug)


def member(django_user_model, name, slug):
    """A member of the group 'office', on the staff of the office `slug`."""
    user = staff_user(django_user_model, name, "office")
    office(slug).staff.add(user)
    return user


@pytest.fixture
def dinkes(django_user_model):
    """A Dinas Kesehatan staff member's client, past the code step."""
    return verified_login(Client(), member(django_user_model, "sari", "dinas-kesehatan"))


def act(client, report, action, **data):
    report.refresh_from_db()
    return client.post(reverse("desk-act", args=[report.code, action]), {"version": report.version, **data})


def test_a_service_complaint_is_filed_private_and_with_its_office():
    filed = complaint()
    assert filed.private and filed.office == office("dinas-kesehatan")
    assert complaint(OTHER).office == office("dinas-lingkungan-hidup")


def test_a_complaint_without_a_place_is_answered_by_its_office(client, django_user_model):
    own = complaint("ktp-el", "KTP saya belum jadi sejak tiga bulan.", place=False)
    assert own.location is None and own.office == office("disdukcapil")
    dukcapil = verified_login(Client(), member(django_user_model, "tono", "disdukcapil"))
    assert "KTP saya" in dukcapil.get(reverse("desk-queue")).content.decode()
    assert act(dukcapil, own, "status", status=Status.DIVERIFIKASI).status_code == 302
    assert act(dukcapil, own, "jawab", answer="KTP Anda sudah dapat diambil.").status_code == 302
    assert "KTP Anda sudah dapat diambil." in client.get(own.get_private_url()).content.decode()


def test_office_staff_must_give_a_code_before_any_page(client, django_user_model):
    user = member(django_user_model, "sari", "dinas-kesehatan")
    client.force_login(user)  # the password alone
    response = client.get(reverse("desk-home"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp-verify"))


def test_office_staff_see_their_offices_complaints_private_ones_too_and_no_other_offices(django_user_model):
    own, others = complaint(), complaint(OTHER, "Sampah tidak diangkut seminggu.")
    road = make_report()
    user = member(django_user_model, "sari", "dinas-kesehatan")
    visible = set(Report.objects.visible_to(user))
    assert own in visible and road in visible  # their own private one, and a public report
    assert others not in visible  # another office's private complaint
    assert set(Report.objects.on_desk_of(user)) == {own}


def test_a_crew_never_sees_a_private_complaint_even_one_given_to_its_crew(django_user_model):
    road = make_report()
    private = complaint(crew=road.crew)
    crew_member = staff_user(django_user_model, "andi", "crew", road.crew.name)
    assert road in Report.objects.visible_to(crew_member)
    assert private not in Report.objects.visible_to(crew_member)
    client = verified_login(Client(), crew_member)
    assert client.get(reverse("crew-report", args=[private.code])).status_code == 404
    assert client.get(reverse("desk-report", args=[private.code])).status_code == 403


def test_the_office_queue_holds_its_offices_complaints_only(dinkes):
    own, others = complaint(), complaint(OTHER)
    page = dinkes.get(reverse("desk-queue")).content.decode()
    assert own.code in page and others.code not in page
    assert "Dinkes" in page


def test_a_dispatcher_filters_the_queue_by_office(client, django_user_model):
    own, others = complaint(), complaint(OTHER)
    dispatcher = verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    page = dispatcher.get(reverse("desk-queue"), {"kantor": "dinas-kesehatan"}).content.decode()
    assert own.code in page and others.code not in page
    assert others.code in dispatcher.get(reverse("desk-queue")).content.decode()


def test_office_home_counts_its_offices_complaints(dinkes):
    complaint(), complaint(), complaint(OTHER)
    assert dinkes.get(reverse("desk-counts")).json()["baru"] == 2


def test_an_office_member_cannot_open_or_act_on_another_offices_complaint(dinkes):
    others = complaint(OTHER)
    assert dinkes.get(reverse("desk-report", args=[others.code])).status_code == 404
    assert act(dinkes, others, "status", status=Status.DIVERIFIKASI).status_code == 404
    assert act(dinkes, others, "catatan", note="Sudah.", public="1").status_code == 404
    assert act(dinkes, others, "kontak").status_code == 404
    response = dinkes.post(reverse("desk-verify"), {"code": others.code, "version": others.version})
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.status == Status.BARU and others.history.count() == 1
    assert not ContactAccess.objects.exists()


def test_an_office_member_is_refused_the_dispatchers_actions(dinkes):
    own = complaint(publish_consent=True)
    for action in ("petugas", "kategori", "sembunyikan", "redaksi", "hapus", "publikasikan"):
        assert act(dinkes, own, action, reason="x", words="Budi", names_removed="1").status_code == 403, action
    own.refresh_from_db()
    assert own.private and not own.hidden and own.reporter_phone == REPORTER_PHONE


def test_verify_answer_and_close_the_reporter_reads_the_answer_without_staff_names(client, dinkes):
    own = complaint()
    assert act(dinkes, own, "jawab", answer="Terlalu cepat.").status_code == 400  # verify first
    assert act(dinkes, own, "status", status=Status.DIVERIFIKASI).status_code == 302
    assert act(dinkes, own, "jawab", answer="").status_code == 400
    answer = "Petugas puskesmas sudah ditegur; Anda dapat berobat kembali."
    assert act(dinkes, own, "jawab", answer=answer).status_code == 302
    own.refresh_from_db()
    assert own.status == Status.DITUTUP and own.closed_at is not None and own.verified_at is not None
    page = client.get(own.get_private_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert answer in text and "sari" not in text
    # Still not public: no public page.
    assert client.get(own.get_absolute_url()).status_code == 404


def test_an_office_reads_the_contact_of_its_complaint_and_the_reading_is_logged(dinkes):
    own = complaint()
    page = act(dinkes, own, "kontak").content.decode()
    assert REPORTER_PHONE in page
    assert ContactAccess.objects.filter(report=own, actor="sari", channel=ContactAccess.Channel.DESK).count() == 1


def test_a_hand_over_is_recorded_keeps_the_due_date_and_leaves_the_office(client, django_user_model, dinkes):
    own = complaint(OTHER)  # a puskesmas' service, filed as rubbish
    wrong_office = verified_login(Client(), member(django_user_model, "tono", "dinas-lingkungan-hidup"))
    due = own.due_date
    assert act(wrong_office, own, "serahkan", office=office("dinas-kesehatan").pk, reason="").status_code == 400
    response = act(wrong_office, own, "serahkan", office=office("dinas-kesehatan").pk,
                   reason="Soal puskesmas: tugas Dinkes.")
    assert response.status_code == 302 and response.url == reverse("desk-queue")
    own.refresh_from_db()
    assert own.office == office("dinas-kesehatan") and own.due_date == due
    handover = Handover.objects.get(report=own)
    assert (handover.from_office, handover.to_office) == (office("dinas-lingkungan-hidup"), office("dinas-kesehatan"))
    assert handover.reason == "Soal puskesmas: tugas Dinkes." and handover.by.username == "tono"
    entry = AuditEntry.objects.get(action=Action.HAND_OVER)
    assert entry.details == {"from": "dinas-lingkungan-hidup", "to": "dinas-kesehatan"} and entry.actor == "tono"
    # The old office no longer has it; the new one does, and sees who handed it over and why.
    assert wrong_office.get(reverse("desk-report", args=[own.code])).status_code == 404
    desk_page = dinkes.get(reverse("desk-report", args=[own.code])).content.decode()
    assert "Soal puskesmas: tugas Dinkes." in desk_page
    # The reporter reads which office has it, not who handed it over nor why.
    text = client.get(own.get_private_url()).content.decode()
    assert office("dinas-kesehatan").name in text
    assert "tono" not in text and "Soal puskesmas" not in text


def test_a_hand_over_to_the_same_or_no_office_is_refused(dinkes):
    own = complaint()
    assert act(dinkes, own, "serahkan", office=office("dinas-kesehatan").pk, reason="x").status_code == 400
    assert act(dinkes, own, "serahkan", office="", reason="x").status_code == 400
    assert not Handover.objects.exists()


def test_a_crews_report_is_not_closed_by_an_answer(client, django_user_model):
    road = make_report(status=Status.DIVERIFIKASI)
    dispatcher = verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    assert act(dispatcher, road, "jawab", answer="Sudah.").status_code == 400
    road.refresh_from_db()
    assert road.status == Status.DIVERIFIKASI


def test_a_dispatcher_publishes_a_private_complaint_only_with_the_reporters_consent(client, django_user_model):
    dispatcher = verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    refused = complaint()
    assert act(dispatcher, refused, "publikasikan", names_removed="1").status_code == 400
    agreed = complaint(publish_consent=True, show_name=True)
    assert act(dispatcher, agreed, "publikasikan").status_code == 400  # the names not confirmed removed
    assert act(dispatcher, agreed, "publikasikan", names_removed="1").status_code == 302
    refused.refresh_from_db(), agreed.refresh_from_db()
    assert refused.private and not agreed.private and not agreed.show_name
    assert AuditEntry.objects.filter(action=Action.MAKE_PUBLIC, object_id=str(agreed.pk)).count() == 1
    assert Report.objects.public().filter(pk=agreed.pk).exists()
    assert not Report.objects.public().filter(pk=refused.pk).exists()


def test_the_reporter_is_told_of_the_hand_over_and_of_the_answer(django_user_model):
    filed, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug=OTHER), lat=GANTING_GPS[0],
                           lon=GANTING_GPS[1], description="Sampah tidak diangkut.", photos=[],
                           email="warga@example.org", channel="email", contact_consent=True)
    acknowledged(filed)
    dlh = verified_login(Client(), member(django_user_model, "tono", "dinas-lingkungan-hidup"))
    dinkes = verified_login(Client(), member(django_user_model, "sari", "dinas-kesehatan"))
    act(dlh, filed, "serahkan", office=office("dinas-kesehatan").pk, reason="Sampah medis: Dinkes.")
    act(dinkes, filed, "status", status=Status.DIVERIFIKASI)
    act(dinkes, filed, "jawab", answer="Sampah medis puskesmas sudah diangkut.")
    told = Notice.objects.filter(subscription__report=filed, subscription__role=Subscription.Role.REPORTER,
                                 kind=Notice.Kind.CHANGE)
    notes = [notice.change.public_note for notice in told.select_related("change").order_by("pk")]
    assert notes[0] == "Diserahkan ke Dinas Kesehatan, yang kini menanganinya."
    assert notes[-1] == "Sampah medis puskesmas sudah diangkut."
