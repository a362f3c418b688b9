"""The response times' histograms, kept by PostgreSQL's triggers (migration 0002) as reports and history change."""

from django.db import models


class ResponseCount(models.Model):
    """How many public reports took `days` working days to be verified or fixed, in the month (the city's) they were
    verified or fixed, for one crew, kelurahan, category or office (or the whole city); for fixes, how many by their
    due date.

    One histogram per table of the page, not one per crew × kelurahan × category: a page's table reads its own few
    hundred rows a month however many reports there are (insight.times).
    """

    class Measure(models.TextChoices):
        VERIFY = "verify"
        FIX = "fix"

    class Dimension(models.TextChoices):
        CITY = "city"
        CREW = "crew"
        KELURAHAN = "kelurahan"
        CATEGORY = "category"
        OFFICE = "office"

    dimension = models.CharField(max_length=9, choices=Dimension.choices)
    # The crew's, kelurahan's, category's or office's id; 0 for the city, and for reports without a crew, a
    # kelurahan or an office. No foreign key: a crew deleted sets its reports' crew to none (the trigger moves
    # their counts to 0), and its rows, then all zero, stay behind harmlessly.
    key = models.IntegerField()
    measure = models.CharField(max_length=6, choices=Measure.choices)
    month = models.DateField()
    days = models.IntegerField()
    count = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "month", "key", "measure", "days"],
                                               name="insight_responsecount_once")]

    def __str__(self):
        return f"{self.dimension} {self.key} {self.measure} {self.month:%Y-%m} {self.days}: {self.count}"


class KeptRecurrence(models.Model):
    """The whole city's recurrence over the default window, in one language, as the job insight.keep_recurrence
    last computed it (insight.kept): the page and the API answer their default view from here, as PostgreSQL wrote
    it, instead of probing every fix of the city for each request (seconds at a million reports; docs/figures.md).
    """

    language = models.CharField(max_length=8, primary_key=True)
    zone = models.CharField(max_length=64)  # the time zone its times are written in
    site = models.CharField(max_length=200)  # the start of its report URLs (SITE_URL)
    computed_at = models.DateTimeField()
    since = models.DateTimeField()  # the window's first fix: computed_at less the default months
    # The API's answer (a FeatureCollection of insight.hotspots.recurrences_json with its timeStamp), gzipped: sent
    # as it is to the clients that take gzip (browsers, GDAL, QGIS), instead of GZipMiddleware compressing 22 MB for
    # every request at a million reports; unpacked for the others and the CSV.
    geojson_gzip = models.BinaryField()
    largest = models.TextField()  # insight.hotspots.recurrences_page: the page's list,
    drawn = models.TextField()  # its map's points (safe inside a <script>),
    count = models.IntegerField()  # and how many places

    def __str__(self):
        return f"{self.language} {self.computed_at:%Y-%m-%d %H:%M}: {self.count}"
