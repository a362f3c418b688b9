"""What reports announce; other apps listen (notify tells residents). Sent inside the change's transaction."""

from django.dispatch import Signal

# A report was filed: `report`, and how its reporter chose to hear back: `channel` ("" when they chose none) and
# `consent` (they agreed that their phone number be used for it).
report_filed = Signal()
# A report's status changed: `change`, the StatusChange (its history row).
status_changed = Signal()
