"""The response times' histograms per office too (a fifth dimension, 'office'), and for complaints without a place:
a report without a kelurahan counts under key 0 of 'kelurahan' (as one without a crew under 0 of 'crew').
Private complaints count, as in 0002: the histograms are read only by staff pages (insight's views are the
planners'), nothing personal is in them, and an office's response times are mostly of private complaints. 0002's functions replaced (copied here with these changes, as a migration keeps the SQL of its day),
and every histogram counted again."""

from django.db import migrations, models

# The city's time zone, written out as in reports/0012 (a trigger cannot read the settings).
ZONE = "'Asia/Jakarta'"
VERIFICATION = "from_status = 'baru' AND to_status = 'diverifikasi'"


def verified(report_id):
    """When the report `report_id` was verified: its first verification row (the insight_verification index)."""
    return (f"(SELECT min(v.created) FROM reports_statuschange v WHERE v.report_id = {report_id} "
            f"AND v.{VERIFICATION.replace('AND ', 'AND v.')})")


COLUMNS = ("created, fixed_at, {verified} AS verified_at, due_date, hidden, crew_id, kelurahan_id, category_id, "
           "office_id")


def add(rows, since=None):
    """Add the reports of `rows` (columns as COLUMNS, and `sign`: +1 added, -1 taken away) to the histograms (the
    city's, and the report's crew's, kelurahan's, category's and office's); only the events in months from `since` (an SQL
    date) when given. One statement whatever the number of rows; keys whose sums are zero write nothing; in key
    order, so concurrent changes lock rows in the same order."""
    recent = f"AND month >= {since}" if since else ""
    return f"""
    WITH r AS ({rows}), events AS (
        SELECT 'fix' AS measure, date_trunc('month', fixed_at AT TIME ZONE {ZONE})::date AS month,
               crew_id, kelurahan_id, category_id, office_id,
               insight_working_days((created AT TIME ZONE {ZONE})::date, (fixed_at AT TIME ZONE {ZONE})::date) AS days,
               ((fixed_at AT TIME ZONE {ZONE})::date <= due_date)::int AS on_time, sign
        FROM r WHERE NOT hidden AND fixed_at IS NOT NULL
        UNION ALL
        SELECT 'verify', date_trunc('month', verified_at AT TIME ZONE {ZONE})::date, crew_id, kelurahan_id,
               category_id, office_id,
               insight_working_days((created AT TIME ZONE {ZONE})::date, (verified_at AT TIME ZONE {ZONE})::date),
               0, sign
        FROM r WHERE NOT hidden AND verified_at IS NOT NULL
    )
    INSERT INTO insight_responsecount AS kept (dimension, month, key, measure, days, count, on_time)
    SELECT d.dimension, e.month, d.key, e.measure, e.days, sum(e.sign), sum(e.sign * e.on_time)
    FROM events e CROSS JOIN LATERAL (VALUES ('city', 0), ('crew', coalesce(e.crew_id, 0)),
                                             ('kelurahan', coalesce(e.kelurahan_id, 0)), ('category', e.category_id),
                                             ('office', coalesce(e.office_id, 0))) d(dimension, key)
    WHERE true {recent}
    GROUP BY 1, 2, 3, 4, 5 HAVING (sum(e.sign), sum(e.sign * e.on_time)) <> (0, 0) ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dimension, month, key, measure, days)
    DO UPDATE SET count = kept.count + EXCLUDED.count, on_time = kept.on_time + EXCLUDED.on_time;
    """


def report_rows(alias, table, sign, verified_at=None):
    columns = COLUMNS.format(verified=verified_at or verified(f"{alias}.id"))
    columns = ", ".join(f"{alias}.{c}" if " " not in c else c for c in columns.split(", "))
    return f"SELECT {columns}, {sign} AS sign FROM {table} {alias}"


# An update counts only where a column the histogram reads changed (a status change alone writes nothing).
READ = ["created", "fixed_at", "due_date", "hidden", "crew_id", "kelurahan_id", "category_id", "office_id"]
CHANGED = (f" JOIN new_rows n2 ON n2.id = o.id WHERE ({', '.join('o.' + c for c in READ)}) "
           f"IS DISTINCT FROM ({', '.join('n2.' + c for c in READ)})")
CHANGED_NEW = (f" JOIN old_rows o ON o.id = n2.id WHERE ({', '.join('o.' + c for c in READ)}) "
               f"IS DISTINCT FROM ({', '.join('n2.' + c for c in READ)})")


def history_rows(verifications, before):
    """The reports whose verification moved with a change of their history: their row with the verification
    `before` (-1) and the one now (+1); a report's fix counts in both and cancels out."""
    moved = f"""SELECT a.report_id, {before} AS before, {verified('a.report_id')} AS after
                FROM (SELECT DISTINCT report_id FROM {verifications} WHERE {VERIFICATION}) a"""
    taken = report_rows("r", f"({moved}) m JOIN reports_report", -1, "m.before").replace(
        "reports_report r", "reports_report r ON r.id = m.report_id") + " WHERE m.before IS DISTINCT FROM m.after"
    given = report_rows("r", f"({moved}) m JOIN reports_report", 1, "m.after").replace(
        "reports_report r", "reports_report r ON r.id = m.report_id") + " WHERE m.before IS DISTINCT FROM m.after"
    return f"{taken} UNION ALL {given}"


BEFORE_INSERT = (f"(SELECT min(c.created) FROM reports_statuschange c WHERE c.report_id = a.report_id "
                 f"AND c.{VERIFICATION.replace('AND ', 'AND c.')} AND c.id NOT IN (SELECT id FROM new_rows))")
BEFORE_DELETE = (f"(SELECT min(created) FROM (SELECT c.created FROM reports_statuschange c "
                 f"WHERE c.report_id = a.report_id AND c.{VERIFICATION.replace('AND ', 'AND c.')} "
                 f"UNION ALL SELECT o.created FROM old_rows o WHERE o.report_id = a.report_id "
                 f"AND o.{VERIFICATION.replace('AND ', 'AND o.')}) x)")

# Holidays changed: the events from the first changed date's month on are counted again (a holiday seeded for a
# coming year recounts nothing); a rare, administrators' change that reads the reports fixed or verified since.
SINCE = f"(since::timestamp AT TIME ZONE {ZONE})"
RECOUNT = f"""
    IF since IS NOT NULL THEN
        DELETE FROM insight_responsecount WHERE month >= since;
        {add(report_rows("r", "reports_report", 1) + " WHERE NOT r.hidden AND (r.fixed_at >= " + SINCE + " OR EXISTS ("
             "SELECT 1 FROM reports_statuschange v WHERE v.report_id = r.id AND v.created >= " + SINCE + " AND v."
             + VERIFICATION.replace("AND ", "AND v.") + "))", since="since")}
    END IF;
"""

SQL = f"""
CREATE OR REPLACE FUNCTION insight_count_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {add(report_rows("n", "new_rows", 1))}
    ELSIF TG_OP = 'UPDATE' THEN
        {add(report_rows("o", "old_rows", -1) + CHANGED + " UNION ALL "
             + report_rows("n2", "new_rows", 1) + CHANGED_NEW)}
    ELSE {add(report_rows("o", "old_rows", -1))}
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION insight_count_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {add(history_rows("new_rows", BEFORE_INSERT))}
    ELSE {add(history_rows("old_rows", BEFORE_DELETE))}
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION insight_count_holidays() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE since date;
BEGIN
    IF TG_OP = 'INSERT' THEN since := (SELECT min(date) FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN since := least((SELECT min(date) FROM new_rows), (SELECT min(date) FROM old_rows));
    ELSE since := (SELECT min(date) FROM old_rows);
    END IF;
    since := date_trunc('month', since)::date;
    {RECOUNT}
    RETURN NULL;
END $$;

DELETE FROM insight_responsecount;
{add(report_rows("r", "reports_report", 1))}
"""


class Migration(migrations.Migration):

    dependencies = [
        ("insight", "0004_asset_and_time_index"),
        ("offices", "0001_initial"),
        ("reports", "0023_offices_and_service_complaints"),
    ]

    # Back: nothing to undo but the dimension (0002's reverse drops these functions as it dropped its own).
    operations = [
        migrations.AlterField(
            model_name="responsecount",
            name="dimension",
            field=models.CharField(choices=[("city", "City"), ("crew", "Crew"), ("kelurahan", "Kelurahan"),
                                            ("category", "Category"), ("office", "Office")], max_length=9),
        ),
        migrations.RunSQL(SQL, migrations.RunSQL.noop),
    ]
