"""The report tiles' optional filters: ?category= (a main category includes its sub-categories) and ?status=."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import Category, Status


class TileFilter(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", ""), ("open", _("open")), *Status.choices], required=False)

    def filter(self, reports):
        data = self.cleaned_data
        if data["category"]:
            main = data["category"]
            reports = reports.filter(category__in=[main, *main.children.all()])
        if data["status"] == "open":
            reports = reports.open()
        elif data["status"]:
            reports = reports.filter(status=data["status"])
        return reports

    def key(self):
        """The filters as part of a cache key: the same filters, the same key."""
        data = self.cleaned_data
        return f"category={data['category'].slug if data['category'] else ''}&status={data['status']}"
