"""A dispatcher at the desk, at 360 x 740 and 1280 x 800 against the production server: verifying from the queue
takes one page load, merging two, every other action on a report's screen one; the counts of what waits refresh
without a reload."""

import pytest
from django.core.cache import cache

from desk import counts
from geo.models import Crew
from reports.models import Report, ResponseTemplate
from tests.conftest import REPORTER_PHONE, make_report, signed_in_browser, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [{"width": 360, "height": 740}, {"width": 1280, "height": 800}]


def at_the_desk(phones, django_user_model, size, path, fake_clock=False):
    """A dispatcher's browser signed in on `path` (tests.conftest.signed_in_browser)."""
    return signed_in_browser(phones, staff_user(django_user_model, "dewi", "dispatcher"), path, size, fake_clock)


def loads(page):
    """The pages the browser loads from now on."""
    counted = []
    page.on("load", lambda: counted.append(page.url))
    return counted


@pytest.mark.parametrize("size", SIZES, ids=["phone", "desk"])
def test_verify_from_the_queue_is_one_page_load(phones, django_user_model, size):
    first = make_report(with_photo=True)
    make_report(north=0.0001)
    page = at_the_desk(phones, django_user_model, size, "/meja/antrean/")
    assert page.locator("#queue .row").count() == 2
    assert page.locator(".queue-marker").count() == 2  # numbered markers matching the rows
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    loaded = loads(page)
    page.keyboard.press("j")  # the first row, then v verifies it
    page.keyboard.press("v")
    page.wait_for_selector(f".messages:has-text('{first.code} telah diverifikasi')")
    assert len(loaded) == 1
    assert Report.objects.get(pk=first.pk).status == "diverifikasi"
    assert page.locator("#queue .row").count() == 1  # back in the queue of new reports, without it


@pytest.mark.parametrize("size", SIZES, ids=["phone", "desk"])
def test_merge_from_the_queue_is_two_page_loads(phones, django_user_model, size):
    original = make_report(with_photo=True, status="diverifikasi")
    duplicate = make_report(north=0.0001, with_photo=True)
    page = at_the_desk(phones, django_user_model, size, "/meja/antrean/")
    loaded = loads(page)
    page.keyboard.press("j")
    page.keyboard.press("m")  # the report's screen, at its candidates
    page.wait_for_selector("#gabung .candidates img")
    page.click(f"#gabung button.merge:has-text('{original.code}')")
    page.wait_for_selector(f".messages:has-text('{duplicate.code} digabungkan ke {original.code}')")
    assert len(loaded) == 2
    merged = Report.objects.get(pk=duplicate.pk)
    assert (merged.status, merged.duplicate_of_id) == ("duplikat", original.pk)


def test_the_counts_refresh_every_minute_without_a_reload(phones, django_user_model):
    make_report()
    page = at_the_desk(phones, django_user_model, SIZES[0], "/meja/", fake_clock=True)
    assert page.inner_text("[data-count=baru]") == "1"
    loaded = loads(page)
    make_report(north=0.0001)
    cache.delete(counts.CACHE_KEY)  # kept DESK_COUNTS_CACHE_S of real time: the page's minute is Playwright's
    page.clock.run_for(60_000)
    page.wait_for_function("() => document.querySelector('[data-count=baru]').textContent === '2'")
    assert loaded == []


class Walk:
    """A task walked on the page: every tap (a click, a choice in a list, a key) and every page load counted."""

    def __init__(self, page):
        self.page, self.taps, self.loads = page, 0, loads(page)

    def tap(self, selector, choose=None):
        """A tap on `selector`; with `choose`, the option with that label chosen too (a second tap)."""
        if choose is None:
            self.page.click(selector)
        else:
            self.page.select_option(selector, label=choose)
        self.taps += 1 if choose is None else 2

    def type(self, selector, text):
        self.page.fill(selector, text)  # the typing itself is not counted as taps, the field's tap is
        self.taps += 1

    def saved(self, selector, message):
        """The form's button tapped; the answer's page shows `message`."""
        self.tap(selector)
        self.page.wait_for_selector(f".messages:has-text('{message}')")


@pytest.mark.parametrize("size", SIZES, ids=["phone", "desk"])
def test_each_action_on_a_report_is_one_page_load_from_its_screen(phones, django_user_model, size):
    """Reject with a template, assign a crew, change the category, hide, show the contact: from the queue, one
    page load opens the report, and each action is one more (its answer is the same screen)."""
    ResponseTemplate.objects.create(title="Bukan wewenang kota", statuses=["ditolak"],
                                    text="Jalan ini jalan provinsi; laporan diteruskan ke provinsi.")
    rejected = make_report(with_photo=True)
    other = make_report(north=0.0005, status="diverifikasi")
    page = at_the_desk(phones, django_user_model, size, "/meja/antrean/")
    found = {}

    walk = Walk(page)  # reject, with a reason from a response template
    walk.tap(f"#queue a:has-text('{rejected.code}')")
    walk.tap("#tolak input[value=ditolak]")
    walk.tap("#id_template", choose="Bukan wewenang kota")
    walk.saved("#tolak button.primary", f"{rejected.code} sekarang")
    found["reject"] = (walk.taps, len(walk.loads))

    page.goto(phones.url + f"/meja/laporan/{other.code}/")  # each next task from the report's screen
    crew = Crew.objects.exclude(pk=other.crew_id).first()
    for task, steps in {
        "assign": lambda walk: (walk.tap("#id_crew", choose=crew.name),
                                walk.saved("#petugas form:has(#id_crew) button", "Dialihkan ke")),
        "category": lambda walk: (walk.tap("#id_category", choose="Drainase: Saluran tersumbat"),
                                  walk.saved("#petugas form:has(#id_category) button", "Kategori diubah")),
        "hide": lambda walk: (walk.type("#id_reason", "Iklan, bukan laporan."),
                              walk.saved("#sembunyikan form:has(#id_reason) button", "disembunyikan")),
        "contact": lambda walk: (walk.tap("#pribadi form[action$='/kontak/'] button"),
                                 page.wait_for_selector(f"#contact:has-text('{REPORTER_PHONE}')")),
    }.items():
        walk = Walk(page)
        steps(walk)
        found[task] = (walk.taps, len(walk.loads))
    assert found == {"reject": (5, 2), "assign": (3, 1), "category": (3, 1), "hide": (2, 1), "contact": (1, 1)}
    other.refresh_from_db()
    # The new category routed it again (its crew too), after the crew assigned by hand.
    assert (other.category.slug, other.hidden) == ("saluran-tersumbat", True)
    assert Report.objects.get(pk=rejected.pk).status == "ditolak"
