"""What the reports app announces; other apps (forwarding/) listen instead of being called.

Each is sent inside the transaction of the change, so a listener's writes (a job enqueued) commit or roll back
with it.
"""

from django.dispatch import Signal

# A report was filed (reports.filing.file_report): `report`.
report_filed = Signal()
# A report moved along the workflow (reports.workflow.change_status): `change`, the StatusChange row.
status_changed = Signal()
# A stored photo got new files (reports.photos.blur): `photo`; its old URL no longer serves it.
photo_replaced = Signal()
