"""What other apps' pages show of notify: the follow box of a report page, the survey's offer on the reporter's
own page, the survey's suggestions on the desk's report screen, and the old ratings."""

from django import template
from django.conf import settings

from notify import channels, ratings, survey
from notify.forms import FollowForm
from notify.models import Channel, SurveyAnswer

register = template.Library()


@register.inclusion_tag("notify/follow.html", takes_context=True)
def follow_box(context, report, form=None):
    push = Channel.PUSH in channels.available()
    return {"report": report, "form": form or FollowForm(), "request": context.get("request"),
            "is_reporter": context.get("is_reporter", False),
            "csrf_token": context.get("csrf_token"), "push_key": settings.WEBPUSH_VAPID_PUBLIC_KEY if push else ""}


@register.inclusion_tag("notify/ratings.html")
def fix_ratings():
    return {"ratings": ratings.figures()}


@register.inclusion_tag("notify/survey_offer.html")
def survey_offer(report):
    """On the reporter's private page: the satisfaction survey, once the report is finished and until answered."""
    return {"report": report, "offered": survey.offered(report, survey.REPORTER)}


@register.inclusion_tag("notify/survey_suggestions.html")
def survey_suggestions(report):
    """Staff only (the desk's report screen): what residents wrote in the survey about this report, unsigned."""
    return {"suggestions": SurveyAnswer.objects.filter(report=report).exclude(suggestion="")
            .values("suggestion", "created")}


@register.filter
def about(subscription):
    """What a subscription is about, as its messages say it."""
    from notify import compose

    return compose.about(subscription)
