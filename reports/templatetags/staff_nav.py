"""The signed-in staff's own links in every page's header: each role to the pages it works on."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from reports import roles

register = template.Library()


@register.simple_tag
def staff_links(user):
    """(url, label) pairs for the user's roles: crews their nearby reports, dispatchers and administrators the
    desk (its photo review and LAPOR! inbox inside), office staff the desk of their offices' complaints, planners
    the statistics and the open data, administrators the admin; nothing for residents."""
    if not user.is_authenticated:
        return []
    links = []
    if roles.is_crew(user) or roles.is_dispatcher(user):
        links.append((reverse("crew-home"), _("Nearby issues")))
    if roles.is_dispatcher(user):
        links.append((reverse("desk-home"), _("Dispatcher desk")))
    elif roles.is_office_staff(user):
        links.append((reverse("desk-home"), _("Office desk")))
    if roles.sees_hidden(user):
        links += [(reverse("statistics"), _("Statistics")), (reverse("open-data"), _("Open data"))]
    if user.is_superuser:
        links.append((reverse("admin:index"), _("Administration")))
    return links
