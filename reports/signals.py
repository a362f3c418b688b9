"""What the reports app announces; other apps listen instead of being called (notify/ tells residents,
forwarding/ tells LAPOR!-SP4N and partners).

Each is sent inside the transaction of the change, so a listener's writes (a job enqueued) commit or roll back
with it.
"""

from django.dispatch import Signal

# A report was filed (reports.filing.file_report): `report`, and how its reporter chose to hear back: `channel`
# ("" when they chose none) and `consent` (they agreed that their phone number be used for it).
report_filed = Signal()
# A report moved along the workflow (reports.workflow.change_status): `change`, the StatusChange row.
status_changed = Signal()
# A stored photo got new files (reports.photos.blur): `photo`; its old URL no longer serves it.
photo_replaced = Signal()
# A photo that waited for a dispatcher's review (Photo.published) is published: `photo`.
photo_published = Signal()
