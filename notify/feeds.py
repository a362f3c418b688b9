"""Atom feeds of new public reports: the whole city, and one kelurahan (with each report's point, GeoRSS)."""

from django.contrib.gis.feeds import Feed, GeoAtom1Feed
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator

from geo.models import Kelurahan
from reports.interop.xmltext import xml_text
from reports.models import Report

LATEST = 50


class XMLTextGenerator(SimplerXMLGenerator):
    """Writes text and attributes without the characters XML 1.0 forbids, where Django's raises (an answer 500)."""

    def characters(self, content):
        super().characters(xml_text(content) if content else content)

    def startElement(self, name, attrs):
        super().startElement(name, {key: xml_text(value) for key, value in (attrs or {}).items()})


class ReportAtomFeed(GeoAtom1Feed):
    """GeoRSS Atom whose every field passes through XMLTextGenerator, and whose summaries are plain text: a
    report's words are the resident's, which a feed reader must not render as HTML (Django writes type="html")."""

    def write(self, outfile, encoding):
        # Atom1Feed.write, with our handler.
        handler = XMLTextGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        handler.addQuickElement("summary", item["description"], {"type": "text"})


class CityFeed(Feed):
    feed_type = ReportAtomFeed
    author_name = "Lapor Padangpanjang"  # RFC 4287: a feed names its author unless every entry does

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
