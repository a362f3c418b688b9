"""Personal data residents write into free text (a phone number, a neighbour's name), removed by a dispatcher.

Only removal: every occurrence of the words given is replaced by a marker, so a redaction cannot put words in a
resident's mouth. The description and the history's notes are rewritten in place; the audit trail records who,
when and which fields, never the words removed, and no copy of the old text is kept anywhere.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action, record
from reports.models import Report, StatusChange


def marker():
    return _("[removed]")


def without(text, words):
    """`text` with every occurrence of each of `words` (any case) replaced by the marker."""
    for word in sorted(words, key=len, reverse=True):  # the longest first: "Budi Santoso" before "Budi"
        text = re.sub(re.escape(word), marker(), text, flags=re.IGNORECASE)
    return text


def redact(report, words, by):
    """Remove `words` from the report's description and history notes. Returns the fields changed
    ("description", "note <id>"), which the audit trail keeps."""
    words = [word.strip() for word in words if word.strip()]
    changed = []
    with transaction.atomic():
        description = without(report.description, words)
        if description != report.description:
            Report.objects.filter(pk=report.pk).update(description=description)
            changed.append("description")
        for change in StatusChange.objects.filter(report=report).exclude(note=""):
            note = without(change.note, words)
            if note != change.note:
                StatusChange.objects.filter(pk=change.pk).update(note=note)
                changed.append(f"note {change.pk}")
        if changed:
            record(by, Action.REDACT, [report], {"fields": changed})
    report.refresh_from_db(fields=["description"])
    return changed
