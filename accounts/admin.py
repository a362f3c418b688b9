from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from rest_framework.authtoken.models import Token

from audit.admin import Audited
from audit.models import Action, record

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffAdmin(Audited, UserAdmin):
    """Django's user admin, audited (a user's groups and is_staff, is_superuser and is_active are their roles),
    with one step for a departing staff member."""

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
        record(request.user, Action.DISABLE, users)
        self.message_user(request, ngettext("%(count)d account disabled.", "%(count)d accounts disabled.",
                                            len(users)) % {"count": len(users)})

    def user_change_password(self, request, id, form_url=""):
        """A password set by an administrator: recorded (not the password), as Django's view has no save hook."""
        user = self.get_object(request, id)
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and user is not None and response.status_code == 302:
            record(request.user, Action.CHANGE, [user], {"fields": ["password"]})
        return response
