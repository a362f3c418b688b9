from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports import tasks  # noqa: F401 (registers the reports' background tasks)
        from reports.models import Document, Photo

        post_delete.connect(photo_deleted, sender=Photo, dispatch_uid="reports-photo-files")
        post_delete.connect(photo_deleted, sender=Document, dispatch_uid="reports-document-file")


def photo_deleted(sender, instance, **kwargs):
    """A photo's files (or a document's file) go with its row (one photo, the admin's bulk delete, or a report's
    cascade), once the deletion has committed: a rolled-back deletion keeps them."""
    from reports.models import delete_photo_files

    names = instance.file_names
    transaction.on_commit(lambda: delete_photo_files(names))
