"""Filing a report: the one path every form, API and import goes through (lookup, routing, due date,
photos, history), and the street address asked for afterwards."""

import logging
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assets import picking
from geo import lookup, places
from geo.models import Place
from jobs.queue import enqueue
from offices.routing import office_for
from reports import documents, signals
from reports.calendar import add_working_days
from reports.models import Document, Photo, Report, Status, StatusChange, TrackingCounter, delete_photo_files

logger = logging.getLogger(__name__)


# The longest text a report takes from anyone: the form, the API, Open311 and LAPOR!'s complaints (cut there, with
# a note). Checked here and in the forms, not by the database: text stored before these bounds stays whole.
DESCRIPTION_MAX = 2000
ADDRESS_MAX = 300
NAME_MAX = 100


def next_tracking_code(year):
    """PP-YYNNNN: short, digits only (easy to read aloud), unique; 10,000 a year before it grows a digit.

    Numbered by the counter of `year`, the year the code is given, whose last two digits are its prefix. A code
    already taken (an import once dated a century back took PP-27…) is passed over for the next number: the
    counter's row lock makes the check and the count one step for every filing of that year.
    """
    counter, _ = TrackingCounter.objects.select_for_update().get_or_create(year=year)
    while True:
        counter.last += 1
        code = f"PP-{year % 100:02d}{counter.last:04d}"
        if not Report.objects.filter(code=code).exists():
            break
    counter.save(update_fields=["last"])
    return code


def check_lengths(**texts):
    """ValidationError naming each field longer than its bound (DESCRIPTION_MAX, ADDRESS_MAX, NAME_MAX)."""
    bounds = {"description": DESCRIPTION_MAX, "address": ADDRESS_MAX, "name": NAME_MAX}
    errors = {field: _("At most %(max)d characters (this has %(length)d).") % {"max": bounds[field],
                                                                               "length": len(text)}
              for field, text in texts.items() if len(text) > bounds[field]}
    if errors:
        raise ValidationError(errors)


# Another system's clock may run a little ahead of ours: a filing time this far in the future counts as now.
CLOCK_SKEW = timedelta(minutes=5)


def plausible(filed_at, now):
    """Whether a filing time from elsewhere stands: neither in the future (beyond CLOCK_SKEW) nor more than
    IMPORT_MAX_AGE_DAYS back. Anything else is a wrong clock, a typing error or a hostile system."""
    return now - timedelta(days=settings.IMPORT_MAX_AGE_DAYS) <= filed_at <= now + CLOCK_SKEW


def filed_elsewhere_note(filed_at):
    """The history's internal note keeping the filing time a report came with, as it came, when it was not used."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Filed elsewhere at %(time)s according to the sending system: outside the accepted range, so the "
                 "time of receipt counts.") % {"time": filed_at.isoformat(timespec="seconds")}


def fallback_address(location, place_office=None):
    """The address until the geocoder gives a street (FALLBACK_ADDRESS says the same in SQL); for a complaint
    without a pin, the office where it happened, or nothing."""
    if location is None:
        return place_office.name if place_office is not None else ""
    return f"Kelurahan {location.kelurahan.name}, Kecamatan {location.kecamatan.name}"


FALLBACK_ADDRESS = Concat(Value("Kelurahan "), "kelurahan__name", Value(", Kecamatan "), "kelurahan__kecamatan__name")


def asset_address(asset, location):
    """The address a road segment gives a report: its street and kelurahan; '' for any other asset or none."""
    street = asset.street if asset is not None else ""
    return f"{street}, Kelurahan {location.kelurahan.name}"[:ADDRESS_MAX] if street else ""


def existing_submission(client_uuid):
    """The report a submission id already made, or None (also for a missing or malformed id)."""
    try:
        return Report.objects.select_related("kelurahan__kecamatan", "crew").filter(client_uuid=client_uuid).first()
    except ValidationError:
        return None


def file_report_from_form(data, address=""):
    """file_report with the cleaned data of a reports.forms.ReportForm."""
    fields = ("client_uuid", "category", "lat", "lon", "description", "photos", "name", "phone", "email", "show_name",
              "attributes", "channel", "contact_consent", "photos_show_people", "place_office", "publish_consent")
    return file_report(**{field: data[field] for field in fields}, address=address, device=data.get("device_id", ""),
                       asset=data.get("asset"), document=data.get("document"))


def file_report(*, client_uuid, category, lat=None, lon=None, description, photos, name="", phone="", email="",
                show_name=False, attributes=None, address="", channel="", contact_consent=False, filed_at=None,
                photos_show_people=False, device="", asset=None, place_office=None, publish_consent=False,
                document=None):
    """File a report, or return the one this submission already made (a retried POST).

    `photos` are reports.photos.ProcessedPhoto, already checked; photos that show people or vehicles wait for a
    dispatcher before they are published. An `address` given (Open311's address_string) is kept as it is;
    without one the geocoder is asked later. `channel` and `contact_consent` say how the reporter hears back
    (reports.signals.report_filed); the consent is kept with the report, with its time. `filed_at` is when it
    was filed elsewhere (a complaint LAPOR! hands over): its filing time, and the start of its due date, when it
    lies within IMPORT_MAX_AGE_DAYS before now (else the receipt counts and the history keeps `filed_at`). The code
    is always of the year it is given. `device` is the phone it came from (its random id), which cannot support
    it. `asset` is the street light, drain or road segment it is about (assets.Asset, checked by
    assets.picking.check: the category's kind, within ASSET_SNAP_M); a road segment's street is the address when
    none is given, and no geocoder is asked. A service complaint may name no place (no `lat`/`lon`, where its
    category's location_mode allows), or the office where it happened (`place_office`); it is routed to an office
    (offices.routing) and is not public when its category says so, until the reporter agreed (`publish_consent`)
    and a dispatcher published it. `document` is a service complaint's PDF (reports.documents.ProcessedDocument,
    already checked), stored privately. Raises ValidationError for text longer than its bound, a bad asset or a
    missing location (the forms say so first) and geo.lookup.OutsideCity for a point outside the city. Returns
    (report, created).
    """
    existing = existing_submission(client_uuid)
    if existing is not None:
        return existing, False
    check_lengths(description=description, address=address, name=name)
    pinned = lat is not None and lon is not None
    if not pinned and category.location_mode == category.LocationMode.REQUIRED:
        raise ValidationError({"location": _("Choose the place on the map.")})
    if asset is not None:
        picking.check(asset, category, lat, lon)
    now = timezone.now()
    refused = filed_at is not None and not plausible(filed_at, now)
    if refused:
        logger.warning("Filing time out of range: the time of receipt counts", extra={"event": "filed_at_refused"})
    counted = None if filed_at is None else now if refused else min(filed_at, now)
    try:
        location = lookup.locate(lookup.point(lat, lon), category) if pinned else None
    except lookup.OutsideCity as outside:
        logger.info("Report refused: outside the city", extra={"event": "report_refused", "reason": "outside_city",
                                                               "distance_m": round(outside.distance_m)})
        raise
    kelurahan = location.kelurahan if location else None
    crew = location.crew if location else None
    office, office_problem = office_for(category, kelurahan, crew, place_office)
    today = timezone.localdate(counted or now)
    try:
        with files_removed_on_failure(), transaction.atomic():
            report = Report.objects.create(
                code=next_tracking_code(timezone.localdate(now).year),
                client_uuid=client_uuid,
                private_token=secrets.token_urlsafe(32),
                category=category,
                location=lookup.point(lat, lon) if pinned else None,
                kelurahan=kelurahan,
                crew=crew,
                office=office,
                place_office=place_office,
                routing_problem=((location.crew_problem if location else "") or office_problem)[:300],
                address=address or asset_address(asset, location) or fallback_address(location, place_office),
                asset=asset,
                description=description,
                attributes=attributes or {},
                due_date=add_working_days(today, category.response_days),
                reporter_name=name,
                reporter_phone=phone,
                reporter_email=email,
                show_name=show_name,
                contact_consent=contact_consent,
                contact_consent_at=now if contact_consent else None,
                reporter_device=device,
                private=not category.public_by_default,
                publish_consent=publish_consent,
            )
            for position, photo in enumerate(photos):
                store_photo(report, photo, position, published=not photos_show_people)
            if document is not None:
                documents.store(report, document, on_written=remember_written)
            if counted:  # auto_now_add wrote the present
                Report.objects.filter(pk=report.pk).update(created=counted)
                report.created = counted
            StatusChange.objects.create(report=report, to_status=Status.BARU, public=not refused,
                                        note=filed_elsewhere_note(filed_at) if refused else "")
            if pinned and address:  # typed (Open311's address_string, LAPOR!'s location): the search learns it
                places.remember_address(address, report.location, source=Place.Source.TYPED)
            elif pinned and not asset_address(asset, location):  # a road segment's street is the address already
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
    remember_written(stored.file_names)
    stored.save()
    return stored


def remember_written(names):
    """Files just written inside the current files_removed_on_failure() block: removed if the block fails."""
    if (written := _written.get()) is not None:
        written.extend(names)


@contextmanager
def files_removed_on_failure():
    """Photo and document files stored inside the block are deleted if the block fails and no photo row names them.

    Decided after the outcome, on a new connection: a connection lost while COMMIT went out may have committed
    the rows, and their files must stay. When that cannot be asked, the files stay for clean_media.
    """
    token = _written.set([])
    try:
        yield
    except BaseException:
        written = _written.get()
        if written and (kept := photo_files_kept(written)) is not None:
            delete_photo_files(set(written) - kept)
        raise
    finally:
        _written.reset(token)


def photo_files_kept(names):
    """The names among `names` that a committed photo or document row holds, or None when the database does not
    answer."""
    database = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with database.cursor() as cursor:
            cursor.execute(f'SELECT image, thumbnail FROM "{Photo._meta.db_table}" '
                           "WHERE image = ANY(%s) OR thumbnail = ANY(%s) "
                           f'UNION ALL SELECT file, file FROM "{Document._meta.db_table}" WHERE file = ANY(%s)',
                           [list(names), list(names), list(names)])
            return {name for row in cursor.fetchall() for name in row}
    except DatabaseError:
        logger.warning("Filing failed and the database does not answer: its photo files stay for clean_media",
                       extra={"event": "photo_files_unknown", "files": len(names)})
        return None
    finally:
        database.close()


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
