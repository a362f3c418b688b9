"""Photo review on the staff desk (desk/review.py) and its domain functions (reports.photos.blur, publish)."""

import io
import json

import pytest
from django.test import Client
from PIL import Image

from audit.models import Action, AuditEntry
from reports import photos, signals
from reports.models import Photo
from tests.conftest import make_report, staff_user, verified_login
from tests.images import upload

pytestmark = pytest.mark.django_db


def stripes(width=640, height=480):
    """Black and white stripes 8 px wide: a blur turns them grey, so a blurred pixel is easy to tell."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    for x in range(0, width, 16):
        image.paste((0, 0, 0), (x, 0, x + 8, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def waiting_photo(content=None):
    report = make_report(with_photo=True)
    photo = report.photos.get()
    if content:
        processed = photos.process(upload(content, "x.png"), "1")
        photo.write_files(processed.image, processed.thumbnail)
    photo.published = False
    photo.save()
    return photo


def pixels(field):
    with field.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read())).convert("L")


def test_a_region_blur_changes_the_pixels_inside_and_leaves_those_outside(django_capture_on_commit_callbacks):
    photo = waiting_photo(stripes())
    before = pixels(photo.image)
    region = photos.Region(left=0.25, top=0.25, width=0.25, height=0.25)  # x 160-320, y 120-240
    with django_capture_on_commit_callbacks(execute=True):
        photos.blur(photo, "test", [region])
    after = pixels(photo.image)
    inside = [abs(before.getpixel((x, y)) - after.getpixel((x, y))) for x in range(168, 312) for y in range(128, 232)]
    outside = [abs(before.getpixel((x, y)) - after.getpixel((x, y)))
               for x in range(0, 640, 3) for y in range(0, 480, 3) if not (144 <= x < 336 and 104 <= y < 256)]
    assert sum(inside) / len(inside) > 60  # the stripes became grey
    assert max(outside) <= 24 and sum(outside) / len(outside) < 2  # only the JPEG's re-encoding moved them
    assert AuditEntry.objects.get(action=Action.BLUR).details == {"regions": 1}


def test_a_region_is_refused_off_the_photo():
    assert photos.Region.parse({"left": "0.1", "top": 0.2, "width": 0.5, "height": 0.5}).left == 0.1
    for bad in ({"left": 0.8, "top": 0, "width": 0.5, "height": 0.1}, {"left": 0, "top": 0, "width": 0, "height": 1},
                {"left": -0.1, "top": 0, "width": 0.5, "height": 0.5}, {"left": "x"}, [1, 2]):
        with pytest.raises(ValueError):
            photos.Region.parse(bad)


def test_publishing_announces_each_photo_and_audits_it_once():
    photo = waiting_photo()
    heard = []

    def listener(sender, photo, **kwargs):
        heard.append(photo.pk)

    signals.photo_published.connect(listener)
    try:
        assert photos.publish(Photo.objects.all(), "test") == [photo]
        assert photos.publish(Photo.objects.all(), "test") == []  # published already: nothing twice
    finally:
        signals.photo_published.disconnect(listener)
    assert heard == [photo.pk] and AuditEntry.objects.filter(action=Action.PUBLISH).count() == 1


@pytest.fixture
def reviewers(django_user_model):
    make = {role: staff_user(django_user_model, role, role) for role in ("crew", "planner", "dispatcher")}
    return {role: verified_login(Client(), user) for role, user in make.items()}


def test_only_dispatchers_review(reviewers, client):
    photo = waiting_photo()
    assert client.get("/meja/foto/").status_code == 302  # to sign in
    for role in ("crew", "planner"):
        assert reviewers[role].get("/meja/foto/").status_code == 403
        assert reviewers[role].post(f"/meja/foto/{photo.pk}/").status_code == 403
    page = reviewers["dispatcher"].get("/meja/foto/")
    assert page.status_code == 200 and photo.thumbnail.url in page.content.decode()


def test_a_dispatcher_blurs_regions_then_publishes_in_one_call(reviewers):
    photo = waiting_photo(stripes())
    published = make_report(with_photo=True).photos.get()
    desk = reviewers["dispatcher"]
    assert published.thumbnail.url not in desk.get("/meja/foto/").content.decode()  # published: not waiting
    regions = [{"left": 0.1, "top": 0.1, "width": 0.2, "height": 0.2}, {"left": 0.6, "top": 0.5, "width": 0.3,
                                                                          "height": 0.4}]
    answer = desk.post(f"/meja/foto/{photo.pk}/", {"regions": json.dumps(regions)})
    assert answer.json() == {"published": photo.pk, "blurred": 2}
    old_name = photo.image.name
    photo.refresh_from_db()
    assert photo.published and photo.image.name != old_name
    assert desk.post(f"/meja/foto/{photo.pk}/").status_code == 404  # reviewed already


def test_bad_regions_are_answered_with_the_field(reviewers):
    photo = waiting_photo()
    answer = reviewers["dispatcher"].post(f"/meja/foto/{photo.pk}/", {"regions": '[{"left": 2}]'},
                                          HTTP_ACCEPT_LANGUAGE="id")
    assert answer.status_code == 400 and list(answer.json()) == ["regions"]
    photo.refresh_from_db()
    assert not photo.published


def test_the_admins_actions_call_the_same_functions(admin_client):
    photo = waiting_photo()
    admin_client.post("/admin/reports/photo/", {"action": "publish", "_selected_action": [photo.pk]})
    photo.refresh_from_db()
    assert photo.published and AuditEntry.objects.filter(action=Action.PUBLISH).count() == 1
