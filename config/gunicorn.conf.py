"""gunicorn's settings for this app: `gunicorn -c config/gunicorn.conf.py config.wsgi --bind …` (`make run`, the
systemd unit in docs/production.md, tests/deployed.py)."""

import os

from gunicorn import glogging

from config.logsafe import without_secrets


class AtomsWithoutSecrets(glogging.SafeAtoms):
    """The fields of an access line, each text without secrets (config/logsafe.py) as the log format reads it:
    only the fields the format names pay for the search (all of them, every header among them, cost 0.2 ms a
    request), and any field it may name is covered. Then its quotes escaped, as gunicorn's SafeAtoms does."""

    def __init__(self, atoms):
        dict.__init__(self, atoms)

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return without_secrets(value).replace('"', '\\"') if isinstance(value, str) else value


class AccessLogger(glogging.Logger):
    """gunicorn's logger whose access lines hold no secret in any field a log format can name: the request line,
    the path, the query, the referer, any header."""

    atoms_wrapper_class = AtomsWithoutSecrets


logger_class = AccessLogger
# Each worker is replaced after about this many requests (gunicorn starts the new one first): memory a worker
# gathers is given back; the jitter keeps them from being replaced all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The app is imported once, by gunicorn's master before it forks the workers: a worker replaced after max_requests
# starts as a fork of a process that has it already, not by importing Django and every app again (about 0.8 s of
# CPU each time; under bench/load.py's 200 residents each of 3 workers is replaced every 15-20 s). Django opens no
# connection at import, so no worker shares one. New code needs a restart (`systemctl restart lapor`, as
# docs/production.md's updates do): a HUP forks new workers of the master's code.
preload_app = True
# The access log as nginx keeps it (config/nginx.conf.template): the path without its query (an Open311 api_key,
# an address searched for) nor a secret segment; no referer (a private page's address).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s "%(a)s"'


def when_ready(server):
    """Say so at start-up when e-mail is written to files, not sent: nobody would hear back (config/mail.py)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    if settings.EMAIL_BACKEND == "config.mail.PrivateFileBackend":
        server.log.warning("No SMTP server is configured (EMAIL_HOST): e-mail is not sent but written to files "
                           "in %s, readable by their owner only (docs/production.md, \"Environment\").",
                           settings.EMAIL_FILE_PATH)
