"""The privacy page and inventory, consent, the reporter's rights through the private link, photos that show
people, and a dispatcher's redaction of personal data written into the text."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from audit.models import AuditEntry
from forwarding.models import Disposition, FollowUp, Forwarding, Link
from notify.models import FixAnswer, SurveyAnswer
from privacy import redaction
from privacy.inventory import inventory
from reports.models import Photo, Report, StatusChange
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, staff_user, verified_login
from tests.test_admin_permissions import act
from tests.test_reports_api import file, report_data

pytestmark = pytest.mark.django_db


def page(client, url, language="id", **kwargs):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language, **kwargs).content.decode()


def test_the_privacy_page_is_in_both_languages_and_lists_every_datum(client, settings):
    settings.CONTACT_RETENTION_DAYS = 180
    indonesian, english = page(client, "/privasi/", "id"), page(client, "/privasi/", "en")
    assert "Data pribadi Anda" in indonesian and "Your personal data" in english
    assert "UU No. 27 Tahun 2022" in indonesian and "180" in indonesian
    for item in inventory():
        assert item["where"] in english


def test_every_page_footer_and_the_contact_fields_link_to_the_privacy_page(client):
    report = make_report()
    for url in ("/", f"/laporan/{report.code}/", "/statistik/", "/masuk/"):
        assert 'href="/privasi/"' in page(client, url).split('class="foot"')[1], url
    contact_box = page(client, "/").split('class="contact"')[1].split("</details>")[0]
    assert 'href="/privasi/"' in contact_box and 'name="contact_consent"' in contact_box


def test_docs_privacy_names_every_place_the_inventory_lists():
    docs = (Path(settings.BASE_DIR) / "docs" / "privacy.md").read_text().replace("`", "")
    for item in inventory():
        for place in re.split(r", ", item["where"]):
            assert place in docs, place


def test_a_phone_or_e_mail_needs_the_consent_box_and_the_choice_is_kept_with_its_time(client):
    refused = file(client, contact_consent=None)
    assert refused.status_code == 400 and "contact_consent" in refused.json()
    assert not Report.objects.exists()
    nameless = file(client, contact_consent=None, phone=None, email=None, name="Budi")  # a name alone needs none
    assert nameless.status_code == 201
    given = file(client)
    report = Report.objects.get(code=given.json()["code"])
    assert report.contact_consent and report.contact_consent_at is not None
    assert not Report.objects.get(code=nameless.json()["code"]).contact_consent


def test_the_form_page_says_what_the_consent_box_is_missing_for(client):
    response = client.post("/lapor/", report_data(contact_consent=None), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Tick this box to let us use your phone or e-mail" in response.content.decode()


def own_link(report):
    return f"/laporan/{report.code}/ikuti/{report.private_token}"


def test_the_private_link_shows_everything_kept_and_a_wrong_token_nothing(client):
    report = make_report()
    text = page(client, own_link(report) + "/data/", "en")
    assert REPORTER_NAME in text and REPORTER_PHONE in text and REPORTER_EMAIL in text
    assert report.description in text
    assert client.get(f"/laporan/{report.code}/ikuti/salah/data/").status_code == 404
    assert client.post(f"/laporan/{report.code}/ikuti/salah/hapus/", {"what": "all"}).status_code == 404
    assert Report.objects.get(pk=report.pk).reporter_phone == REPORTER_PHONE
    response = client.get(own_link(report) + "/data/")
    assert "no-store" in response["Cache-Control"]
    # The private page links to it.
    assert f'href="{own_link(report)}/data/"' in page(client, own_link(report) + "/")


def test_the_reporter_corrects_their_details_with_consent(client):
    report = make_report()
    refused = client.post(own_link(report) + "/data/", {"name": "Siti A.", "phone": "0812 1111 2222"})
    assert refused.status_code == 400
    assert client.post(own_link(report) + "/data/", {"name": "Siti A.", "phone": "0812 1111 2222",
                                                     "contact_consent": "on"}).status_code == 302
    report.refresh_from_db()
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("Siti A.", "0812 1111 2222", "")
    assert report.contact_consent and report.contact_consent_at is not None


def test_erasing_works_once_and_again_changes_nothing(client):
    report = make_report(show_name=True)
    description, history = report.description, list(report.history.values_list("pk", flat=True))
    client.post(own_link(report) + "/hapus/", {"what": "name"})
    report.refresh_from_db()
    assert (report.reporter_name, report.show_name, report.reporter_phone) == ("", False, REPORTER_PHONE)
    asked = client.post(own_link(report) + "/hapus/", {"what": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200 and "Erase my data?" in asked.content.decode()
    assert 'name="confirmed" value="yes"' in asked.content.decode() and "no-store" in asked["Cache-Control"]
    report.refresh_from_db()
    assert report.reporter_phone == REPORTER_PHONE  # nothing erased before the resident confirms
    first = client.post(own_link(report) + "/hapus/", {"what": "all", "confirmed": "yes"}, follow=True,
                        HTTP_ACCEPT_LANGUAGE="en")
    assert "Your contact details and name are erased." in first.content.decode()
    report.refresh_from_db()
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")
    assert not report.contact_consent
    withdrawn_at = report.contact_consent_at
    again = client.post(own_link(report) + "/hapus/", {"what": "all", "confirmed": "yes"}, follow=True,
                        HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200 and "Nothing was left to erase." in again.content.decode()
    report.refresh_from_db()
    assert report.contact_consent_at == withdrawn_at
    assert (report.description, list(report.history.values_list("pk", flat=True))) == (description, history)
    assert client.get(own_link(report) + "/hapus/").status_code == 405


def test_photos_showing_people_wait_for_a_dispatcher_who_publishes_them(client, desk):
    code = file(client, photos_show_people="on").json()["code"]
    report = Report.objects.get(code=code)
    photo = report.photos.get()
    assert not photo.published
    public = [page(client, f"/laporan/{code}/"), page(client, f"/api/v1/reports/{code}"),
              page(client, "/open311/v2/requests.json"), page(client, report.get_private_url())]
    for text in public:
        assert photo.image.name not in text and photo.thumbnail.name not in text
    assert photo.image.name in page(desk, f"/admin/reports/photo/{photo.pk}/change/")
    waiting = desk.get("/admin/reports/photo/", {"published__exact": "0"}).context["cl"].result_list
    assert [p.pk for p in waiting] == [photo.pk]
    act(desk, "photo", "blur", photo.pk)
    act(desk, "photo", "publish", photo.pk)
    photo = Photo.objects.get(pk=photo.pk)
    assert photo.published and photo.image.name in page(client, f"/laporan/{code}/")
    assert list(AuditEntry.objects.filter(object_id=str(photo.pk)).values_list("action", flat=True)
                .order_by("pk")) == ["blur", "publish"]


def test_photos_not_marked_are_published_at_once(client):
    code = file(client).json()["code"]
    assert Photo.objects.get(report__code=code).published


def test_a_dispatcher_redacts_words_from_the_description_and_notes_and_no_copy_is_kept(desk, django_user_model):
    report = make_report()
    Report.objects.filter(pk=report.pk).update(description="Lubang di depan rumah Pak Joko, telp 0812 3333 9999.")
    note = StatusChange.objects.create(report=report, from_status="baru", to_status="baru",
                                       note="Sudah telepon pak joko di 0812 3333 9999.")
    asked = act(desk, "report", "redact", report.pk)
    assert asked.status_code == 200 and "Pak Joko" in asked.content.decode()
    desk.post("/admin/reports/report/", {"action": "redact", "_selected_action": report.pk, "apply": "yes",
                                         "words": "Pak Joko\n0812 3333 9999\n"})
    report.refresh_from_db()
    note.refresh_from_db()
    assert report.description == "Lubang di depan rumah [dihapus], telp [dihapus]."
    assert note.note == "Sudah telepon [dihapus] di [dihapus]."
    [entry] = AuditEntry.objects.filter(action="redact")
    assert (entry.actor, entry.object_repr, entry.details) == ("dewi", report.code,
                                                               {"fields": ["description", f"note {note.pk}"]})
    everything = str(list(AuditEntry.objects.values())) + str(list(StatusChange.objects.values()))
    assert "Joko" not in everything and "3333" not in everything


def test_redaction_reaches_every_text_kept_about_the_report(django_user_model):
    """The "Sudah diperbaiki?" answers, the survey's suggestions, the LAPOR! complaint as it came, the copies of
    notes for LAPOR!, the address and the answers to the category's questions hold what residents wrote too."""
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    report = make_report()
    Report.objects.filter(pk=report.pk).update(address="Depan rumah Pak Joko, Jl. Sutan Syahrir",
                                               attributes={"lebar": 2, "catatan": "tanya pak joko"})
    change = StatusChange.objects.create(report=report, from_status="baru", to_status="baru", note="Catatan.")
    answer = FixAnswer.objects.create(report=report, change=change, fixed=False,
                                      comment="Belum, kata Pak Joko (0812 3333 9999) masih bocor.")
    suggestion = SurveyAnswer.objects.create(report=report, respondent="reporter", suggestion="Terima kasih Pak Joko.",
                                             **dict.fromkeys(["u1", "u2", "u3", "u5", "u6", "u7", "u8", "u9"], 4))
    lapor = Link.objects.create(kind=Link.Kind.LAPOR, name="LAPOR!")
    sent = FollowUp.objects.create(forwarding=Forwarding.objects.create(report=report, link=lapor, inbound=True),
                                   status="baru", note="Hubungi Pak Joko.")
    complaint = Disposition.objects.create(
        tracking_id="LP-9", report=report, state=Disposition.State.IMPORTED,
        payload={"title": "Jalan rusak", "content": "Saya Pak Joko, HP 0812 3333 9999.",
                 "attachments": [{"caption": "rumah pak joko"}], "id": 9})

    changed = redaction.redact(report, ["Pak Joko", "0812 3333 9999"], dewi)

    report.refresh_from_db()
    assert report.address == "Depan rumah [dihapus], Jl. Sutan Syahrir"
    assert report.attributes == {"lebar": 2, "catatan": "tanya [dihapus]"}
    assert FixAnswer.objects.get(pk=answer.pk).comment == "Belum, kata [dihapus] ([dihapus]) masih bocor."
    assert SurveyAnswer.objects.get(pk=suggestion.pk).suggestion == "Terima kasih [dihapus]."
    assert FollowUp.objects.get(pk=sent.pk).note == "Hubungi [dihapus]."
    assert Disposition.objects.get(pk=complaint.pk).payload == {
        "title": "Jalan rusak", "content": "Saya [dihapus], HP [dihapus].",
        "attachments": [{"caption": "rumah [dihapus]"}], "id": 9}
    assert changed == ["address", "attributes", f"follow-up {sent.pk}", f"answer {answer.pk}",
                       f"suggestion {suggestion.pk}", f"complaint {complaint.pk}"]
    [entry] = AuditEntry.objects.filter(action="redact")
    assert entry.details == {"fields": changed}
    everything = "".join(str(list(model.objects.values())) for model in (
        Report, StatusChange, FixAnswer, SurveyAnswer, FollowUp, Disposition, AuditEntry))
    assert "Joko" not in everything and "3333" not in everything


def test_a_planner_can_not_redact(django_user_model):
    report = make_report()
    planner = staff_user(django_user_model, "bima", "planner")
    planner.is_staff = True
    planner.save()
    client = verified_login(Client(), planner)
    client.post("/admin/reports/report/", {"action": "redact", "_selected_action": report.pk, "apply": "yes",
                                           "words": "pengujian"})
    assert Report.objects.get(pk=report.pk).description == report.description
