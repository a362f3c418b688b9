"""What the admins of several apps share, and the admin site itself: the administrators' tool."""

from functools import cache

from django.contrib.admin import AdminSite, FieldListFilter, SimpleListFilter, widgets
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import get_fields_from_path


class DeclaredLookupsOnly:
    """Every ModelAdmin's first mixin: a list is filtered by what its own filters send, and by nothing else.

    Django's `lookup_allowed` lets any lookup on a model's own fields through, so
    `?reporter_phone__regex=^0812` answered yes or no about a phone the page never shows. Here a lookup is
    allowed when one of the admin's declared `list_filter`s (or its `date_hierarchy`) reads that parameter: the
    names each filter lists in `expected_parameters()`. Anything else is answered 400, whatever the value, so no
    answer depends on a hidden field. Searching reads `search_fields` only; `?o=` sorts by the columns of
    `list_display` that `sortable_by` names (all when it is not set) and no others. None of these names a
    contact detail, a secret or `client_uuid` (tests/test_admin_lookups.py).
    """

    def lookup_allowed(self, lookup, value, request):
        return lookup in self.declared_lookups(request) or self._limits_choices(lookup, value)

    def get_changelist(self, request, **kwargs):
        return _sortable_columns_only(super().get_changelist(request, **kwargs))

    def declared_lookups(self, request):
        """The parameters this admin's filters read; built once a request (field filters load their choices)."""
        cached = getattr(request, "_declared_lookups", {})
        if self not in cached:
            cached[self] = self._declared_lookups(request)
            request._declared_lookups = cached
        return cached[self]

    def _declared_lookups(self, request):
        names = {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day") if self.date_hierarchy}
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                names.add(item.parameter_name)
                continue
            if callable(item):  # another ListFilter class
                names.update(item(request, {}, self.model, self).expected_parameters())
                continue
            path, make = item if isinstance(item, list | tuple) else (item, FieldListFilter.create)
            field = get_fields_from_path(self.model, path)[-1]
            names.update(make(field, request, {}, self.model, self, field_path=path).expected_parameters())
        return names

    def _limits_choices(self, lookup, value):
        """A raw-id popup's own filter, from a relation's `limit_choices_to` (as Django's check allows it)."""
        for limit in self.model._meta.related_fkey_lookups:
            limit = limit() if callable(limit) else limit
            if (lookup, value) in widgets.url_params_from_lookup_dict(limit).items():
                return True
        return False


class SortableColumnsOnly:
    """A ChangeList that sorts by the `sortable_by` columns alone: Django leaves the other columns' headers without
    a link but still sorts by any column whose number `?o=` gives, which orders rows by a field nobody may sort."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


@cache
def _sortable_columns_only(changelist):
    """`changelist` (Django's, or a package's own such as DRF's token list) with SortableColumnsOnly in front."""
    return type(changelist.__name__, (SortableColumnsOnly, changelist), {})


class AdministratorsOnly:
    """A model for the administrators alone, whatever permissions a group was given (API keys and their call
    log with the callers' addresses, background jobs)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class ReadOnly:
    """Rows written by the code alone (boundaries of a generation, the audit trail): nobody adds, edits or
    deletes one in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorsSite(AdminSite):
    """The admin opens to administrators (superusers) alone. Dispatchers, office staff, crews and planners work on
    the staff desk, the crew pages and the planners' pages, which check their group (reports.roles), never
    `is_staff` or a Django permission: neither opens anything here, so a staff account given either by mistake
    gains nothing."""

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class AdministratorsAdminConfig(AdminConfig):
    """django.contrib.admin with AdministratorsSite as `admin.site` (INSTALLED_APPS names this)."""

    default_site = "config.admin.AdministratorsSite"
