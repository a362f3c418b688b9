"""Filing and supporting reports: the one path every form, API and import goes through."""

import logging
import secrets
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from geo import lookup
from jobs.queue import enqueue
from reports.calendar import add_working_days
from reports.models import Photo, Report, Status, StatusChange, Support, TrackingCounter, delete_photo_files

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


def file_report_from_form(data):
    """file_report with the cleaned data of a reports.forms.ReportForm."""
    fields = ("client_uuid", "category", "lat", "lon", "description", "photos", "name", "phone", "email", "show_name",
              "contact_consent", "photos_show_people", "attributes")
    return file_report(**{field: data[field] for field in fields})


def file_report(*, client_uuid, category, lat, lon, description, photos, name="", phone="", email="",
                show_name=False, contact_consent=False, photos_show_people=False, attributes=None):
    """File a report, or return the one this submission already made (a retried POST).

    `photos` are reports.photos.ProcessedPhoto, already checked; photos that show people or vehicles wait for a
    dispatcher before they are published. The reporter's consent is kept with its time. Raises
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
    today = timezone.localdate()
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
                address=fallback_address(location),
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
            StatusChange.objects.create(report=report, to_status=Status.BARU)
            geocode_later(report.pk)
    except IntegrityError:
        # The same submission arrived twice at once: the other attempt made the report.
        existing = existing_submission(client_uuid)
        if existing is None:
            raise
        return existing, False
    return report, True


# relocate(crew=ROUTE): the crew is the one the routing picks for the new place and category.
ROUTE = object()


def relocation(report, *, location=None, category=None, crew=ROUTE):
    """Set on `report`, unsaved, what a new point and/or category decide: the one rule, whoever moves a report.

    The lookup places the point again (its kelurahan; geo.lookup.OutsideCity for a point outside the city), the
    routing picks the crew again, and the due date is counted again from the filing date with the category's
    response days. A crew the dispatcher chose in the same edit wins over the routing: they saw the new place.
    Returns the history note saying what moved.
    """
    location = report.location if location is None else location
    category = category or report.category
    placed = lookup.locate(location, category)
    notes = []
    if location != report.location:
        notes.append(_("Moved to %(place)s.") % {"place": placed.kelurahan})
    if category != report.category:
        notes.append(_("Category changed: %(old)s → %(new)s.") % {"old": report.category, "new": category})
    report.location, report.category, report.kelurahan = location, category, placed.kelurahan
    if crew is ROUTE:
        report.crew, report.routing_problem = placed.crew, placed.crew_problem[:300]
    else:
        report.crew, report.routing_problem = crew, ""
    report.due_date = add_working_days(timezone.localdate(report.created), category.response_days)
    notes.append(_("Crew: %(crew)s; due %(due)s.") % {"crew": report.crew or _("no crew"),
                                                        "due": formats.date_format(report.due_date, "j F Y")})
    return " ".join(notes)


def relocate(report, *, by, location=None, category=None, crew=ROUTE):
    """Move `report` to another point and/or category (see relocation), saved with one history row by `by`."""
    note = relocation(report, location=location, category=category, crew=crew)
    with transaction.atomic():
        report.save()
        record_unchanged_status(report, by, note)


def record_unchanged_status(report, by, note):
    """A change that keeps the status (a move, a reassignment): one row of history and a new version."""
    StatusChange.objects.create(report=report, from_status=report.status, to_status=report.status, by=by, note=note)
    Report.objects.filter(pk=report.pk).update(version=F("version") + 1)
    report.refresh_from_db(fields=["version"])


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


def add_support(report, supporter):
    """Count one supporter once; returns True when this support is new."""
    try:
        with transaction.atomic():
            Support.objects.create(report=report, supporter=supporter)
            Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True


def possible_duplicates(category, lat, lon, limit=5):
    """Open public reports of the same main category within its duplicate radius, nearest first, each with
    its `distance`."""
    main = category.parent or category
    where = lookup.point(lat, lon)
    return (
        Report.objects.public().open().of_category(main)
        .within(where, main.duplicate_radius_m)
        .annotate(distance=Distance("location", where, spheroid=True))
        .order_by(GeometryDistance("location", where))[:limit]
    )
