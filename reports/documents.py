"""The one PDF document a service complaint may carry (a letter, a receipt): checked, re-written, served.

Uploads are untrusted: the size (DOCUMENT_MAX_BYTES), the `%PDF-` signature, a whole parse by pypdf, no
encryption, at most DOCUMENT_MAX_PAGES pages. What is stored is a new file pypdf writes from the pages alone: the
sender's document catalogue is not copied, so its /OpenAction, document JavaScript (/Names /JavaScript), embedded
files (/Names /EmbeddedFiles), form (/AcroForm), document actions (/AA) and XMP metadata are gone; each page loses
its annotations (links, form widgets, file attachments, comments), its actions (/AA) and its own metadata; and the
information dictionary (author, title, creator, dates) is not written. The original is never kept.

A document is personal data, as the reporter's contacts are: served by `serve` to the reporter's private link and
to the staff who may read the report's contacts (privacy.access.sees_contact_of), each staff reading logged
(privacy.ContactAccess, channel "document"); never by /media/ (reports.media), nor on any public surface.
"""

import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from reports.models import Document

SIGNATURE = b"%PDF-"
# Page keys that can act or carry what the resident did not mean to send.
PAGE_KEYS_REMOVED = ("/AA", "/Annots", "/Metadata", "/PieceInfo")


@dataclass
class ProcessedDocument:
    data: bytes
    pages: int


def process(upload, label):
    """Check one uploaded file and return the PDF to store; ValidationError names `label` otherwise."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(_("%(document)s is larger than %(limit)s.")
                              % {"document": label, "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)})
    upload.seek(0)
    content = upload.read()
    if not content.startswith(SIGNATURE):
        raise ValidationError(_("%(document)s is not a PDF file.") % {"document": label})
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("%(document)s is protected by a password; send it without one.")
                                  % {"document": label})
        pages = len(reader.pages)
        if pages > settings.DOCUMENT_MAX_PAGES:
            raise ValidationError(_("%(document)s has more than %(pages)s pages.")
                                  % {"document": label, "pages": settings.DOCUMENT_MAX_PAGES})
        if pages == 0:
            raise ValidationError(_("%(document)s has no pages.") % {"document": label})
        data = _rewritten(reader)
    except ValidationError:
        raise
    except Exception:  # a malformed file makes a parser raise anything: it is refused, not a 500
        raise ValidationError(_("%(document)s is damaged or is not a PDF we can read.") % {"document": label})
    return ProcessedDocument(data=data, pages=pages)


def _rewritten(reader):
    """A new PDF of the reader's pages only (see the module's docstring for what is left behind)."""
    writer = PdfWriter()
    for page in reader.pages:
        for key in PAGE_KEYS_REMOVED:  # before the page is copied: what it names is then never copied
            if key in page:
                del page[NameObject(key)]
        writer.add_page(page)
    writer.metadata = None  # no information dictionary: pypdf would write its /Producer there
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def store(report, processed, on_written):
    """Save a checked ProcessedDocument as `report`'s Document (file and row), under a new random name;
    `on_written(names)` hears of the file before the row is saved (reports.filing.remember_written)."""
    document = Document(report=report, pages=processed.pages, size=len(processed.data))
    document.file.save(f"{secrets.token_urlsafe(16)}.pdf", ContentFile(processed.data), save=False)
    on_written(document.file_names)
    document.save()
    return document


def of_report(report):
    """The report's document, or a 404: one query, before a reading is logged."""
    return get_object_or_404(Document, report=report)


def serve(document, report):
    """The report's document as a download nobody caches, and that a browser opens sandboxed if it opens it."""
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=f"{report.code}.pdf")
    response["Content-Security-Policy"] = "sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response
