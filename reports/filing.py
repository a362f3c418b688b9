"""Filing a report: the one path every form, API and import goes through (lookup, routing, due date,
photos, history), and the street address asked for afterwards."""

import logging
import secrets
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from geo import lookup
from jobs.queue import enqueue
from reports import signals
from reports.calendar import add_working_days
from reports.models import Photo, Report, Status, StatusChange, TrackingCounter, delete_photo_files

logger = logging.getLogger(__name__)


def next_tracking_code(year):
    """PP-YYNNNN: short, digits only (easy to read aloud), unique; 10,000 a year before it grows a digit."""
    counter, _ = TrackingCounter.objects.select_for_update().get_or_create(year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"PP-{year % 100:02d}{counter.last:04d}"


def fallback_address(location):
    """The address until the geocoder gives a street (FALLBACK_ADDRESS says the same in SQL)."""
    return f"Kelurahan {location.kelurahan.name}, Kecamatan {location.kecamatan.name}"


FALLBACK_ADDRESS = Concat(Value("Kelurahan "), "kelurahan__name", Value(", Kecamatan "), "kelurahan__kecamatan__name")


def existing_submission(client_uuid):
    """The report a submission id already made, or None (also for a missing or malformed id)."""
    try:
        return Report.objects.select_related("kelurahan__kecamatan", "crew").filter(client_uuid=client_uuid).first()
    except ValidationError:
        return None


def file_report_from_form(data, address=""):
    """file_report with the cleaned data of a reports.forms.ReportForm."""
    fields = ("client_uuid", "category", "lat", "lon", "description", "photos", "name", "phone", "email", "show_name",
              "attributes", "channel", "contact_consent", "photos_show_people")
    return file_report(**{field: data[field] for field in fields}, address=address)


def file_report(*, client_uuid, category, lat, lon, description, photos, name="", phone="", email="",
                show_name=False, attributes=None, address="", channel="", contact_consent=False, filed_at=None,
                photos_show_people=False):
    """File a report, or return the one this submission already made (a retried POST).

    `photos` are reports.photos.ProcessedPhoto, already checked; photos that show people or vehicles wait for a
    dispatcher before they are published. An `address` given (Open311's address_string) is kept as it is;
    without one the geocoder is asked later. `channel` and `contact_consent` say how the reporter hears back
    (reports.signals.report_filed); the consent is kept with the report, with its time. `filed_at` is when it
    was filed elsewhere (a complaint LAPOR! hands over): its filing time, and the start of its due date. Raises
    geo.lookup.OutsideCity for a point outside the city. Returns (report, created).
    """
    existing = existing_submission(client_uuid)
    if existing is not None:
        return existing, False
    try:
        location = lookup.locate(lookup.point(lat, lon), category)
    except lookup.OutsideCity as outside:
        logger.info("Report refused: outside the city", extra={"event": "report_refused", "reason": "outside_city",
                                                               "distance_m": round(outside.distance_m)})
        raise
    today = timezone.localdate(filed_at) if filed_at else timezone.localdate()
    try:
        with files_removed_on_failure(), transaction.atomic():
            report = Report.objects.create(
                code=next_tracking_code(today.year),
                client_uuid=client_uuid,
                private_token=secrets.token_urlsafe(32),
                category=category,
                location=lookup.point(lat, lon),
                kelurahan=location.kelurahan,
                crew=location.crew,
                routing_problem=location.crew_problem[:300],
                address=address[:300] or fallback_address(location),
                description=description,
                attributes=attributes or {},
                due_date=add_working_days(today, category.response_days),
                reporter_name=name,
                reporter_phone=phone,
                reporter_email=email,
                show_name=show_name,
                contact_consent=contact_consent,
                contact_consent_at=timezone.now() if contact_consent else None,
            )
            for position, photo in enumerate(photos):
                store_photo(report, photo, position, published=not photos_show_people)
            if filed_at:  # auto_now_add wrote the present
                Report.objects.filter(pk=report.pk).update(created=filed_at)
                report.created = filed_at
            StatusChange.objects.create(report=report, to_status=Status.BARU)
            if not address:
                geocode_later(report.pk)
            signals.report_filed.send(Report, report=report, channel=channel, consent=contact_consent)
    except IntegrityError:
        # The same submission arrived twice at once: the other attempt made the report.
        existing = existing_submission(client_uuid)
        if existing is None:
            raise
        return existing, False
    return report, True


def store_photo(report, photo, position, kind=Photo.Kind.RESIDENT, published=True):
    """Save a checked reports.photos.ProcessedPhoto of `report` (its image and thumbnail files, and the row).

    Call it inside `files_removed_on_failure()`: the files are written before the transaction commits.
    """
    stored = Photo(report=report, position=position, width=photo.width, height=photo.height, kind=kind,
                   published=published)
    stored.write_files(photo.image, photo.thumbnail)
    if (written := _written.get()) is not None:
        written.extend(stored.file_names)
    stored.save()
    return stored


@contextmanager
def files_removed_on_failure():
    """Photo files stored inside the block are deleted if the block fails: their rows were rolled back."""
    token = _written.set([])
    try:
        yield
    except BaseException:
        delete_photo_files(_written.get())
        raise
    finally:
        _written.reset(token)


# The files store_photo wrote inside the current files_removed_on_failure() block.
_written = ContextVar("photo_files_written", default=None)


def geocode_later(report_id):
    """A job (reports.fill_address) asks the geocoder for the report's street address: a slow or absent geocoder
    never delays or loses a report. One job per report waits at a time (its key)."""
    if settings.GEOCODER_URL:
        enqueue("reports.fill_address", key=f"reports.fill_address:{report_id}", report_id=report_id)


def backfill_addresses(batch=500, progress=None):
    """Ask the geocoder again for every report still at its kelurahan address (it was down, or GEOCODER_URL was
    set later): one job each, enqueued a transaction per batch; `progress(done, total)` after each batch."""
    waiting = Report.objects.annotate(fallback=FALLBACK_ADDRESS).filter(address=F("fallback")).order_by("pk")
    total, done, last = waiting.count(), 0, 0
    while ids := list(waiting.filter(pk__gt=last).values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            for report_id in ids:
                geocode_later(report_id)
        done, last = done + len(ids), ids[-1]
        if progress:
            progress(done, total)
    return done
