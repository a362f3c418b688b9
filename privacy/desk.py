"""The dispatcher's privacy actions on reports in the admin: show the contact details (logged), redact text.

reports.admin.ReportAdmin offers them; who may use which is in its `has_contact_permission` and Django's
change permission (tests/test_role_table.py).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from privacy import access, redaction
from privacy.models import ContactAccess


@admin.action(description=_("Show the contact details (the reading is logged)"), permissions=["contact"])
def show_contact(modeladmin, request, queryset):
    """The selected reports' names, phones and e-mails, each reading one row of the access log."""
    reports = list(queryset.order_by("code"))
    access.record_reads(request.user, queryset, ContactAccess.Channel.ADMIN)
    context = {**modeladmin.admin_site.each_context(request), "title": _("Contact details"), "reports": reports,
               "opts": modeladmin.model._meta}
    response = TemplateResponse(request, "privacy/show_contact.html", context)
    response["Cache-Control"] = "no-store, private"
    return response


class RedactionForm(forms.Form):
    words = forms.CharField(
        label=_("Words to remove"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: a phone number, a name. Every occurrence in the description and the notes is "
                    "replaced by [removed]; what was removed is kept nowhere."),
    )


@admin.action(description=_("Redact personal data from the description and notes"), permissions=["change"])
def redact(modeladmin, request, queryset):
    """For one report: a page asking which words to remove, then the redaction (privacy.redaction)."""
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Select one report to redact."), messages.ERROR)
        return None
    report = queryset.get()
    form = RedactionForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        changed = redaction.redact(report, form.cleaned_data["words"].splitlines(), request.user)
        if changed:
            modeladmin.message_user(request, _("%(code)s: removed from %(count)s texts.")
                                    % {"code": report.code, "count": len(changed)})
        else:
            modeladmin.message_user(request, _("%(code)s: none of these words was found.") % {"code": report.code},
                                    messages.WARNING)
        return None
    context = {**modeladmin.admin_site.each_context(request), "title": _("Redact %(code)s") % {"code": report.code},
               "report": report, "notes": report.history.exclude(note=""), "form": form,
               "opts": modeladmin.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME}
    return TemplateResponse(request, "privacy/redact.html", context)
