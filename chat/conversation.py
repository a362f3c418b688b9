"""The conversation that files a report by WhatsApp: plain functions from one message and the conversation's state
to the replies and the next state. No network here: the job (chat.tasks) fetches a photo before and sends the
replies after, outside the transaction that calls `respond`.

category → place (a shared location, or a name found by geo.places; skipped with 0 where the category's place is
optional, not asked where it asks none: a city service) → a report of the kind nearby? (support it, or go on) →
photo (skipped with 0 where the category allows) → description → consent to news by WhatsApp → summary: 1 send /
2 change / batal. STOP/BERHENTI, BATAL/CANCEL and MULAI/START work at any point. A complaint not public by its
kind is said to be so when chosen, and is answered with the resident's own link, never a public one.
"""

import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from chat.models import Conversation
from geo import lookup, places
from notify import limits, subscriptions
from notify.compose import absolute
from notify.models import WHATSAPP_CHAT
from reports import ratelimit, services
from reports.filing import DESCRIPTION_MAX, fallback_address, file_report
from reports.models import Category, Report
from reports.photos import ProcessedPhoto

State = Conversation.State
STOP_WORDS = {"stop", "berhenti", "unsubscribe"}
CANCEL_WORDS = {"batal", "cancel"}
START_WORDS = {"mulai", "start"}
YES = {"1", "ya", "iya", "y", "yes", "kirim", "send"}
NO = {"2", "tidak", "tdk", "gak", "nggak", "no", "n", "ubah", "change"}
SKIP = {"0", "lewati", "skip", "tidak ada", "no photo", "tanpa foto"}
# The language heuristic: words a first message is likely to hold, in each language. More English than
# Indonesian words, or the word "english", and the chat speaks English.
ENGLISH_WORDS = {"english", "hello", "hi", "good", "morning", "afternoon", "evening", "i", "want", "would", "like",
                 "to", "report", "a", "the", "there", "is", "broken", "road", "street", "light", "lamp", "hole",
                 "pothole", "drain", "flood", "flooding", "please", "help", "my", "in", "of", "and", "not",
                 "working", "problem", "complaint"}
INDONESIAN_WORDS = {"halo", "hai", "selamat", "pagi", "siang", "sore", "malam", "assalamualaikum", "saya", "mau",
                    "ingin", "lapor", "laporan", "melapor", "jalan", "rusak", "berlubang", "lubang", "lampu", "mati",
                    "saluran", "banjir", "tolong", "ada", "di", "dan", "yang", "tidak", "bapak", "ibu", "pak", "bu",
                    "permisi", "mohon", "keluhan", "indonesia", "bahasa"}


def client_uuid(conversation):
    """The filing's submission id, the same for every confirm of one report of this conversation."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/chat/{conversation.pk}/{conversation.round}")


def words(text):
    return re.findall(r"[a-z]+", (text or "").lower())


def language_of(text):
    """"en" when the message says "english" or holds more English than Indonesian words; else "id"."""
    found = words(text)
    if "english" in found:
        return "en"
    english = sum(word in ENGLISH_WORDS for word in found)
    indonesian = sum(word in INDONESIAN_WORDS for word in found)
    return "en" if english > indonesian else "id"


def command(text):
    """The message as a command or a short answer: lower case, without spaces and punctuation around."""
    return re.sub(r"\s+", " ", (text or "").strip().lower()).strip(" .!?,")


def respond(conversation, message, photo=None, now=None):
    """The replies (texts) to one inbound `message` (chat.models.Inbound), changing `conversation` (saved by the
    caller, in the same transaction). `photo` is what the job made of an image sent while a photo was asked: a
    reports.photos.ProcessedPhoto, or the text saying why not. Idle time is counted to when the message was
    written (WhatsApp's timestamp), not to when a delayed job answers it."""
    now = now or message.sent_at
    text = message.content.get("text", "")
    said = command(text)
    if said in STOP_WORDS:
        return stop(conversation, now)
    if conversation.stopped_at and said not in START_WORDS:
        return []  # stopped: nothing more goes to this number, until the resident starts again
    if conversation.state == State.IDLE or said in START_WORDS:
        if conversation.state == State.IDLE:
            conversation.language = language_of(text)
        conversation.stopped_at = None
        with translation.override(conversation.language):
            return [welcome(), *restart(conversation, now)]
    with translation.override(conversation.language):
        if said in CANCEL_WORDS:
            clear(conversation, State.IDLE)
            return [_("Cancelled: nothing was sent. Write to us again to make a new report.")]
        idle = timedelta(minutes=settings.CHAT_IDLE_MINUTES)
        if conversation.active_at and now - conversation.active_at > idle:
            return [_("Your report was not finished within %(minutes)d minutes, so it was cancelled. Let us start "
                      "again.") % {"minutes": settings.CHAT_IDLE_MINUTES}, *restart(conversation, now)]
        if said in ("english", "bahasa indonesia", "indonesia"):
            conversation.language = "en" if said == "english" else "id"
            with translation.override(conversation.language):
                return [question(conversation)]
        conversation.active_at = now
        return STEPS[conversation.state](conversation, message, said, photo)


def welcome():
    return _("Welcome to the reports service of Kota Padang Panjang. Your report will be public, without your "
             "number. We keep your WhatsApp number and these messages to answer you, and the number with the "
             "report only if you agree: %(privacy)s. Write BATAL to cancel, STOP for no more messages.") % {
        "privacy": absolute(reverse("privacy"))}


def restart(conversation, now):
    clear(conversation, State.CATEGORY)
    conversation.active_at = now
    return [question(conversation)]


def clear(conversation, state):
    conversation.state, conversation.answers = state, {}
    conversation.photo = conversation.thumbnail = None


def stop(conversation, now):
    """STOP/BERHENTI: every subscription of this number ends, and the chat says nothing more but this."""
    conversation.stopped_at = now
    clear(conversation, State.IDLE)
    subscriptions.stop_phone(conversation.phone)
    with translation.override(conversation.language):
        return [_("Done: you will get no more messages from us at this number. Write MULAI to report again.")]


def categories():
    """The categories one can choose, numbered from 1: the sub-categories, under their main category."""
    return list(Category.objects.filter(parent__isnull=False).select_related("parent")
                .order_by("parent__sort_order", "sort_order", "slug"))


def question(conversation):
    """What the conversation waits for, asked again."""
    answers, state = conversation.answers, conversation.state
    if state == State.CATEGORY:
        lines = [f"{number}. {category.parent.name}: {category.name}"
                 for number, category in enumerate(categories(), start=1)]
        return "\n".join([_("What is the problem? Reply with its number:"), *lines])
    if state == State.PLACE:
        if Category.objects.get(pk=answers["category"]).location_mode == Category.LocationMode.OPTIONAL:
            return _("Where did it happen? Share the location (📎 › Location), write the name of the street or "
                     "kelurahan, or reply 0 to go on without a place.")
        return _("Where is it? Share the location (📎 › Location), or write the name of the street or kelurahan.")
    if state == State.PLACE_CHOICE:
        lines = [f"{number}. {name}" for number, (name, _lat, _lon) in enumerate(answers["found"], start=1)]
        return "\n".join([_("Which place is it? Reply with its number, or share the location:"), *lines])
    if state == State.DUPLICATE:
        report = Report.objects.select_related("category").get(pk=answers["duplicate"])
        return _("There is already a similar report near here: %(code)s, %(category)s, %(link)s. Support that "
                 "report? 1 yes / 2 no, send a new report") % {
            "code": report.code, "category": report.category.name, "link": absolute(report.get_absolute_url())}
    if state == State.PHOTO:
        if Category.objects.get(pk=answers["category"]).photo_required:
            return _("Send a photo of the problem.")
        return _("Send a photo of the problem, or reply 0 to go on without one.")
    if state == State.DESCRIPTION:
        return _("Describe the problem in a few words.")
    if state == State.CONSENT:
        return _("May we send news of the report to this number? 1 yes 2 no")
    return summary(conversation)


def summary(conversation):
    answers = conversation.answers
    category = Category.objects.select_related("parent").get(pk=answers["category"])
    return "\n".join([
        _("Your report:"),
        _("Category: %(category)s") % {"category": f"{category.parent.name}: {category.name}"},
        _("Place: %(place)s") % {"place": answers["place"] or _("none")},
        _("Photo: %(photo)s") % {"photo": _("yes") if conversation.photo else _("none")},
        _("Description: %(description)s") % {"description": answers["description"]},
        _("News by WhatsApp: %(consent)s") % {"consent": _("yes") if answers["consent"] else _("no")},
        _("Reply 1 send / 2 change / batal"),
    ])


def ask(conversation, state, *before):
    """Move to `state` and ask its question, after `before`."""
    conversation.state = state
    return [*before, question(conversation)]


def unclear(conversation, hint):
    return [hint, question(conversation)]


def choose_category(conversation, message, said, photo):
    chosen = categories()
    if not said.isdigit() or not 1 <= int(said) <= len(chosen):
        return unclear(conversation, _("Please reply with one of the numbers."))
    category = chosen[int(said) - 1]
    conversation.answers = {"category": category.pk}
    before = [] if category.public_by_default else [
        _("A complaint about a service is not public: only the office that answers it and the city's staff read it.")]
    if category.location_mode == Category.LocationMode.NOT_ASKED:
        conversation.answers["place"] = ""
        return ask(conversation, State.PHOTO, *before)
    return ask(conversation, State.PLACE, *before)


def place(conversation, message, said, photo):
    """A shared location, or a name searched in the city's own gazetteer (geo.places)."""
    if message.kind == "location":
        return at(conversation, message.content["lat"], message.content["lon"], "")
    optional = Category.objects.get(pk=conversation.answers["category"]).location_mode != Category.LocationMode.REQUIRED
    if said in SKIP and optional:
        conversation.answers["place"] = ""
        return ask(conversation, State.PHOTO)
    if message.kind != "text" or not said:
        return unclear(conversation, _("Please share the location or write a place name."))
    found = places.search(message.content["text"].strip()[:100])
    if not found:
        return unclear(conversation, _("No place called “%(text)s” was found.") % {"text": message.content["text"]
                                                                                     .strip()[:100]})
    if len(found) == 1:
        name, lat, lon = found[0]
        return at(conversation, lat, lon, name)
    conversation.answers["found"] = found
    return ask(conversation, State.PLACE_CHOICE)


def choose_place(conversation, message, said, photo):
    found = conversation.answers.get("found", [])
    if message.kind == "location":
        return at(conversation, message.content["lat"], message.content["lon"], "")
    if not said.isdigit() or not 1 <= int(said) <= len(found):
        return unclear(conversation, _("Please reply with one of the numbers."))
    name, lat, lon = found[int(said) - 1]
    return at(conversation, lat, lon, name)


def at(conversation, lat, lon, name):
    """The place is (lat, lon): in the city (geo.lookup's refusal otherwise, and the question again), then the
    duplicate check within the category's radius."""
    category = Category.objects.get(pk=conversation.answers["category"])
    try:
        location = lookup.locate(lookup.point(lat, lon), category)
    except lookup.OutsideCity as outside:
        return ask(conversation, State.PLACE, str(outside))
    where = fallback_address(location)
    conversation.answers.pop("found", None)
    conversation.answers.update(lat=float(lat), lon=float(lon), place=f"{name} ({where})" if name else where)
    # A complaint that is not public is never offered another one's page.
    nearby = services.possible_duplicates(category, lat, lon, limit=1).first() if category.public_by_default else None
    if nearby is not None:
        conversation.answers["duplicate"] = nearby.pk
        return ask(conversation, State.DUPLICATE)
    return ask(conversation, State.PHOTO)


def duplicate(conversation, message, said, photo):
    if said in YES:
        report = Report.objects.get(pk=conversation.answers["duplicate"])
        counted = services.add_support(report, contact=f"whatsapp:{conversation.phone}")
        clear(conversation, State.IDLE)
        text = _("Thank you: your support of %(code)s is counted.") if counted else \
            _("Your support of %(code)s was counted already.")
        return [" ".join([text % {"code": report.code},
                          _("Follow it here: %(link)s") % {"link": absolute(report.get_absolute_url())}])]
    if said in NO:
        conversation.answers.pop("duplicate")
        return ask(conversation, State.PHOTO)
    return unclear(conversation, _("Please reply 1 or 2."))


def take_photo(conversation, message, said, photo):
    """An image (checked and stripped by the job before: `photo`), or 0 where the category allows none."""
    category = Category.objects.get(pk=conversation.answers["category"])
    if message.kind == "image":
        if not isinstance(photo, ProcessedPhoto):
            return unclear(conversation, photo or _("That photo could not be read."))
        conversation.photo, conversation.thumbnail = photo.image, photo.thumbnail
        conversation.answers.update(width=photo.width, height=photo.height)
        return ask(conversation, State.DESCRIPTION)
    if said in SKIP and not category.photo_required:
        return ask(conversation, State.DESCRIPTION)
    return unclear(conversation, _("Please send a photo."))


def describe(conversation, message, said, photo):
    text = message.content.get("text", "").strip() if message.kind == "text" else ""
    if not text:
        return unclear(conversation, _("Please write a few words."))
    if len(text) > DESCRIPTION_MAX:
        return unclear(conversation, _("At most %(max)d characters (this has %(length)d).")
                       % {"max": DESCRIPTION_MAX, "length": len(text)})
    conversation.answers["description"] = text
    return ask(conversation, State.CONSENT)


def consent(conversation, message, said, photo):
    if said not in YES | NO:
        return unclear(conversation, _("Please reply 1 or 2."))
    conversation.answers["consent"] = said in YES
    return ask(conversation, State.CONFIRM)


def confirm(conversation, message, said, photo):
    if said in NO:
        clear(conversation, State.CATEGORY)
        return [_("Let us start again."), question(conversation)]
    if said not in YES:
        return unclear(conversation, _("Please reply 1, 2 or batal."))
    return send(conversation)


def send(conversation):
    """File through reports.filing.file_report, as every channel does: the same lookup, routing, due date and
    limits. The number is kept with the report only with the resident's consent; their message confirmed it."""
    answers = conversation.answers
    # REPORTS_PER_HOUR per number, counted by its keyed digest: no number in the cache.
    if not ratelimit.allow(None, "filing-chat", limits.digest(conversation.phone), settings.REPORTS_PER_HOUR):
        return [_("Too many reports from this number; please try again in an hour.")]
    photos = []
    if conversation.photo:
        photos = [ProcessedPhoto(image=bytes(conversation.photo), width=answers["width"], height=answers["height"],
                                 thumbnail=bytes(conversation.thumbnail))]
    agreed = answers["consent"]
    try:
        report, _created = file_report(
            client_uuid=client_uuid(conversation), category=Category.objects.get(pk=answers["category"]),
            lat=answers.get("lat"), lon=answers.get("lon"), description=answers["description"], photos=photos,
            phone=f"+{conversation.phone}" if agreed else "", channel=WHATSAPP_CHAT if agreed else "",
            contact_consent=agreed, photos_show_people=True)  # nobody was asked: a dispatcher looks first
    except lookup.OutsideCity as outside:  # the boundaries changed since the place was given
        return ask(conversation, State.PLACE, str(outside))
    except ValidationError as error:
        return [" ".join(error.messages)]
    conversation.report, conversation.round = report, conversation.round + 1
    clear(conversation, State.IDLE)
    news = _("We will send news of it to this number.") if agreed else _("Keep the code to follow it.")
    if report.private:  # no public page: the resident's own link
        follow = _("Follow it with your own link (do not share it): %(link)s") % {
            "link": absolute(report.get_private_url())}
    else:
        follow = _("Follow it here: %(link)s") % {"link": absolute(report.get_absolute_url())}
    return [" ".join([
        _("Thank you, your report is filed. Its tracking code: %(code)s (due by %(due)s).")
        % {"code": report.code, "due": formats.date_format(report.due_date, "j F Y")}, follow, news])]


STEPS = {State.CATEGORY: choose_category, State.PLACE: place, State.PLACE_CHOICE: choose_place,
         State.DUPLICATE: duplicate, State.PHOTO: take_photo, State.DESCRIPTION: describe, State.CONSENT: consent,
         State.CONFIRM: confirm}
