"""Which office answers a report: the one place that picks an office (geo.routing picks the crew)."""

from django.utils.translation import gettext as _

from offices.models import Office


def office_for(category, kelurahan=None, crew=None, place_office=None):
    """(office, problem): the office that answers a report of `category`, and why none could be chosen.

    Infrastructure goes to its crew's office (the category's while no crew is found); a kelurahan office's
    service to the office of the kelurahan where it happened, from the pin or from the office the resident named;
    any other service to the category's office. With no office, `problem` says why and a dispatcher decides.
    """
    if category.by_crew:
        office = crew.office if crew is not None and crew.office_id else category.office
    elif category.routing == category.Routing.KELURAHAN_OFFICE:
        if place_office is not None and place_office.kind == Office.Kind.KELURAHAN:
            return place_office, ""
        kelurahan = kelurahan or (place_office.kelurahan if place_office is not None else None)
        if kelurahan is None:
            return None, _("%(category)s is answered by the office of the kelurahan where it happened, and no place "
                           "was given.") % {"category": category}
        office = Office.objects.filter(kind=Office.Kind.KELURAHAN, kelurahan=kelurahan, active=True).first()
        if office is None:
            return None, _("No active office of Kelurahan %(kelurahan)s.") % {"kelurahan": kelurahan}
    else:
        office = category.office
    if office is None:
        return None, _("No office answers %(category)s.") % {"category": category}
    return office, ""
