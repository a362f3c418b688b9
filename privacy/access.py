"""Who among the staff may read a reporter's contact details, and the log row each read leaves."""

from django.db import connection

from privacy.models import ContactAccess
from reports import roles


def sees_contact(user):
    """Dispatchers and administrators, on demand; crews and planners never."""
    return roles.is_dispatcher(user)


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
