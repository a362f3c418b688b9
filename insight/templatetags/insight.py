"""The statistics page's line to the hotspots and response times, for those who may open them."""

from django import template

from reports import roles

register = template.Library()


@register.inclusion_tag("insight/links.html", takes_context=True)
def insight_links(context):
    request = context.get("request")
    return {"shown": request is not None and roles.sees_hidden(request.user)}
