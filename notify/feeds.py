"""Atom feeds of new public reports: the whole city, and one kelurahan (with each report's point, GeoRSS)."""

from django.contrib.gis.feeds import Feed, GeoAtom1Feed
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from geo.models import Kelurahan
from reports.models import Report

LATEST = 50


class CityFeed(Feed):
    feed_type = GeoAtom1Feed

    def title(self, obj=None):
        return _("New reports in Padang Panjang")

    def link(self, obj=None):
        return "/"

    def subtitle(self, obj=None):
        return _("Problems residents reported on roads, drainage and street lighting.")

    def reports(self, obj=None):
        return Report.objects.public()

    def items(self, obj=None):
        return (self.reports(obj).select_related("category__parent", "kelurahan").order_by("-created")[:LATEST])

    def item_title(self, report):
        return f"{report.code}: {report.category} ({report.get_status_display()})"

    def item_description(self, report):
        return f"{report.address}. {report.description}"

    def item_pubdate(self, report):
        return report.created

    def item_updateddate(self, report):
        return report.updated

    def item_categories(self, report):
        return [str(report.category.parent or report.category), str(report.category)]

    def item_geometry(self, report):
        return report.location


class KelurahanFeed(CityFeed):
    def get_object(self, request, code):
        return get_object_or_404(Kelurahan, code=code)

    def title(self, kelurahan):
        return _("New reports in Kelurahan %(name)s") % {"name": kelurahan.name}

    def reports(self, kelurahan):
        return Report.objects.public().filter(kelurahan=kelurahan)
