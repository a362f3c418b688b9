"""Checking and storing residents' photos (Pillow).

Uploads are untrusted: the size, the format (from the content, not the name), the
pixel count (before decoding: a decompression bomb is refused unread) and the
whole decode are checked. What is stored is a re-encoded copy: orientation
applied, every metadata block gone (GPS, device, owner), long edge at most
2048 px, plus a thumbnail. The original is never kept.
"""

import io
import math
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from audit.models import Action, record
from reports import signals
from reports.models import delete_photo_files

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# PNG, WebP and HEIF are decoded whole (JPEG can be decoded scaled down): 16 megapixels cost at most 64 MB as RGBA,
# where 40 cost 460 MB and most of a second. Phones send JPEG, and the map shrinks photos before sending.
MAX_PIXELS_FULL_DECODE = 16_000_000
# HEIF: iPhones save HEIC photos, and a photo picked from the gallery is sent as it is (browsers cannot shrink it).
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
LONG_EDGE = 2048
# A JPEG is decoded scaled down by its DCT (draft) as far as still gives this long edge: a phone's 12-megapixel
# 4000 x 3000 photo is decoded at 2000 x 1500, 9 MB of pixels instead of 36, so a worker's peak stays under 200 MiB
# (bench/worker_memory_bench.py); the stored copy is then 2000 px rather than 2048.
DRAFT_EDGE = 1536
THUMBNAIL_EDGE = 400
GPS_IFD = 0x8825

# Pillow's own guard, at our limit: it is checked from the header, before any decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
register_heif_opener()


@dataclass
class ProcessedPhoto:
    image: bytes
    width: int
    height: int
    thumbnail: bytes
    gps: tuple = None  # (lat, lon) from the original's EXIF, read before it was stripped


def process(upload, label):
    """Check one uploaded file and return its stored versions; ValidationError names `label` otherwise."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("%(photo)s is larger than 10 MB.") % {"photo": label})
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and refuses only above twice that: refuse at once.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:  # reads the header only
                kind, size = probe.format, probe.size
        if kind not in ACCEPTED_FORMATS:
            raise ValidationError(_("%(photo)s is not a JPEG, PNG, WebP or HEIC photo.") % {"photo": label})
        if kind != "JPEG" and size[0] * size[1] > MAX_PIXELS_FULL_DECODE:
            raise ValidationError(_("%(photo)s has more than 16 megapixels; send it as a JPEG, or smaller.")
                                  % {"photo": label})
        upload.seek(0)
        with Image.open(upload) as image:
            if kind == "JPEG":  # decoded at 1/2, 1/4 or 1/8 scale when that still gives DRAFT_EDGE
                scale = DRAFT_EDGE / max(size)
                image.draft("RGB", (math.ceil(size[0] * scale), math.ceil(size[1] * scale)))
            image.load()  # decode everything now: a truncated file fails here
            gps = read_gps(image)
            # One copy of the pixels at a time, made smaller before it is turned upright: no full-size copy of a
            # JPEG (already RGB) and none of the turn. The kept EXIF still says how to turn it.
            if image.mode != "RGB":
                image = image.convert("RGB")
            image.thumbnail((LONG_EDGE, LONG_EDGE))
            ImageOps.exif_transpose(image, in_place=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("%(photo)s has more than 40 megapixels.") % {"photo": label})
    except UnidentifiedImageError:
        raise ValidationError(_("%(photo)s is not a photo we can read.") % {"photo": label})
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("%(photo)s is damaged or incomplete; take or choose it again.") % {"photo": label})
    image.thumbnail((LONG_EDGE, LONG_EDGE))
    stored, (width, height) = _jpeg(image, quality=85), image.size
    image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    return ProcessedPhoto(image=stored, width=width, height=height, thumbnail=_jpeg(image, quality=75), gps=gps)


def _jpeg(image, quality):
    """Encode the pixels alone: Pillow would write a comment (a JPEG COM segment, a PNG text chunk) kept in
    `info` into the new file, so `info` goes; a converted RGB image carries no EXIF, XMP or ICC block."""
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def read_gps(image):
    """(lat, lon) from a photo's EXIF GPS block, or None."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


def _degrees(dms, ref, negative_ref):
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper().startswith(negative_ref) else value


@dataclass(frozen=True)
class Region:
    """A rectangle to blur, in fractions of the photo's width and height (0 to 1), so one drawing fits the image
    and its thumbnail alike."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def parse(cls, item):
        """A Region from {"left", "top", "width", "height"}; ValueError when a number is missing or off the photo."""
        try:
            region = cls(*(float(item[key]) for key in ("left", "top", "width", "height")))
        except (KeyError, TypeError, ValueError):
            raise ValueError("a region needs left, top, width and height") from None
        inside = 0 <= region.left < 1 and 0 <= region.top < 1 and region.width > 0 and region.height > 0
        if not inside or region.left + region.width > 1.0001 or region.top + region.height > 1.0001:
            raise ValueError("a region lies outside the photo")
        return region

    def box(self, size):
        """(left, upper, right, lower) in pixels of an image of `size`, at least one pixel each way."""
        width, height = size
        left, top = math.floor(self.left * width), math.floor(self.top * height)
        return (left, top, max(left + 1, min(width, math.ceil((self.left + self.width) * width))),
                max(top + 1, min(height, math.ceil((self.top + self.height) * height))))


def _blurred(image, regions):
    """`image` with `regions` blurred (the whole picture without regions); pixels outside them stay as they were."""
    radius = max(image.size) / 40
    if not regions:
        return image.filter(ImageFilter.GaussianBlur(radius))
    for region in regions:
        box = region.box(image.size)
        # Blurred with a margin around it, so the rectangle's edge pixels mix with their neighbours, not black.
        margin = math.ceil(radius * 2)
        outer = (max(0, box[0] - margin), max(0, box[1] - margin),
                 min(image.width, box[2] + margin), min(image.height, box[3] + margin))
        patch = image.crop(outer).filter(ImageFilter.GaussianBlur(radius))
        inner = (box[0] - outer[0], box[1] - outer[1], box[2] - outer[0], box[3] - outer[1])
        image.paste(patch.crop(inner), box[:2])
    return image


def blur(photo, by, regions=()):
    """Blur a stored reports.models.Photo (image and thumbnail), for moderation: only `regions` (faces, number
    plates the reviewer drew; Region), or the whole picture when none is given.

    The blurred files get new names, so no browser or proxy cache can still serve the photo unblurred under its
    old URL; the old files (the original included: nothing keeps it) are deleted once the new names are
    committed. One audit entry by `by` (a user or a command's name), and reports.signals.photo_replaced.
    """
    blurred = []
    for field in (photo.image, photo.thumbnail):
        with field.open("rb") as stored:
            image = Image.open(io.BytesIO(stored.read())).convert("RGB")
        blurred.append(_jpeg(_blurred(image, regions), quality=80))
    old = photo.file_names
    with transaction.atomic():
        photo.write_files(*blurred)
        photo.save(update_fields=["image", "thumbnail"])
        record(by, Action.BLUR, [photo], {"regions": len(regions)} if regions else None)
        transaction.on_commit(lambda: delete_photo_files(old))
        signals.photo_replaced.send(type(photo), photo=photo)


def publish(photos, by):
    """Publish the photos of `photos` (a queryset) still waiting for review: one audit entry each by `by`, and
    reports.signals.photo_published for each, so systems holding the report get it now. Returns those published."""
    with transaction.atomic():
        waiting = list(photos.select_for_update().filter(published=False))
        record(by, Action.PUBLISH, waiting)
        for photo in waiting:
            photo.published = True
            photo.save(update_fields=["published"])
            signals.photo_published.send(type(photo), photo=photo)
    return waiting
