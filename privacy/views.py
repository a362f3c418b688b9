"""The privacy page, and the reporter's rights through their private link (see, correct, erase)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from privacy import rights
from privacy.inventory import inventory
from reports.forms import ContactForm


def privacy(request):
    """/privasi/: what is kept, why, who sees it, how long, and how to use one's rights."""
    context = {"inventory": inventory(), "contact_days": settings.CONTACT_RETENTION_DAYS,
               "contact_email": settings.OPEN311_CONTACT}
    return render(request, "privacy/privacy.html", context)


def my_data(request, code, token):
    """Everything kept about the reporter of this report, and a form to correct their contact details."""
    report = rights.own_report(code, token)
    form = ContactForm(request.POST if request.method == "POST" else None, initial={
        "name": report.reporter_name, "phone": report.reporter_phone, "email": report.reporter_email,
        "show_name": report.show_name, "contact_consent": report.contact_consent})
    if form.is_valid():
        rights.correct(report, **{field: form.cleaned_data[field] for field in
                                  ("name", "phone", "email", "show_name", "contact_consent")})
        messages.success(request, _("Your contact details are saved."))
        return redirect(data_url(report))
    context = {"report": report, "form": form, "contact_days": settings.CONTACT_RETENTION_DAYS,
               "photos": report.photos.all()}
    response = render(request, "privacy/my_data.html", context, status=400 if form.errors else 200)
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_POST
def erase(request, code, token):
    """Erase all contact details and the name (`what=all`, once confirmed: it cannot be undone, and the messages
    about the report stop), or withdraw the name only (`what=name`)."""
    report = rights.own_report(code, token)
    if request.POST.get("what") != "name" and request.POST.get("confirmed") != "yes":
        response = render(request, "privacy/erase_confirm.html", {"report": report})
        patch_cache_control(response, no_store=True, private=True)
        return response
    if request.POST.get("what") == "name":
        done = rights.withdraw_name(report)
        messages.success(request, _("Your name is erased.") if done else _("No name was kept."))
    else:
        done = rights.erase(report)
        messages.success(request, _("Your contact details and name are erased.") if done
                         else _("Nothing was left to erase."))
    return redirect(data_url(report))


def data_url(report):
    return reverse("report-my-data", args=[report.code, report.private_token])
