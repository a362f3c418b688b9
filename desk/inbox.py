"""LAPOR!'s complaints that need a location, on the staff desk: read the text, find the place (the map's own
search, the kelurahan outlines), drop the pin, choose the category, save. Saving files the report through the
import path (forwarding.inbound.file_disposition: filing.file_report, the same lookup and routing).

Two page loads to locate one complaint: the inbox opens on the first one waiting; saving answers with the next.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from desk.review import dispatchers_only
from forwarding import inbound
from forwarding.models import Disposition
from geo import lookup
from reports.models import Category

LIST_SIZE = 50


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return f"{category.parent.name}: {category.name}"


class LocateForm(forms.Form):
    """The pin and the category. No category is chosen in advance: the topic's is only suggested. A category
    that does not require a place (a city service) is filed without a pin when none is dropped."""

    category = CategoryChoice(
        label=gettext_lazy("Category"), queryset=Category.objects.exclude(parent=None).select_related("parent"),
        empty_label=gettext_lazy("Choose a category"),
        error_messages={"required": gettext_lazy("Choose the category: the suggestion is not chosen for you.")})
    lat = forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput, required=False)
    lon = forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        category, pinned = data.get("category"), data.get("lat") is not None and data.get("lon") is not None
        place_required = category is None or category.location_mode == Category.LocationMode.REQUIRED
        if not pinned and place_required and "lat" not in self.errors:
            self.add_error("lat", _("Tap the map where the problem is."))
        return data


def waiting():
    return Disposition.objects.filter(state=Disposition.State.NEEDS_LOCATION).order_by("created")


@dispatchers_only
def inbox(request, form=None, chosen=None, status=200):
    """The complaints waiting for a pin, and one of them (?keluhan=<id>, else the oldest) with its map and form."""
    complaints = waiting()
    if chosen is None and request.GET.get("keluhan", "").isdigit():
        chosen = complaints.filter(pk=request.GET["keluhan"]).first()
    chosen = chosen or complaints.first()
    suggestion = inbound.category_for(chosen.payload.get("topic_id")) if chosen is not None else None
    context = {"complaints": complaints[:LIST_SIZE], "count": complaints.count(), "chosen": chosen,
               "suggestion": suggestion, "form": form or LocateForm(), "texts": inbox_texts()}
    return render(request, "desk/inbox/inbox.html", context, status=status)


@require_POST
@dispatchers_only
def locate(request, pk):
    """File the complaint where the pin is, in the chosen category; errors come back on the form."""
    complaint = get_object_or_404(waiting(), pk=pk)
    form = LocateForm(request.POST)
    if not form.is_valid():
        return inbox(request, form, complaint, status=400)
    data = form.cleaned_data
    try:
        report = inbound.file_disposition(complaint, data["lat"], data["lon"], category=data["category"])
    except lookup.OutsideCity as outside:
        form.add_error("lat", str(outside))
        return inbox(request, form, complaint, status=400)
    messages.success(request, _("%(tracking_id)s filed as report %(code)s.")
                     % {"tracking_id": complaint.tracking_id, "code": report.code})
    return redirect("desk-inbox")


def inbox_texts():
    return {
        "no_results": _("Nothing found in Padang Panjang."),
        "pin": _("Pin placed. Choose the category, then save."),
    }
