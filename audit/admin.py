"""The audit trail in the admin (superusers only, read-only), and `Audited`, which records every admin edit."""

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.contrib.gis.forms import GeometryField
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

from audit.models import Action, AuditEntry, record
from config.admin import DeclaredLookupsOnly, ReadOnly

# Fields whose values never enter the trail, only their names: people's contact details, and secrets (an
# authenticator app's key, a partner's API key).
PERSONAL = {"reporter_name", "reporter_phone", "reporter_email", "contact", "email", "first_name", "last_name",
            "password", "password1", "password2", "key", "api_key"}


def changes(form, formsets=()):
    """The names of the changed fields, old → new for those that are not personal, and the inlines' changes."""
    values = {
        name: [_plain(form.fields[name], form.initial.get(name)), _plain(form.fields[name], form.cleaned_data[name])]
        for name in form.changed_data
        if name not in PERSONAL and not isinstance(form.fields[name], GeometryField)  # a boundary is too big
    }
    inlines = [{verb: f"{obj._meta.verbose_name}: {obj}"}
               for formset in formsets or ()
               for verb, objects in (("added", formset.new_objects), ("deleted", formset.deleted_objects),
                                     ("changed", [obj for obj, _ in formset.changed_objects]))
               for obj in objects]
    details = {"fields": list(form.changed_data), "values": values, "inlines": inlines}
    return {key: value for key, value in details.items() if value}


def _plain(field, value):
    """A value as JSON: the text of an object (the form's initial value of a relation is its primary key)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return sorted(str(item) for item in value or ())
    if isinstance(field, forms.ModelChoiceField) and value is not None and not hasattr(value, "pk"):
        value = field.queryset.model._base_manager.filter(pk=value).first()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:200]


class Audited:
    """A ModelAdmin mixin: each add or change saved in this admin, and each object it deletes, is one entry.

    `save_related` runs once the object and its inlines are saved and still has the form (the old values are
    its initial data); a deletion is recorded before the row goes. Django's own LogEntry is still written (the
    admin's "recent actions"); it is not shown as the trail (see audit.models).
    """

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        details = changes(form, formsets)
        if details or not change:
            record(request.user, Action.CHANGE if change else Action.ADD, [form.instance], details)

    def delete_model(self, request, obj):
        record(request.user, Action.DELETE, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        record(request.user, Action.DELETE, queryset)
        super().delete_queryset(request, queryset)


# A group's permissions are roles too: Django's own group admin, audited. (Users: accounts.admin.)
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DeclaredLookupsOnly, Audited, auth_admin.GroupAdmin):
    pass


class BoundedCountPaginator(Paginator):
    """The admin numbers a list's pages from its count, and COUNT(*) reads every row: count at most CAP rows.

    An unfiltered list longer than that takes PostgreSQL's estimate of the table's rows (pg_class.reltuples,
    kept by autovacuum); a filtered one says CAP + 1: narrow it by date, action or user to see further back.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        counted = self.object_list[: self.CAP + 1].count()
        if counted <= self.CAP or self.object_list.query.where:
            return counted
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                           [self.object_list.model._meta.db_table])
            return max(counted, cursor.fetchone()[0])


@admin.register(AuditEntry)
class AuditEntryAdmin(DeclaredLookupsOnly, ReadOnly, admin.ModelAdmin):
    """Administrators only, whatever permissions a group was given; nobody edits or deletes an entry."""

    list_display = ["created", "actor", "action", "content_type", "object_id", "object_repr", "details"]
    list_filter = ["action", "user", ("created", admin.DateFieldListFilter)]
    list_select_related = ["content_type"]
    paginator = BoundedCountPaginator
    show_full_result_count = False  # the trail grows without end: no COUNT(*) of the whole table

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)
