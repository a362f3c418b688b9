from django.apps import AppConfig, apps
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self):
        from rest_framework.authtoken.models import Token, TokenProxy

        from accounts.models import ApiToken
        from accounts.tokens import give_expiry

        # A save sends post_save with the instance's own class: the token, and the admin's proxies of it.
        for model in (Token, TokenProxy, ApiToken):
            post_save.connect(give_expiry, sender=model, dispatch_uid=f"accounts-expiry-{model.__name__}")
        # Two packages' apps have no name of their own (the admin's index said "Otp_Totp" and "Axes"): ours.
        for label, name in (("otp_totp", _("Authenticator apps")), ("axes", _("Sign-in attempts"))):
            apps.get_app_config(label).verbose_name = name
