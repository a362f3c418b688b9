"""reports.photos: every rejection, and what is stored (no metadata, orientation applied, sizes)."""

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image, PngImagePlugin

from reports import photos
from tests.images import GANTING_GPS, photo_bytes, upload


def test_it_stores_a_metadata_free_upright_copy_and_reads_the_gps_first():
    # Orientation 6: the camera was turned; the stored photo must be turned upright (portrait).
    stored = photos.process(upload(photo_bytes(640, 480, orientation=6, gps=GANTING_GPS)), "Foto 1")
    assert stored.gps == pytest.approx(GANTING_GPS, abs=1e-5)
    with Image.open(io.BytesIO(stored.image)) as image:
        assert image.format == "JPEG" and image.size == (480, 640)
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
        top, bottom = image.getpixel((240, 10)), image.getpixel((240, 630))
        # Rotated 90° clockwise: what was the left (red) half is now on top.
        assert top[0] > 150 and bottom[2] > 150
    for marker in (b"Samsung", b"SM-A105F", b"Budi Santoso", b"Exif"):
        assert marker not in stored.image and marker not in stored.thumbnail


def test_a_12_megapixel_jpeg_is_decoded_at_half_size_and_stored_upright_without_metadata():
    # A phone held upright: 4000 x 3000 pixels with orientation 6. Decoded by the DCT at 2000 x 1500 (a full decode
    # shrunk afterwards would give 2048 px), so a quarter of the pixels are ever in memory; then turned upright.
    stored = photos.process(upload(photo_bytes(4000, 3000, orientation=6, gps=GANTING_GPS)), "Foto 1")
    assert stored.gps == pytest.approx(GANTING_GPS, abs=1e-5)
    assert (stored.width, stored.height) == (1500, 2000)
    with Image.open(io.BytesIO(stored.image)) as image:
        assert image.format == "JPEG" and image.size == (1500, 2000)
        assert not image.getexif() and "exif" not in image.info
        top, bottom = image.getpixel((750, 20)), image.getpixel((750, 1980))
        assert top[0] > 150 and bottom[2] > 150  # the left (red) half is now on top
    with Image.open(io.BytesIO(stored.thumbnail)) as thumbnail:
        assert thumbnail.size == (300, 400)
    for marker in (b"Samsung", b"SM-A105F", b"Budi Santoso", b"Exif"):
        assert marker not in stored.image and marker not in stored.thumbnail


def test_it_caps_the_long_edge_at_2048_and_makes_a_thumbnail():
    # 6000 x 4000 (24 MP): decoded at 3000 x 2000, the DCT's largest step that still gives 1536 px, then shrunk.
    for fmt, size in (("JPEG", (6000, 4000)), ("PNG", (3000, 2000))):
        stored = photos.process(upload(photo_bytes(*size, fmt=fmt)), "Foto 1")
        with Image.open(io.BytesIO(stored.image)) as image:
            assert image.size == (2048, 1365)
        with Image.open(io.BytesIO(stored.thumbnail)) as thumbnail:
            assert max(thumbnail.size) == 400


def test_png_and_webp_are_accepted():
    for fmt in ("PNG", "WEBP"):
        stored = photos.process(upload(photo_bytes(300, 200, fmt=fmt), name=f"x.{fmt.lower()}"), "Foto 1")
        assert Image.open(io.BytesIO(stored.image)).format == "JPEG"


def reason(content, name="foto.jpg"):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        photos.process(upload(content, name=name), "Foto 2 (foto.jpg)")
    message = refused.value.messages[0]
    assert message.startswith("Foto 2 (foto.jpg)")
    return message


def test_a_truncated_file_is_refused_by_name():
    assert "is damaged or incomplete" in reason(photo_bytes(800, 600)[:3000])


def test_a_text_file_with_a_photo_name_is_refused():
    assert "is not a photo we can read" in reason(b"this is not a photo at all\n" * 50)


def test_a_gif_is_refused_as_a_format_we_do_not_take():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    message = reason(out.getvalue(), name="foto.jpg")
    assert "JPEG, PNG" in message


def test_a_file_over_10_mb_is_refused_unread():
    assert "10 MB" in reason(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (7_000, 6_000)], ids=["100-mp-bomb", "42-mp"])
def test_a_decompression_bomb_is_refused_before_decoding(width, height):
    """A PNG of 100 (or 42) megapixels that compresses to a few hundred kilobytes."""
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)), 9)

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    assert len(bomb) < 1_000_000
    message = reason(bomb, name="bom.png")
    assert "more than 40 megapixels" in message


SECRET = b"Budi 0812-5555-4444 <script>alert(1)</script>"


def photo_with_comments(fmt):
    """A photo whose ancillary blocks carry personal data: a JPEG COM segment, PNG tEXt/iTXt chunks, WebP XMP."""
    image = Image.new("RGB", (320, 240), (120, 80, 40))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", comment=SECRET)
    elif fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("comment", SECRET.decode())
        text.add_itxt("Author", SECRET.decode())
        image.save(out, "PNG", pnginfo=text)
    else:
        image.save(out, "WEBP", xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>")
    assert SECRET in out.getvalue()  # the test photo does carry it
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_comments_and_text_chunks_are_not_stored(fmt):
    stored = photos.process(upload(photo_with_comments(fmt), name=f"x.{fmt.lower()}"), "Foto 1")
    for kept in (stored.image, stored.thumbnail):
        assert b"0812" not in kept and b"script" not in kept and b"Budi" not in kept
        with Image.open(io.BytesIO(kept)) as image:
            assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}


def test_a_png_or_webp_over_16_megapixels_is_refused_before_decoding():
    big = Image.new("RGB", (5000, 3300))  # 16.5 MP, a few KB as PNG
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        big.save(out, fmt)
        assert "16 megapixels" in reason(out.getvalue(), name=f"x.{fmt.lower()}")


def test_a_large_jpeg_is_decoded_scaled_down_to_the_stored_size():
    stored = photos.process(upload(photo_bytes(6000, 4000)), "Foto 1")  # 24 MP, decoded at 1/2
    assert (stored.width, stored.height) == (2048, 1365)


def test_an_empty_file_is_refused():
    # Django's form refuses it first ("The submitted file is empty"); the photo rules alone refuse it too.
    assert "not a photo we can read" in reason(b"")


def test_a_polyglot_photo_is_stored_as_pixels_only():
    """A real JPEG with a page and a script after its end: accepted as the photo it is, stored without them."""
    polyglot = photo_bytes() + b"<html><script>alert(document.cookie)</script></html>" + b"PK\x03\x04zip"
    stored = photos.process(upload(polyglot), "Foto 1")
    for kept in (stored.image, stored.thumbnail):
        assert b"<script" not in kept and b"PK\x03\x04" not in kept and kept.endswith(b"\xff\xd9")


def test_an_iphone_heic_photo_is_accepted_upright_without_metadata_and_its_gps_read_first():
    heic = photo_bytes(640, 480, fmt="HEIF", gps=GANTING_GPS)  # written by pillow-heif, as an iPhone writes one
    assert heic[4:12] == b"ftypheic"
    stored = photos.process(upload(heic, name="IMG_0001.HEIC", content_type="image/heic"), "Foto 1")
    assert stored.gps == pytest.approx(GANTING_GPS, abs=1e-5)
    with Image.open(io.BytesIO(stored.image)) as image:
        assert image.format == "JPEG" and image.size == (640, 480)
        assert not image.getexif()
        left, right = image.getpixel((10, 240)), image.getpixel((630, 240))
        assert left[0] > 150 and right[2] > 150
    for marker in (b"Samsung", b"Budi Santoso", b"Exif"):
        assert marker not in stored.image and marker not in stored.thumbnail
