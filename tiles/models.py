"""Public reports counted per small tile: what the low-zoom report tiles add up instead of reading every report."""

from django.db import models


class ReportCell(models.Model):
    """The public reports of one category and status in one zoom-16 tile (x, y): how many, and their sums.

    Kept by triggers on reports_report (migration 0001): every insert, update and delete, whatever
    made it (the ORM, QuerySet.update(), raw SQL), adds and subtracts here in the same transaction.
    A report tile up to zoom 14 clusters by zoom-16 tiles or groups of them, so it adds up these rows
    (a few per cell) instead of every report: its cost no longer grows with the reports it covers.
    """

    ZOOM = 16

    x = models.IntegerField()
    y = models.IntegerField()
    category = models.ForeignKey("reports.Category", models.CASCADE, related_name="+")
    status = models.CharField(max_length=12)
    count = models.IntegerField(default=0)
    sum_lon = models.FloatField(default=0)
    sum_lat = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["x", "y", "category", "status"], name="tiles_reportcell_once"),
        ]

    def __str__(self):
        return f"{self.ZOOM}/{self.x}/{self.y} {self.category_id} {self.status}: {self.count}"


class TileVersion(models.Model):
    """The version of one report tile z/x/y: its cached body and ETag are keyed by it.

    Kept by triggers on reports_report (migration 0002), in the transaction of the change, whatever made it
    (the ORM, QuerySet.update(), raw SQL, a migration): a new version is seen exactly when the change is.
    A tile no report ever changed has no row (version 0).
    """

    pk = models.CompositePrimaryKey("z", "x", "y")
    z = models.SmallIntegerField()
    x = models.IntegerField()
    y = models.IntegerField()
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.z}/{self.x}/{self.y} v{self.version}"
