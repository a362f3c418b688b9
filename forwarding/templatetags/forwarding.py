from django import template

from forwarding import clock, delivery

register = template.Library()


@register.inclusion_tag("forwarding/paused_banner.html", takes_context=True)
def paused_banner(context):
    """For administrators, on every admin page: the outside systems paused because they refuse our credentials."""
    request = context.get("request")
    show = request is not None and request.user.is_active and request.user.is_superuser
    return {"links": list(delivery.paused_links()) if show else []}


@register.simple_tag
def lapor_deadlines(forwarding):
    return clock.deadlines(forwarding)
