"""The residents' forms: follow a report, an area alert, and the answer to "is it fixed?"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from geo.models import Kelurahan
from notify import channels, ikm, links
from notify.models import PHONE_CHANNELS, Channel
from reports import photos as photo_rules
from reports.forms import CONTROL_CHARACTERS, EMAIL_MAX, shows_people_field
from reports.models import DEVICE_ID


def channel_choices():
    """E-mail, and the phone gateway when it is on (web push is offered by the page's script instead)."""
    on = channels.available()
    return [(channel.value, channel.label) for channel in Channel if channel in on and channel != Channel.PUSH]


class ContactForm(forms.Form):
    """A channel and the address on it; a phone number only with the resident's consent."""

    channel = forms.ChoiceField(label=_("Send me messages by"), initial="email", widget=forms.RadioSelect)
    email = forms.EmailField(label=_("E-mail"), max_length=EMAIL_MAX, required=False)
    phone = forms.RegexField(
        label=_("Phone"), regex=r"^\+?[0-9 ()-]{6,20}$", max_length=30, required=False,
        error_messages={"invalid": _("Enter a phone number such as 0812 3456 7890.")})
    consent = forms.BooleanField(label=_("I agree that the city sends these messages to my phone number"),
                                 required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channel_choices()

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if channel == Channel.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Give the e-mail address to write to."))
        if channel in PHONE_CHANNELS:
            if not data.get("phone") and "phone" not in self.errors:
                self.add_error("phone", _("Give the phone number to write to."))
            if not data.get("consent"):
                self.add_error("consent", _("Tick this to get the messages on your phone, or choose e-mail."))
        return data

    @property
    def address(self):
        data = self.cleaned_data
        return data["phone"] if data["channel"] in PHONE_CHANNELS else data["email"]


class FollowForm(ContactForm):
    supports = forms.BooleanField(label=_("I have this problem too (count my support)"), required=False)
    # The phone's random id, set by the page's script (static/js/outbox.js): the same person counts once.
    device_id = forms.RegexField(regex=DEVICE_ID, required=False, widget=forms.HiddenInput)


class AlertForm(ContactForm):
    """New reports in a kelurahan, or near a point (the page's "my position" fills it in)."""

    kelurahan = forms.ModelChoiceField(label=_("Kelurahan"), queryset=Kelurahan.objects.order_by("name"),
                                       to_field_name="code", required=False, empty_label=_("Choose a kelurahan"))
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, required=False)

    def clean(self):
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lon") is not None
        if not data.get("kelurahan") and not has_point and "kelurahan" not in self.errors:
            self.add_error("kelurahan", _("Choose a kelurahan, or use your position."))
        if data.get("kelurahan") and has_point:
            self.add_error("kelurahan", _("Choose a kelurahan or a position, not both."))
        return data


class FixAnswerForm(forms.Form):
    fixed = forms.TypedChoiceField(label=_("Is it really fixed?"), widget=forms.RadioSelect,
                                   coerce=lambda answer: answer == "yes",
                                   choices=[("yes", _("Yes, it is fixed")), ("no", _("No, it is not fixed"))])
    comment = forms.CharField(label=_("What is still wrong, or a comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("A photo of how it is now (optional)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    photo_shows_people = shows_people_field()

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        if CONTROL_CHARACTERS.search(comment):
            raise forms.ValidationError(_("The comment holds characters that cannot be shown; type it again."))
        return comment

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        return photo_rules.process(upload, _("The photo")) if upload else None


class SurveyForm(forms.Form):
    """The satisfaction survey: each element asked (notify.ikm.ASKED), one of its four answers, and a suggestion
    that only staff read."""

    suggestion = forms.CharField(label=_("Your suggestion to the city (optional; only the city's staff read it)"),
                                 max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for element in ikm.ASKED:
            self.fields[element.field] = forms.TypedChoiceField(
                label=element.question, widget=forms.RadioSelect, coerce=int,
                choices=[(score, answer) for score, answer in enumerate(element.answers, 1)],
                error_messages={"required": _("Choose one of the four answers.")})
        self.order_fields([element.field for element in ikm.ASKED])

    def elements(self):
        """(element, bound field) of each element asked, in the regulation's order."""
        return [(element, self[element.field]) for element in ikm.ASKED]

    def clean_suggestion(self):
        suggestion = self.cleaned_data["suggestion"].strip()
        if CONTROL_CHARACTERS.search(suggestion):
            raise forms.ValidationError(_("The text holds characters that cannot be shown; type it again."))
        return suggestion

    @property
    def scores(self):
        return {element.field: self.cleaned_data[element.field] for element in ikm.ASKED}


class LinksForm(forms.Form):
    """"Send my links again": the e-mail address (or, with a phone gateway on, the phone number) given at filing."""

    address = forms.CharField(label=_("The e-mail address or phone number you gave"), max_length=EMAIL_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not channels.available() & PHONE_CHANNELS:
            self.fields["address"].label = _("The e-mail address you gave")

    def clean_address(self):
        address = self.cleaned_data["address"].strip()
        if "@" in address:
            forms.EmailField().clean(address)
        elif not links.channel_of(address):
            raise forms.ValidationError(_("Type the e-mail address you gave with your report."))
        else:
            ContactForm.base_fields["phone"].clean(address)
        return address
