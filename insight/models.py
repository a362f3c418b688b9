"""The response times' histogram, kept by PostgreSQL's triggers (migration 0001) as reports and their history change."""

from django.db import models


class ResponseCount(models.Model):
    """How many public reports of a crew, kelurahan and category took `days` working days to be verified or fixed,
    in the month (the city's) they were verified or fixed; for fixes, how many of them by their due date.

    A few hundred rows a month however many reports there are: the response-time page adds them up (insight.times).
    """

    class Measure(models.TextChoices):
        VERIFY = "verify"
        FIX = "fix"

    measure = models.CharField(max_length=6, choices=Measure.choices)
    month = models.DateField()
    # No database constraint: a crew deleted sets its reports' crew to none (the trigger moves their counts there),
    # and its own rows, then all zero, stay behind harmlessly.
    crew = models.ForeignKey("geo.Crew", models.DO_NOTHING, null=True, db_constraint=False, related_name="+")
    kelurahan = models.ForeignKey("geo.Kelurahan", models.CASCADE, related_name="+")
    category = models.ForeignKey("reports.Category", models.CASCADE, related_name="+")
    days = models.IntegerField()
    count = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["measure", "month", "crew", "kelurahan", "category", "days"], nulls_distinct=False,
            name="insight_responsecount_once")]
        # The page reads the last 12 months of a table that holds every month since the first report.
        indexes = [models.Index(fields=["month"], name="insight_responsecount_month")]

    def __str__(self):
        return f"{self.measure} {self.month:%Y-%m} {self.days}: {self.count}"
