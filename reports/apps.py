from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from assets.models import AssetKind
        from offices.models import Office
        from reports import catalogue, tasks  # noqa: F401 (tasks registers the reports' background tasks)
        from reports.models import Category, CategoryAttribute, Document, Photo

        post_delete.connect(photo_deleted, sender=Photo, dispatch_uid="reports-photo-files")
        post_delete.connect(photo_deleted, sender=Document, dispatch_uid="reports-document-file")
        for model in (Category, CategoryAttribute, AssetKind, Office):  # what a resident chooses from
            for signal in (post_save, post_delete):
                signal.connect(catalogue.renew, sender=model, dispatch_uid=f"reports-catalogue-{model.__name__}")


def photo_deleted(sender, instance, **kwargs):
    """A photo's files (or a document's file) go with its row (one photo, the admin's bulk delete, or a report's
    cascade), once the deletion has committed: a rolled-back deletion keeps them."""
    from reports.models import delete_photo_files

    names = instance.file_names
    transaction.on_commit(lambda: delete_photo_files(names))
