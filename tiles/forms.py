"""The report tiles' optional filters: ?category= (a main category includes its sub-categories) and ?status=."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import OPEN_STATUSES, Category, Status


class TileFilter(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", ""), ("open", _("open")), *Status.choices], required=False)

    def categories(self):
        """The category ids asked for (a main category and its sub-categories), or None for all."""
        main = self.cleaned_data["category"]
        return [main.pk, *main.children.values_list("pk", flat=True)] if main else None

    def statuses(self):
        """The statuses asked for, or None for all."""
        status = self.cleaned_data["status"]
        return OPEN_STATUSES if status == "open" else [status] if status else None

    def key(self):
        """The filters as part of a cache key: the same filters, the same key."""
        data = self.cleaned_data
        return f"category={data['category'].slug if data['category'] else ''}&status={data['status']}"
