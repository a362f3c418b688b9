"""What other apps' pages show of notify: the follow box of a report page, the ratings of the statistics."""

from django import template
from django.conf import settings

from notify import channels, ratings
from notify.forms import FollowForm
from notify.models import Channel

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


@register.filter
def about(subscription):
    """What a subscription is about, as its messages say it."""
    from notify import compose

    return compose.about(subscription)
