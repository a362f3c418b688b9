"""API tokens held to the account's rules: each has an expiry, and the admin names one without its key.

DRF's `Token` stays the token: its table and keys (the crew apps' tokens keep working), `Authorization: Token …`,
its admin (accounts.admin subclasses it) and `manage.py drf_create_token`. Beside it, one row says when it stops
working. Simpler than a token model of our own (a second table, every key copied over, DRF's admin and command
left behind) and truer than an expiry computed from `Token.created`: the tokens issued before expiry existed need
a date later than their creation (the grace period of migration 0002), and a changed `API_TOKEN_DAYS` applies to
tokens made from then on, not to the ones already handed out. The row is written whenever a token is saved new,
whoever made it (accounts.tokens.give_expiry); a token without one is refused.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token, TokenProxy


class TokenExpiry(models.Model):
    token = models.OneToOneField(Token, models.CASCADE, primary_key=True, related_name="expiry",
                                 verbose_name=_("token"))
    expires = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("API token expiry")
        verbose_name_plural = _("API token expiries")

    def __str__(self):
        return f"{self.token.user}: {self.expires:%Y-%m-%d}"


class ApiToken(TokenProxy):
    """DRF's admin proxy (a token's admin pages are named by its user's id, never by its key) with a name that is
    not the key: DRF's `str(token)` is the key, which the admin's own log, our audit trail and every page title
    would otherwise keep."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return _("API token of %(user)s") % {"user": self.user}
