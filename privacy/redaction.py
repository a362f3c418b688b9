"""Personal data residents write into free text (a phone number, a neighbour's name), removed by a dispatcher.

Only removal: every occurrence of the words given is replaced by a marker, so a redaction cannot put words in a
resident's mouth. Every text kept about a report is rewritten in place: the description, the address and the
answers to the category's questions; the history's notes and their copies for LAPOR! or a partner; the answers to
"Sudah diperbaiki?"; the LAPOR! complaint as it came. The audit trail records who, when and which fields, never
the words removed, and no copy of the old text is kept anywhere.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action, record
from forwarding.models import Disposition, FollowUp
from notify.models import FixAnswer, SurveyAnswer
from reports.models import Report, StatusChange


def marker():
    return _("[removed]")


def without(text, words):
    """`text` with every occurrence of each of `words` (any case) replaced by the marker."""
    for word in sorted(words, key=len, reverse=True):  # the longest first: "Budi Santoso" before "Budi"
        text = re.sub(re.escape(word), marker(), text, flags=re.IGNORECASE)
    return text


def without_in(value, words):
    """`without` on every string in a JSON value (a complaint as LAPOR! sent it, a report's answers)."""
    if isinstance(value, str):
        return without(value, words)
    if isinstance(value, dict):
        return {key: without_in(inner, words) for key, inner in value.items()}
    if isinstance(value, list):
        return [without_in(inner, words) for inner in value]
    return value


def texts(report):
    """Each text kept about `report`: (its rows, the field, what the audit trail calls one; None: the report's own)."""
    own = Report.objects.filter(pk=report.pk)
    return [
        (own, "description", None), (own, "address", None), (own, "attributes", None),
        (StatusChange.objects.filter(report=report), "note", "note"),
        (FollowUp.objects.filter(forwarding__report=report), "note", "follow-up"),
        (FixAnswer.objects.filter(report=report), "comment", "answer"),
        (SurveyAnswer.objects.filter(report=report), "suggestion", "suggestion"),
        (Disposition.objects.filter(report=report), "payload", "complaint"),
    ]


def redact(report, words, by):
    """Remove `words` from every text kept about the report (texts). Returns the fields changed ("description",
    "note <id>", "answer <id>", "suggestion <id>", "complaint <id>", …), which the audit trail keeps."""
    words = [word.strip() for word in words if word.strip()]
    changed = []
    with transaction.atomic():
        for rows, field, name in texts(report):
            for pk, text in rows.values_list("pk", field):
                redacted = without_in(text, words)
                if redacted != text:
                    rows.filter(pk=pk).update(**{field: redacted})
                    changed.append(f"{name} {pk}" if name else field)
        if changed:
            record(by, Action.REDACT, [report], {"fields": changed})
    report.refresh_from_db(fields=["description", "address", "attributes"])
    return changed
