"""The staff roles: Django groups, and what each may do with a report (checked per object).

Crews, dispatchers and planners are the public-works roles; office staff answer the service complaints of the
offices they belong to (offices.Office.staff)."""

from django.contrib.auth.models import Group

CREW, DISPATCHER, PLANNER, OFFICE = "crew", "dispatcher", "planner", "office"


def ensure_groups():
    """Create the four groups if missing. They carry no Django permissions: the admin is the administrators'
    (config.admin.AdministratorsSite), and every staff page checks the group itself (the functions below).
    Returns how many groups were created."""
    return sum(Group.objects.get_or_create(name=name)[1] for name in (CREW, DISPATCHER, PLANNER, OFFICE))


def _groups(user):
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return user._role_names


def is_dispatcher(user):
    return user.is_authenticated and (user.is_superuser or DISPATCHER in _groups(user))


def is_crew(user):
    return CREW in _groups(user)


def is_staff_reader(user):
    """Crews, dispatchers, planners and office staff see the staff view of reports (each what visible_to lets)."""
    return is_dispatcher(user) or bool(_groups(user) & {CREW, PLANNER, OFFICE})


def sees_hidden(user):
    """Planners, dispatchers and admins: hidden reports and the staff fields in exports."""
    return is_dispatcher(user) or PLANNER in _groups(user)


def crew_ids(user):
    if CREW not in _groups(user):
        return set()
    if not hasattr(user, "_crew_ids"):
        user._crew_ids = set(user.crews.values_list("pk", flat=True))
    return user._crew_ids


def is_office_staff(user):
    return OFFICE in _groups(user)


def office_ids(user):
    """The offices whose complaints this member of the group 'office' answers."""
    if OFFICE not in _groups(user):
        return set()
    if not hasattr(user, "_office_ids"):
        user._office_ids = set(user.offices.values_list("pk", flat=True))
    return user._office_ids


def is_crew_of(user, report):
    return report.crew_id is not None and report.crew_id in crew_ids(user)


def is_office_of(user, report):
    """Whether `user` answers for the office `report` is with now (a handed-over report leaves its old office)."""
    return report.office_id is not None and report.office_id in office_ids(user)


def works_desk(user):
    """The staff desk (/meja/): dispatchers and administrators, the whole city; office staff, their offices'."""
    return is_dispatcher(user) or is_office_staff(user)


def can_change(user, report):
    """Dispatchers change any report, crew members their crews' reports, office staff their offices' reports,
    planners and visitors none."""
    return is_dispatcher(user) or is_crew_of(user, report) or is_office_of(user, report)
