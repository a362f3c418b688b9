"""Logs without secrets: a private link, a subscription's links or an Open311 key in a log line would be readable
by everyone who reads the logs, for as long as they are kept.

Every URL pattern that carries a secret names it `<str:token>` (tests/test_production.py holds each one against
SECRET_SEGMENT): a report's private link with its data and erasure pages (/laporan/<code>/ikuti/<token>/…) and a
subscription's links (/pemberitahuan/<token>/konfirmasi/, …/berhenti/, …/diperbaiki/). gunicorn's access log
(config/gunicorn.conf.py) and the app's own lines (settings.LOGGING: django.request names the path of every 4xx
and 5xx) pass through without_secrets; nginx's site replaces the same segments (config/nginx.conf.template,
`map $uri $lapor_logged_path`).
"""

import logging
import re

# The segment after /laporan/<code>/ikuti/, and any after /pemberitahuan/ but the WhatsApp webhook's fixed name:
# a secret path nobody listed yet is hidden too.
SECRET_SEGMENT = re.compile(r"(/laporan/[^/?#\s]+/ikuti/|/pemberitahuan/(?!whatsapp/))[^/?#\s'\"]+")
SECRET_QUERY = re.compile(r"((?:^|[?&])api_key=)[^&#\s'\"]*")
PLACEHOLDER = "-"


def without_secrets(text):
    """`text` (a path, a request line, a referer, a log message) with each secret replaced by PLACEHOLDER."""
    return SECRET_QUERY.sub(rf"\g<1>{PLACEHOLDER}", SECRET_SEGMENT.sub(rf"\g<1>{PLACEHOLDER}", text))


class WithoutSecrets(logging.Filter):
    """The app's log lines without secrets: the message, the request django.request names, the traceback (a
    Resolver404 names the path), every text field. Both formatters print exc_text when exc_info is gone."""

    def filter(self, record):
        record.msg, record.args = record.getMessage(), ()
        if hasattr(record, "request"):
            record.request = repr(record.request)
        if record.exc_info:
            record.exc_text, record.exc_info = logging.Formatter().formatException(record.exc_info), None
        for key, value in list(vars(record).items()):
            if isinstance(value, str):
                setattr(record, key, without_secrets(value))
        return True
