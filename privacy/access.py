"""Who among the staff may read a reporter's contact details, and the log row each read leaves."""

from django.db import connection

from privacy.models import ContactAccess
from reports import roles


def sees_contact(user):
    """Every report's, in bulk (exports, the admin): dispatchers and administrators, on demand; crews, planners and
    office staff never."""
    return roles.is_dispatcher(user)


def sees_contact_of(user, report):
    """One report's, on the desk: dispatchers and administrators any report's, office staff their offices'
    (to answer the resident); each reading logged by `record_reads`."""
    return sees_contact(user) or roles.is_office_of(user, report)


def record_reads(user, reports, channel):
    """One ContactAccess row per report of the queryset `reports` that holds a name, phone or e-mail, written by
    one INSERT … SELECT however many there are (an export of the whole city). Returns how many."""
    holding = (reports.exclude(reporter_name="", reporter_phone="", reporter_email="")
               .order_by().values("id", "code"))
    sql, params = holding.query.sql_with_params()
    table = ContactAccess._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (created, user_id, actor, report_id, report_code, channel) "
            f"SELECT now(), %s, %s, page.id, page.code, %s FROM ({sql}) page",
            (user.pk, user.get_username(), channel, *params))
        return cursor.rowcount


def record_document_read(user, report):
    """The ContactAccess row of one staff reading of a report's document (reports.Document): personal data, logged
    whether or not the report still holds a contact."""
    return ContactAccess.objects.create(user=user, actor=user.get_username(), report=report, report_code=report.code,
                                        channel=ContactAccess.Channel.DOCUMENT)
