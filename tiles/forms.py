"""The report tiles' optional filters: ?category= (a main category includes its sub-categories) and ?status=."""

from django import forms

from reports.models import STATUS_WORDS, statuses
from tiles import invalidate


class TileFilter(forms.Form):
    """The filters, checked without a query: the categories come from the map tiles.invalidate keeps."""

    category = forms.CharField(required=False)
    status = forms.ChoiceField(choices=[("", ""), *STATUS_WORDS], required=False)

    def __init__(self, data, categories_version=None):
        super().__init__(data)
        self.categories_version = categories_version

    def clean_category(self):
        slug = self.cleaned_data["category"]
        if slug and invalidate.category_ids(slug, self.categories_version) is None:
            raise forms.ValidationError(forms.ModelChoiceField.default_error_messages["invalid_choice"],
                                        code="invalid_choice")
        return slug

    def categories(self):
        """The category ids asked for (a main category and its sub-categories), or None for all."""
        slug = self.cleaned_data["category"]
        return invalidate.category_ids(slug, self.categories_version) if slug else None

    def statuses(self):
        """The statuses asked for (a status, or `open` or `closed`), or None for all."""
        status = self.cleaned_data["status"]
        return statuses(status) if status else None

    def key(self):
        """The filters as part of a cache key: the same filters, the same key."""
        return f"category={self.cleaned_data['category']}&status={self.cleaned_data['status']}"


def tile_filter(data, categories_version=None):
    """The filters of `data`, checked. Without any (the map's own tiles: nearly every request) the form of no filter,
    checked once per process, since a form's fields are deep copies made for each form."""
    if data.get("category") or data.get("status"):
        return TileFilter(data, categories_version)
    return NO_FILTER


NO_FILTER = TileFilter({})
NO_FILTER.is_valid()  # checked here, before any thread reads it; only read from then on
