"""An office member at the desk on a phone (360 x 740, the production server, Bahasa Indonesia): their queue, the
complaint's screen without an accessibility violation, answered and closed in one page load, then handed over."""

import pytest
from django.db import connections

from reports.models import Report, Status
from tests.conftest import signed_in_browser
from tests.test_accessibility import violations
from tests.test_office_desk import OTHER, complaint, member, office

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def test_an_office_member_answers_and_hands_over_on_a_phone(phones, django_user_model):
    answered = complaint(status=Status.DIVERIFIKASI)
    misrouted = complaint(description="Dokter puskesmas tidak datang.")
    others = complaint(OTHER, "Sampah menumpuk di pasar.")
    user = member(django_user_model, "sari", "dinas-kesehatan")
    connections.close_all()
    page = signed_in_browser(phones, user, "/meja/antrean/", PHONE)
    queue = page.inner_text("#queue")  # the new ones: not the verified one, nor another office's
    assert misrouted.code in queue and answered.code not in queue and others.code not in queue

    page.goto(phones.url + f"/meja/laporan/{answered.code}/")
    assert violations(page) == []
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.fill("#id_answer", "Dokter jaga sudah ditambah mulai Senin.")
    page.click("#jawab button.primary")
    page.wait_for_selector("#status:has-text('ditutup')")
    assert len(loads) == 1  # the answer's redirect lands on the same screen
    answered.refresh_from_db()
    assert answered.status == Status.DITUTUP

    page.goto(phones.url + f"/meja/laporan/{misrouted.code}/")
    page.select_option("#id_office", label=office("dinas-lingkungan-hidup").name)
    page.fill("#id_handover_reason", "Soal kebersihan puskesmas: DLH.")
    page.click("#serahkan button")
    page.wait_for_url("**/meja/antrean/")
    assert misrouted.code not in page.inner_text("#queue")
    assert Report.objects.get(pk=misrouted.pk).office == office("dinas-lingkungan-hidup")
