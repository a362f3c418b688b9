"""Photo review on the staff desk: the photos waiting for a dispatcher, as a grid of thumbnails; each published
as it is, or with the regions the reviewer drew blurred first (reports.photos does both, with audit and signal).

One page load for the whole grid: each decision is a fetch that answers JSON, and the next photo opens in place.
"""

import json

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports import photos, roles
from reports.models import Photo, Report
from reports.views import role_required

GRID_SIZE = 60


# Signed-in dispatchers and administrators.
dispatchers_only = role_required(roles.is_dispatcher)


def waiting(user):
    """The photos waiting for review among the reports `user` sees, oldest report first."""
    return (Photo.objects.filter(published=False, report__in=Report.objects.visible_to(user))
            .select_related("report__category").order_by("report__created", "position"))


@dispatchers_only
def grid(request):
    photos_waiting = waiting(request.user)
    context = {"photos": photos_waiting[:GRID_SIZE], "count": photos_waiting.count(), "texts": review_texts()}
    return render(request, "desk/review/grid.html", context)


@require_POST
@dispatchers_only
def decide(request, pk):
    """POST `regions` (JSON: [{left, top, width, height}] in fractions of the photo; none or [] to publish it as it
    is): the regions blurred, then the photo published. JSON errors name the field."""
    photo = get_object_or_404(waiting(request.user), pk=pk)
    try:
        regions = [photos.Region.parse(item) for item in json.loads(request.POST.get("regions") or "[]")]
    except (ValueError, TypeError):
        return JsonResponse({"regions": [_("Draw each region again on the photo.")]}, status=400)
    if regions:
        photos.blur(photo, request.user, regions)
    photos.publish(Photo.objects.filter(pk=photo.pk), request.user)
    return JsonResponse({"published": photo.pk, "blurred": len(regions)})


def review_texts():
    return {
        "published": _("Published."),
        "blurred": _("%(count)s regions blurred and published."),
        "done": _("No more photos wait for review."),
        "error": _("Something went wrong; please try again."),
        "regions": _("%(count)s regions drawn"),
    }
