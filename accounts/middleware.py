"""Administrators, dispatchers and office staff finish signing in with a code before any page or API call: a
password alone does not open residents' contact details."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports import roles

# Between the password and the code only signing in (/masuk/ and the code's own pages under it), signing out and
# the language switch stay open.
OPEN_WHILE_UNVERIFIED = ["login", "logout", "set_language", "admin:login", "admin:logout"]


def code_required(user):
    """Administrators, dispatchers and office staff, who read residents' contact details (office staff those of
    their offices' complaints): by browser, and before an API token."""
    return roles.is_dispatcher(user) or roles.is_office_staff(user)


def needs_code(user):
    """Required of administrators, dispatchers and office staff; crews and planners who set up an app use it
    too."""
    return code_required(user) or user_has_device(user)


def require_verification(get_response):
    open_paths = tuple(reverse(name) for name in OPEN_WHILE_UNVERIFIED)

    def middleware(request):
        user = request.user
        if (user.is_authenticated and not user.is_verified() and not request.path.startswith(open_paths)
                and needs_code(user)):
            return redirect_to_login(request.get_full_path(), reverse("otp-verify"))
        return get_response(request)

    return middleware


class SignedInDevice(OTPMiddleware):
    """django-otp's middleware with its rules (the session's device must exist, be confirmed and be the user's,
    else the session forgets it and the user is not verified), checked against the ids of the user's confirmed
    authenticator apps that accounts.backends.StaffBackend read with the user: no query of its own. The device
    itself is read only if something asks for more than whether there is one."""

    TOTP_LABEL = f"{TOTPDevice._meta.app_label}.{TOTPDevice._meta.model_name}/"

    def _verify_user_sync(self, request, user):
        confirmed = getattr(user, "confirmed_device_ids", None)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
        if confirmed is None or not persistent_id:
            return super()._verify_user_sync(request, user)  # loaded some other way: django-otp's own query
        self._init_user_fields(user)
        label, _, number = self._normalize_persistent_id(persistent_id).rpartition("/")
        device_id = int(number) if label + "/" == self.TOTP_LABEL and number.isdigit() else None
        if device_id in confirmed:
            user.otp_device = SimpleLazyObject(lambda: TOTPDevice.objects.get(pk=device_id))
        else:
            del request.session[DEVICE_ID_SESSION_KEY]
        return user
