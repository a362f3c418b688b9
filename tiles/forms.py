"""The report tiles' optional filters: ?category= (a main category includes its sub-categories) and ?status=."""

from django import forms

from reports.models import STATUS_WORDS, Category, in_category, statuses


class TileFilter(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", ""), *STATUS_WORDS], required=False)

    def categories(self):
        """The category ids asked for (a main category and its sub-categories), or None for all."""
        main = self.cleaned_data["category"]
        return list(Category.objects.filter(in_category(main.slug, prefix="")).values_list("pk", flat=True)) \
            if main else None

    def statuses(self):
        """The statuses asked for (a status, or `open` or `closed`), or None for all."""
        status = self.cleaned_data["status"]
        return statuses(status) if status else None

    def key(self):
        """The filters as part of a cache key: the same filters, the same key."""
        data = self.cleaned_data
        return f"category={data['category'].slug if data['category'] else ''}&status={data['status']}"
