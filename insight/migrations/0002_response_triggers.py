"""Working days in SQL, and the triggers that keep the response times' histograms (insight.models.ResponseCount).

A report counts once it is public: its verification (the first history row from new to verified) in the month it
was verified, its fix (reports.Report.fixed_at) in the month it was fixed, each as the working days (weekdays that
are not in the holiday table) from the day it was filed, in the city's time zone. Statement triggers with
transition tables, as reports/0012's counts: a bulk change costs one pass.
"""

from django.db import migrations

# The city's time zone, written out as in reports/0012 (a trigger cannot read the settings).
ZONE = "'Asia/Jakarta'"
VERIFICATION = "from_status = 'baru' AND to_status = 'diverifikasi'"


def verified(report_id):
    """When the report `report_id` was verified: its first verification row (the insight_verification index)."""
    return (f"(SELECT min(v.created) FROM reports_statuschange v WHERE v.report_id = {report_id} "
            f"AND v.{VERIFICATION.replace('AND ', 'AND v.')})")


COLUMNS = "created, fixed_at, {verified} AS verified_at, due_date, hidden, crew_id, kelurahan_id, category_id"


def add(rows, since=None):
    """Add the reports of `rows` (columns as COLUMNS, and `sign`: +1 added, -1 taken away) to the histograms (the
    city's, and the report's crew's, kelurahan's and category's); only the events in months from `since` (an SQL
    date) when given. One statement whatever the number of rows; keys whose sums are zero write nothing; in key
    order, so concurrent changes lock rows in the same order."""
    recent = f"AND month >= {since}" if since else ""
    return f"""
    WITH r AS ({rows}), events AS (
        SELECT 'fix' AS measure, date_trunc('month', fixed_at AT TIME ZONE {ZONE})::date AS month,
               crew_id, kelurahan_id, category_id,
               insight_working_days((created AT TIME ZONE {ZONE})::date, (fixed_at AT TIME ZONE {ZONE})::date) AS days,
               ((fixed_at AT TIME ZONE {ZONE})::date <= due_date)::int AS on_time, sign
        FROM r WHERE NOT hidden AND fixed_at IS NOT NULL
        UNION ALL
        SELECT 'verify', date_trunc('month', verified_at AT TIME ZONE {ZONE})::date, crew_id, kelurahan_id,
               category_id,
               insight_working_days((created AT TIME ZONE {ZONE})::date, (verified_at AT TIME ZONE {ZONE})::date),
               0, sign
        FROM r WHERE NOT hidden AND verified_at IS NOT NULL
    )
    INSERT INTO insight_responsecount AS kept (dimension, month, key, measure, days, count, on_time)
    SELECT d.dimension, e.month, d.key, e.measure, e.days, sum(e.sign), sum(e.sign * e.on_time)
    FROM events e CROSS JOIN LATERAL (VALUES ('city', 0), ('crew', coalesce(e.crew_id, 0)),
                                             ('kelurahan', e.kelurahan_id), ('category', e.category_id)) d(dimension, key)
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
READ = ["created", "fixed_at", "due_date", "hidden", "crew_id", "kelurahan_id", "category_id"]
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
-- The working days after `first` up to and including `last`: weekdays counted from a Monday (1900-01-01), less the
-- holidays on weekdays between them. 0 when `last` is not after `first` (verified or fixed the day it was filed).
CREATE FUNCTION insight_working_days(first date, last date) RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN last <= first THEN 0 ELSE
        5 * ((last + 1 - DATE '1900-01-01') / 7) + least((last + 1 - DATE '1900-01-01') % 7, 5)
        - 5 * ((first + 1 - DATE '1900-01-01') / 7) - least((first + 1 - DATE '1900-01-01') % 7, 5)
        - (SELECT count(*)::int FROM reports_holiday h
           WHERE h.date > first AND h.date <= last AND extract(isodow FROM h.date) < 6)
    END
$$;

-- A report's verification: its first such row, read by the triggers.
CREATE INDEX insight_verification ON reports_statuschange (report_id, created) WHERE {VERIFICATION};

CREATE FUNCTION insight_count_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {add(report_rows("n", "new_rows", 1))}
    ELSIF TG_OP = 'UPDATE' THEN
        {add(report_rows("o", "old_rows", -1) + CHANGED + " UNION ALL "
             + report_rows("n2", "new_rows", 1) + CHANGED_NEW)}
    ELSE {add(report_rows("o", "old_rows", -1))}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER insight_count_insert AFTER INSERT ON reports_report REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insight_count_reports();
CREATE TRIGGER insight_count_update AFTER UPDATE ON reports_report
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insight_count_reports();
CREATE TRIGGER insight_count_delete AFTER DELETE ON reports_report REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insight_count_reports();

CREATE FUNCTION insight_count_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {add(history_rows("new_rows", BEFORE_INSERT))}
    ELSE {add(history_rows("old_rows", BEFORE_DELETE))}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER insight_history_insert AFTER INSERT ON reports_statuschange REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insight_count_history();
CREATE TRIGGER insight_history_delete AFTER DELETE ON reports_statuschange REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insight_count_history();

CREATE FUNCTION insight_count_holidays() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER insight_holidays_insert AFTER INSERT ON reports_holiday REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insight_count_holidays();
CREATE TRIGGER insight_holidays_update AFTER UPDATE ON reports_holiday
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insight_count_holidays();
CREATE TRIGGER insight_holidays_delete AFTER DELETE ON reports_holiday REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insight_count_holidays();

{add(report_rows("r", "reports_report", 1))}
"""

DROP = """
DROP TRIGGER insight_holidays_insert ON reports_holiday;
DROP TRIGGER insight_holidays_update ON reports_holiday;
DROP TRIGGER insight_holidays_delete ON reports_holiday;
DROP FUNCTION insight_count_holidays();
DROP TRIGGER insight_history_insert ON reports_statuschange;
DROP TRIGGER insight_history_delete ON reports_statuschange;
DROP FUNCTION insight_count_history();
DROP TRIGGER insight_count_insert ON reports_report;
DROP TRIGGER insight_count_update ON reports_report;
DROP TRIGGER insight_count_delete ON reports_report;
DROP FUNCTION insight_count_reports();
DROP INDEX insight_verification;
DROP FUNCTION insight_working_days(date, date);
DELETE FROM insight_responsecount;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("insight", "0001_response_counts"),
        ("reports", "0019_one_support_per_person_schema"),
    ]

    operations = [migrations.RunSQL(SQL, DROP)]
