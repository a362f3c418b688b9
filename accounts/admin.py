from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from rest_framework.authtoken.models import Token

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Django's user admin, with one step for a departing staff member."""

    actions = ["disable"]

    def has_disable_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Disable and sign out"), permissions=["disable"])
    def disable(self, request, queryset):
        """No more sign-in by password, app or API token. Django drops an inactive user's open sessions on their
        next request; the unusable password also keeps them dead if the account is ever made active again."""
        users = list(queryset)
        for user in users:
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
            for device in devices_for_user(user, confirmed=None):
                device.delete()
        Token.objects.filter(user__in=users).delete()
        self.message_user(request, ngettext("%(count)d account disabled.", "%(count)d accounts disabled.",
                                            len(users)) % {"count": len(users)})
