"""A service complaint's one PDF document (issue 31: "photos or a document optional"): checked as untrusted,
stored re-written without scripts, attachments or metadata, read by the reporter's link and the staff who answer
the complaint only, and removed with the report's personal data."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, RectangleObject, TextStringObject

from offices.models import Office
from privacy import retention, rights
from privacy.models import ContactAccess
from reports import documents, filing, media
from reports.models import Document, Report, Status
from tests.conftest import staff_user, verified_login
from tests.images import photo_bytes

pytestmark = pytest.mark.django_db

KTP = "Sudah tiga minggu KTP elektronik saya belum jadi, padahal dijanjikan seminggu."
AUTHOR = "Budi Santoso Penulis"
SCRIPT = "app.alert('halo');"


def pdf(pages=1, hostile=False, password=None):
    """A PDF of `pages` blank pages; `hostile`: with a script run on opening, a link that runs a script, an
    attached file and the author's name; `password`: encrypted."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if hostile:
        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject(SCRIPT)})
        writer.add_annotation(0, DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): RectangleObject([0, 0, 100, 100]), NameObject("/A"): action}))
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
        writer._root_object[NameObject("/OpenAction")] = action
        writer.add_attachment("rahasia.txt", b"isi lampiran tersembunyi")
        writer.add_metadata({"/Author": AUTHOR})
    if password:
        writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(data, name="surat.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def complaint(document, category="ktp-el"):
    return {"category": category, "description": KTP, "client_uuid": str(uuid.uuid4()), "document": document,
            "email": "warga@example.org", "contact_consent": "on"}


def file(client, document, category="ktp-el"):
    return client.post("/api/v1/reports", complaint(document, category), HTTP_ACCEPT_LANGUAGE="en")


def office_member(django_user_model, name, slug):
    """A signed-in client of a member of the group 'office', on the staff of the office `slug`."""
    user = staff_user(django_user_model, name, "office")
    Office.objects.get(slug=slug).staff.add(user)
    return verified_login(Client(), user)


def stored_files(settings):
    folder = settings.MEDIA_ROOT / "documents"
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_a_pdf_is_stored_rewritten_and_read_only_by_the_reporter_and_the_staff_answering_it(
        client, django_user_model, settings):
    response = file(client, pdf_upload(pdf(pages=2, hostile=True)))
    assert response.status_code == 201, response.json()
    report = Report.objects.get(code=response.json()["code"])
    document = Document.objects.get(report=report)
    assert document.pages == 2 and document.file.name.startswith("documents/")
    stored = document.file.read()
    document.file.close()
    assert document.size == len(stored) and stored.startswith(b"%PDF-")
    # Re-written from its pages: no script, no action on opening, no attachment, no author.
    for left_out in (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/EmbeddedFiles", b"/Annots",
                     SCRIPT.encode(), b"rahasia", AUTHOR.encode()):
        assert left_out not in stored, left_out
    assert len(PdfReader(io.BytesIO(stored)).pages) == 2

    # The reporter, by their private link.
    own = client.get(reverse("report-private-document", args=[report.code, report.private_token]))
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content) == stored
    assert "no-store" in own["Cache-Control"] and own["Content-Security-Policy"] == "sandbox"
    assert "attachment" in own["Content-Disposition"]
    page = client.get(report.get_private_url()).content.decode()
    assert reverse("report-private-document", args=[report.code, report.private_token]) in page
    # A wrong token, the public, and /media/ get nothing.
    assert client.get(reverse("report-private-document", args=[report.code, "salah"])).status_code == 404
    assert client.get(f"/media/{document.file.name}").status_code == 404
    anonymous = client.get(reverse("desk-document", args=[report.code]))
    assert anonymous.status_code == 302 and "?next=" in anonymous["Location"]

    # The office answering it reads it on the desk, logged as a contact reading is.
    dukcapil = office_member(django_user_model, "tono", "disdukcapil")
    screen = dukcapil.get(reverse("desk-report", args=[report.code])).content.decode()
    assert reverse("desk-document", args=[report.code]) in screen
    read = dukcapil.get(reverse("desk-document", args=[report.code]))
    assert read.status_code == 200 and b"".join(read.streaming_content) == stored
    log = ContactAccess.objects.get(channel=ContactAccess.Channel.DOCUMENT)
    assert log.actor == "tono" and log.report_id == report.pk
    # A dispatcher too; another office does not find the report, a planner may not open the desk.
    dispatcher = verified_login(Client(), staff_user(django_user_model, "dewi", "dispatcher"))
    assert dispatcher.get(reverse("desk-document", args=[report.code])).status_code == 200
    dinkes = office_member(django_user_model, "sari", "dinas-kesehatan")
    assert dinkes.get(reverse("desk-document", args=[report.code])).status_code == 404
    planner = verified_login(Client(), staff_user(django_user_model, "rina", "planner"))
    assert planner.get(reverse("desk-document", args=[report.code])).status_code == 403
    assert planner.get(f"/media/{document.file.name}").status_code == 404
    assert ContactAccess.objects.filter(channel=ContactAccess.Channel.DOCUMENT).count() == 2
    # Hidden from the public, it is still the reporter's.
    Report.objects.filter(pk=report.pk).update(hidden=True, hidden_at=timezone.now())
    assert client.get(reverse("report-private-document", args=[report.code, report.private_token])).status_code \
        == 200
    # clean_media does not take it for a file nobody names.
    assert document.file.name not in {name for name, _size in media.orphan_files(min_age_seconds=-60)}


def test_a_complaint_without_a_document_has_no_link(client, django_user_model):
    response = client.post("/api/v1/reports", {k: v for k, v in complaint(None).items() if v is not None},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    assert client.get(reverse("report-private-document", args=[report.code, report.private_token])).status_code \
        == 404
    dispatcher = verified_login(Client(), staff_user(django_user_model, "dewi", "dispatcher"))
    assert dispatcher.get(reverse("desk-document", args=[report.code])).status_code == 404
    assert reverse("desk-document", args=[report.code]) not in dispatcher.get(
        reverse("desk-report", args=[report.code])).content.decode()


@pytest.mark.parametrize(("data", "said"), [
    (photo_bytes(), "is not a PDF file"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 100, "is damaged or is not a PDF we can read"),
    (pdf(password="rahasia"), "is protected by a password"),
    (pdf(pages=3), "has more than 2 pages"),
    (pdf(pages=1) + b"%" + b"x" * 1024 * 1024, "is larger than 1.0\xa0MB"),
])
def test_a_bad_document_is_refused_naming_the_field_and_nothing_is_stored(client, settings, data, said):
    settings.DOCUMENT_MAX_PAGES = 2
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = file(client, pdf_upload(data))
    assert response.status_code == 400
    assert said in response.json()["document"][0] and "surat.pdf" in response.json()["document"][0]
    assert not Report.objects.exists() and not Document.objects.exists() and not stored_files(settings)


def test_the_html_form_takes_a_document_for_a_service_complaint_only(client, settings):
    html = client.post("/lapor/", complaint(pdf_upload(pdf(password="rahasia"))), HTTP_ACCEPT_LANGUAGE="en")
    assert html.status_code == 400
    assert '<div class="field-errors" id="id_document_error" data-for="document" aria-live="polite"><p>' \
           "The document (surat.pdf) is protected by a password" in html.content.decode()
    assert not Report.objects.exists()
    road = client.post("/api/v1/reports", {**complaint(pdf_upload(pdf()), "jalan-berlubang"),
                                           "lat": "-0.4625", "lon": "100.4"}, HTTP_ACCEPT_LANGUAGE="en")
    assert road.status_code == 400
    assert "Only a complaint about a service takes a document." in road.json()["document"]
    filed = client.post("/lapor/", complaint(pdf_upload(pdf())), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert filed.status_code == 200 and Document.objects.get().report == Report.objects.get()
    form = client.get("/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Dokumen (PDF, tidak wajib)" in form and 'name="document"' in form


def test_the_document_goes_with_the_personal_data(client, settings, django_capture_on_commit_callbacks):
    first = Report.objects.get(code=file(client, pdf_upload(pdf())).json()["code"])
    second = Report.objects.get(code=file(client, pdf_upload(pdf())).json()["code"])
    files = stored_files(settings)
    assert len(files) == 2
    # The reporter erases their data: the document goes with it, its file once committed.
    with django_capture_on_commit_callbacks(execute=True):
        assert rights.erase(first)
    assert not Document.objects.filter(report=first).exists()
    # Retention: closed longer than CONTACT_RETENTION_DAYS, as its contacts.
    Report.objects.filter(pk=second.pk).update(status=Status.SELESAI)
    now = timezone.now()
    second.history.update(created=now - timedelta(days=settings.CONTACT_RETENTION_DAYS, hours=1))
    assert retention.remove_documents(now - timedelta(days=1)) == 0  # a day earlier: not closed long enough
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.remove_documents(now) == 1
    assert not Document.objects.exists() and not stored_files(settings)


def test_a_filing_that_fails_leaves_no_document_file(client, settings):
    """The file is written before the transaction commits: a failure after it deletes it (filing's
    files_removed_on_failure, which asks a new connection whether a committed row names it)."""
    report = Report.objects.get(code=client.post(
        "/api/v1/reports", {k: v for k, v in complaint(None).items() if v is not None}).json()["code"])
    checked = documents.process(pdf_upload(pdf()), "surat.pdf")
    with pytest.raises(RuntimeError), filing.files_removed_on_failure(), transaction.atomic():
        documents.store(report, checked, on_written=filing.remember_written)
        assert len(stored_files(settings)) == 1
        raise RuntimeError("the filing fails after its document was written")
    assert not Document.objects.exists() and not stored_files(settings)
