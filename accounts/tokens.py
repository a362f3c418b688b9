"""API tokens follow the account's rules (issue 25): a token expires `API_TOKEN_DAYS` after it is made, and an
account whose role signs in with a code from an app cannot use one until that app is set up."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.middleware import code_required
from accounts.models import TokenExpiry

EXPIRED = _("This API token has expired. Ask an administrator for a new one.")
NO_APP = _("Your account signs in with a code from an authenticator app, and it has none yet: sign in at /masuk/ "
           "and set the app up, then use this API token.")


def give_expiry(sender, instance, created, raw=False, **kwargs):
    """post_save of DRF's Token and its proxies: a new token's expiry, however it was made (admin, command)."""
    if created and not raw:
        TokenExpiry.objects.create(token_id=instance.key,
                                   expires=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS))


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token …`, refused with a JSON error once the token has expired (or has no expiry:
    made around the signal), or while its account must give a code and has no app to give it with."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expiry = getattr(token, "expiry", None)
        if expiry is None or expiry.expires <= timezone.now():
            raise AuthenticationFailed(EXPIRED, code="token_expired")
        if code_required(user) and not user_has_device(user):
            raise AuthenticationFailed(NO_APP, code="authenticator_app_missing")
        return user, token
