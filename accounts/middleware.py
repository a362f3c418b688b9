"""Administrators, dispatchers and office staff finish signing in with a code before any page or API call: a
password alone does not open residents' contact details."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django_otp import user_has_device

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
