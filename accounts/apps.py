from django.apps import AppConfig
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
