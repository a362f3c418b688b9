"""Reports and what they are about."""

import re
import secrets

from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import CharField, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reports import roles


class Category(models.Model):
    """A kind of problem: a main category (road, drainage, lighting, or a city service such as civil registration)
    or one of its sub-categories."""

    class Routing(models.TextChoices):
        # Infrastructure: the crew of the place's kelurahan (geo.routing); the crew's office answers.
        CREW = "crew", _("a public-works crew, by place")
        OFFICE = "office", _("the category's office")
        # A kelurahan office's service: the office of the kelurahan where it happened.
        KELURAHAN_OFFICE = "kelurahan-office", _("the office of the place's kelurahan")

    class LocationMode(models.TextChoices):
        REQUIRED = "required", _("required")
        OPTIONAL = "optional", _("asked, optional")
        NOT_ASKED = "none", _("not asked")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_id = models.CharField(_("name (Bahasa Indonesia)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("main category")
    )
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate-search radius (m)"), help_text=_("Open reports this close are offered as possible duplicates.")
    )
    response_days = models.PositiveSmallIntegerField(_("response time (working days)"))
    photo_required = models.BooleanField(_("photo required"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The layer of assets (assets.AssetKind) a report of this category names: the map shows it and picks one.
    asset_kind = models.ForeignKey(
        "assets.AssetKind", models.SET_NULL, null=True, blank=True, related_name="categories",
        verbose_name=_("asset kind"), help_text=_("Reports of this category name an asset of this layer."))
    # Who answers: the office that owns the category (for infrastructure, the crews' office).
    office = models.ForeignKey("offices.Office", models.PROTECT, null=True, blank=True, related_name="categories",
                               verbose_name=_("office"))
    routing = models.CharField(_("routed to"), max_length=16, choices=Routing.choices, default=Routing.CREW)
    location_mode = models.CharField(_("location"), max_length=8, choices=LocationMode.choices,
                                     default=LocationMode.REQUIRED)
    # A service complaint is often about a person: it stays off public surfaces unless published (Report.private).
    public_by_default = models.BooleanField(_("public when filed"), default=True)

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name in the language of the current request."""
        return in_language(self.name_id, self.name_en)

    @property
    def by_crew(self):
        """Infrastructure, routed to a public-works crew by place (geo.routing); otherwise an office answers."""
        return self.routing == self.Routing.CREW


def in_language(indonesian, english):
    """The text for the current request's language (Bahasa Indonesia unless English is asked for)."""
    return english if (get_language() or "id").startswith("en") else indonesian


class CategoryAttribute(models.Model):
    """A question a category asks beyond the common fields (Open311 calls these a service's attributes)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        TEXT = "text", _("long text")
        SINGLE = "singlevaluelist", _("one from a list")
        MULTIPLE = "multivaluelist", _("several from a list")

    category = models.ForeignKey(Category, models.CASCADE, related_name="attributes", verbose_name=_("category"))
    code = models.SlugField(_("code"), max_length=40)
    label_id = models.CharField(_("question (Bahasa Indonesia)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200)
    datatype = models.CharField(_("answer type"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"), blank=True,
        help_text=_("For a list: one choice per line, as key | Bahasa Indonesia | English."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["category", "order", "code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="reports_attribute_code_once")]

    def __str__(self):
        return f"{self.category.slug}: {self.code}"

    @property
    def label(self):
        return in_language(self.label_id, self.label_en)

    @property
    def is_list(self):
        return self.datatype in (self.Datatype.SINGLE, self.Datatype.MULTIPLE)

    def choice_list(self):
        """[(key, label)] in the current language."""
        found = []
        for line in self.choices.splitlines():
            parts = [part.strip() for part in line.split("|")]
            if parts[0]:
                found.append((parts[0], in_language(parts[1] if len(parts) > 1 else parts[0], parts[-1])))
        return found

    def display(self, answer):
        """An answer as people read it: choice labels instead of keys."""
        labels = dict(self.choice_list())
        answers = answer if isinstance(answer, list) else [answer]
        return ", ".join(str(labels.get(value, value)) for value in answers)


class Status(models.TextChoices):
    BARU = "baru", _("new")
    DIVERIFIKASI = "diverifikasi", _("verified")
    DIKERJAKAN = "dikerjakan", _("in progress")
    SELESAI = "selesai", _("fixed")
    DITUTUP = "ditutup", _("closed")
    DITOLAK = "ditolak", _("rejected")
    DUPLIKAT = "duplikat", _("duplicate")


OPEN_STATUSES = [Status.BARU, Status.DIVERIFIKASI, Status.DIKERJAKAN]
CLOSED_STATUSES = [status for status in Status if status not in OPEN_STATUSES]
# What every interface's ?status= accepts: a status, or `open` or `closed` for several.
# Labelled apart from the statuses: in Indonesian the group "closed" and the status ditutup are the same word.
STATUS_WORDS = [("open", _("all open (new, verified, in progress)")),
                ("closed", _("all finished (fixed, closed, rejected, duplicate)")), *Status.choices]


def statuses(word):
    """The statuses a ?status= word stands for: `open`, `closed`, or one status."""
    return {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}.get(word, [word])


def in_category(*slugs, prefix="category__"):
    """The one rule for a category filter: a main category includes its sub-categories."""
    return Q(**{f"{prefix}slug__in": slugs}) | Q(**{f"{prefix}parent__slug__in": slugs})


class TrackingCounter(models.Model):
    """The last tracking-code number given out in a year (PP-260001 is 2026's first)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


def tracking_code(text):
    """The code a resident typed, as we write it: "PP 260010", "pp-260010", "pp260010" and "260010" are all
    PP-260010 (residents drop the prefix, or say it with a space); anything else is returned upper-cased."""
    found = re.fullmatch(r"(?:PP)?[\s\-.]*(\d{6,})", text.strip().upper())
    return f"PP-{found[1]}" if found else "".join(text.split()).upper()


def overdue_q(today=None):
    """The one rule for "overdue": open, and its due date passed (the city's `today`)."""
    return Q(status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate())


class ReportQuerySet(gis_models.QuerySet):
    def public(self):
        return self.filter(hidden=False, private=False)

    def visible_to(self, user):
        """The one rule for hidden and private reports: dispatchers, planners and administrators see them all; a
        crew member sees the hidden reports assigned to their own crews, never a private complaint; office staff
        see every report of their own offices, private ones included; everyone else, public reports only."""
        if roles.sees_hidden(user):
            return self
        crews, offices = roles.crew_ids(user), roles.office_ids(user)
        if not (crews or offices):
            return self.public()
        shown = Q(hidden=False, private=False)
        if crews:
            shown |= Q(crew__in=crews, private=False)
        if offices:
            shown |= Q(office__in=offices)
        return self.filter(shown)

    def on_desk_of(self, user):
        """The reports `user` works on the desk: all for a dispatcher, their offices' for office staff."""
        if roles.is_dispatcher(user):
            return self
        return self.filter(office__in=roles.office_ids(user))

    def in_box(self, box):
        """Reports inside (or on the edge of) an axis-aligned box, a Polygon.from_bbox: for a point the spatial
        index's bounding-box test (&&) is already the exact answer, so no geometry test follows it."""
        return self.filter(location__bboverlaps=box)

    def within(self, where, metres):
        """Reports at most `metres` (true metres, on the spheroid) from the point `where`.

        Served by the reports_location_geography index on (location::geography).
        """
        return self.filter(near(where, metres))

    def of_category(self, *categories):
        """Reports of these categories (Category or slug), a main category with its sub-categories."""
        return self.filter(in_category(*(getattr(c, "slug", c) for c in categories)))

    def in_status(self, word):
        """Reports in the status `word`: a status, or `open` or `closed`."""
        return self.filter(status__in=statuses(word))

    def filed_between(self, start=None, end=None):
        """Reports filed from `start` to `end` (aware datetimes, both included; None is open)."""
        return self.filter(**({"created__gte": start} if start else {}), **({"created__lte": end} if end else {}))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def crew_work(self, crew_ids):
        """The crews' list: verified and in-progress reports (a dispatcher's "send to crew" is verifying), and the
        fixed ones of the crews `crew_ids`; never a new report, never a hidden one."""
        return self.public().filter(Q(status__in=[Status.DIVERIFIKASI, Status.DIKERJAKAN])
                                    | Q(status=Status.SELESAI, crew_id__in=crew_ids))

    def overdue(self, today=None):
        return self.filter(overdue_q(today))


def near(where, metres):
    """The condition "at most `metres` from the point `where`" on a report, to filter or to combine with others."""
    return RawSQL("ST_DWithin(reports_report.location::geography, ST_GeogFromWKB(%s), %s)",
                  (bytes(where.wkb), metres), output_field=models.BooleanField())


def phone_digits(field="reporter_phone"):
    """The digits of a phone number as typed (0812-3456 7890, +62 812…), in SQL: how a reporter's number is looked
    up (notify.links, notify.subscriptions.stop_phone), served by the index of the same expression."""
    return Func(field, Value(r"\D"), Value(""), Value("g"), function="regexp_replace", output_field=CharField())


class Report(gis_models.Model):
    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    # Sent by the resident's phone with every attempt: a retried POST finds the report it made.
    client_uuid = models.UUIDField(_("submission id"), unique=True)
    # The secret in the private link that lets the reporter follow the report.
    private_token = models.CharField(_("private link's token"), max_length=43, editable=False)
    category = models.ForeignKey(Category, models.PROTECT, related_name="reports", verbose_name=_("category"))
    # GiST: the duplicate search (ST_DWithin) and the map's bounding-box queries.
    # Empty for a service complaint that names no place (Category.location_mode).
    location = gis_models.PointField(_("location"), srid=4326, spatial_index=True, null=True, blank=True)
    kelurahan = models.ForeignKey("geo.Kelurahan", models.PROTECT, null=True, blank=True, related_name="reports",
                                  verbose_name=_("kelurahan"))
    # The office that answers it: the crew's office for infrastructure, the category's (or the place's) otherwise.
    office = models.ForeignKey("offices.Office", models.PROTECT, null=True, blank=True, related_name="reports",
                               verbose_name=_("office"))
    # The office the resident named as where it happened, instead of a pin ("di mana?").
    place_office = models.ForeignKey("offices.Office", models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("office where it happened"))
    crew = models.ForeignKey(
        "geo.Crew", models.SET_NULL, null=True, blank=True, related_name="reports", verbose_name=_("crew")
    )
    routing_problem = models.CharField(_("routing problem"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    # Answers to the category's questions (CategoryAttribute), by code.
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BARU)
    due_date = models.DateField(_("due date"))
    reporter_name = models.CharField(_("name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=30, blank=True)
    reporter_email = models.EmailField(_("e-mail"), blank=True)
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    # The reporter's consent to be told about the report at their phone or e-mail, and when it was given
    # (privacy/: the lawful basis of keeping them). The details are erased after the report closes.
    contact_consent = models.BooleanField(_("consent to status updates"), default=False, db_default=False)
    contact_consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    # The phone it was filed from (its random id, static/js/outbox.js): that phone cannot support it.
    reporter_device = models.CharField(max_length=64, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="duplicates", verbose_name=_("duplicate of")
    )
    # The street light, drain or road segment it is about: the exact row of its generation, never moved by an import.
    asset = models.ForeignKey("assets.Asset", models.PROTECT, null=True, blank=True, related_name="reports",
                              verbose_name=_("asset"))
    # When it was first marked fixed: the statistics' days-to-fix without reading the history.
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    # Its first move to verified, in progress or fixed (a dispatcher accepted it), and its last move to closed,
    # rejected or duplicate while it stays so (empty once reopened): the exports' moments without reading the
    # history. Written with the status by reports.workflow, nowhere else.
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Bumped by every status change: a change made against an older version is a conflict (HTTP 409).
    version = models.PositiveIntegerField(_("version"), default=1)
    hidden = models.BooleanField(_("hidden from the public"), default=False)
    # Not public by its kind (a service complaint, Category.public_by_default): off every public surface until the
    # resident agreed (publish_consent) and a dispatcher published it, with names removed.
    private = models.BooleanField(_("not public"), default=False, db_default=False)
    publish_consent = models.BooleanField(_("the reporter agrees to publish it"), default=False, db_default=False)
    # Since when it is hidden: the photos of a report hidden this long are removed (privacy.retention).
    hidden_at = models.DateTimeField(_("hidden since"), null=True, blank=True)
    created = models.DateTimeField(_("filed"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # The duplicate search and the open-reports map filter on category and status first.
            models.Index(fields=["category", "status"], name="reports_category_status"),
            # Overdue filters, and the due dates a holiday change recomputes (reports.calendar), read open
            # reports by due date; closed reports, most of the table, are left out.
            models.Index(fields=["due_date"], condition=Q(status__in=OPEN_STATUSES), name="reports_open_due_date"),
            # The desk's queue of new reports to verify, oldest first (desk.counts.new, desk.views.queue).
            # Partial: new and public reports are a small part of the table at any time.
            models.Index(fields=["created"], condition=Q(status=Status.BARU, hidden=False), name="reports_new_public"),
            # An office's queues and counts on the desk (desk.counts.waiting_for_offices, the queue's office filter):
            # its open reports by due date, without reading the closed ones, most of an office's reports.
            models.Index(fields=["office", "due_date"], condition=Q(status__in=OPEN_STATUSES),
                         name="reports_open_office_due"),
            # A reporter's reports by the number or address they gave ("Kirim ulang tautan saya", STOP), without
            # reading the table: the expressions the lookups use (phone_digits, iexact's UPPER).
            models.Index(phone_digits(), name="reports_reporter_phone_digits"),
            models.Index(Upper("reporter_email"), name="reports_reporter_email_upper"),
        ]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("report-detail", args=[self.code])

    def get_private_url(self):
        return reverse("report-private", args=[self.code, self.private_token])

    @property
    def public_name(self):
        """The reporter's name where they chose to show it; otherwise nothing."""
        return self.reporter_name if self.show_name else ""

    def answers(self):
        """[(question, answer)] for the category's questions this report answered, in their order."""
        return [(question.label, question.display(self.attributes[question.code]))
                for question in self.category.attributes.all() if question.code in self.attributes]

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self):
        return self.is_open and self.due_date < timezone.localdate()


def photo_path(photo, filename):
    """photos/YYYY/MM/<random>.jpg: nothing in the name comes from the report, and no name is used twice."""
    return f"photos/{timezone.now():%Y/%m}/{filename}"


def delete_photo_files(names):
    """Remove stored photo files by name; a file already gone is no error."""
    for name in names:
        if name:
            default_storage.delete(name)


class Photo(models.Model):
    """A photo as stored: re-encoded, metadata stripped, at most 2048 px, with a thumbnail.

    Its files are written under a new random name each time (a blurred photo gets a new URL, so no cache keeps
    the old one) and deleted when the row is (reports.apps connects that).
    """

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("resident's photo")
        COMPLETION = "completion", _("photo of the fix")

    report = models.ForeignKey(Report, models.CASCADE, related_name="photos", verbose_name=_("report"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RESIDENT)
    image = models.ImageField(_("image"), upload_to=photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # False while a photo the resident said shows people or vehicles waits for a dispatcher to look at it
    # (and blur it): no public page, API or export shows it until then.
    published = models.BooleanField(_("published"), default=True, db_default=True)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        indexes = [
            # The desk's count of photos waiting for review (desk.counts): the few unpublished ones only.
            models.Index(fields=["id"], condition=Q(published=False), name="reports_photo_unreviewed"),
            # clean_media asks, a batch of file names at a time, which files on disk a row still names.
            models.Index(fields=["image"], name="reports_photo_image"),
            models.Index(fields=["thumbnail"], name="reports_photo_thumbnail"),
            # A report's published photos in their order (representation.photo_array, Open311's media_url: the
            # first resident's photo), read from the index alone: partial, as the public reads are.
            models.Index(fields=["report", "position"], include=["kind", "image"], condition=Q(published=True),
                         name="reports_photo_published"),
        ]

    def __str__(self):
        return f"{self.report_id} #{self.position + 1}"

    def write_files(self, image, thumbnail):
        """Write the image and thumbnail (JPEG bytes) under a new random name; on failure none is left behind."""
        name = secrets.token_urlsafe(16)
        written = []
        try:
            for field, data, suffix in ((self.image, image, ""), (self.thumbnail, thumbnail, "-kecil")):
                field.save(f"{name}{suffix}.jpg", ContentFile(data), save=False)
                written.append(field.name)
        except BaseException:
            delete_photo_files(written)
            raise

    @property
    def file_names(self):
        return [self.image.name, self.thumbnail.name]


def document_path(document, filename):
    """documents/YYYY/MM/<random>.pdf: apart from the photos, never served by /media/ (reports.media), only by
    reports.documents.serve to who may read it."""
    return f"documents/{timezone.now():%Y/%m}/{filename}"


class Document(models.Model):
    """The one PDF a service complaint may carry (a letter, a receipt): personal data, as its contacts are.

    Stored as pypdf re-wrote it (reports.documents), never as sent; its file goes with its row (reports.apps).
    """

    report = models.OneToOneField(Report, models.CASCADE, related_name="document", verbose_name=_("report"))
    file = models.FileField(_("file"), upload_to=document_path)
    pages = models.PositiveSmallIntegerField(_("pages"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["file"], name="reports_document_file")]  # clean_media's question

    def __str__(self):
        return f"{self.report_id} ({self.pages} p.)"

    @property
    def file_names(self):
        return [self.file.name]


class StatusChange(models.Model):
    """One row of a report's history: who changed what, when, and why."""

    report = models.ForeignKey(Report, models.CASCADE, related_name="history", verbose_name=_("report"))
    from_status = models.CharField(_("from status"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey("auth.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by"))
    photo = models.ForeignKey(Photo, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("photo"))
    # A public note is shown on the public page, in Open311 and sent to LAPOR!; an internal one only to staff.
    public = models.BooleanField(_("public note"), default=True)
    created = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["report", "created", "pk"]
        indexes = [
            # The desk's "reopened by residents" (desk.counts): rows of reports.workflow.reopen_by_resident, by
            # nobody on the staff, from fixed or closed back to verified; a small part of the history.
            models.Index(fields=["report", "id"], name="reports_history_reopened", condition=Q(
                by=None, to_status=Status.DIVERIFIKASI, from_status__in=[Status.SELESAI, Status.DITUTUP])),
            # A report's latest public note (representation's status_notes: Open311's list, the exports), its
            # first entry read from the index alone, where the report's whole history was read and sorted.
            models.Index(fields=["report", "-created", "-id"], include=["note"],
                         condition=Q(public=True) & ~Q(note=""), name="reports_history_public_note"),
        ]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"

    @property
    def public_note(self):
        return self.note if self.public else ""


# A phone's random id (static/js/outbox.js keeps it): what a device's support and filing are known by.
DEVICE_ID = r"^[A-Za-z0-9-]{8,64}$"


class Support(models.Model):
    """'Me too', counted once per person on Report.support_count: a device (or account) counts once, and so does a
    confirmed contact (the e-mail or phone of a supporter's subscription); a follow from a device that already
    supported is the same person (reports.services.add_support)."""

    report = models.ForeignKey(Report, models.CASCADE, related_name="supports")
    supporter = models.CharField(max_length=64, blank=True, help_text="device id, or user:<id> for a signed-in account")
    contact = models.CharField(max_length=600, blank=True, help_text="<channel>:<address> of a confirmed follow")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "supporter"], condition=~Q(supporter=""),
                                    name="reports_one_support_per_device"),
            models.UniqueConstraint(fields=["report", "contact"], condition=~Q(contact=""),
                                    name="reports_one_support_per_contact"),
            models.CheckConstraint(condition=~Q(supporter="", contact=""), name="reports_support_by_someone"),
        ]

    def __str__(self):
        return f"{self.report_id} by {self.supporter or self.contact}"


class ApiClient(models.Model):
    """Another system filing reports through Open311 (LAPOR!-SP4N, a kelurahan app): one key each."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.EmailField(_("contact e-mail"), blank=True)
    # Only a digest is kept: the key itself is shown once, when the client is added.
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return self.name


class ApiCall(models.Model):
    """One request made with an API key: who asked what, when, and what it made."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="calls", verbose_name=_("API client"))
    created = models.DateTimeField(_("time"), auto_now_add=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status_code = models.PositiveSmallIntegerField(_("answer"))
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    report = models.ForeignKey(Report, models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("report"))
    # Open311's token: the client asks GET tokens/{token} for the report its POST made.
    token = models.CharField(max_length=32, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        indexes = [
            models.Index(fields=["client", "-created"], name="reports_apicall_client_time"),
            # The nightly pruning of old calls (reports.tasks.prune_api_calls), across all clients.
            models.Index(fields=["created"], name="reports_apicall_created"),
        ]

    def __str__(self):
        return f"{self.client} {self.method} {self.path} {self.status_code}"


class Holiday(models.Model):
    """A day that is not a working day besides Saturdays and Sundays: deadlines skip it (reports.calendar)."""

    class Kind(models.TextChoices):
        NATIONAL = "nasional", _("national holiday")
        CUTI_BERSAMA = "cuti_bersama", _("cuti bersama")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NATIONAL)
    estimated = models.BooleanField(
        _("estimated"), default=False,
        help_text=_("An Islamic holiday whose date is still an estimate: correct it once the government fixes it."),
    )
    # The date the holidays package gave, for a row seeding made: seeding never adds that date again, so a
    # holiday an administrator moved stays moved.
    package_date = models.DateField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self):
        return f"{self.date}: {self.name}"


class ReportCount(models.Model):
    """How many public reports of one category and status in one kelurahan were filed in one month, and of
    them how many were fixed, and fixed by their due date: what the statistics add up (reports.stats).

    Kept by triggers on reports_report (migration 0012), like the map's tiles.models.ReportCell: every insert,
    update and delete, whatever made it, adds and subtracts here in the same transaction. Keyed by the
    category itself, not its main category, so a category moved under another main category needs no recount.
    The month is the first day of the month the report was filed, in Asia/Jakarta (settings.TIME_ZONE).
    """

    # None: a complaint that names no place (counted apart). Private complaints are counted too, under `private`:
    # the public figures per kelurahan leave them out, the counts per office and category keep them.
    kelurahan = models.ForeignKey("geo.Kelurahan", models.CASCADE, null=True, related_name="report_counts")
    category = models.ForeignKey(Category, models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    month = models.DateField()
    office = models.ForeignKey("offices.Office", models.CASCADE, null=True, related_name="+")
    private = models.BooleanField(default=False)
    count = models.IntegerField(default=0)
    fixed = models.IntegerField(default=0)
    fixed_on_time = models.IntegerField(default=0)

    class Meta:
        # The triggers' ON CONFLICT finds a key's row by this constraint's index (no place and no office are one key
        # each: NULLS NOT DISTINCT); the statistics read the whole table (a few rows per kelurahan, category,
        # status and month), so need no index of their own.
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "category", "status", "month", "office", "private"],
                                    name="reports_count_once", nulls_distinct=False),
        ]
        indexes = [
            # The desk's count of new public reports (desk.counts.waiting) sums one status's rows from the index
            # alone, not the whole table (every kelurahan, category, status and month of years).
            models.Index(fields=["status"], include=["count"], name="reports_count_status"),
        ]

    def __str__(self):
        return f"{self.kelurahan_id} {self.category_id} {self.status} {self.month:%Y-%m}: {self.count}"


class FixTime(models.Model):
    """How many public reports of one category in one kelurahan took `tenths` tenths of a day to fix (from filing
    to the first 'selesai', rounded to the nearest 2.4 hours): the histogram the median days to fix is read from.

    Kept by the same triggers as ReportCount. A median cannot be kept by adding and subtracting; read from
    this histogram it is the median of the times rounded to a tenth of a day, at most 0.05 day from the exact one.
    """

    kelurahan = models.ForeignKey("geo.Kelurahan", models.CASCADE, null=True, related_name="+")  # None: no place
    category = models.ForeignKey(Category, models.CASCADE, related_name="+")
    tenths = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        # As ReportCount's: the triggers' ON CONFLICT; the medians read the whole table.
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "category", "tenths"], name="reports_fixtime_once",
                                    nulls_distinct=False),
        ]

    def __str__(self):
        return f"{self.kelurahan_id} {self.category_id} {self.tenths / 10} days: {self.count}"


class ResponseTemplate(models.Model):
    """A text the city wrote once for a frequent answer (why a report is rejected, what more is needed), chosen on
    the desk instead of typed each time; administrators edit them in the admin."""

    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), help_text=_("Shown to the reporter and the public as the note."))
    statuses = ArrayField(
        models.CharField(max_length=12, choices=Status.choices), verbose_name=_("suits the statuses"),
        help_text=_("Offered for a report moving to one of these statuses (rejected: the reasons for rejecting), and "
                    "for a note on a report in one of them (new: asking the reporter for more)."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")

    def __str__(self):
        return self.title


class OpenDueCount(models.Model):
    """How many open reports, hidden or not, are due on one date: the desk's "overdue" and "due by the next working
    day" add up a few of these rows (desk.counts) instead of reading every open report's index entry, which at a
    million reports took over 100 ms. Kept by triggers on reports_report (migration 0016), as ReportCount is."""

    due_date = models.DateField(unique=True)
    count = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.due_date}: {self.count}"
