"""Photos made in the tests: with EXIF (GPS, device, orientation), broken, oversized."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GANTING_GPS = (-0.460738, 100.417659)


def dms(value):
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))


def photo_bytes(width=640, height=480, fmt="JPEG", orientation=None, gps=None, colour=(200, 30, 30)):
    """An image whose left half is red and right half blue, so orientation is checkable."""
    image = Image.new("RGB", (width, height), colour)
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x010F] = "Samsung"
    exif[0x0110] = "SM-A105F"
    exif[0x013B] = "Budi Santoso"  # Artist: the owner
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "S" if gps[0] < 0 else "N", 2: dms(gps[0]), 3: "E", 4: dms(gps[1])}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes()) if fmt != "PNG" else image.save(out, fmt)
    return out.getvalue()


def upload(content, name="foto.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)
