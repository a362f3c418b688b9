"""The desk's filters and choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from geo.models import Crew, Kelurahan
from offices.models import Office
from reports import roles
from reports.models import Category

QUEUES = [("baru", _("New, to verify")), ("dibuka-lagi", _("Reopened by residents")), ("terlambat", _("Overdue")),
          ("jatuh-tempo", _("Due by the next working day"))]


class QueueFilter(forms.Form):
    antrean = forms.ChoiceField(label=_("Queue"), choices=QUEUES, required=False)
    kategori = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(parent=None),
                                      to_field_name="slug", required=False, empty_label=_("All categories"))
    kelurahan = forms.ModelChoiceField(label=_("Kelurahan"), queryset=Kelurahan.objects.order_by("name"),
                                       required=False, empty_label=_("All kelurahan"))
    kantor = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.all(), to_field_name="slug",
                                    required=False, empty_label=_("All offices"))

    def __init__(self, *args, user, **kwargs):
        """Dispatchers choose among every office; office staff among their own (their queue holds no other)."""
        super().__init__(*args, **kwargs)
        if not roles.is_dispatcher(user):
            self.fields["kantor"].queryset = Office.objects.filter(pk__in=roles.office_ids(user))


def crews():
    return Crew.objects.order_by("name")
