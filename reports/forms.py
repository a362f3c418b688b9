"""The report form: one set of rules for the page, the API and any other way in."""

import re

from django import forms
from django.conf import settings
from django.core.validators import slug_re
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets import picking
from assets.models import Asset
from offices.models import Office
from reports import documents as document_rules
from reports import photos as photo_rules
from reports.filing import DESCRIPTION_MAX, NAME_MAX
from reports.models import DEVICE_ID, Category, CategoryAttribute, Report, Status

MAX_PHOTOS = 5
# The longest e-mail address kept (reports_report.reporter_email; RFC 5321's path limit, less its brackets).
EMAIL_MAX = 254
# Characters no page, CSV or XML shows (all control characters but tab and line breaks).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif",
                                      "multiple": True})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


def question_field(question):
    """The form field that asks one CategoryAttribute."""
    common = {"label": question.label, "required": question.required}
    kinds = CategoryAttribute.Datatype
    if question.datatype == kinds.NUMBER:
        return forms.FloatField(**common)
    if question.datatype == kinds.TEXT:
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if question.datatype == kinds.SINGLE:
        return forms.ChoiceField(choices=[("", "—"), *question.choice_list()], **common)
    if question.datatype == kinds.MULTIPLE:
        return forms.MultipleChoiceField(choices=question.choice_list(), widget=forms.CheckboxSelectMultiple,
                                         **common)
    return forms.CharField(max_length=200, **common)


class ContactForm(forms.Form):
    """The reporter's optional contact details, and their consent to be told about the report there: the filing
    form's, and the private link's for correcting them (privacy/)."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, required=False)
    phone = forms.RegexField(
        label=_("Phone"), regex=r"^\+?[0-9 ()-]{6,20}$", max_length=30, required=False,
        error_messages={"invalid": _("Enter a phone number such as 0812 3456 7890.")},
    )
    email = forms.EmailField(label=_("E-mail"), max_length=EMAIL_MAX, required=False)
    show_name = forms.BooleanField(label=_("Show my name on the public report"), required=False)
    contact_consent = forms.BooleanField(
        label=_("Use my phone or e-mail to tell me how this report goes"), required=False,
        help_text=_("Only for this report's status updates; erased once it has been closed a while."),
    )

    def clean(self):
        data = super().clean()
        if (data.get("phone") or data.get("email")) and not data.get("contact_consent"):
            self.add_error("contact_consent", _("Tick this box to let us use your phone or e-mail, or leave them "
                                                "empty."))
        return data


def reply_channels():
    """The ways a reporter may hear back: e-mail, and WhatsApp or SMS when the city runs that gateway."""
    phone = {"whatsapp": [("whatsapp", "WhatsApp")], "sms": [("sms", "SMS")]}.get(settings.PHONE_GATEWAY, [])
    return [("email", _("E-mail")), *phone]


def shows_people_field():
    """The resident's "shows people" choice, the same on every form that takes a photo."""
    return forms.BooleanField(
        label=_("These photos show people or vehicles"), required=False,
        help_text=_("A city officer looks at them first, and blurs faces and number plates before they are shown."),
    )


def leaf_categories():
    """The categories a report is filed in: the sub-categories, and a main category that has none (a service
    such as "Layanan lainnya")."""
    return Category.objects.filter(Q(parent__isnull=False) | Q(children__isnull=True)).select_related("parent")


def place_offices():
    """The offices a resident may name as where a service complaint happened ("Di mana?")."""
    return Office.objects.filter(active=True).order_by("kind", "name")


class ReportForm(ContactForm):
    category = forms.ModelChoiceField(
        label=_("What is broken?"),
        queryset=leaf_categories(),
        to_field_name="slug",
        empty_label=_("Choose a category"),
    )
    # The pin: required where the category's location_mode says so (infrastructure), optional or not asked for a
    # service complaint, which may name the office where it happened instead (place_office), or nothing.
    lat = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    place_office = forms.ModelChoiceField(
        label=_("Which office?"), queryset=place_offices(), to_field_name="slug", required=False,
        empty_label=_("Choose an office"),
        error_messages={"invalid_choice": _("There is no such office; choose one from the list.")},
    )
    # For a category that is not public by default: the reporter agrees that it may be published without their name
    # (a dispatcher still decides).
    publish_consent = forms.BooleanField(label=_("May it be published without your name?"), required=False,
                                         help_text=_("Complaints about a service are not public. If you agree, the "
                                                     "city may publish it with names removed."))
    description = forms.CharField(
        label=_("Description"),
        min_length=10,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, and where exactly (a landmark helps the crew)."),
    )
    photos = PhotosField(label=_("Photos (1 to 5)"), required=False)
    photos_show_people = shows_people_field()
    # A service complaint's one PDF (a letter, a receipt), checked and re-written by reports.documents.
    document = forms.FileField(label=_("Document (PDF, optional)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
                               help_text=_("A letter or a receipt, at most 5 MB and 20 pages. Only the city's "
                                           "staff see it."))
    # How the reporter hears back (notify/): e-mail, or the phone gateway the city runs (PHONE_GATEWAY); either
    # only with their consent (ContactForm.contact_consent).
    channel = forms.ChoiceField(label=_("Send me updates by"), required=False, initial="email",
                                widget=forms.RadioSelect)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    # The phone's random id (static/js/outbox.js), set by the page's script: that phone cannot support the report.
    device_id = forms.RegexField(regex=DEVICE_ID, required=False, widget=forms.HiddenInput)
    # The street light, drain or road segment picked on the map (assets.Asset's id); empty: "not on the map".
    asset = forms.ModelChoiceField(queryset=Asset.objects.select_related("kind", "generation"), required=False,
                                   widget=forms.HiddenInput,
                                   error_messages={"invalid_choice": _("This asset is not on the map.")})

    def __init__(self, *args, photo_optional=False, **kwargs):
        """`photo_optional`: no photo is asked even where the category wants one (Open311, where media is
        optional; the dispatcher sees which reports came without)."""
        super().__init__(*args, **kwargs)
        self.photo_optional = photo_optional
        self.fields["channel"].choices = reply_channels()
        if len(self.fields["channel"].choices) == 1:  # no phone gateway: the page asks no phone (the API keeps one)
            self.fields["contact_consent"].label = _("Use my e-mail to tell me how this report goes")
        # The chosen category's own questions, as fields named attribute[code] (Open311's names).
        slug = self.data.get("category") if self.is_bound else None
        category = (Category.objects.filter(slug=slug).prefetch_related("attributes").first()
                    if slug and slug_re.match(slug) else None)
        self.questions = list(category.attributes.all()) if category else []
        for question in self.questions:
            self.fields[f"attribute[{question.code}]"] = question_field(question)

    @property
    def question_fields(self):
        return [self[f"attribute[{question.code}]"] for question in self.questions]

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if CONTROL_CHARACTERS.search(description):
            raise forms.ValidationError(_("The description holds characters that cannot be shown; type it again."))
        return description

    def clean_photos(self):
        uploads = self.cleaned_data["photos"]
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most 5 photos."))
        return uploads

    def clean(self):
        data = super().clean()
        self.clean_place(data)
        # The consent a phone or e-mail needs is ContactForm's rule; a phone channel needs the phone.
        if data.get("channel") in ("whatsapp", "sms") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Give the phone number to send the updates to."))
        category = data.get("category")
        photo_wanted = category and category.photo_required and not self.photo_optional
        if photo_wanted and not data.get("photos") and "photos" not in self.errors:
            self.add_error("photos", _("Add at least one photo of the problem."))
        if data.get("photos") and not self.errors:  # decoding is the costly part: only for an otherwise good report
            try:
                data["photos"] = self.processed_photos(data["photos"])
            except forms.ValidationError as error:
                self.add_error("photos", error)
        self.check_document(data, category)
        if data.get("asset") and category and data.get("lat") is not None and data.get("lon") is not None:
            try:
                picking.check(data["asset"], category, data["lat"], data["lon"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        answers = {question.code: data.pop(f"attribute[{question.code}]", None) for question in self.questions}
        data["attributes"] = {code: answer for code, answer in answers.items() if answer not in (None, "", [])}
        return data

    def clean_place(self, data):
        """Where it happened, as the category asks (Category.location_mode): a pin where it is required; a pin, an
        office or nothing where it is optional; nothing kept where it is not asked. Only a service complaint names
        an office."""
        category = data.get("category")
        if category is None or "lat" in self.errors or "lon" in self.errors:
            return
        modes = Category.LocationMode
        if category.location_mode == modes.NOT_ASKED:
            data["lat"] = data["lon"] = data["place_office"] = data["asset"] = None
        if category.by_crew:
            data["place_office"] = None
        pinned = data.get("lat") is not None and data.get("lon") is not None
        if not pinned and (data.get("lat") is not None or data.get("lon") is not None):
            self.add_error("lat", _("The pin needs both its latitude and its longitude."))
        elif not pinned and category.location_mode == modes.REQUIRED:
            self.add_error("lat", _("Put a pin on the map (or use your GPS position)."))
        elif pinned and data.get("place_office") is not None:
            self.add_error("place_office", _("Choose either a place on the map or an office, not both."))
        if category.public_by_default:
            data["publish_consent"] = False

    def check_document(self, data, category):
        """The document checked and re-written (reports.documents.process), for a service complaint only; like the
        photos, only for an otherwise good report."""
        upload = data.get("document")
        if not upload or category is None:
            return
        if category.by_crew:
            self.add_error("document", _("Only a complaint about a service takes a document."))
        elif not self.errors:
            try:
                data["document"] = document_rules.process(upload, _("The document (%(name)s)") % {"name": upload.name})
            except forms.ValidationError as error:
                self.add_error("document", error)

    @staticmethod
    def processed_photos(uploads):
        """Every upload checked and re-encoded (reports.photos.process); all their errors at once."""
        processed, errors = [], []
        for number, upload in enumerate(uploads, start=1):
            label = _("Photo %(number)s (%(name)s)") % {"number": number, "name": upload.name}
            try:
                processed.append(photo_rules.process(upload, label))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return processed


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=2000, required=False)
    # Empty: the workflow's default (public for a dispatcher, internal for a crew member).
    public = forms.NullBooleanField(required=False)
    photo = forms.FileField(required=False)
    duplicate_of = forms.CharField(max_length=12, required=False)

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        return photo_rules.process(upload, _("The photo of the fix")) if upload else None

    def clean_duplicate_of(self):
        code = self.cleaned_data["duplicate_of"].strip().upper()
        if not code:
            return None
        original = Report.objects.filter(code=code).first()
        if original is None:
            raise forms.ValidationError(_("There is no report %(code)s.") % {"code": code})
        return original
