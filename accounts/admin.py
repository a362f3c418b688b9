from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import Token, TokenProxy

from accounts.middleware import code_required
from accounts.models import ApiToken
from audit.admin import Audited
from audit.models import Action, record
from config.admin import AdministratorsOnly, DeclaredLookupsOnly

User = get_user_model()
# Django's, DRF's, django-otp's and django-axes' own admins, each again with our rules: lookups on declared filters
# only, every change in the audit trail.
for model in (User, TokenProxy, TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(model)


@admin.register(User)
class StaffAdmin(DeclaredLookupsOnly, Audited, UserAdmin):
    """Django's user admin, audited (a user's groups and is_staff, is_superuser and is_active are their roles),
    with one step for a departing staff member. Found by user name or name, never searched or sorted by e-mail."""

    search_fields = ["username", "first_name", "last_name"]
    sortable_by = ["username", "first_name", "last_name", "is_staff"]
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


@admin.register(ApiToken)
class ApiTokenAdmin(DeclaredLookupsOnly, AdministratorsOnly, Audited, TokenAdmin):
    """DRF's token admin, for the administrators alone: a token is made for one user (audited, its key shown once)
    and deleted (audited); it is never moved to another user, and no page shows a key again."""

    list_display = ["user", "created", "expires"]
    list_select_related = ["user", "expiry"]

    def has_change_permission(self, request, obj=None):
        return False

    def to_field_allowed(self, request, to_field):
        """No relation picks a token in a popup: `?_to_field=key` would list every key."""
        return False

    @admin.display(description=_("expires"))
    def expires(self, token):
        expiry = getattr(token, "expiry", None)  # none: made around the signal, and refused (accounts.tokens)
        return expiry.expires if expiry else None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        messages.warning(request, _("The API token of %(user)s is %(key)s. Copy it now: it is not shown again.")
                         % {"user": obj.user, "key": obj.key})
        if code_required(obj.user) and not user_has_device(obj.user):
            messages.warning(request, _("%(user)s has no authenticator app yet: the token works once they have "
                                        "set one up (signing in at /masuk/).") % {"user": obj.user})


@admin.register(TOTPDevice)
class AuthenticatorAdmin(DeclaredLookupsOnly, Audited, TOTPDeviceAdmin):
    """django-otp's devices: deleting a lost phone's (or adding one) is in the audit trail, never its key."""

    search_fields = ["user__username"]
    search_help_text = None  # django-otp's says "or e-mail address"
    # django-otp marks none of its labels for translation: the columns and the two times are ours, and the form's
    # labels, help texts and section titles go through our catalogue (locale/id) by their English text.
    list_display = ["owner", "device_name", "created", "last_used", "is_confirmed"]
    readonly_fields = ["created", "last_used", "qrcode_link"]
    OURS = {"created_at": "created", "last_used_at": "last_used"}

    @admin.display(description=_("user"), ordering="user__username")
    def owner(self, device):
        return device.user

    @admin.display(description=_("name"), ordering="name")
    def device_name(self, device):
        return device.name

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, device):
        return display_for_value(device.created_at, self.get_empty_value_display())

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, device):
        return display_for_value(device.last_used_at, self.get_empty_value_display())

    @admin.display(boolean=True, description=_("confirmed"), ordering="confirmed")
    def is_confirmed(self, device):
        return device.confirmed

    def get_fieldsets(self, request, obj=None):
        return [(title and gettext(title), {"fields": [self.OURS.get(name, name) for name in spec["fields"]]})
                for title, spec in super().get_fieldsets(request, obj)]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for field in form.base_fields.values():
            field.label = field.label and gettext(str(field.label))
            field.help_text = field.help_text and gettext(str(field.help_text))
        return form


class AxesAudited(DeclaredLookupsOnly, Audited):
    """Deleting a sign-in record lifts a lock-out: in the audit trail."""


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAudited, axes_admin.AccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(AxesAudited, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(AxesAudited, axes_admin.AccessFailureLogAdmin):
    pass
