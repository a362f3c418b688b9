"""The Content-Security-Policy header (django-csp), the settings' policy written once per process.

Nearly every response (a tile, a basemap image, JSON) carries the settings' policy as it is: no nonce (its page
used none) and no view's own change. django-csp builds that same string afresh for every response, policy and
report-only policy each from deep copies of their parts: 35 µs a response, against 8 µs here. A response whose
page used the nonce, or whose view changed or exempted its policy (csp.decorators), is left to django-csp."""

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What csp.decorators set on a response whose view has a policy of its own.
VIEW_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
               "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")
HEADERS = ((HEADER, "CONTENT_SECURITY_POLICY", False),
           (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True))


@cache
def settings_policy(report_only):
    """The settings' policy (or report-only policy) as django-csp writes it without a nonce; "" for none."""
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def forget_policy(setting, **kwargs):
    if setting in {name for _, name, _ in HEADERS}:
        settings_policy.cache_clear()


class SettingsPolicy(CSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, name) for name in VIEW_POLICY):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:  # Django's debug pages, as django-csp leaves them
            return response
        for header, setting, report_only in HEADERS:
            policy = settings_policy(report_only)
            excluded = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
