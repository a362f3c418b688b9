"""The second step of signing in: a code from an authenticator app (TOTP through django-otp)."""

from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice


def _next(request):
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _same_query(name, request):
    query = request.GET.urlencode()
    return reverse(name) + (f"?{query}" if query else "")


def _signed_in_with(request, device):
    """Whether the posted code is the device's; django-otp counts a wrong one and locks the device a while."""
    code = request.POST.get("code", "").replace(" ", "")
    verified = django_otp.verify_token(request.user, device.persistent_id, code)
    if verified is None:
        return False
    if not verified.confirmed:
        verified.confirmed = True
        verified.save(update_fields=["confirmed"])
    request.session.cycle_key()  # the session now opens more: a new key, as at the password step
    django_otp.login(request, verified)
    return True


WRONG_CODE = gettext_lazy("That code is not right, or came too soon after a wrong one. Wait a moment (longer after "
                          "each wrong code), then type the code your app shows now.")


@login_required
def verify(request):
    """The code from the app set up earlier; the first time, the app is set up instead."""
    device = next(django_otp.devices_for_user(request.user), None)
    if device is None:
        return redirect(_same_query("otp-enrol", request))
    if request.method == "POST" and _signed_in_with(request, device):
        return redirect(_next(request))
    error = WRONG_CODE if request.method == "POST" else None
    return render(request, "registration/otp_verify.html", {"error": error, "next": _next(request)})


@login_required
def enrol(request):
    """A new secret for the user's app, as a QR code and as text; its first code confirms it."""
    if django_otp.user_has_device(request.user):
        return redirect(_same_query("otp-verify", request))
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": _("authenticator app")})
    if request.method == "POST" and _signed_in_with(request, device):
        return redirect(_next(request))
    context = {
        "error": WRONG_CODE if request.method == "POST" else None,
        "next": _next(request),
        "secret": b32encode(device.bin_key).decode(),
        "qr_code": segno.make(device.config_url).svg_inline(scale=5, light="#fff"),
    }
    response = render(request, "registration/otp_enrol.html", context)
    patch_cache_control(response, no_store=True, private=True)  # it shows the secret
    return response
